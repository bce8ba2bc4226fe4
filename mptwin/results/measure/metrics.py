"""KPIs as pure functions of a run's result tables (KPIS.md is the contract): `compute_kpis`
turns the tables and `RunInfo` into one flat JSON-ready record, `kpi_table` prints it.

Everything is measured over the window [warmup_h, window_end_h). Money is attributed to the
window through its order (flows of window orders count whenever they happen, since the run's
cool-down lets late refunds and chargebacks land); non-order flows such as wages count by date.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mptwin.results.measure.columns import (
    in_window,
    matches,
    max_open,
    numeric,
    overlap_hours,
    percentiles,
    ratio,
    share,
    sums_by,
    table,
)
from mptwin.results.measure.run_tables import RunInfo
from mptwin.results.measure.seller_metrics import seller_network_kpis
from mptwin.results.measure.service_calls import service_kpis
from sim.exceptions import EXCEPTION_TYPES
from sim.lifecycle import TERMINAL

MONEY_KINDS = {  # KPI key -> ledger kinds summed into it
    "carrier_cost": ("carrier_charge",),
    "sla_credits": ("sla_credit",),
    "fraud_losses": ("chargeback", "chargeback_auto_release"),
    "return_fraud_losses": ("return_fraud", "return_fraud_auto"),
    # what the system's own decisions lost: a fraudulent return approved, a held payment
    # released unchecked and then charged back (a person might have caught either)
    "auto_decision_losses": ("return_fraud_auto", "chargeback_auto_release"),
    "reviewer_cost": ("reviewer_wages",),
    "platform_cost": ("platform_fee",),
    "refunds": ("refund", "fee_refund"),
    "payouts_forfeited": ("payout_forfeit",),  # a bad actor's held payouts, kept by the operator
    "clawbacks": ("clawback",),  # chargebacks recovered from a held seller's payouts
    "reconciliation_losses": ("overbill_carrier", "overpaid_payout"),  # accepted unchecked
}


def window_orders(
    tables: dict[str, pd.DataFrame], info: RunInfo, columns: list[str] | None = None
) -> pd.DataFrame:
    """Orders placed in the window: the population for volume, rates and money attribution.
    Only `columns` (all by default): the selection is a copy, a year's is millions of rows."""
    orders = table(tables, "orders")
    keep = in_window(numeric(orders, "placed_h"), info)
    return (orders if columns is None else orders[columns])[keep]


def window_money(
    tables: dict[str, pd.DataFrame], info: RunInfo, columns: list[str] | None = None
) -> pd.DataFrame:
    """Ledger rows attributed to the window: every flow of a window order, whenever it happens
    (a refund landing in the cool-down counts; a warm-up order's refund inside the window does
    not), plus order-less flows such as wages dated in the window. Only `columns` (all by
    default): a year's ledger has tens of millions of rows, and the copy costs their width."""
    money = table(tables, "money")
    orders = table(tables, "orders")
    ids = orders["order_id"][in_window(numeric(orders, "placed_h"), info)]
    oid = money["order_id"]
    of_window_order = oid.isin(ids).to_numpy(dtype=bool, na_value=False)
    no_order = oid.eq(-1).to_numpy(dtype=bool, na_value=False)
    keep = of_window_order | (no_order & in_window(numeric(money, "t_h"), info))
    return (money if columns is None else money[columns])[keep]


def volume_kpis(win: pd.DataFrame, daily: pd.DataFrame, info: RunInfo) -> dict:
    """How much business the window saw: orders, GMV (before refunds), visits, conversion."""
    gmv = float((numeric(win, "price") + numeric(win, "shipping_fee")).sum())
    day_start = daily["day"].to_numpy(dtype=float) * 24.0
    visits = int(daily["visits"].to_numpy()[in_window(day_start, info)].sum())
    return {
        "orders": len(win),
        "gmv": gmv,
        "visits": visits,
        "conversion_rate": ratio(len(win), visits),
        "orders_open_at_end": int(matches(win["status"], "open").sum()),
    }


def margin_kpis(money: pd.DataFrame, gmv: float) -> dict:
    """Who keeps what of the window's orders: account nets from the double-entry ledger."""
    by_kind = sums_by(money, "kind")
    debits, credits = sums_by(money, "debit"), sums_by(money, "credit")

    def net(account: str) -> float:
        return float(debits.get(account, 0.0) - credits.get(account, 0.0))

    operator = net("operator")
    out = {
        "commission_revenue": float(
            by_kind.get("commission", 0.0) - by_kind.get("commission_reversal", 0.0)
        ),
        "operator_margin": operator,
        "operator_margin_pct": ratio(operator, gmv),
        "seller_margin": net("sellers"),
    }
    for key, kinds in MONEY_KINDS.items():
        out[key] = float(sum(by_kind.get(k, 0.0) for k in kinds))
    return out


