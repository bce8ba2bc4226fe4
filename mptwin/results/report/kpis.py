"""What a report needs to know about KPI keys: which way is better, which ones lead, and how to
print a value or a difference of one."""

from __future__ import annotations

import numpy as np

from mptwin.results.measure.metrics import MONEY_KEYS, MONEY_KINDS, format_kpi
from mptwin.results.stats import MIN_REPLICATIONS, clean, t_quantile

# The KPIs a strategist reads first: the terminal table, the figures and the top of the page.
HEADLINE = (
    "operator_margin",
    "operator_margin_pct",
    "gmv",
    "orders",
    "on_time_rate",
    "click_to_door_p90_h",
    "cancellation_rate",
    "exceptions_per_1k_orders",
    "reviewer_hours",
    "backlog_max",
    "resolution_p95_h",
    "touchless_rate",
)

HIGHER_IS_BETTER = {
    "orders",
    "gmv",
    "conversion_rate",
    "commission_revenue",
    "operator_margin",
    "operator_margin_pct",
    "seller_margin",
    "on_time_rate",
    "ship_on_time_rate",
    "fill_rate",
    "review_score_mean",
    "touchless_rate",
    # the seller network
    "sellers_onboarded",
    "listings_mapped",
    "governance_precision",
    "governance_recall",
    "new_seller_gmv",
    "clawbacks",
    "payouts_forfeited",
}
LOWER_IS_BETTER_PREFIXES = ("click_to_door_", "resolution_", "exceptions")
LOWER_IS_BETTER = {
    "cancellation_rate",
    "return_rate",
    "reviewer_hours",
    "backlog_max",
    "carrier_cost",
    "sla_credits",
    "fraud_losses",
    "reviewer_cost",
    "refunds",
    "orders_open_at_end",
    "platform_cost",
    "auto_decision_losses",
    "return_fraud_losses",
    # the seller network
    "onboarding_p50_h",
    "onboarding_p95_h",
    "onboarding_backlog_max",
    "bad_sellers_admitted",
    "good_sellers_rejected",
    "miscategorisation_rate",
    "detect_p50_h",
    "visits_unlisted",
    "gmv_lost_false_suspension",
    "bad_actor_losses",
    "reconciliation_exceptions",
    "reconciliation_losses",
    "onboarding_reviewer_hours",
}


def direction(key: str) -> int:
    """+1 when more is better, -1 when less is better, 0 when neither (visits, utilisation)."""
    if key in HIGHER_IS_BETTER:
        return 1
    if key in LOWER_IS_BETTER or key.startswith(LOWER_IS_BETTER_PREFIXES):
        return -1
    return 0


def verdict(key: str, lo: float | None, hi: float | None) -> str:
    """How a candidate-minus-baseline interval reads: 'better' or 'worse' when it excludes zero
    (or 'higher'/'lower' for a KPI with no better side), else 'no clear difference'."""
    if lo is None or hi is None:
        return "n/a"
    if lo <= 0.0 <= hi:
        return "no clear difference"
    up, sign = lo > 0.0, direction(key)
    if sign == 0:
        return "higher" if up else "lower"
    return "better" if up == (sign > 0) else "worse"


def is_rate(key: str) -> bool:
    return key.endswith(("_rate", "_pct", "_utilisation"))


SHARE_SUFFIXES = ("_rate",)  # docs/KPIS.md: "Rates are fractions in [0, 1]"
# a utilisation (busy ÷ on-shift hours) and durations: never below 0
NON_NEGATIVE_SUFFIXES = ("_utilisation", "_h", "_hours", "_ms")


def limits(key: str, values=()) -> tuple[float | None, float | None]:
    """The values a KPI can take by its definition, (low, high), None where there is no limit:
    a rate is a fraction in [0, 1]; a utilisation, a duration, a sum of one kind of ledger
    movement (`MONEY_KINDS`: costs, losses, refunds) and a count cannot go below 0. A count is
    told by its values (kpis.json writes counts as whole numbers): every one a whole number >= 0.
    A margin (`operator_margin_pct` too) or a difference has no limit."""
    if key.endswith(SHARE_SUFFIXES):
        return 0.0, 1.0
    if key.endswith(NON_NEGATIVE_SUFFIXES) or key in MONEY_KINDS:
        return 0.0, None
    x = clean(list(values))
    if x.size and bool(np.all(x >= 0)) and bool(np.all(x == np.round(x))):
        return 0.0, None
    return None, None


def few_seeds(n: int, level: float) -> str:
    """One line for intervals over fewer than MIN_REPLICATIONS seeds: they are wide, and why."""
    t = f" (t = {t_quantile(level, n - 1):.2f} on {n - 1} df)" if n >= 2 else ""
    return (
        f"These intervals rest on {n} seed{'s' * (n != 1)} and are wide{t}: run at least "
        f"{MIN_REPLICATIONS} before relying on them or on the replications needed."
    )


def format_value(key: str, value) -> str:
    """A KPI value as `kpi_table` prints it."""
    return format_kpi(key, value)


def format_diff(key: str, value) -> str:
    """A difference of a KPI: signed, rates in percentage points, hours in h."""
    if value is None:
        return "n/a"
    if is_rate(key):
        return f"{100.0 * value:+.2f} pp"
    if key in MONEY_KEYS:
        return f"{value:+,.2f}"
    if key.endswith(("_h", "_hours")):
        return f"{value:+,.2f} h"
    return f"{value:+,.2f}"


def format_interval(key: str, lo, hi) -> str:
    if lo is None or hi is None:
        return "n/a (n < 2)"
    return f"[{format_diff(key, lo)}, {format_diff(key, hi)}]"


CUT_MARK = "*"
CUT_NOTE = (
    "* the t interval went past what the KPI can take (a rate below 0% or above 100%; a "
    "count, a duration or a cost below 0) and is shown cut at that limit, which keeps its "
    "coverage: a sign of too few seeds, or of a value close to its limit."
)


def format_range(key: str, lo, hi, cut: str = "") -> str:
    """An interval of a KPI's value (not of a difference); an end cut at the KPI's limit
    (`cut`: 'lo', 'hi' or 'lo,hi', see `mptwin.results.stats.clip`) is marked with `CUT_MARK`."""
    if lo is None or hi is None:
        return "n/a (n < 2)"
    ends = cut.split(",") if isinstance(cut, str) else []
    low = format_value(key, lo) + (CUT_MARK if "lo" in ends else "")
    high = format_value(key, hi) + (CUT_MARK if "hi" in ends else "")
    return f"[{low}, {high}]"
