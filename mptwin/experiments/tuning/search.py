"""Tune one arm: calibrate its promise if it calibrates offline, then search its policy
parameters with Optuna's TPE sampler (seeded, asked in batches of `batch` trials, so the same
seeds and batch give the same answer) for the best mean operator margin over the tuning seeds
among the trials that keep the on-time floor, each judged at the smallest review team that
meets the resolution target with its parameters; one study per sampler seed, the best kept.

Why the floor: margin alone buys itself out of promises (SLA credits are cheaper than the sales
a longer promise loses, and the model has no memory of a late parcel). Why the team is solved
for every trial: at a fixed team a rule that sends work to people looks free, and a team
searched like any parameter ranks every parameter set a study tries at a large team as a
reviewer's wage per head worse, so studies that wander into different teams disagree about the
policy. The team is found by replaying each run's human tasks (`mptwin.experiments.tuning.staffing`) and
confirmed by a run at that team: a trial's margin and resolution time always come from a real
run. Every arm goes through exactly these steps with the same seeds, trials, objective, floor
and target."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import optuna

from mptwin.experiments.tuning.evaluate import TEAM, Job, LocalRunner, Run, mean_of, run_seeds
from mptwin.experiments.tuning.promise_buffers import carrier_buffers, pool
from mptwin.experiments.tuning.staffing import p90_with, smallest_team

log = logging.getLogger("mptwin.tune")
OBJECTIVE = "operator_margin"
ON_TIME_SLACK = 0.02  # a trial this far under the on-time floor is infeasible at any team
REPLAY_SLACK_H = 0.5  # after a miss, the replay proposes a team meeting the target + this


@dataclass
class TuneSpec:
    """What to tune (from conf/tune/<arm>.yaml) and how (the same for every arm)."""

    strategy: str
    params: dict[str, list[float]]  # dotted key -> [low, high, step]
    calibrate_promise: bool = False
    scenario: str = "baseline"
    seeds: list[int] = field(default_factory=lambda: [101, 102])
    trials: int = 30
    sampler_seeds: list[int] = field(default_factory=lambda: [0, 1, 2])  # one study each
    on_time_floor: float = 0.9  # a trial below this mean on_time_rate is infeasible
    staffing_kpi: str = "human_resolution_p90_h"
    staffing_max_h: float = 48.0
    headcounts: tuple[int, int] = (1, 30)
    start_headcount: int = 10  # a study's first trial is run at this team first
    batch: int = 1  # trials asked at once (run together on a launcher with many workers)
    workers: int = 2
    overrides: list[str] = field(default_factory=list)  # any further config overrides

    def base(self) -> list[str]:
        return [
            f"scenario={self.scenario}",
            f"strategy={self.strategy}",
            "progress=false",
            "figures=false",
            *self.overrides,
        ]


@dataclass
class Tuned:
    values: dict  # dotted key -> tuned value (the promise table included)
    headcount: int
    objective: float  # mean operator margin over the tuning seeds, at the tuned team
    staffing_value: float
    trials: list[dict]  # every trial's values and objective, of every study
    studies: list = field(default_factory=list)  # each study's outcome (Study)


def calibrate(spec: TuneSpec, runner=None) -> dict:
    """The promise samples of the arm as configured, one calibration run per tuning seed."""
    runner = runner or LocalRunner(spec.workers)
    runs = run_seeds(runner, spec.base(), {}, spec.seeds, samples=True)
    return pool([r.samples for r in runs])


def trial_values(spec: TuneSpec, trial: optuna.Trial, samples: dict | None) -> dict:
    values = {}
    for key, (low, high, step) in spec.params.items():
        if all(float(x).is_integer() for x in (low, high, step)):
            values[key] = trial.suggest_int(key, int(low), int(high), step=int(step))
        else:
            values[key] = round(trial.suggest_float(key, low, high, step=step), 6)
    if samples is not None:  # the promise table the trial's on-time target calls for
        q = values.get("strategy.promise.quantile", 0.95)
        values["strategy.promise.buffer_days"] = carrier_buffers(samples, q)
    return values


@dataclass
class Staffing:
    """One trial's search for its team: the teams run so far, the largest known to miss the
    target and the smallest known to meet it, and the team to run next (None: solved)."""

    values: dict
    low: int
    high: int
    runs: dict[int, list[Run]] = field(default_factory=dict)
    missed: int = 0  # the largest team run that missed the target (low - 1: none)
    met: int | None = None  # the smallest team run that met it
    next: int | None = None
    replayed_h: float = float("nan")  # the replay's p90 at the chosen team, from its own runs

    def team(self) -> int:
        return self.met if self.met is not None else self.missed

    def result(self) -> list[Run]:
        return self.runs[self.team()]


def staffing_start(values: dict, spec: TuneSpec, start: int) -> Staffing:
    low, high = spec.headcounts
    return Staffing(values, low, high, missed=low - 1, next=min(max(start, low), high))


def staffing_step(s: Staffing, h: int, runs: list[Run], spec: TuneSpec) -> None:
    """Take the runs at team h; choose the next team from their replayed tasks, or stop.

    A team is judged met or missed by its real runs; the replay only proposes the next team to
    run. The bracket (missed, met] shrinks at every step, so the search ends, at the smallest
    team that met the target for real whose one-smaller neighbour missed it, for real or in
    the replay. With no team up to `high` meeting it, `high` is kept (infeasible). A trial
    whose on-time rate is clearly below the floor is infeasible whatever its team: it stops.
    After a miss, the replay is asked with `REPLAY_SLACK_H` to spare: it errs by tenths of an
    hour near the 46 h floor, and a proposal too small costs one run, while "none meets" sends
    the search to `high`."""
    s.runs[h] = runs
    kpis = [r.kpis for r in runs]
    meets = mean_of(kpis, spec.staffing_kpi) <= spec.staffing_max_h
    if meets:
        s.met = h if s.met is None else min(s.met, h)
    else:
        s.missed = max(s.missed, h)
    late = mean_of(kpis, "on_time_rate") < spec.on_time_floor - ON_TIME_SLACK
    if s.missed >= s.high or late:
        s.next = None
    else:
        target = spec.staffing_max_h + (0.0 if meets else REPLAY_SLACK_H)
        guess = smallest_team([r.tasks for r in runs], target, s.low, s.high)
        guess = max(guess, s.missed + 1)
        s.next = None if s.met is not None and guess >= s.met else guess
    if s.next is None:
        s.replayed_h = replayed(s)


def replayed(s: Staffing) -> float:
    """The replay's p90 at the chosen team from that team's own runs (a check of the replay:
    it reproduces a run's resolution times at the run's own team)."""
    return float(np.mean([p90_with(r.tasks, s.team()) for r in s.result()]))


def solve_teams(spec: TuneSpec, runner, trials: list[Staffing]) -> None:
    """Run every trial of a batch until each has its team: each round runs, together, every
    trial's next team on every seed."""
    while pending := [t for t in trials if t.next is not None]:
        jobs = [(t, t.next) for t in pending]
        runs = _run_many(spec, runner, jobs)
        for (t, h), r in zip(jobs, runs, strict=True):
            staffing_step(t, h, r, spec)


