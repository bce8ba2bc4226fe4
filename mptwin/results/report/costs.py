"""The cost of each exception type in one run, from its result tables; `DEFINITION` says how
(the report page prints it)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mptwin.results.measure.columns import in_window, matches, numeric
from mptwin.results.measure.run_tables import RunInfo
from sim.exceptions import EXCEPTION_TYPES

DEFINITION = """\
For the exceptions of one type raised in the measurement window:

- labour cost: the reviewer hours spent handling them (`handling_h` of those handled by a
  person) x the team's hourly cost (from the shifts table). Reviewers are paid per shift, so
  their idle time is a cost of staffing, not of any exception, and is left out;
- ledger cost: money out of the operator's account (the double-entry ledger) on the orders
  those exceptions are about, of the ledger kind that the exception type leads to:
  `late_delivery` -> `sla_credit`, `parcel_lost` -> `fee_refund`, `return_request` ->
  `commission_reversal` and the cost of a fraudulent return approved (`return_fraud`,
  `return_fraud_auto`), `payment_held` -> `chargeback` (a held payment released and later
  disputed; `chargeback_auto_release` when the system released it). Each ledger row belongs to one kind, so no money is counted twice. Types whose
  resolution moves no operator money (stockouts, unroutable orders, stock discrepancies,
  prices below the floor) have no ledger cost;
- cost = labour cost + ledger cost.

Beside it, `forgone_commission` is the commission the operator would have earned on orders
that carried such an exception and ended cancelled: a lost sale, not a ledger movement, so it
is shown but not added to the cost.
"""

LEDGER_KIND = {
    "late_delivery": "sla_credit",
    "parcel_lost": "fee_refund",
    "return_request": ("commission_reversal", "return_fraud", "return_fraud_auto"),
    "payment_held": ("chargeback", "chargeback_auto_release"),
}
COST_COLUMNS = [
    "type",
    "exceptions",
    "human",
    "reviewer_hours",
    "labour_cost",
    "ledger_cost",
    "cost",
    "forgone_commission",
]


def hourly_cost(shifts: pd.DataFrame) -> float:
    """The reviewers' hourly cost (constant in a run; 0 when no shift was worked)."""
    rates = numeric(shifts, "hourly_cost")
    return float(np.nanmean(rates)) if rates.size else 0.0


def _ledger_cost(money: pd.DataFrame, orders_of_type: np.ndarray, kind) -> float:
    if kind is None or orders_of_type.size == 0:
        return 0.0
    rows = (
        matches(money["kind"], kind)
        & matches(money["credit"], "operator")
        & money["order_id"].isin(orders_of_type).to_numpy()
    )
    return float(numeric(money, "amount")[rows].sum())


def _forgone(orders: pd.DataFrame, ids: np.ndarray) -> float:
    hit = orders["order_id"].isin(ids).to_numpy() & matches(orders["status"], "cancelled")
    return float((numeric(orders, "price") * numeric(orders, "commission_rate"))[hit].sum())


def exception_costs(tables: dict[str, pd.DataFrame], info: RunInfo) -> pd.DataFrame:
    """One row per exception type (every known type, and any other seen): counts, hours, cost."""
    exc, money = tables["exceptions"], tables["money"]
    win = exc[in_window(numeric(exc, "raised_h"), info)]
    rate = hourly_cost(tables["shifts"])
    seen = [str(t) for t in win["type"].dropna().unique() if t not in EXCEPTION_TYPES]
    rows = []
    for kind in (*EXCEPTION_TYPES, *sorted(seen)):
        mine = win[matches(win["type"], kind)]
        human = matches(mine["handler"], "human")
        hours = float(np.nansum(numeric(mine, "handling_h")[human]))
        ids = mine["order_id"].to_numpy()
        ids = np.unique(ids[ids >= 0])
        labour = hours * rate
        ledger = _ledger_cost(money, ids, LEDGER_KIND.get(kind))
        rows.append(
            [
                kind,
                len(mine),
                int(human.sum()),
                hours,
                labour,
                ledger,
                labour + ledger,
                _forgone(tables["orders"], ids),
            ]
        )
    return pd.DataFrame(rows, columns=COST_COLUMNS)
