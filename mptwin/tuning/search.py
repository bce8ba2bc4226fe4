"""Tune one arm: calibrate its promise if it calibrates offline, then search its parameters
and its review team together with Optuna's TPE sampler (seeded, one trial at a time, so the
same seeds give the same answer) for the best mean operator margin over the tuning seeds among
the trials that keep the on-time floor and meet the resolution target, then trim the team to
the smallest that still meets the target with the chosen parameters; one study per sampler
seed, the best kept.

Why the floor: margin alone buys itself out of promises (SLA credits are cheaper than the sales
a longer promise loses, and the model has no memory of a late parcel). Why the team is searched
with the parameters: tuned at a fixed team, a parameter that sends work to people looks free,
and the team it then needs is paid only afterwards. Every arm goes through exactly these steps
with the same seeds, trials, objective, floor and target."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import optuna

from mptwin.tuning.calibrate import carrier_buffers, pool
from mptwin.tuning.evaluate import mean_of, run_seeds

log = logging.getLogger("mptwin.tune")
OBJECTIVE = "operator_margin"
TEAM = "strategy.headcount"  # the arm's review team, searched with its policy parameters


@dataclass
class TuneSpec:
    """What to tune (from conf/tune/<arm>.yaml) and how (the same for every arm)."""

    strategy: str
    params: dict[str, list[float]]  # dotted key -> [low, high, step]
    calibrate_promise: bool = False
    scenario: str = "baseline"
    seeds: list[int] = field(default_factory=lambda: [101, 102])
    trials: int = 30
    sampler_seeds: list[int] = field(default_factory=lambda: [0, 1])  # one study each
    on_time_floor: float = 0.9  # a trial below this mean on_time_rate is infeasible
    staffing_kpi: str = "human_resolution_p90_h"
    staffing_max_h: float = 48.0
    headcounts: tuple[int, int] = (1, 30)
    workers: int = 2
    overrides: list[str] = field(default_factory=list)  # any further config overrides

    def base(self) -> list[str]:
        return [f"scenario={self.scenario}", f"strategy={self.strategy}", "progress=false",
                "figures=false", *self.overrides]  # fmt: skip


@dataclass
class Tuned:
    values: dict  # dotted key -> tuned value (the promise table included)
    headcount: int
    objective: float  # mean operator margin over the tuning seeds, at the tuned team
    staffing_value: float
    trials: list[dict]  # every trial's values and objective, of every study
    studies: list = field(default_factory=list)  # each study's outcome (Study)


def calibrate(spec: TuneSpec) -> dict:
    """The promise samples of the arm as configured, one calibration run per tuning seed."""
    runs = run_seeds(spec.base(), {}, spec.seeds, spec.workers, samples=True)
    return pool([samples for _, samples in runs])


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


def search(spec: TuneSpec, samples: dict | None, sampler_seed: int) -> tuple[dict, list[dict]]:
    """One study: the best feasible values found in `spec.trials` trials, and the record of
    every trial.

    The review team is searched with the policy parameters, so a trial that sends more work to
    people pays for the team that work needs: feasible means the mean on-time rate keeps the
    floor and the mean `staffing_kpi` meets the target. With no feasible trial, the one
    closest to feasibility is taken."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=sampler_seed)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    record = []
    for i in range(spec.trials):
        trial = study.ask()
        values = trial_values(spec, trial, samples)
        values[TEAM] = trial.suggest_int(TEAM, *spec.headcounts)
        kpis = [k for k, _ in run_seeds(spec.base(), values, spec.seeds, spec.workers)]
        value = mean_of(kpis, OBJECTIVE)
        on_time, resolution = mean_of(kpis, "on_time_rate"), mean_of(kpis, spec.staffing_kpi)
        misses = {"on_time_shortfall": spec.on_time_floor - on_time,  # feasible when <= 0
                  "resolution_excess_h": resolution - spec.staffing_max_h}  # fmt: skip
        for name, miss in misses.items():
            trial.set_constraint(name, miss)
        study.tell(trial, value)
        feasible = all(m <= 0 for m in misses.values())
        record.append({"study": sampler_seed, "trial": i, **_plain(values), OBJECTIVE: value, "on_time_rate": on_time,
                       spec.staffing_kpi: resolution, "feasible": feasible, "values": values,
                       "miss": max(misses["on_time_shortfall"] * 100,
                                   misses["resolution_excess_h"])})  # fmt: skip
        log.info("trial %d/%d: %s = %.0f, on time %.3f, %s %.1f h, %d reviewers%s", i + 1,
                 spec.trials, OBJECTIVE, value, on_time, spec.staffing_kpi, resolution,
                 values[TEAM], "" if feasible else " (infeasible)")  # fmt: skip
    feasible = [r for r in record if r["feasible"]]
    best = (max(feasible, key=lambda r: r[OBJECTIVE]) if feasible
            else min(record, key=lambda r: r["miss"]))  # fmt: skip
    best_values = best["values"]
    for r in record:  # the record is a table of scalars (the promise table is derived)
        del r["values"], r["miss"]
    return best_values, record