def _run_many(spec: TuneSpec, runner, jobs: list[tuple[Staffing, int]]) -> list[list[Run]]:
    flat = [
        Job(tuple(spec.base()), {**t.values, TEAM: h}, seed) for t, h in jobs for seed in spec.seeds
    ]
    out = runner.run(flat)
    n = len(spec.seeds)
    return [out[i * n : (i + 1) * n] for i in range(len(jobs))]


def search(
    spec: TuneSpec, samples: dict | None, sampler_seed: int, runner=None
) -> tuple[Staffing, list[dict]]:
    """One study: the best feasible trial found in `spec.trials` trials (its values, team and
    runs), and the record of every trial.

    Each trial is judged at the smallest team meeting the resolution target with its
    parameters (solved per trial, starting from the previous trial's team); feasible means the
    mean on-time rate keeps the floor and that team meets the target. With no feasible trial,
    the one closest to feasibility is taken."""
    runner = runner or LocalRunner(spec.workers)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=sampler_seed)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    record, chosen, start, i = [], [], spec.start_headcount, 0
    while i < spec.trials:
        asked = [study.ask() for _ in range(min(spec.batch, spec.trials - i))]
        staffs = [staffing_start(trial_values(spec, t, samples), spec, start) for t in asked]
        solve_teams(spec, runner, staffs)
        for trial, st in zip(asked, staffs, strict=True):
            row = _judge(spec, study, trial, st, sampler_seed, i)
            record.append(row)
            chosen.append(st)
            start = st.team()
            i += 1
    feasible = [k for k, r in enumerate(record) if r["feasible"]]
    best = (
        max(feasible, key=lambda k: record[k][OBJECTIVE])
        if feasible
        else min(range(len(record)), key=lambda k: record[k]["miss"])
    )
    for r in record:  # the record is a table of scalars
        del r["miss"]
    return chosen[best], record


