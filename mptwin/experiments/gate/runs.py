"""The gate's runs: both arms on the same seeds (common random numbers), a batch at a time, each
run in `<out>/runs/<scenario>/<current|candidate>/seed=<n>/` through `mptwin.runner.job.run_job`.

A folder that already holds a complete run with the same resolved config is read, not rerun,
whichever launcher wrote it: a gate run again (or with a larger budget) simulates only what is
missing. New runs go to a local process pool (`--workers`) or to `mptwin -m` through a Hydra
launcher (one sweep over the missing seeds per scenario and arm), whose job folders are the
same ones.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from omegaconf import DictConfig

from mptwin.experiments.gate.spec import ARMS, GATE_RUN, GateSpec, Launcher
from mptwin.runner.job import run_job
from mptwin.runner.sweep import completed_kpis, hydra_quote

JOBLIB_LAUNCHERS = ("cores", "joblib")  # launchers whose parallelism is hydra.launcher.n_jobs


class RunFailed(RuntimeError):
    """A simulation of the gate failed (not a bad gate file: the model or the machine)."""


@dataclass(frozen=True)
class Job:
    scenario: str
    arm: str
    seed: int
    cfg: DictConfig
    out_dir: Path

    @property
    def label(self) -> str:
        return f"{self.scenario}/{self.arm}/seed={self.seed}"


def run_quietly(cfg: DictConfig, out_dir: Path) -> dict:
    """`run_job` without its per-run printout (the gate prints one line per look)."""
    with contextlib.redirect_stdout(io.StringIO()):
        return run_job(cfg, Path(out_dir))


class PairedRuns:
    """What `run_sequential` fetches: the KPIs of both arms on seeds first..first+n-1.

    Use as a context manager (the local pool lives for the whole gate). `simulated` and
    `reused` count the runs this gate ran and the complete ones it found.
    """

    def __init__(
        self,
        spec: GateSpec,
        configs: dict[tuple[str, str], DictConfig],
        out: Path,
        workers: int = 2,
        echo: Callable[[str], None] = print,
    ) -> None:
        self.spec, self.configs, self.out = spec, configs, Path(out).resolve()
        self.workers, self.echo = max(1, workers), echo
        self.kpis: dict[tuple[str, str, int], dict] = {}
        self.simulated = self.reused = 0
        self._pool: Executor | None = None

    def __enter__(self) -> PairedRuns:
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def job_dir(self, scenario: str, arm: str, seed: int) -> Path:
        return self.out / "runs" / scenario / arm / f"seed={seed}"

    def job(self, scenario: str, arm: str, seed: int) -> Job:
        cfg = self.configs[(scenario, arm)].copy()
        cfg.seed = seed
        return Job(scenario, arm, seed, cfg, self.job_dir(scenario, arm, seed))

    def fetch(self, scenarios: list[str], n: int) -> dict[str, tuple[dict, dict]]:
        """Run or reuse what is missing; {scenario: (current, candidate)}, each {kpi: values}."""
        seeds = range(self.spec.seeds.first, self.spec.seeds.first + n)
        todo = []
        for s in scenarios:
            for arm in ARMS:
                for seed in seeds:
                    if (s, arm, seed) in self.kpis:
                        continue
                    job = self.job(s, arm, seed)
                    done = completed_kpis(job.cfg, job.out_dir)
                    if done is None:
                        todo.append(job)
                    else:
                        self.kpis[(s, arm, seed)] = done
                        self.reused += 1
        if todo:
            run = self._run_hydra if self.spec.launcher == Launcher.hydra else self._run_local
            for job, kpis in run(todo):
                self.kpis[(job.scenario, job.arm, job.seed)] = kpis
            self.simulated += len(todo)
        return {s: tuple(self._columns(s, arm, seeds) for arm in ARMS) for s in scenarios}

    def _columns(self, scenario: str, arm: str, seeds) -> dict[str, list]:
        rows = [self.kpis[(scenario, arm, seed)] for seed in seeds]
        return {key: [r.get(key) for r in rows] for key in rows[0]}

    def _run_local(self, jobs: list[Job]):
        if self.workers == 1 or len(jobs) == 1:
            return [(j, self._local_one(j)) for j in jobs]
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers)
        futures = [(j, self._pool.submit(run_quietly, j.cfg, j.out_dir)) for j in jobs]
        out = []
        for j, f in futures:
            try:
                out.append((j, f.result()))
            except Exception as e:
                raise RunFailed(f"run {j.label} failed: {type(e).__name__}: {e}") from e
        return out

    @staticmethod
    def _local_one(job: Job) -> dict:
        try:
            return run_quietly(job.cfg, job.out_dir)
        except Exception as e:
            raise RunFailed(f"run {job.label} failed: {type(e).__name__}: {e}") from e

    def _run_hydra(self, jobs: list[Job]):
        """One `mptwin -m` sweep over the missing seeds per scenario and arm, then read back."""
        groups: dict[tuple[str, str], list[Job]] = {}
        for j in jobs:
            groups.setdefault((j.scenario, j.arm), []).append(j)
        out = []
        for (scenario, arm), group in groups.items():
            cmd = hydra_command(
                self.spec,
                scenario,
                arm,
                [j.seed for j in group],
                self.out / "runs" / scenario / arm,
                self.workers,
            )
            done = subprocess.run(cmd, capture_output=True, text=True)
            for j in group:
                kpis = completed_kpis(j.cfg, j.out_dir)
                if kpis is None:
                    tail = (done.stderr or done.stdout)[-2000:]
                    raise RunFailed(
                        f"the Hydra launcher {self.spec.hydra_launcher!r} left no "
                        f"complete run in {j.out_dir} (exit {done.returncode}):\n{tail}"
                    )
                out.append((j, kpis))
        return out


def hydra_command(
    spec: GateSpec, scenario: str, arm: str, seeds: list[int], sweep_dir: Path, workers: int
) -> list[str]:
    """`mptwin -m` for one arm on one scenario over `seeds`, writing `<sweep_dir>/seed=<n>/`."""
    launcher = [f"hydra/launcher={spec.hydra_launcher}"]
    if spec.hydra_launcher in JOBLIB_LAUNCHERS:
        launcher.append(f"hydra.launcher.n_jobs={workers}")
    return [
        sys.executable,
        "-m",
        "mptwin.runner.cli",
        "-m",
        f"scenario={scenario}",
        *spec.arm(arm),
        *GATE_RUN,
        f"seed={','.join(map(str, seeds))}",
        f"hydra.sweep.dir={hydra_quote(str(sweep_dir))}",
        "hydra.sweep.subdir='seed=${seed}'",
        "hydra.callbacks.report.enabled=false",
        *launcher,
        *spec.hydra_overrides,
    ]
