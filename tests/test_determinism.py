"""Determinism and common random numbers: the same seed gives the same ledgers, a different seed
gives different ones, and changes downstream of demand never change who arrives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mptwin.analysis.metrics import compute_kpis
from tests.helpers.runs import run_sim


@pytest.fixture(scope="module")
def rerun():
    """A second, independent smoke run with seed 1 (the session fixture is the first)."""
    return run_sim("scenario=smoke", "seed=1")


def test_same_seed_gives_identical_tables(smoke_result, rerun):
    assert smoke_result.tables.keys() == rerun.tables.keys()
    for name, df in smoke_result.tables.items():
        assert len(df) > 0, f"table {name} is empty: nothing to compare"
        pd.testing.assert_frame_equal(df, rerun.tables[name], check_exact=True, obj=name)


def test_same_seed_gives_identical_run_info_and_kpis(smoke_result, rerun):
    assert smoke_result.info == rerun.info
    assert compute_kpis(smoke_result.tables, smoke_result.info) == compute_kpis(
        rerun.tables, rerun.info
    )


def test_different_seed_gives_different_orders(smoke_result):
    other = run_sim("scenario=smoke", "seed=2")
    a, b = smoke_result.tables["orders"], other.tables["orders"]
    assert not a.equals(b)
    # not just a different length: the customers themselves differ
    n = min(len(a), len(b))
    assert not np.array_equal(a["placed_h"].to_numpy()[:n], b["placed_h"].to_numpy()[:n])


@pytest.mark.parametrize(
    "override",
    ["scenario.reviewers.headcount=6", "strategy/promise=contract"],
)
def test_common_random_numbers_keep_arrivals(smoke_result, override):
    """Arrivals are exogenous: a change that does not touch demand generation leaves the daily
    series of arriving visitors exactly as it was. (Which of them find an applicant's listing
    live, `visits` rather than `visits_unlisted`, depends on onboarding, so on the strategy.)"""
    other = run_sim("scenario=smoke", "seed=1", override)
    base_daily, other_daily = smoke_result.tables["daily"], other.tables["daily"]
    assert base_daily["visits_unlisted"].sum() > 0  # applicants' demand is in the test
    pd.testing.assert_series_equal(base_daily["visits"] + base_daily["visits_unlisted"],
                                   other_daily["visits"] + other_daily["visits_unlisted"],
                                   check_exact=True)  # fmt: skip
    # the change did reach the run (otherwise the test would prove nothing)
    changed = [n for n, df in smoke_result.tables.items() if not df.equals(other.tables[n])]
    assert changed, f"{override} changed no table"
