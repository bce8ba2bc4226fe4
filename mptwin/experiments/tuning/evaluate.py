"""Runs for tuning: compose a config as `mptwin` would, set a trial's values and team on it,
simulate, and keep what tuning reads (the KPIs, the human tasks for staffing, and for
calibration the promise overrun samples). Runs go to a local process pool or, like a sweep's
jobs, through a Hydra launcher (`mptwin -m`: local cores, Slurm, submitit_local)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from mptwin.experiments.tuning.promise_buffers import overrun_samples
from mptwin.experiments.tuning.staffing import Tasks, human_tasks
from mptwin.results.job_folder import CONFIG, DONE
from mptwin.results.measure.metrics import compute_kpis
from mptwin.results.measure.records import RunResult
from mptwin.results.report.sweep_tables import run_info
from mptwin.runner.compose import build_run, compose
from mptwin.runner.job import simulate
from mptwin.runner.sweep import hydra_quote

TEAM = "scenario.reviewers.headcount"  # the arm's review team: solved per trial, never searched


@dataclass(frozen=True)
class Job:
    """One tuning run: the arm's base overrides, the trial's values (its team among them), a
    seed, and whether calibration samples are wanted."""

    base: tuple[str, ...]
    values: dict
    seed: int
    samples: bool = False

    def overrides(self) -> list[str]:
        return [*self.base, f"seed={self.seed}"]


def job_config(job: Job) -> DictConfig:
    """The config `mptwin <the job's overrides>` would run, with the trial's values ({dotted
    key: value}) set on it, as `_hydra_set` sets them on a launcher's runs."""
    cfg = compose(*job.overrides())
    for key, value in job.values.items():
        OmegaConf.update(cfg, key, value, merge=False)
    return cfg


@dataclass
class Run:
    kpis: dict
    tasks: Tasks
    samples: dict | None = None


def run_one(job: Job) -> Run:
    """Simulate one job in this process."""
    cfg = job_config(job)
    world, strategy = build_run(cfg)
    result = simulate(world, strategy, int(cfg.seed))
    return _reading(result, world, job)


def _reading(result: RunResult, world, job: Job) -> Run:
    kpis = compute_kpis(result.tables, result.info)
    tasks = human_tasks(result.tables, result.info, world.reviewers.handling_mean_h, job.seed)
    return Run(kpis, tasks, overrun_samples(result, world) if job.samples else None)


class LocalRunner:
    """Jobs on a pool of `workers` processes on this machine, kept for the whole tuning."""

    def __init__(self, workers: int = 2) -> None:
        self.workers = max(1, workers)
        self._pool: ProcessPoolExecutor | None = None

    def run(self, jobs: list[Job]) -> list[Run]:
        if self.workers == 1 or len(jobs) == 1:
            return [run_one(j) for j in jobs]
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers)
        return list(self._pool.map(run_one, jobs))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)


class HydraRunner:
    """Jobs as `mptwin -m` sweeps through a Hydra launcher (hydra/launcher=NAME), one sweep
    over the seeds per trial and team, all of a batch submitted at once; each run writes an
    ordinary run folder under `out`, which is read back. A folder that already holds a
    complete run is skipped by `mptwin` itself, so a stopped tuning resumes."""

    def __init__(self, launcher: str, out: Path, extra: list[str] | None = None) -> None:
        self.launcher, self.out, self.extra = launcher, Path(out).resolve(), list(extra or [])

    def run(self, jobs: list[Job]) -> list[Run]:
        groups: dict[str, list[Job]] = {}
        for j in jobs:
            groups.setdefault(_key(j), []).append(j)
        with ThreadPoolExecutor(max_workers=len(groups)) as threads:
            list(threads.map(self._sweep, groups.values()))
        return [self._read(j) for j in jobs]

    def close(self) -> None:
        pass

    def folder(self, job: Job) -> Path:
        return self.out / _key(job) / f"seed={job.seed}"

    def _sweep(self, group: list[Job]) -> None:
        first = group[0]
        trial = self.out / _key(first) / "trial.json"
        trial.parent.mkdir(parents=True, exist_ok=True)
        trial.write_text(json.dumps(first.values, sort_keys=True))
        sets = [s for k, v in first.values.items() for s in _hydra_set(k, v)]
        cmd = [
            sys.executable,
            "-m",
            "mptwin.runner.cli",
            "-m",
            *first.base,
            *sets,
            f"seed={','.join(str(j.seed) for j in group)}",
            f"hydra.sweep.dir={hydra_quote(str(trial.parent))}",
            f"hydra.sweep.subdir={hydra_quote('seed=${seed}')}",
            "hydra.callbacks.report.enabled=false",
            f"hydra/launcher={self.launcher}",
            *self.extra,
        ]
        done = subprocess.run(cmd, capture_output=True, text=True)
        missing = [j for j in group if not (self.folder(j) / DONE).exists()]
        if missing:
            tail = (done.stderr or done.stdout)[-2000:]
            raise RuntimeError(
                f"the Hydra launcher {self.launcher!r} left no complete run in "
                f"{self.folder(missing[0])} (exit {done.returncode}):\n{tail}"
            )

    def _read(self, job: Job) -> Run:
        folder = self.folder(job)
        config = OmegaConf.to_container(OmegaConf.load(folder / CONFIG))
        info = run_info(config)
        tables = {t: pd.read_parquet(folder / f"{t}.parquet") for t in ("exceptions", "shifts")}
        kpis = json.loads((folder / DONE).read_text())
        means = config["scenario"]["reviewers"]["handling_mean_h"]
        tasks = human_tasks(tables, info, means, job.seed)
        samples = None
        if job.samples:
            world, _ = build_run(job_config(job))
            tables["orders"] = pd.read_parquet(folder / "orders.parquet")
            samples = overrun_samples(RunResult(tables, info), world)
        return Run(kpis, tasks, samples)


def _key(job: Job) -> str:
    """A folder name for a trial and team: a digest of its base and values."""
    text = json.dumps([list(job.base), job.values], sort_keys=True)
    return "trial-" + hashlib.sha1(text.encode()).hexdigest()[:12]


def _hydra_set(key: str, value) -> list[str]:
    """Overrides that set `key` to `value` as `OmegaConf.update(..., merge=False)` does: a
    table replaces the configured one whole (removed, then added), a number is set."""
    if isinstance(value, dict):
        items = ", ".join(f"{k}: {json.dumps(v)}" for k, v in value.items())
        return [f"~{key}", f"+{key}={{{items}}}"]
    return [f"++{key}={json.dumps(value)}"]


def run_seeds(
    runner, base: list[str], values: dict, seeds: list[int], samples: bool = False
) -> list[Run]:
    """One trial's runs, one per seed, in seed order."""
    return runner.run([Job(tuple(base), values, s, samples) for s in seeds])


def mean_of(kpis: list[dict], key: str) -> float:
    values = [k[key] for k in kpis]
    if any(v is None for v in values):
        raise ValueError(f"{key} has no data in a tuning run: {values}")
    return float(np.mean(values))
