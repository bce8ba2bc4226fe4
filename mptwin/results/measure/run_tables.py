"""The result tables of a run: their columns and meaning, the contract between the model,
`mptwin.results.measure.metrics` and every report.

A run produces these tables (pandas DataFrames at the end of the run, Parquet on disk). Times
are simulation hours since the run's calendar start; a missing time is NaN; a missing index
is -1. The run's measurement window is [warmup_h, window_end_h) and lives in `RunInfo`.
"""

from __future__ import annotations

from dataclasses import dataclass

# orders: one row per order placed during the whole run (warm-up, window and cool-down).
ORDER_COLUMNS = {
    "order_id": "int64",
    "placed_h": "float64",  # when the customer paid
    "region": "int32",  # customer region
    "sku": "int32",
    "offer": "int32",  # the (sku, seller) offer the customer chose
    "seller": "int32",
    "category": "int32",
    "price": "float64",  # item price paid
    "shipping_fee": "float64",  # shipping fee paid by the customer
    "unit_cost": "float64",  # seller's cost of the item
    "commission_rate": "float64",
    "promise_h": "float64",  # promised delivery time set at purchase (end of a calendar day)
    "ship_by_h": "float64",  # when the seller must hand the parcel to a carrier
    "status": "category",  # delivered | returned | cancelled | lost | open (not terminal at run end)
    "cancel_reason": "category",  # "" unless cancelled: fraud | stockout | unroutable | ...
    "fraud": "bool",  # hidden truth: the payment was fraudulent (never shown to strategies)
    "fraud_flagged": "bool",  # the payment check held the order
    "routed_h": "float64",
    "warehouse": "int32",
    "carrier": "int32",
    "packed_h": "float64",
    "handed_h": "float64",  # handed to the carrier
    "delivered_h": "float64",
    "returned_h": "float64",  # return (refund) completed
    "review_score": "float64",  # 1..5, NaN when not delivered
    "human_tasks": "int32",  # exceptions attached to this order that went to a human
}

# shipments: one row per parcel handed to a carrier.
SHIPMENT_COLUMNS = {
    "order_id": "int64",
    "warehouse": "int32",
    "carrier": "int32",
    "origin_region": "int32",
    "dest_region": "int32",
    "distance_km": "float64",
    "handed_h": "float64",
    "nominal_transit_h": "float64",  # the carrier's contracted transit time for the lane
    "delivered_h": "float64",  # NaN if lost or still in transit
    "lost": "bool",
    "carrier_cost": "float64",
}

# exceptions: one row per exception raised, resolved or not.
EXCEPTION_COLUMNS = {
    "exc_id": "int64",
    "type": "category",  # one of sim.exceptions.ExceptionType
    "cause": "category",
    "order_id": "int64",  # -1 when not about an order
    "offer": "int32",  # -1 when not about an offer
    "blocks": "category",  # order | refund | price | application | listing: what waits for it
    "raised_h": "float64",
    "deadline_h": "float64",
    "priority": "int32",  # lower is more urgent
    "handler": "category",  # sim.exceptions.Handler: human | auto
    "started_h": "float64",  # a reviewer picked it up (NaN if never)
    "resolved_h": "float64",  # NaN if still open at run end
    "reviewer": "int32",
    "handling_h": "float64",  # reviewer hours spent on it
    "outcome": "category",
    "seller": "int32",  # the seller or applicant it is about; -1 when none
    "units": "int32",  # items of work in it (listings to map); 1 for most tasks
    "team": "category",  # the review team whose queue it joined; "" when auto
}

# money: the double-entry ledger. Each row moves `amount` (> 0) out of account `credit` into
# account `debit`; an account's balance is its debits minus its credits, and all balances sum
# to zero. `order_id` attributes a movement to an order (-1: not order-related, e.g. wages).
MONEY_COLUMNS = {
    "t_h": "float64",
    "order_id": "int32",  # -1: a flow of no order (wages, payouts)
    "seller": "int32",
    "debit": "category",  # account the money goes to (sim.ledger.ACCOUNTS)
    "credit": "category",  # account the money comes from
    "amount": "float64",
    "kind": "category",
}

# shifts: one row per reviewer shift block (a day's shift for the whole team).
SHIFT_COLUMNS = {
    "day": "int64",
    "start_h": "float64",
    "end_h": "float64",
    "headcount": "int64",
    "hourly_cost": "float64",
    "team": "string",  # the review team (operations: the main team)
}

# daily: one row per simulated day, a time series for plots and the backlog.
DAILY_COLUMNS = {
    "day": "int64",
    "date": "string",
    "promo": "bool",
    "visits": "int64",  # customers who arrived
    "orders": "int64",
    "visits_no_stock": "int64",  # customers who found every offer of the SKU out of stock
    "visits_left": "int64",  # customers who chose the outside option
    "deliveries": "int64",
    "cancellations": "int64",
    "visits_unlisted": "int64",  # visits to an applicant's listing not live (not in `visits`)
    "exceptions_raised": "int64",
    "exceptions_resolved": "int64",
    "backlog_end": "int64",  # human exceptions open at the end of the day
    "stock_on_hand": "int64",
    "offers_out_of_stock": "int64",  # live offers with no unit available
}


