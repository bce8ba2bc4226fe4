"""The irregularities the world raises (slotted records, one object each), their types and who
handles them."""

from __future__ import annotations

from enum import StrEnum

from sim.entities import NAN


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