def sla_kpis(orders: pd.DataFrame, win: pd.DataFrame, info: RunInfo) -> dict:
    """Delivery promises kept: deliveries and hand-overs are judged when they happen (in the
    window), cancellations, fill and returns over the orders placed in the window."""
    delivered_at = numeric(orders, "delivered_h")
    done = in_window(delivered_at, info)
    c2d = delivered_at[done] - numeric(orders, "placed_h")[done]
    p50, p90, p95 = percentiles(c2d, (50, 90, 95))
    handed_at = numeric(orders, "handed_h")
    handed = in_window(handed_at, info)
    status = win["status"]
    settled = matches(status, ("delivered", "returned"))
    scores = numeric(orders, "review_score")[done]
    scores = scores[~np.isnan(scores)]
    return {
        "on_time_rate": share(delivered_at[done] <= numeric(orders, "promise_h")[done]),
        "click_to_door_p50_h": p50,
        "click_to_door_p90_h": p90,
        "click_to_door_p95_h": p95,
        "ship_on_time_rate": share(handed_at[handed] <= numeric(orders, "ship_by_h")[handed]),
        "cancellation_rate": share(matches(status, "cancelled")),
        "fill_rate": share(~np.isnan(numeric(win, "handed_h"))),
        "return_rate": ratio(int(matches(status, "returned").sum()), int(settled.sum())),
        "review_score_mean": float(scores.mean()) if scores.size else None,
    }


def exception_type_kpis(exc: pd.DataFrame, raised: np.ndarray) -> dict:
    """Per-type counts in the window: one key for every known type (and any other type seen in
    the run), so every run has the same keys and paired comparisons line up."""
    types = list(EXCEPTION_TYPES) + sorted(
        str(t) for t in exc["type"].dropna().unique() if t not in EXCEPTION_TYPES
    )
    counts = exc.loc[raised, "type"].value_counts()
    return {f"exceptions_{t}": int(counts.get(t, 0)) for t in types}


def reviewer_busy(exc: pd.DataFrame, info: RunInfo) -> tuple[np.ndarray, np.ndarray]:
    """Busy intervals [started, started + handling) of human exceptions a reviewer picked up;
    a task cut off by the end of the run (or with no handling time yet) ends at end_h."""
    start = numeric(exc, "started_h")
    keep = matches(exc["handler"], "human") & ~np.isnan(start)
    start = start[keep]
    end = start + numeric(exc, "handling_h")[keep]
    end = np.where(np.isnan(end), info.end_h, np.minimum(end, info.end_h))
    return start, end


def backlog_max(exc: pd.DataFrame, info: RunInfo) -> int:
    """Most human exceptions open at once in the window (open: raised <= t < resolved)."""
    human = matches(exc["handler"], "human")
    return max_open(numeric(exc, "raised_h")[human], numeric(exc, "resolved_h")[human], info)


def exception_kpis(
    exc: pd.DataFrame, shifts: pd.DataFrame, win: pd.DataFrame, info: RunInfo
) -> dict:
    """The human load the window generated: counts, reviewer time against shift time, backlog,
    resolution times, and how many orders never needed a person."""
    raised_at = numeric(exc, "raised_h")
    raised = in_window(raised_at, info)
    n = int(raised.sum())
    reviewer_hours = float(overlap_hours(*reviewer_busy(exc, info), info).sum())
    shift_hours = overlap_hours(numeric(shifts, "start_h"), numeric(shifts, "end_h"), info)
    on_shift = float((shift_hours * numeric(shifts, "headcount")).sum())
    took = numeric(exc, "resolved_h") - raised_at
    res_p50, res_p95 = percentiles(took[raised], (50, 95))
    human = raised & matches(exc["handler"], "human")
    human_p50, human_p90 = percentiles(took[human], (50, 90))
    terminal = matches(win["status"], tuple(TERMINAL))
    tasks = win["human_tasks"].to_numpy(dtype=float, na_value=np.nan)[terminal]
    return {
        "exceptions": n,
        "exceptions_human": int((matches(exc["handler"], "human") & raised).sum()),
        "exceptions_per_1k_orders": ratio(1000.0 * n, len(win)),
        "reviewer_hours": reviewer_hours,
        "reviewer_utilisation": ratio(reviewer_hours, on_shift),
        "backlog_max": backlog_max(exc, info),
        "resolution_p50_h": res_p50,
        "resolution_p95_h": res_p95,
        "human_resolution_p50_h": human_p50,
        "human_resolution_p90_h": human_p90,
        "touchless_rate": share(tasks == 0),
        **exception_type_kpis(exc, raised),
    }