# applications: one row per seller application received during the run.
APPLICATION_COLUMNS = {
    "app_id": "int64",
    "seller": "int64",  # the seller it becomes if approved
    "arrived_h": "float64",
    "documents_ok": "bool",  # the automatic document check passed
    "kyc_score": "float64",  # the KYC provider's score (higher: riskier)
    "screen_score": "float64",  # the automatic catalogue screen's score
    "listings": "int64",
    "bad": "bool",  # hidden truth: a bad actor (never shown to strategies)
    "compliance_issue": "bool",  # hidden truth: its catalogue breaks the rules
    "decision": "string",  # approved | rejected | "" (still open at run end)
    "decided_h": "float64",
    "live_h": "float64",  # its first listing went live
    "by_people": "bool",  # a person took part in the decision
    "reason": "string",  # what the strategy's assessment gave as its reason
}

# listings: one row per new listing mapped to a category (approved applicants' catalogues).
LISTING_COLUMNS = {
    "offer": "int64",
    "seller": "int64",
    "category": "int64",  # hidden truth: the true category
    "label": "int64",  # the category it went live under
    "confidence": "float64",  # the mapper's reported confidence
    "by_people": "bool",  # a person mapped it
    "live_h": "float64",  # NaN if still waiting for a person at run end
    "corrected_h": "float64",  # a wrong label corrected by a person (NaN: never)
}

# seller_actions: one row per governance action carried out, and what followed from it.
SELLER_ACTION_COLUMNS = {
    "t_h": "float64",
    "seller": "int64",
    "action": "string",  # warn | suspend | people | reformed | reinstated
    "reason": "string",  # the breached metrics, audit, order_spike, appeal, ...
    "by": "string",  # policy | people | seller
    "bad": "bool",  # hidden truth at the time: a bad actor
}

# suspensions: one row per suspension (the seller's offers hidden, its payouts held).
SUSPENSION_COLUMNS = {
    "seller": "int64",
    "start_h": "float64",
    "end_h": "float64",  # reinstated (NaN: never)
    "bad": "bool",  # hidden truth: a bad actor
    "by": "string",  # auto (a rule) | people (a seller review)
    "reason": "string",
}

# decisions: one row per decision, written only by a run with `decisions=true` (so not in
# TABLE_COLUMNS); `mptwin-explain` reads it. Built by mptwin.results.measure.decisions.
DECISION_COLUMNS = {
    "decision_id": "int64",  # in the order decided
    "t_h": "float64",  # when it was asked
    "point": "category",  # routing | promise | pricing | triage | onboarding | label | governance
    "order_id": "int64",  # -1 when not about an order
    "offer": "int32",  # -1 when none
    "seller": "int32",  # -1 when none
    "exc_id": "int64",  # triage: the exception; -1 otherwise
    "app_id": "int64",  # onboarding and label: the application; -1 otherwise
    "asked": "string",  # the question, in short
    "chosen": "string",  # the answer the world applied, in short
    "policy": "category",  # the policy's class name
    "reason": "category",  # the policy's reason ("" when it gave none)
    # the alternatives weighed, a list per option type of sim.decisions (null where the
    # decision's are of another type): each option a struct of its terms, null for a term the
    # policy does not estimate, with `chosen` true on the answer applied
    "route_options": "list<struct>",  # RouteOption: routing
    "promise_options": "list<struct>",  # PromiseOption: promises
    "alternatives": "list<struct>",  # Alternative: triage, onboarding, label, governance
    # pricing (null for the other points): the price before and the new one, rejected where it
    # is under the operator's floor (it stays old_price), and the policy's terms where it gave
    # them: the competitor's price it read, the price it aimed at, its own floor, its regime
    "old_price": "float64",
    "new_price": "float64",
    "operator_floor": "float64",
    "competitor": "float64",
    "target": "float64",
    "margin_floor": "float64",
    "regime": "string",
}

# every table of a run, by the name of its Parquet file
# service_calls: one row per call a forwarding strategy made to a decision service
# (strategies.remote), written only by such a strategy's runs (so not in TABLE_COLUMNS).
# Built by mptwin.results.measure.service_calls.
SERVICE_CALL_COLUMNS = {
    "t_h": "float64",  # when the twin asked (simulated hours)
    "point": "string",  # the decision point (routing, promise, pricing, exceptions), or open
    "decisions": "int64",  # decisions the call was for (orders of a routing batch; else 1)
    "latency_ms": "float64",  # the service's answer time, wall clock (NaN: no answer)
    "outcome": "string",  # ok, timeout, down, error, invalid, circuit_open, not_open, not_attached
    "reason": "string",  # why it failed, in words ("" when ok)
    "fallbacks": "int64",  # decisions the fallback policy took instead
}
TABLE_COLUMNS = {
    "orders": ORDER_COLUMNS,
    "shipments": SHIPMENT_COLUMNS,
    "exceptions": EXCEPTION_COLUMNS,
    "money": MONEY_COLUMNS,
    "shifts": SHIFT_COLUMNS,
    "daily": DAILY_COLUMNS,
    "applications": APPLICATION_COLUMNS,
    "listings": LISTING_COLUMNS,
    "seller_actions": SELLER_ACTION_COLUMNS,
    "suspensions": SUSPENSION_COLUMNS,
}


@dataclass(frozen=True)
class RunInfo:
    """Run-level facts the KPIs need besides the tables."""

    scenario: str
    strategy: str
    seed: int
    start_date: str  # ISO date of hour 0
    warmup_h: float
    window_end_h: float
    end_h: float
    currency: str
