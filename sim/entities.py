"""The orders the run appends to (slotted, one object each) and each visit's exogenous draws.
The statuses an order goes through, and the steps between them, are `sim.lifecycle`'s;
the
exceptions are in `sim.exceptions`, applications and listings in `sim.seller_network`."""

from __future__ import annotations

from sim.lifecycle import PLACED

NAN = float("nan")


class Order:
    """One order line (this model sells one unit per order)."""

    __slots__ = (
        "order_id",
        "placed_h",
        "region",
        "sku",
        "offer",
        "seller",
        "category",
        "price",
        "shipping_fee",
        "unit_cost",
        "commission_rate",
        "promise_h",
        "ship_by_h",
        "status",
        "cancel_reason",
        "fraud",
        "fraud_flagged",
        "routed_h",
        "warehouse",
        "carrier",
        "packed_h",
        "handed_h",
        "delivered_h",
        "returned_h",
        "review_score",
        "human_tasks",
        "lost",
        "draw",
        "return_pending",
        "auto_released",
        "seller_held",
        "settled",
    )

    def __init__(
        self,
        order_id,
        placed_h,
        region,
        sku,
        offer,
        seller,
        category,
        price,
        shipping_fee,
        unit_cost,
        commission_rate,
        promise_h,
        ship_by_h,
        fraud,
        draw,
    ):
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
        self.status = PLACED  # every later status through sim.lifecycle.set_status
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
        self.seller_held = False  # the seller released it late (its own delay, not the warehouse)
        self.settled = ""  # the seller's share: "" not yet, paid, forfeited or clawed (back)


# what an order leaves in the records (sim.archive kinds): the result table's columns and `lost`
ORDER_FIELDS = {
    "order_id": "q",
    "placed_h": "d",
    "region": "i",
    "sku": "i",
    "offer": "i",
    "seller": "i",
    "category": "i",
    "price": "d",
    "shipping_fee": "d",
    "unit_cost": "d",
    "commission_rate": "d",
    "promise_h": "d",
    "ship_by_h": "d",
    "status": "s",
    "cancel_reason": "s",
    "fraud": "b",
    "fraud_flagged": "b",
    "routed_h": "d",
    "warehouse": "i",
    "carrier": "i",
    "packed_h": "d",
    "handed_h": "d",
    "delivered_h": "d",
    "returned_h": "d",
    "review_score": "d",
    "human_tasks": "i",
    "lost": "b",
}


class OrderDraw:
    """The exogenous luck of one visit, drawn when the customer arrives, whatever the strategy."""

    __slots__ = (
        "release_u",
        "release_e",
        "pick_u",
        "transit_z",
        "loss_u",
        "review_u",
        "return_u",
        "return_after_u",
        "fraud",
        "fraud_score",
        "payment_catch_u",
        "return_fraud_u",
        "return_catch_u",
        "invoice_u",
        "payout_u",
        "mismatch_z",
        "mismatch_catch_u",
        "cancel_u",
    )

    def __init__(
        self,
        release_u,
        release_e,
        pick_u,
        transit_z,
        loss_u,
        review_u,
        return_u,
        return_after_u,
        fraud,
        fraud_score,
        payment_catch_u,
        return_fraud_u,
        return_catch_u,
        invoice_u=1.0,
        payout_u=1.0,
        mismatch_z=0.0,
        mismatch_catch_u=1.0,
        cancel_u=1.0,
    ):
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
        # reconciliation: below the mismatch rate, the carrier's invoice line (or the payout)
        # differs from the ledger, by |mismatch_z| x mismatch_sd of it (z < 0: in the operator's
        # favour, as a share overbill_share sets); a person finds an overbill below its rate
        self.invoice_u = invoice_u
        self.payout_u = payout_u
        self.mismatch_z = mismatch_z
        self.mismatch_catch_u = mismatch_catch_u
        self.cancel_u = cancel_u  # below the scenario's rate: the customer cancels before routing