def _jsonable(value):
    """Plain Python scalars only; NaN and infinities (no data) become None."""
    if value is None or isinstance(value, bool | np.bool_):
        return None if value is None else bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    value = float(value)
    return value if math.isfinite(value) else None


def _merge(*families: dict) -> dict:
    """Union of KPI families; a key defined twice (say, an exception type named like a KPI)
    is a contract error, not something to overwrite silently."""
    out: dict = {}
    for family in families:
        clash = out.keys() & family.keys()
        if clash:
            raise ValueError(f"KPI keys defined twice: {sorted(clash)}")
        out.update(family)
    return out


# the columns of the window's orders the KPIs read (volume, SLA, exceptions, seller network)
WINDOW_ORDER_COLUMNS = ["seller", "price", "shipping_fee", "status", "handed_h", "human_tasks"]


def compute_kpis(tables: dict[str, pd.DataFrame], info: RunInfo) -> dict:
    """All KPIs of one run over its measurement window, as one flat JSON-ready record."""
    orders = table(tables, "orders")
    win = window_orders(tables, info, WINDOW_ORDER_COLUMNS)
    volume = volume_kpis(win, table(tables, "daily"), info)
    kpis = _merge(
        volume,
        margin_kpis(
            window_money(tables, info, ["debit", "credit", "amount", "kind"]), volume["gmv"]
        ),
        sla_kpis(orders, win, info),
        exception_kpis(table(tables, "exceptions"), table(tables, "shifts"), win, info),
        seller_network_kpis(tables, win, info),
        service_kpis(tables.get("service_calls"), info),
    )
    return {k: _jsonable(v) for k, v in kpis.items()}


KPI_GROUPS = {  # headings of kpi_table, in order
    "Volume": ["orders", "gmv", "visits", "conversion_rate", "orders_open_at_end"],
    "Margin": [
        "commission_revenue",
        "operator_margin",
        "operator_margin_pct",
        "seller_margin",
        *MONEY_KINDS,
    ],
    "SLA": [
        "on_time_rate",
        "click_to_door_p50_h",
        "click_to_door_p90_h",
        "click_to_door_p95_h",
        "ship_on_time_rate",
        "cancellation_rate",
        "fill_rate",
        "return_rate",
        "review_score_mean",
    ],
    "Seller network": [
        "applications",
        "sellers_onboarded",
        "onboarding_p50_h",
        "onboarding_p95_h",
        "onboarding_backlog_max",
        "bad_sellers_admitted",
        "good_sellers_rejected",
        "listings_mapped",
        "miscategorisation_rate",
        "new_seller_gmv",
        "visits_unlisted",
        "governance_precision",
        "governance_recall",
        "detect_p50_h",
        "gmv_lost_false_suspension",
        "bad_actor_losses",
        "reconciliation_exceptions",
        "onboarding_reviewer_hours",
    ],
    "Exception load": [
        "exceptions",
        "exceptions_human",
        "exceptions_per_1k_orders",
        "reviewer_hours",
        "reviewer_utilisation",
        "backlog_max",
        "resolution_p50_h",
        "resolution_p95_h",
        "touchless_rate",
    ],
    "Decision service": ["decision_fallbacks", "decision_service_p95_ms"],
}
MONEY_KEYS = {
    "gmv",
    "commission_revenue",
    "operator_margin",
    "seller_margin",
    "new_seller_gmv",
    *MONEY_KINDS,
}


def format_kpi(key: str, value) -> str:
    """A value as people read it: money with separators, rates as percentages, hours in h."""
    if value is None:
        return "n/a"
    if key in MONEY_KEYS:
        return f"{value:,.2f}"
    if key.endswith(("_rate", "_pct", "_utilisation")):
        return f"{100.0 * value:.1f}%"
    if key.endswith("_h") or key.endswith("_hours"):
        return f"{value:,.1f} h"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.2f}"


def kpi_table(kpis: dict) -> str:
    """Fixed-width text table of a KPI record, grouped under headings, for the terminal.
    Keys outside the known groups go under "Exception types" (exceptions_*) or "Other"."""
    known = {k for keys in KPI_GROUPS.values() for k in keys}
    rest = [k for k in kpis if k not in known]
    groups = {name: [k for k in keys if k in kpis] for name, keys in KPI_GROUPS.items()}
    groups["Exception types"] = sorted(k for k in rest if k.startswith("exceptions_"))
    groups["Other"] = [k for k in rest if not k.startswith("exceptions_")]
    width = max((len(k) for k in kpis), default=10) + 2
    lines = []
    for name, keys in groups.items():
        if not keys:
            continue
        lines += [name, "-" * len(name)]
        lines += [f"  {k:<{width}}{format_kpi(k, kpis[k]):>16}" for k in keys]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
