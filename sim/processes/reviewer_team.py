"""The operator's human reviewers: each team on its shifts works its own exception queue by
priority and deadline; each task takes a random handling time; wages are paid per shift."""

from __future__ import annotations

import simpy

from sim.clock import HOURS_PER_DAY
from sim.state import ReviewDesk, State
from sim.world_parts import Staff


def on_shift(spec: Staff, calendar, t_h: float) -> bool:
    day = int(t_h // HOURS_PER_DAY)
    if not spec.weekends and calendar.is_weekend(day):
        return False
    hour = t_h - day * HOURS_PER_DAY
    return spec.shift_start <= hour < spec.shift_end


def next_shift_start(spec: Staff, calendar, t_h: float) -> float:
    """The first shift start strictly after `t_h` (or `t_h` itself if a shift starts then)."""
    day = int(t_h // HOURS_PER_DAY)
    while True:
        start = day * HOURS_PER_DAY + spec.shift_start
        if start >= t_h and (spec.weekends or not calendar.is_weekend(day)):
            return start
        day += 1


def reviewer(state: State, desk: ReviewDesk, rid: int):
    """SimPy process: one reviewer of a team. Finishes the task in hand at shift end, then goes
    home. A task of several units (listings to map) takes the sum of that many handling times."""
    env, spec, queue = state.env, desk.team, desk.queue
    means = state.world.reviewers.handling_mean_h
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
        mean = means[rec.type]
        hours = rng.exponential(mean) if rec.units == 1 else rng.gamma(rec.units, mean)
        yield env.timeout(hours)
        rec.handling_h = hours
        rec.resolved_h = env.now
        desk.human_open -= 1
        state.records.day.exceptions_resolved += 1
        resolved, rec.on_resolved = rec.on_resolved, None  # done: it holds on to nothing more
        if resolved is not None:
            resolved(rec)


def pay_shifts(state: State, desk: ReviewDesk):
    """SimPy process: at each shift start, record the shift and pay the team's wages for it."""
    env, spec = state.env, desk.team
    while True:
        start = next_shift_start(spec, state.calendar, env.now)
        yield env.timeout(start - env.now)
        end = start + spec.shift_end - spec.shift_start
        state.records.shift_rows.append(
            {
                "day": int(start // HOURS_PER_DAY),
                "start_h": start,
                "end_h": end,
                "headcount": spec.headcount,
                "hourly_cost": spec.hourly_cost,
                "team": desk.name,
            }
        )
        wages = spec.headcount * (end - start) * spec.hourly_cost
        state.records.money.move(env.now, wages, "reviewers", "operator", "reviewer_wages")
        yield env.timeout(end - start)


def start_teams(state: State) -> list[simpy.Process]:
    """Every team's reviewers (numbered across teams) and its payroll. A team's headcount is the
    scenario's key itself (`scenario.reviewers.headcount` for the main team), read here."""
    procs, rid = [], 0
    for desk in state.desk.desks:
        for _ in range(desk.team.headcount):
            procs.append(state.env.process(reviewer(state, desk, rid)))
            rid += 1
        procs.append(state.env.process(pay_shifts(state, desk)))
    return procs
