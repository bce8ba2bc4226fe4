"""Sweeps: experiment files compose, a re-run skips complete jobs, a job killed mid-write leaves
nothing the report would read, local parallel (joblib) and one-at-a-time runs agree, and the
cluster launcher (submitit, in its local mode) runs a sweep.

Jobs run through `python -m mptwin.runner.cli`, as `mptwin` would, on the smoke scenario."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from omegaconf import OmegaConf

from mptwin.results.job_folder import STAGING
from mptwin.results.report.load import ReportError, load_sweep, scan
from mptwin.runner.compose import CONF_DIR, build_run, compose
from mptwin.runner.sweep import completed_kpis, staged
from tests.helpers.runs import ROOT

TEST_CONF = ROOT / "tests" / "conf"  # a tests-only second strategy: automation_undercut
EXPERIMENTS = sorted((CONF_DIR / "experiment").glob("*.yaml"))
QUIET = ("scenario=smoke", "figures=false", "progress=false")
NO_REPORT = "hydra.callbacks.report.enabled=false"
TABLES = ("orders", "shipments", "exceptions", "money", "daily", "shifts")


def mptwin(*args: str, check: bool = True, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run the `mptwin` command in a subprocess from the repository root."""
    proc = subprocess.run(
        [sys.executable, "-m", "mptwin.runner.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check:
        assert proc.returncode == 0, (
            f"mptwin {' '.join(args)} exited {proc.returncode}\n--- stdout\n{proc.stdout[-3000:]}"
            f"\n--- stderr\n{proc.stderr[-3000:]}"
        )
    return proc


def results(sweep: Path) -> dict[str, Path]:
    """Complete job folders of a sweep, by their path inside it."""
    return {
        p.parent.relative_to(sweep).as_posix(): p.parent
        for p in sweep.rglob("kpis.json")
        if STAGING not in p.parts
    }


# --- experiment files -----------------------------------------------------------------------


def test_there_are_the_four_experiments():
    names = {p.stem for p in EXPERIMENTS}
    assert {
        "compare_strategies",
        "reviewer_staffing",
        "carrier_disruption",
        "peak_season",
    } <= names, names


@pytest.mark.parametrize("path", EXPERIMENTS, ids=[p.stem for p in EXPERIMENTS])
def test_experiment_is_global_and_has_its_own_sweep_folder(path):
    assert path.read_text().startswith("# @package _global_\n"), f"{path.name}: first line"
    cfg = compose(f"experiment={path.stem}", hydra=True)
    assert cfg.hydra.sweep.dir == f"multirun/{path.stem}"
    assert cfg.hydra.runtime.choices["hydra/launcher"] == "cores"
    params = cfg.hydra.sweeper.params
    assert "seed" in params and len(str(params.seed).split(",")) >= 3, "a few seeds at least"


@pytest.mark.parametrize("name", [p.stem for p in EXPERIMENTS if p.stem != "carrier_disruption"])
def test_experiment_config_is_valid_on_smoke(name):
    cfg = compose(f"experiment={name}", "scenario=smoke")
    build_run(cfg)  # raises ConfigError on a bad key or value


def test_carrier_disruption_config_is_valid():
    cfg = compose("experiment=carrier_disruption")
    build_run(cfg)
    (d,) = cfg.scenario.disruptions
    assert d.capacity_factor < 1 and d.transit_factor > 1
    s = cfg.scenario
    assert s.warmup_days <= d.start_day and d.start_day + d.days <= s.warmup_days + s.days


def test_peak_season_puts_the_peak_inside_the_baseline_window():
    from datetime import date, timedelta

    cfg = compose("experiment=peak_season")
    s = cfg.scenario
    first = date.fromisoformat(s.start_date) + timedelta(days=s.warmup_days)
    last = first + timedelta(days=s.days - 1)
    peak = [date.fromisoformat(d) for d in s.demand.promo_dates]
    assert len(peak) >= 5 and all(first <= d <= last for d in peak)


# --- skip complete jobs ---------------------------------------------------------------------


@pytest.mark.slow
def test_a_rerun_sweep_skips_its_complete_jobs(tmp_path):
    sweep = tmp_path / "sweep"
    first = mptwin("-m", *QUIET, NO_REPORT, "seed=1,2", f"hydra.sweep.dir={sweep}")
    assert "Skipped" not in first.stdout
    done = results(sweep)
    assert len(done) == 2, done
    stamps = {k: (p / "kpis.json").stat().st_mtime_ns for k, p in done.items()}
    again = mptwin("-m", *QUIET, NO_REPORT, "seed=1,2,3", f"hydra.sweep.dir={sweep}")
    assert again.stdout.count("Skipped") == 2, again.stdout[-2000:]
    after = results(sweep)
    assert len(after) == 3
    for key, stamp in stamps.items():
        assert (after[key] / "kpis.json").stat().st_mtime_ns == stamp, f"{key} was rerun"


@pytest.mark.slow
def test_a_changed_config_is_not_skipped(tmp_path):
    out = tmp_path / "job"
    cfg = compose("scenario=smoke", "figures=false", "progress=false")
    from mptwin.runner.job import run_job

    first = run_job(cfg, out)
    assert completed_kpis(cfg, out) == first
    quiet = compose("scenario=smoke", "figures=false", "progress=true")
    assert completed_kpis(quiet, out) == first, "progress is cosmetic: still complete"
    other = compose("scenario=smoke", "figures=false", "seed=2")
    assert completed_kpis(other, out) is None
    (out / "config.yaml").write_text("scenario: [unclosed")
    assert completed_kpis(cfg, out) is None, "an unreadable config is not a match"


# --- atomic results -------------------------------------------------------------------------

DIE_WHILE_WRITING = textwrap.dedent("""
    import os, signal, sys
    import mptwin.runner.job as run

    real = run.write_tables

    def write_then_die(result, out_dir):
        paths = real(result, out_dir)  # some of the job's files are on disk now
        os.kill(os.getpid(), signal.SIGKILL)

    run.write_tables = write_then_die
    from mptwin.runner.cli import main
    sys.argv = ["mptwin", *sys.argv[1:]]
    main()
""")


@pytest.mark.slow
def test_a_job_killed_mid_write_leaves_no_result_the_report_reads(tmp_path):
    sweep = tmp_path / "sweep"
    job = sweep / "job"
    args = [*QUIET, NO_REPORT, f"hydra.sweep.dir={sweep}", "hydra.sweep.subdir=job"]
    # a complete earlier result in the same folder, with another config
    mptwin("-m", *args, "seed=2")
    assert (job / "kpis.json").exists()
    killed = subprocess.run(
        [sys.executable, "-c", DIE_WHILE_WRITING, "-m", *args, "seed=1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert killed.returncode == -9, (killed.returncode, killed.stderr[-2000:])
    assert list((job / STAGING).glob("*.parquet")), "the kill should come mid-write"
    assert not (job / "kpis.json").exists(), "the old completion mark must go before rewriting"
    assert OmegaConf.load(job / "config.yaml").seed == 2, "nothing new moved in"
    complete, incomplete = scan(sweep)
    assert complete == [] and incomplete == [job]
    with pytest.raises(ReportError, match="no complete runs"):
        load_sweep(sweep)
    # the same job run again clears the debris and completes
    mptwin("-m", *args, "seed=1")
    assert not (job / STAGING).exists()
    assert OmegaConf.load(job / "config.yaml").seed == 1
    assert json.loads((job / "kpis.json").read_text())["orders"] > 0


FAIL_ON_SEED_2 = textwrap.dedent("""
    import sys
    import mptwin.runner.job as run

    real = run.write_tables

    def fail_on_seed_2(result, out_dir):
        if result.info.seed == 2:
            raise RuntimeError("disk full (simulated)")
        return real(result, out_dir)

    run.write_tables = fail_on_seed_2
    from mptwin.runner.cli import main
    sys.argv = ["mptwin", *sys.argv[1:]]
    main()
""")


@pytest.mark.slow
def test_a_failing_job_does_not_lose_the_other_jobs(tmp_path):
    sweep = tmp_path / "sweep"
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            FAIL_ON_SEED_2,
            "-m",
            *QUIET,
            "seed=1,2,3",
            f"hydra.sweep.dir={sweep}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode != 0 and "disk full (simulated)" in proc.stderr
    assert sorted(results(sweep)) == ["smoke/automation/seed=1", "smoke/automation/seed=3"]
    failed = sweep / "smoke" / "automation" / "seed=2"
    assert not (failed / STAGING).exists() and not (failed / "kpis.json").exists()
    assert len(load_sweep(sweep).runs) == 2


@pytest.mark.slow
def test_a_failing_job_leaves_no_staging(tmp_path):
    with pytest.raises(RuntimeError, match="boom"), staged(tmp_path / "job") as stage:
        (stage / "orders.parquet").write_bytes(b"half")
        raise RuntimeError("boom")
    assert not (tmp_path / "job" / STAGING).exists()
    assert not (tmp_path / "job" / "kpis.json").exists()


def test_staging_without_kpis_is_never_committed(tmp_path):
    with pytest.raises(RuntimeError, match="refusing"), staged(tmp_path / "job") as stage:
        (stage / "config.yaml").write_text("seed: 1\n")
    assert not (tmp_path / "job" / "config.yaml").exists()


# --- launchers ------------------------------------------------------------------------------


def _frames(job: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(job / f"{name}.parquet") for name in TABLES}


@pytest.mark.slow
def test_joblib_and_basic_launchers_give_identical_results(tmp_path):
    two = (
        "experiment=compare_strategies",
        "strategy=automation,automation_undercut",
        f"hydra.searchpath=[file://{TEST_CONF}]",
        "seed=1,2",
    )
    runs = {}
    for launcher in ("basic", "cores"):
        sweep = tmp_path / launcher
        mptwin(
            "-m", *QUIET, NO_REPORT, *two, f"hydra/launcher={launcher}", f"hydra.sweep.dir={sweep}"
        )
        runs[launcher] = results(sweep)
    assert sorted(runs["basic"]) == sorted(runs["cores"]) and len(runs["basic"]) == 4
    for key, basic in runs["basic"].items():
        joblib = runs["cores"][key]
        assert json.loads((basic / "kpis.json").read_text()) == json.loads(
            (joblib / "kpis.json").read_text()
        ), key
        for name, frame in _frames(basic).items():
            pd.testing.assert_frame_equal(frame, _frames(joblib)[name], obj=f"{key}/{name}")


@pytest.mark.slow
def test_submitit_local_runs_a_two_job_sweep(tmp_path):
    sweep = tmp_path / "sweep"
    proc = mptwin(
        "-m",
        *QUIET,
        "seed=1,2",
        "hydra/launcher=submitit_local",
        "hydra.launcher.timeout_min=10",
        f"hydra.sweep.dir={sweep}",
    )
    done = results(sweep)
    assert sorted(done) == ["smoke/automation/seed=1", "smoke/automation/seed=2"], done
    assert (sweep / ".submitit").is_dir(), "submitit keeps its logs beside the jobs"
    assert "2 complete runs" in proc.stdout, proc.stdout[-2000:]


def test_slurm_launcher_config_is_there():
    cfg = compose("hydra/launcher=slurm", hydra=True)
    assert cfg.hydra.launcher._target_.endswith("SlurmLauncher")
    assert cfg.hydra.launcher.cpus_per_task == 1
    assert os.path.basename(cfg.hydra.launcher.submitit_folder) == "%j"