def staff(spec: TuneSpec, values: dict) -> tuple[int, float, float]:
    """The smallest team, up to the searched one, whose mean `staffing_kpi` meets the target
    with the chosen parameters (the search samples teams coarsely), by bisection: (headcount,
    its KPI value, its mean margin). If even the searched team misses, it is kept."""
    seen: dict[int, tuple[float, float]] = {}

    def measure(h: int) -> tuple[float, float]:
        if h not in seen:
            kpis = [k for k, _ in run_seeds(spec.base(), {**values, TEAM: h}, spec.seeds,
                                            spec.workers)]  # fmt: skip
            seen[h] = (mean_of(kpis, spec.staffing_kpi), mean_of(kpis, OBJECTIVE))
            log.info("staffing %d reviewers: %s = %.1f", h, spec.staffing_kpi, seen[h][0])
        return seen[h]

    lo, hi = spec.headcounts[0], values[TEAM]
    if measure(hi)[0] > spec.staffing_max_h:
        return hi, *measure(hi)
    while lo < hi:
        mid = (lo + hi) // 2
        if measure(mid)[0] <= spec.staffing_max_h:
            hi = mid
        else:
            lo = mid + 1
    return lo, *measure(lo)


@dataclass
class Study:
    """One study's outcome: its sampler seed, chosen values, trimmed team and their result."""

    sampler_seed: int
    values: dict
    headcount: int
    objective: float
    staffing_value: float


def tune(spec: TuneSpec) -> Tuned:
    """One study per sampler seed, each searched and staffed alone; the arm keeps the study
    with the best margin among those meeting the staffing target. A single study of a few
    dozen trials can stop far from the best: two starts make the answer depend less on one
    sampler's luck, and their spread says how much tuning alone moves the result."""
    samples = calibrate(spec) if spec.calibrate_promise else None
    studies, record = [], []
    for seed in spec.sampler_seeds:
        values, trials = search(spec, samples, seed)
        headcount, kpi_value, margin = staff(spec, values)
        values = {k: v for k, v in values.items() if k != TEAM}  # the team is `headcount`
        studies.append(Study(seed, values, headcount, margin, kpi_value))
        record += trials
        log.info("study %d: %s %.0f with %d reviewers", seed, OBJECTIVE, margin, headcount)
    meets = [s for s in studies if s.staffing_value <= spec.staffing_max_h] or studies
    best = max(meets, key=lambda s: s.objective)
    return Tuned(best.values, best.headcount, best.objective, best.staffing_value, record,
                 studies)  # fmt: skip


def _plain(values: dict) -> dict:
    return {k: v for k, v in values.items() if not isinstance(v, dict)}
