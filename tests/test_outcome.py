"""The comparison the project exists for, on the baseline marketplace: orchestration against
automation-only, paired by seed (common random numbers) over five replications, with t
intervals. Only directions are asserted; the sizes go in the notes and the report.

Also the scenario built to show orchestration's limits (stale signals, a platform priced above
what coordinating saves): there it must not come out ahead.

About 3 minutes on 2 cores: 20 baseline-sized runs.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import pytest

from mptwin.stats import paired_ci
from tests.helpers.golden import case_kpis, moved_kpis

SEEDS = (1, 2, 3, 4, 5)
KEYS = ("operator_margin", "on_time_rate", "exceptions_per_1k_orders", "orders", "seller_margin")


def _kpis(job: tuple[str, str, int]) -> dict:
    return case_kpis(*job)  # as the golden back-test computes them


def _paired(scenario: str) -> dict[str, dict[str, list]]:
    jobs = [(scenario, s, seed) for s in ("automation", "orchestration") for seed in SEEDS]
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = dict(zip(jobs, pool.map(_kpis, jobs), strict=True))
    runs = {
        s: {k: [results[(scenario, s, seed)][k] for seed in SEEDS] for k in KEYS}
        for s in ("automation", "orchestration")
    }
    runs["all"] = results  # every KPI of every job, for the golden back-test
    return runs


def _report(scenario: str, runs: dict) -> None:
    print(f"\n{scenario}: orchestration - automation, paired over seeds {SEEDS}")
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
    runs = _paired("orchestration_limits")
    _report("orchestration_limits", runs)
    return runs


def _diff(runs: dict, key: str):
    """Orchestration minus automation on `key`, paired by seed, with its 95 % t interval."""
    return paired_ci(runs["orchestration"][key], runs["automation"][key])


@pytest.mark.slow
def test_orchestration_earns_more_margin_on_baseline(baseline_runs):
    ci = _diff(baseline_runs, "operator_margin")
    assert ci.n == len(SEEDS)
    assert ci.lo > 0, f"operator_margin difference {ci}"


@pytest.mark.slow
def test_orchestration_delivers_more_on_time_on_baseline(baseline_runs):
    ci = _diff(baseline_runs, "on_time_rate")
    assert ci.lo > 0, f"on_time_rate difference {ci}"


@pytest.mark.slow
def test_orchestration_raises_fewer_exceptions_on_baseline(baseline_runs):
    ci = _diff(baseline_runs, "exceptions_per_1k_orders")
    assert ci.hi < 0, f"exceptions_per_1k_orders difference {ci}"


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["automation", "orchestration"])
def test_baseline_seed_1_reproduces_the_golden_kpis(baseline_runs, strategy):
    """The baseline cases of tests/test_golden.py, from the runs this module makes anyway."""
    moved = moved_kpis("baseline", strategy, 1, baseline_runs["all"][("baseline", strategy, 1)])
    assert not moved, f"KPIs moved (stored, now): {moved}"


@pytest.mark.slow
def test_orchestration_does_not_pay_off_where_built_not_to(limits_runs):
    ci = _diff(limits_runs, "operator_margin")
    assert ci.mean < 0, f"operator_margin difference {ci}"
