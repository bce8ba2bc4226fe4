"""Scale: a scaled-down growth_year runs (50 warehouses, 8 carriers, tens of thousands of SKUs,
sellers joining through onboarding), and per-order results do not depend on how long a run is:
the same world, run four times as long, gives per-order KPIs that agree within their intervals.
Speed and memory are measured by benchmarks/suite.py, not here (no timed tests)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mptwin.results.measure.metrics import compute_kpis
from mptwin.runner.compose import compose
from tests.helpers.runs import run_sim

SMALL_YEAR = (
    "scenario=growth_year",
    "scenario.days=14",
    "scenario.cooldown_days=7",
    "scenario.catalogue.skus=20000",
    "figures=false",
)


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["automation", "orchestration"])
def test_a_scaled_down_growth_year_runs(strategy):
    cfg = compose(*SMALL_YEAR, f"strategy={strategy}")
    assert cfg.scenario.warehouses.count == 50 and len(cfg.scenario.carriers) == 8
    result = run_sim(*SMALL_YEAR, f"strategy={strategy}")
    kpis = compute_kpis(result.tables, result.info)
    orders = result.tables["orders"]
    assert kpis["orders"] > 20_000, "about 2,500 orders a day in the founding catalogue"
    assert kpis["applications"] > 10 and kpis["sellers_onboarded"] > 0
    assert orders["warehouse"].nunique() > 40, "orders ship from most of the 50 warehouses"
    assert orders.loc[orders["carrier"] >= 0, "carrier"].nunique() == 8
    assert 0.5 < kpis["on_time_rate"] < 1.0 and kpis["operator_margin"] > 0
    assert orders["order_id"].tolist() == list(range(len(orders)))


# per-order KPIs: rates and amounts per order, which a longer horizon must not move
PER_ORDER = (
    "on_time_rate",
    "conversion_rate",
    "cancellation_rate",
    "return_rate",
    "operator_margin_pct",
    "exceptions_per_1k_orders",
    "click_to_door_p50_h",
    "touchless_rate",
)
SEEDS = (1, 2, 3, 4)
# smoke without promotion days, past its start-up: returns and late parcels take two to three
# weeks to reach their steady flow, so smoke's 2-day warm-up would bias a short window more than
# a long one
STATIONARY = (
    "scenario=smoke",
    "strategy=automation",
    "scenario.demand.promo_dates=[]",
    "scenario.warmup_days=28",
)


def _per_order_kpis(days: int) -> dict[str, np.ndarray]:
    runs = [run_sim(*STATIONARY, f"scenario.days={days}", f"seed={s}") for s in SEEDS]
    kpis = [compute_kpis(r.tables, r.info) for r in runs]
    return {k: np.array([x[k] for x in kpis], dtype=float) for k in PER_ORDER}


@pytest.mark.slow
def test_per_order_kpis_do_not_depend_on_the_horizon():
    """smoke under automation (stationary: no promotion days, a 28-day warm-up), 14 against 56
    measured days, four seeds each: for each per-order
    KPI the difference of the means lies within its 99% interval (Welch), so nothing per order
    drifts as a run grows longer (no cost or state that piles up with the horizon)."""
    short, long = _per_order_kpis(14), _per_order_kpis(56)
    t99 = 3.71  # two-sided 99% t quantile at 6 degrees of freedom (conservative for Welch's)
    drifted = {}
    for k in PER_ORDER:
        diff = long[k].mean() - short[k].mean()
        half = t99 * math.sqrt(short[k].var(ddof=1) / len(SEEDS) + long[k].var(ddof=1) / len(SEEDS))
        if abs(diff) > half + 1e-9:
            drifted[k] = (short[k].mean(), long[k].mean(), half)
    assert not drifted, (
        f"per-order KPIs moved with the horizon (short, long, 99% half-width): {drifted}"
    )
