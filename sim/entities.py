"""Records the run appends to: orders and exceptions (slotted, one object each). The statuses
an order goes through, and the steps between them, are `sim.lifecycle`'s."""

from __future__ import annotations

from enum import StrEnum

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
    # the seller network: escalations the onboarding policy sends to people
    APPLICATION_REVIEW = "application_review"  # a person checks an applicant's identity and risk
    CATALOGUE_CHECK = "catalogue_check"  # a person checks a declared catalogue's compliance
    LISTING_MAPPING = "listing_mapping"  # a person maps listings the mapper was unsure of
    LISTING_MISCATEGORISED = "listing_miscategorised"  # a wrong category surfaced later
    SELLER_REVIEW = "seller_review"  # governance sent a seller to people (payouts held)
    SUSPENSION_APPEAL = "suspension_appeal"  # a suspended seller appeals
    # finance
    RECONCILIATION_MISMATCH = "reconciliation_mismatch"  # an invoice or payout off the ledger
    NEGATIVE_BALANCE = "negative_balance"  # a seller owes more than payouts have recovered


# Escalations: the world raises these because a policy already chose people; the triage policy
# sets their priority and deadline, never an automatic handler.
PEOPLE_ONLY = frozenset(
    {
        ExceptionType.APPLICATION_REVIEW,
        ExceptionType.CATALOGUE_CHECK,
        ExceptionType.LISTING_MAPPING,
        ExceptionType.LISTING_MISCATEGORISED,
        ExceptionType.SELLER_REVIEW,
        ExceptionType.SUSPENSION_APPEAL,
        ExceptionType.NEGATIVE_BALANCE,
    }
)


EXCEPTION_TYPES = tuple(t.value for t in ExceptionType)


class Handler(StrEnum):
    """Who resolves an exception: a person on the review team, or the system at once."""

    HUMAN = "human"
    AUTO = "auto"


HANDLERS = frozenset(h.value for h in Handler)


class ExceptionRecord:
    """A typed irregularity: what it is about, what it blocks, who handled it and when."""

    __slots__ = (
        "exc_id",
        "type",
        "cause",
        "order_id",
        "offer",
        "blocks",
        "raised_h",
        "deadline_h",
        "priority",
        "handler",
        "started_h",
        "resolved_h",
        "reviewer",
        "handling_h",
        "outcome",
        "on_resolved",
        "seller",
        "units",
        "team",
    )

    def __init__(self, exc_id, type_, cause, order_id, offer, blocks, raised_h, seller=-1, units=1):
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
        self.seller = seller  # -1 when not about a seller or an application
        self.units = units  # items of work in the task (listings to map); handling scales
        self.team = ""  # the review team whose queue it joined (human tasks)


EXCEPTION_FIELDS = {
    "exc_id": "q",
    "type": "s",
    "cause": "s",
    "order_id": "q",
    "offer": "i",
    "blocks": "s",
    "raised_h": "d",
    "deadline_h": "d",
    "priority": "i",
    "handler": "s",
    "started_h": "d",
    "resolved_h": "d",
    "reviewer": "i",
    "handling_h": "d",
    "outcome": "s",
    "seller": "i",
    "units": "i",
    "team": "s",
}


# Application decisions (an application ends in one of these, or is still open at run end).
APPROVED, REJECTED = "approved", "rejected"


class Application:
    """A seller's application to join: what the operator sees, the hidden truth, and how it
    went. Its truth and luck are drawn per run, the same whatever the strategy."""

    __slots__ = (
        "app_id",
        "seller",
        "arrived_h",
        "documents_ok",
        "kyc_score",
        "screen_score",
        "listings",
        "bad",
        "compliance_issue",
        "review_u",
        "catalogue_u",
        "fix_e",
        "decision",
        "decided_h",
        "live_h",
        "by_people",
        "reason",
        "wave",
        "volume_cap",
    )

    def __init__(
        self,
        app_id,
        seller,
        arrived_h,
        documents_ok,
        kyc_score,
        screen_score,
        listings,
        bad,
        compliance_issue,
        review_u,
        catalogue_u,
        fix_e,
    ):
        self.app_id = app_id
        self.seller = seller
        self.arrived_h = arrived_h
        self.documents_ok = documents_ok  # the automatic document check passed
        self.kyc_score = kyc_score  # the KYC provider's score: higher is riskier
        self.screen_score = screen_score  # the automatic catalogue screen: higher, more suspect
        self.listings = listings
        self.bad = bad  # hidden: a bad actor
        self.compliance_issue = compliance_issue  # hidden: the catalogue breaks the rules
        self.review_u = review_u  # below a reviewer's rate: the verdict catches it
        self.catalogue_u = catalogue_u  # below the catalogue team's rate: the issue is found
        self.fix_e = fix_e  # unit exponential: how long an honest seller takes to fix it
        self.decision = ""  # approved | rejected ("" while open)
        self.decided_h = NAN
        self.live_h = NAN  # its first listing went live
        self.by_people = False  # a person took part in the decision
        self.reason = ""
        self.wave = False  # hidden: a bad actor that will run a stolen-card order wave
        self.volume_cap = 0  # orders a day on probation (0: none), as the strategy decided


class Listing:
    """A new listing's mapping to the operator's categories: the label it went live under, and
    when a wrong one was corrected."""

    __slots__ = (
        "offer",
        "seller",
        "category",
        "label",
        "confidence",
        "by_people",
        "live_h",
        "corrected_h",
        "surface_e",
    )

    def __init__(self, offer, seller, category, surface_e):
        self.offer = offer
        self.seller = seller
        self.category = category  # hidden: the true category
        self.label = -1
        self.confidence = NAN
        self.by_people = False
        self.live_h = NAN
        self.corrected_h = NAN
        self.surface_e = surface_e  # unit exponential: when a wrong label surfaces
