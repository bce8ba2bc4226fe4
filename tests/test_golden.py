"""The golden back-test: the KPIs of fixed runs reproduce the stored ones exactly, so a refactor
that moves any number is caught. A deliberate model change regenerates them with
`uv run python -m tests.helpers.golden` and says in its commit why they moved.

The smoke cases run here; the baseline cases are checked by tests/test_outcome.py, whose paired
baseline runs include them (seed 1 of each strategy), so they are not simulated twice."""

from __future__ import annotations

import json

import pytest

from tests.helpers.golden import CASES, GOLDEN, case_key, case_kpis, moved_kpis

SMOKE = [c for c in CASES if c[0] == "smoke"]


@pytest.mark.parametrize(("scenario", "strategy", "seed"), SMOKE, ids=[case_key(*c) for c in SMOKE])
def test_kpis_match_the_golden_file(scenario, strategy, seed):
    moved = moved_kpis(scenario, strategy, seed, case_kpis(scenario, strategy, seed))
    assert not moved, f"KPIs moved (stored, now): {moved}"


def test_every_case_is_stored():
    assert {case_key(*c) for c in CASES} == json.loads(GOLDEN.read_text()).keys()


def test_a_moved_kpi_is_seen():
    """The comparison is not vacuous: one changed value is reported."""
    fresh = dict(json.loads(GOLDEN.read_text())["smoke/automation/seed=1"], orders=-1)
    assert set(moved_kpis("smoke", "automation", 1, fresh)) == {"orders"}