def _judge(spec: TuneSpec, study, trial, st: Staffing, sampler_seed: int, i: int) -> dict:
    """Tell the study a trial's margin at its solved team, and its row of the record."""
    kpis = [r.kpis for r in st.result()]
    value = mean_of(kpis, OBJECTIVE)
    on_time, resolution = mean_of(kpis, "on_time_rate"), mean_of(kpis, spec.staffing_kpi)
    misses = {
        "on_time_shortfall": spec.on_time_floor - on_time,  # feasible when <= 0
        "resolution_excess_h": resolution - spec.staffing_max_h,
    }
    for name, miss in misses.items():
        trial.set_constraint(name, miss)
    study.tell(trial, value)
    feasible = all(m <= 0 for m in misses.values())
    log.info(
        "trial %d/%d: %s = %.0f, on time %.3f, %s %.1f h with %d reviewers (teams run: %s)%s",
        i + 1,
        spec.trials,
        OBJECTIVE,
        value,
        on_time,
        spec.staffing_kpi,
        resolution,
        st.team(),
        sorted(st.runs),
        "" if feasible else " (infeasible)",
    )
    return {
        "study": sampler_seed,
        "trial": i,
        **_plain(st.values),
        TEAM: st.team(),
        OBJECTIVE: value,
        "on_time_rate": on_time,
        spec.staffing_kpi: resolution,
        "replayed_" + spec.staffing_kpi: st.replayed_h,
        "teams_run": len(st.runs),
        "feasible": feasible,
        "miss": max(misses["on_time_shortfall"] * 100, misses["resolution_excess_h"]),
    }


def confirm(spec: TuneSpec, st: Staffing, runner) -> Staffing:
    """The chosen trial's team checked by simulation, not replay: while the team one smaller
    also meets the target in real runs, take it. Its margin is then from its own runs."""
    while st.team() > st.low:
        smaller = st.team() - 1
        runs = st.runs.get(smaller) or _run_many(spec, runner, [(st, smaller)])[0]
        st.runs[smaller] = runs
        if mean_of([r.kpis for r in runs], spec.staffing_kpi) > spec.staffing_max_h:
            break
        st.met = smaller
        log.info("confirming: %d reviewers also meet the target", smaller)
    st.replayed_h = replayed(st)
    return st


@dataclass
class Study:
    """One study's outcome: its sampler seed, chosen values, confirmed team and their result."""

    sampler_seed: int
    values: dict
    headcount: int
    objective: float
    staffing_value: float
    replayed_value: float = float("nan")  # the replay's p90 at that team, for the record


def tune(spec: TuneSpec, runner=None) -> Tuned:
    """One study per sampler seed, each searched and its chosen team confirmed alone; the arm
    keeps the study with the best margin among those meeting the staffing target. Several
    starts make the answer depend less on one sampler's luck, and their spread says how much
    tuning alone moves the result."""
    runner = runner or LocalRunner(spec.workers)
    try:
        samples = calibrate(spec, runner) if spec.calibrate_promise else None
        studies, record = [], []
        for seed in spec.sampler_seeds:
            st, trials = search(spec, samples, seed, runner)
            st = confirm(spec, st, runner)
            kpis = [r.kpis for r in st.result()]
            studies.append(
                Study(
                    seed,
                    st.values,
                    st.team(),
                    mean_of(kpis, OBJECTIVE),
                    mean_of(kpis, spec.staffing_kpi),
                    st.replayed_h,
                )
            )
            record += trials
            log.info(
                "study %d: %s %.0f with %d reviewers",
                seed,
                OBJECTIVE,
                studies[-1].objective,
                st.team(),
            )
    finally:
        runner.close()
    meets = [s for s in studies if s.staffing_value <= spec.staffing_max_h] or studies
    best = max(meets, key=lambda s: s.objective)
    return Tuned(best.values, best.headcount, best.objective, best.staffing_value, record, studies)


def _plain(values: dict) -> dict:
    return {k: v for k, v in values.items() if not isinstance(v, dict)}
