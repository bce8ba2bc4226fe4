"""Tune one arm: calibrate its promise if it calibrates offline, search its parameters with
Optuna's TPE sampler (seeded, one trial at a time, so the same seeds give the same answer) for
the best mean operator margin over the tuning seeds among the trials that keep the on-time
floor (margin alone buys itself out of promises: SLA credits are cheaper than the sales a
longer promise loses, and the model has no memory of a late parcel), then staff it: the
smallest review team whose mean `staffing_kpi` over the same seeds meets the target. Every arm
goes through exactly these steps with the same seeds, trials, objective, floor and target."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import optuna

from mptwin.tuning.calibrate import carrier_buffers, pool
from mptwin.tuning.evaluate import mean_of, run_seeds

log = logging.getLogger("mptwin.tune")
OBJECTIVE = "operator_margin"


@dataclass
class TuneSpec:
    """What to tune (from conf/tune/<arm>.yaml) and how (the same for every arm)."""

    strategy: str
    params: dict[str, list[float]]  # dotted key -> [low, high, step]
    calibrate_promise: bool = False
    scenario: str = "baseline"
    seeds: list[int] = field(default_factory=lambda: [101, 102])
    trials: int = 12
    sampler_seed: int = 0
    on_time_floor: float = 0.9  # a trial below this mean on_time_rate is infeasible
    staffing_kpi: str = "human_resolution_p90_h"
    staffing_max_h: float = 48.0
    headcounts: tuple[int, int] = (1, 40)
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
    trials: list[dict]  # every trial's values and objective


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


def search(spec: TuneSpec, samples: dict | None) -> tuple[dict, list[dict]]:
    """The best feasible values found in `spec.trials` trials (the most on time if no trial
    keeps the floor), and the record of every trial."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=spec.sampler_seed)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    record = []
    for i in range(spec.trials):
        trial = study.ask()
        values = trial_values(spec, trial, samples)
        kpis = [k for k, _ in run_seeds(spec.base(), values, spec.seeds, spec.workers)]
        value, on_time = mean_of(kpis, OBJECTIVE), mean_of(kpis, "on_time_rate")
        trial.set_constraint("on_time_shortfall", spec.on_time_floor - on_time)  # feasible <= 0
        study.tell(trial, value)
        record.append({"trial": i, **_plain(values), OBJECTIVE: value, "on_time_rate": on_time,
                       "feasible": on_time >= spec.on_time_floor, "values": values})  # fmt: skip
        log.info("trial %d/%d: %s = %.0f, on time %.3f%s", i + 1, spec.trials, OBJECTIVE, value,
                 on_time, "" if on_time >= spec.on_time_floor else " (below the floor)")  # fmt: skip
    feasible = [r for r in record if r["feasible"]]
    best = (max(feasible, key=lambda r: r[OBJECTIVE]) if feasible
            else max(record, key=lambda r: r["on_time_rate"]))  # fmt: skip
    best_values = best["values"]
    for r in record:
        del r["values"]  # the record is a table of scalars (the promise table is derived)
    return best_values, record


def staff(spec: TuneSpec, values: dict) -> tuple[int, float, float]:
    """The smallest team in `spec.headcounts` whose mean `staffing_kpi` meets the target (the
    largest if none does), by bisection: (headcount, its KPI value, its mean margin)."""
    seen: dict[int, tuple[float, float]] = {}

    def measure(h: int) -> tuple[float, float]:
        if h not in seen:
            kpis = [k for k, _ in run_seeds(spec.base(), {**values, "strategy.headcount": h},
                                            spec.seeds, spec.workers)]  # fmt: skip
            seen[h] = (mean_of(kpis, spec.staffing_kpi), mean_of(kpis, OBJECTIVE))
            log.info("staffing %d reviewers: %s = %.1f", h, spec.staffing_kpi, seen[h][0])
        return seen[h]

    lo, hi = spec.headcounts
    if measure(hi)[0] > spec.staffing_max_h:
        return hi, *measure(hi)
    while lo < hi:
        mid = (lo + hi) // 2
        if measure(mid)[0] <= spec.staffing_max_h:
            hi = mid
        else:
            lo = mid + 1
    return lo, *measure(lo)


def tune(spec: TuneSpec) -> Tuned:
    samples = calibrate(spec) if spec.calibrate_promise else None
    values, record = search(spec, samples)
    headcount, kpi_value, margin = staff(spec, values)
    return Tuned(values, headcount, margin, kpi_value, record)


def _plain(values: dict) -> dict:
    return {k: v for k, v in values.items() if not isinstance(v, dict)}
