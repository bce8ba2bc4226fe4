"""The team a trial needs, found offline: the run's human tasks replayed through the main team's
shifts at other headcounts, as the world's reviewers work them (`sim/processes/reviewer_team.py`:
one queue by priority, deadline and arrival; a task in hand is finished past the shift's end;
nobody starts one off shift).

Why a replay: every trial is judged at the smallest team that meets the resolution target, and
finding it by simulation takes a run per team tried. The tasks a run raised barely depend on
the team (only through the few that a slow queue makes late), so one run's tasks, replayed,
say which team would meet the target; the trial is then run at that team, so its margin and
resolution time come from a real run. `tests/test_staffing.py` checks that the replay at the
run's own team reproduces the run's resolution times.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from mptwin.results.measure.columns import in_window, numeric, percentiles
from mptwin.results.measure.records import RunInfo
from sim.world_parts import MAIN_TEAM  # the team scenario.reviewers.headcount staffs


@dataclass(frozen=True)
class Tasks:
    """One run's human tasks, as the replay needs them: the main team's (in queue order keys and
    handling hours) and the other teams' resolution times, which its headcount does not move."""

    raised_h: np.ndarray
    priority: np.ndarray
    deadline_h: np.ndarray
    handling_h: np.ndarray  # as handled in the run; drawn for the tasks it never finished
    shifts: np.ndarray  # rows of (start_h, end_h) of the main team, in time order
    others_took_h: np.ndarray  # the other teams' tasks raised in the window: resolved - raised
    in_window: np.ndarray  # per main-team task: raised in the measurement window
    end_h: float
    headcount: int  # the team the run had


def human_tasks(tables: dict, info: RunInfo, means: dict[str, float], seed: int) -> Tasks:
    """The replay's input from a run's exceptions and shifts tables. A task the run never
    finished gets a handling time drawn as the world draws one (seeded: the same every time)."""
    exc, shifts = tables["exceptions"], tables["shifts"]
    human = (exc["handler"] == "human").to_numpy()
    main = human & (exc["team"] == MAIN_TEAM).to_numpy()
    raised = numeric(exc, "raised_h")
    order = np.lexsort((exc["exc_id"].to_numpy()[main], raised[main]))
    handling = numeric(exc, "handling_h")[main][order]
    missing = np.isnan(handling)
    if missing.any():
        rng = np.random.default_rng(seed)
        mean = np.array([means[t] for t in exc["type"].to_numpy()[main][order][missing]])
        units = exc["units"].to_numpy()[main][order][missing].astype(float)
        handling[missing] = rng.gamma(units, mean)
    team = (shifts["team"] == MAIN_TEAM).to_numpy()
    windows = np.column_stack([numeric(shifts, "start_h")[team], numeric(shifts, "end_h")[team]])
    headcount = int(shifts["headcount"].to_numpy()[team][0]) if team.any() else 0
    others = human & ~main & in_window(raised, info)
    return Tasks(
        raised_h=raised[main][order],
        priority=exc["priority"].to_numpy()[main][order].astype(np.int64),
        deadline_h=numeric(exc, "deadline_h")[main][order],
        handling_h=handling,
        shifts=windows[np.argsort(windows[:, 0], kind="stable")],
        others_took_h=numeric(exc, "resolved_h")[others] - raised[others],
        in_window=in_window(raised[main][order], info),
        end_h=float(info.end_h),
        headcount=headcount,
    )


def replay(tasks: Tasks, headcount: int) -> np.ndarray:
    """Each main-team task's resolution time (hours) with `headcount` people, NaN if not
    resolved by the end of the run."""
    n = len(tasks.raised_h)
    resolved = np.full(n, np.nan)
    if headcount <= 0 or n == 0:
        return resolved
    starts, ends = tasks.shifts[:, 0].tolist(), tasks.shifts[:, 1].tolist()
    raised, handling = tasks.raised_h.tolist(), tasks.handling_h.tolist()
    keys = list(zip(tasks.priority.tolist(), tasks.deadline_h.tolist(), range(n), strict=True))
    free = [0.0] * headcount  # when each person is next ready for a task
    heapq.heapify(free)
    queue: list = []
    arrived, shift, end_h = 0, 0, tasks.end_h
    while free:
        t = heapq.heappop(free)
        shift = _shift_at(starts, ends, t, shift)
        if shift >= len(starts):
            continue  # no shift left: this person is done
        t = max(t, starts[shift])
        if t >= end_h:
            continue
        while arrived < n and raised[arrived] <= t:
            heapq.heappush(queue, keys[arrived])
            arrived += 1
        if not queue:  # idle: the next arrival, if it comes on shift, else the next shift
            if arrived < n:
                heapq.heappush(free, raised[arrived])
            continue
        i = heapq.heappop(queue)[2]
        done = t + handling[i]
        if done <= end_h:
            resolved[i] = done
        heapq.heappush(free, done)
    return resolved


def _shift_at(starts: list[float], ends: list[float], t: float, k: int) -> int:
    """The first shift from index k that has not ended at t (it may start later)."""
    while k < len(starts) and ends[k] <= t:
        k += 1
    return k


def p90_with(tasks: Tasks, headcount: int) -> float:
    """The run's human_resolution_p90_h had the main team had `headcount` people."""
    took = replay(tasks, headcount) - tasks.raised_h
    both = np.concatenate([took[tasks.in_window], tasks.others_took_h])
    (p90,) = percentiles(both, (90,))
    return np.inf if p90 is None else p90


def smallest_team(runs: list[Tasks], target_h: float, low: int, high: int) -> int:
    """The smallest headcount in [low, high] whose mean replayed p90 over the runs meets the
    target (bisection: more people never resolve later); `high` if none does."""

    def meets(h: int) -> bool:
        return float(np.mean([p90_with(t, h) for t in runs])) <= target_h

    if not meets(high):
        return high
    while low < high:
        mid = (low + high) // 2
        if meets(mid):
            high = mid
        else:
            low = mid + 1
    return low
