"""Staffing by replay (mptwin.experiments.tuning.staffing): a run's human tasks replayed through its own
team give back the run's own resolution times, more people never resolve later, and the team
the replay proposes is the one a real run at that team confirms (on smoke)."""

from __future__ import annotations

import numpy as np
import pytest

from mptwin.experiments.tuning.staffing import (
    MAIN_TEAM,
    human_tasks,
    p90_with,
    replay,
    smallest_team,
)
from mptwin.results.measure.metrics import compute_kpis
from mptwin.runner.compose import build_run, compose
from tests.helpers.runs import run_sim

SMOKE = ("scenario=smoke", "strategy=automation", "strategy.exceptions.auto_release_limit=0")


def tasks_at(headcount: int, *overrides: str):
    args = (*SMOKE, f"scenario.reviewers.headcount={headcount}", *overrides)
    world, _ = build_run(compose(*args))
    result = run_sim(*args)
    tasks = human_tasks(result.tables, result.info, world.reviewers.handling_mean_h, seed=0)
    return result, tasks


@pytest.fixture(scope="module")
def two():
    return tasks_at(2)


def test_the_replay_at_the_runs_own_team_gives_back_its_resolution_times(two):
    result, tasks = two
    exc = result.tables["exceptions"]
    main = exc[(exc["handler"] == "human") & (exc["team"] == MAIN_TEAM)].sort_values(
        ["raised_h", "exc_id"]
    )
    assert len(main) > 100 and tasks.headcount == 2
    got = replay(tasks, 2)
    want = main["resolved_h"].to_numpy(dtype=float)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    done = ~np.isnan(want)
    assert np.allclose(got[done], want[done], atol=1e-6)
    kpis = compute_kpis(result.tables, result.info)
    assert p90_with(tasks, 2) == pytest.approx(kpis["human_resolution_p90_h"], abs=1e-9)


def test_more_people_never_resolve_later_and_none_resolve_nothing(two):
    _, tasks = two
    p90 = [p90_with(tasks, h) for h in range(1, 7)]
    assert all(a >= b - 1e-9 for a, b in zip(p90, p90[1:], strict=False)), p90
    assert np.isnan(replay(tasks, 0)).all()


def test_the_smallest_team_is_found_by_bisection_on_the_replay(two):
    _, tasks = two
    target = p90_with(tasks, 3) + 1e-9
    h = smallest_team([tasks], target, 1, 10)
    assert p90_with(tasks, h) <= target and (h == 1 or p90_with(tasks, h - 1) > target)
    assert smallest_team([tasks], 0.0, 1, 10) == 10  # none meets: the largest is kept


@pytest.mark.slow  # two runs
def test_the_replayed_p90_at_another_team_is_close_to_a_real_run_at_it():
    """The tasks barely depend on the team, so one team's replay predicts another's p90 (to
    within 2 h on smoke; the tuning runs the proposed team for real anyway)."""
    _, tasks = tasks_at(4)
    real, _ = tasks_at(1)
    want = compute_kpis(real.tables, real.info)["human_resolution_p90_h"]
    assert p90_with(tasks, 1) == pytest.approx(want, abs=2.0)
