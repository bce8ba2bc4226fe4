"""The comparison the project exists for, on the baseline marketplace: the fair fight, tuned
automation-only against tuned orchestration (`mptwin-tune`, tuning seeds 101-102; each staffed
to the same resolution target), paired by seed (common random numbers) over five fresh
replications, with t intervals. Only directions are asserted; the sizes go in the README, the
notes and the report.

Also the scenario built to show orchestration's limits (five-day-old signals, a carrier in
trouble, a platform priced at 1.00 per order): there it must not come out ahead.

About 3 minutes on 2 cores: 16 baseline-sized runs (the limits scenario on three seeds).
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from mptwin.results.stats import paired_ci
from tests.helpers.golden import case_kpis, moved_kpis

SEEDS = (1, 2, 3, 4, 5)
# where orchestration is built to lose, it loses by about 220k on a 13k sd of the paired
# difference: three seeds decide the direction with a wide margin
LIMITS_SEEDS = (1, 2, 3)
ARMS = ("automation_tuned", "orchestration_tuned")
KEYS = (
    "operator_margin",
    "on_time_rate",
    "exceptions_per_1k_orders",
    "orders",
    "seller_margin",
    "reviewer_cost",
    "auto_decision_losses",
    "touchless_rate",
    "human_resolution_p90_h",
)


def _kpis(job: tuple[str, str, int]) -> dict:
    return case_kpis(*job)  # as the golden back-test computes them


def _paired(scenario: str, seeds: tuple[int, ...] = SEEDS) -> dict[str, dict[str, list]]:
    jobs = [(scenario, s, seed) for s in ARMS for seed in seeds]
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = dict(zip(jobs, pool.map(_kpis, jobs), strict=True))
    runs = {s: {k: [results[(scenario, s, seed)][k] for seed in seeds] for k in KEYS} for s in ARMS}
    runs["all"] = results  # every KPI of every job, for the golden back-test
    return runs


def _report(scenario: str, runs: dict) -> None:
    print(f"\n{scenario}: {ARMS[1]} - {ARMS[0]}, paired over {len(runs[ARMS[0]][KEYS[0]])} seeds")
    for k in KEYS:
        ci = _diff(runs, k)
        print(f"  {k:26s} {ci.mean:+14.4f}  95% CI [{ci.lo:+.4f}, {ci.hi:+.4f}]  n={ci.n}")


@pytest.fixture(scope="module")
def baseline_runs():
    runs = _paired("baseline")
    _report("baseline", runs)
    return runs


@pytest.fixture(scope="module")
def limits_runs():
    runs = _paired("orchestration_limits", LIMITS_SEEDS)
    _report("orchestration_limits", runs)
    return runs


def _diff(runs: dict, key: str):
    """Orchestration minus automation on `key`, paired by seed, with its 95 % t interval."""
    return paired_ci(runs[ARMS[1]][key], runs[ARMS[0]][key])


@pytest.mark.slow
def test_orchestration_earns_more_margin_on_baseline(baseline_runs):
    ci = _diff(baseline_runs, "operator_margin")
    assert ci.n == len(SEEDS)
    assert ci.lo > 0, f"operator_margin difference {ci}"


@pytest.mark.slow
def test_orchestration_delivers_more_on_time_with_fewer_exceptions_on_baseline(baseline_runs):
    assert _diff(baseline_runs, "on_time_rate").lo > 0
    assert _diff(baseline_runs, "exceptions_per_1k_orders").hi < 0


@pytest.mark.slow
def test_its_margin_edge_is_earned_before_wages(baseline_runs):
    """With one menu of automatic resolutions and the team solved per trial, the edge is not
    labour: before wages orchestration still earns more (cheaper carriers and fewer SLA credits
    outweigh the platform fee and the sales its longer promises lose), and that is most of it."""
    runs = baseline_runs
    before_wages = {a: np.add(runs[a]["operator_margin"], runs[a]["reviewer_cost"]) for a in ARMS}
    ci = paired_ci(before_wages[ARMS[1]], before_wages[ARMS[0]])
    assert ci.lo > 0, f"operator margin before wages, difference {ci}"
    assert ci.mean >= 0.5 * _diff(runs, "operator_margin").mean


@pytest.mark.slow
def test_automatic_decisions_cost_money_in_both_tuned_arms(baseline_runs):
    """Both arms refund small returns by rule once tuned, and pay for the fraud no one checks."""
    for arm in ARMS:
        assert min(baseline_runs[arm]["auto_decision_losses"]) > 0, arm


@pytest.mark.slow
def test_both_tuned_arms_keep_the_floor_and_the_staffing_target(baseline_runs):
    """Tuned on seeds 101-102 for on_time_rate >= 0.9 and human_resolution_p90_h <= 48 h; on
    fresh seeds both still keep them, within a small tolerance."""
    for arm in ARMS:
        assert np.mean(baseline_runs[arm]["on_time_rate"]) >= 0.89, arm
        assert np.mean(baseline_runs[arm]["human_resolution_p90_h"]) <= 49.0, arm


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ARMS)
def test_baseline_seed_1_reproduces_the_golden_kpis(baseline_runs, strategy):
    """The baseline cases of tests/test_golden.py, from the runs this module makes anyway."""
    moved = moved_kpis("baseline", strategy, 1, baseline_runs["all"][("baseline", strategy, 1)])
    assert not moved, f"KPIs moved (stored, now): {moved}"


@pytest.mark.slow
def test_orchestration_does_not_pay_off_where_built_not_to(limits_runs):
    ci = _diff(limits_runs, "operator_margin")
    assert ci.mean < 0, f"operator_margin difference {ci}"
