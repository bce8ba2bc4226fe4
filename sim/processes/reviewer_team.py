"""The operator's human reviewers: a team on shifts works the exception queue by priority and
deadline; each task takes a random handling time; wages are paid per shift."""

from __future__ import annotations

import simpy

from sim.clock import HOURS_PER_DAY
from sim.state import State
from sim.world import ReviewerSpec


def on_shift(spec: ReviewerSpec, calendar, t_h: float) -> bool:
    day = int(t_h // HOURS_PER_DAY)
    if not spec.weekends and calendar.is_weekend(day):
        return False
    hour = t_h - day * HOURS_PER_DAY
    return spec.shift_start <= hour < spec.shift_end


def next_shift_start(spec: ReviewerSpec, calendar, t_h: float) -> float:
    """The first shift start strictly after `t_h` (or `t_h` itself if a shift starts then)."""
    day = int(t_h // HOURS_PER_DAY)
    while True:
        start = day * HOURS_PER_DAY + spec.shift_start
        if start >= t_h and (spec.weekends or not calendar.is_weekend(day)):
            return start
        day += 1


def reviewer(state: State, rid: int):
    """SimPy process: one reviewer. Finishes the task in hand at shift end, then goes home."""
    env, spec, queue = state.env, state.world.reviewers, state.desk.queue
    rng = state.streams["reviewers"]
    while True:
        if not on_shift(spec, state.calendar, env.now):
            yield env.timeout(next_shift_start(spec, state.calendar, env.now) - env.now)
        item = yield queue.get()
        if not on_shift(spec, state.calendar, env.now):
            yield queue.put(item)  # arrived while off shift: leave it for the morning
            yield env.timeout(next_shift_start(spec, state.calendar, env.now) - env.now)
            continue
        rec = item.item
        rec.started_h, rec.reviewer = env.now, rid
        hours = rng.exponential(spec.handling_mean_h[rec.type])
        yield env.timeout(hours)
        rec.handling_h = hours
        rec.resolved_h = env.now
        state.desk.human_open -= 1
        state.records.day.exceptions_resolved += 1
        if rec.on_resolved is not None:
            rec.on_resolved(rec)


def pay_shifts(state: State):
    """SimPy process: at each shift start, record the shift and pay the team's wages for it."""
    env, spec = state.env, state.world.reviewers
    while True:
        start = next_shift_start(spec, state.calendar, env.now)
        yield env.timeout(start - env.now)
        end = start + spec.shift_end - spec.shift_start
        state.records.shift_rows.append(
            {"day": int(start // HOURS_PER_DAY), "start_h": start, "end_h": end,
             "headcount": spec.headcount, "hourly_cost": spec.hourly_cost}
        )  # fmt: skip
        wages = spec.headcount * (end - start) * spec.hourly_cost
        state.records.money.move(env.now, wages, "reviewers", "operator", "reviewer_wages")
        yield env.timeout(end - start)


def start_team(state: State) -> list[simpy.Process]:
    procs = [state.env.process(reviewer(state, r)) for r in range(state.world.reviewers.headcount)]
    procs.append(state.env.process(pay_shifts(state)))
    return procs
