"""Records the run appends to: orders and exceptions (slotted, one object each), with the
states an order can end in."""

from __future__ import annotations

from enum import StrEnum

NAN = float("nan")

# Order statuses. Terminal: delivered, returned, cancelled, lost. Anything else is in flight.
PLACED, HELD, ROUTING, PICKING, SHIPPED = "placed", "held", "routing", "picking", "shipped"
DELIVERED, RETURNED, CANCELLED, LOST = "delivered", "returned", "cancelled", "lost"
TERMINAL = frozenset({DELIVERED, RETURNED, CANCELLED, LOST})


class Order:
    """One order line (this model sells one unit per order)."""

    __slots__ = (
        "order_id", "placed_h", "region", "sku", "offer", "seller", "category", "price",
        "shipping_fee", "unit_cost", "commission_rate", "promise_h", "ship_by_h", "status",
        "cancel_reason", "fraud", "fraud_flagged", "routed_h", "warehouse", "carrier",
        "packed_h", "handed_h", "delivered_h", "returned_h", "review_score", "human_tasks",
        "lost", "draw", "return_pending", "auto_released",
    )  # fmt: skip

    def __init__(self, order_id, placed_h, region, sku, offer, seller, category, price,
                 shipping_fee, unit_cost, commission_rate, promise_h, ship_by_h, fraud, draw):  # fmt: skip
        self.order_id = order_id
        self.placed_h = placed_h
        self.region = region
        self.sku = sku
        self.offer = offer
        self.seller = seller
        self.category = category
        self.price = price
        self.shipping_fee = shipping_fee
        self.unit_cost = unit_cost
        self.commission_rate = commission_rate
        self.promise_h = promise_h
        self.ship_by_h = ship_by_h
        self.status = PLACED
        self.cancel_reason = ""
        self.fraud = fraud
        self.fraud_flagged = False
        self.routed_h = NAN
        self.warehouse = -1
        self.carrier = -1
        self.packed_h = NAN
        self.handed_h = NAN
        self.delivered_h = NAN
        self.returned_h = NAN
        self.review_score = NAN
        self.human_tasks = 0
        self.lost = False
        self.draw = draw  # this customer's exogenous draws (an OrderDraw)
        self.return_pending = False
        self.auto_released = False  # a held payment released by the system, unchecked


class OrderDraw:
    """The exogenous luck of one visit, drawn when the customer arrives, whatever the strategy."""

    __slots__ = ("release_u", "release_e", "pick_u", "transit_z", "loss_u", "review_u",
                 "return_u", "return_after_u", "fraud", "fraud_score", "payment_catch_u",
                 "return_fraud_u", "return_catch_u")  # fmt: skip

    def __init__(self, release_u, release_e, pick_u, transit_z, loss_u, review_u, return_u,
                 return_after_u, fraud, fraud_score, payment_catch_u, return_fraud_u,
                 return_catch_u):  # fmt: skip
        self.release_u = release_u  # below the seller's reliability: released without delay
        self.release_e = release_e  # unit exponential, scaled by the seller's mean delay
        self.pick_u = pick_u  # below the warehouse's discrepancy rate: the unit is missing
        self.transit_z = transit_z  # standard normal quantile of the transit time
        self.loss_u = loss_u
        self.review_u = review_u
        self.return_u = return_u
        self.return_after_u = return_after_u  # where in the return window a return comes
        self.fraud = fraud  # hidden truth
        self.fraud_score = fraud_score  # the payment provider's risk signal
        # a reviewer's verdict is part of the visit's luck, so the same held order or return
        # gets the same verdict whatever the strategy (common random numbers)
        self.payment_catch_u = payment_catch_u  # below the reviewer's rate: rejected
        self.return_fraud_u = return_fraud_u  # below the scenario's share: a fraudulent return
        self.return_catch_u = return_catch_u  # below the reviewer's rate: the fraud is caught


class ExceptionType(StrEnum):
    """Every irregularity the world raises. KPIs report a count for each, so the key set of
    kpis.json is the same in every run."""

    PAYMENT_HELD = "payment_held"  # the payment provider's risk score held the order
    STOCKOUT_AT_ROUTING = "stockout_at_routing"  # no unit at the warehouse routing chose
    UNROUTABLE = "unroutable"  # no carrier serves the region, or the policy escalated
    STOCK_DISCREPANCY = "stock_discrepancy"  # the recorded unit is not on the shelf
    LATE_DELIVERY = "late_delivery"  # the promise passed before delivery
    PARCEL_LOST = "parcel_lost"  # a parcel silent well past its promise
    RETURN_REQUEST = "return_request"  # a customer sends the item back
    PRICE_BELOW_COST = "price_below_cost"  # a proposed price under the operator's floor


EXCEPTION_TYPES = tuple(t.value for t in ExceptionType)


class Handler(StrEnum):
    """Who resolves an exception: a person on the review team, or the system at once."""

    HUMAN = "human"
    AUTO = "auto"


HANDLERS = frozenset(h.value for h in Handler)


class ExceptionRecord:
    """A typed irregularity: what it is about, what it blocks, who handled it and when."""

    __slots__ = ("exc_id", "type", "cause", "order_id", "offer", "blocks", "raised_h",
                 "deadline_h", "priority", "handler", "started_h", "resolved_h", "reviewer",
                 "handling_h", "outcome", "on_resolved")  # fmt: skip

    def __init__(self, exc_id, type_, cause, order_id, offer, blocks, raised_h):
        self.exc_id = exc_id
        self.type = type_
        self.cause = cause
        self.order_id = order_id
        self.offer = offer
        self.blocks = blocks
        self.raised_h = raised_h
        self.deadline_h = NAN
        self.priority = 0
        self.handler = ""
        self.started_h = NAN
        self.resolved_h = NAN
        self.reviewer = -1
        self.handling_h = 0.0
        self.outcome = ""
        self.on_resolved = None  # the world's continuation: what the blocked work does next
