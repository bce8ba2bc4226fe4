"""The golden back-test: the KPIs of fixed runs reproduce the stored ones exactly, so a refactor
that moves any number is caught. A deliberate model change regenerates them with
`uv run python -m tests.helpers.golden` and says in its commit why they moved."""

from __future__ import annotations

import json

import pytest

from tests.helpers.golden import CASES, GOLDEN, case_key, case_kpis

STORED = json.loads(GOLDEN.read_text())


PARAMS = [
    pytest.param(*case, id=case_key(*case), marks=[pytest.mark.slow] if case[0] != "smoke" else [])
    for case in CASES
]


@pytest.mark.parametrize(("scenario", "strategy", "seed"), PARAMS)
def test_kpis_match_the_golden_file(scenario, strategy, seed):
    stored = STORED[case_key(scenario, strategy, seed)]
    fresh = case_kpis(scenario, strategy, seed)
    assert fresh.keys() == stored.keys(), "the set of KPI keys changed"
    moved = {k: (stored[k], fresh[k]) for k in stored if fresh[k] != stored[k]}
    assert not moved, f"KPIs moved (stored, now): {moved}"


def test_every_case_is_stored():
    assert {case_key(*c) for c in CASES} == STORED.keys()
