"""One job: scenario config + strategy config + seed -> world, simulation, result files."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from mptwin.memory import return_freed_memory
from mptwin.progress import Progress
from mptwin.results.job_folder import CONFIG, DONE
from mptwin.results.measure.metrics import compute_kpis, kpi_table
from mptwin.results.measure.records import RunResult, collect, write_tables
from mptwin.results.measure.run_figures import write_figures
from mptwin.results.measure.service_calls import fallback_note
from mptwin.results.report.load import tuned_elsewhere
from mptwin.results.report.sweep_tables import write_summary
from mptwin.runner.compose import build_run
from mptwin.runner.provenance import calibrated_note
from mptwin.runner.sweep import completed_kpis, staged
from sim.decisions import Strategy
from sim.engine import build, quiet_gc, run

log = logging.getLogger("mptwin")


def simulate(
    world, strategy: Strategy, seed: int, progress=None, decisions: bool = False
) -> RunResult:
    """One replication, start to end: its result tables and run facts (with `decisions`, also
    the table of every decision and why: `decisions`)."""
    return_freed_memory()  # a year's records are freed in chunks: give them back
    state = build(world, strategy, seed, progress, explain=decisions)
    with quiet_gc():  # the tables are built from the records inside it too
        return collect(run(state), release=True)  # the state is done with: hand its records over


def run_job(cfg: DictConfig, out_dir: Path) -> dict:
    """Simulate one replication and write config, tables, KPIs and figures to `out_dir`."""
    done = completed_kpis(cfg, out_dir)
    if done is not None:
        print(
            f"Skipped: {out_dir} already holds a complete run with this resolved config "
            f"(delete its kpis.json to run it again)"
        )
        return done
    t0 = time.perf_counter()
    world, strategy = build_run(cfg)
    t_built = time.perf_counter()
    progress = Progress(f"{world.name}/{strategy.name}/seed={cfg.seed}") if cfg.progress else None
    result = simulate(world, strategy, int(cfg.seed), progress, decisions=bool(cfg.decisions))
    t_sim = time.perf_counter()
    kpis = compute_kpis(result.tables, result.info)
    with staged(out_dir) as stage:  # all files land in out_dir at the end, kpis.json last
        write_outputs(cfg, result, kpis, stage)
        timing = {
            "build_s": t_built - t0,
            "simulate_s": t_sim - t_built,
            "write_s": time.perf_counter() - t_sim,
            "orders_simulated": len(result.tables["orders"]),
        }
        timing["orders_per_s"] = timing["orders_simulated"] / max(timing["simulate_s"], 1e-9)
        _write_json(stage / "timing.json", timing)
    print(
        f"\n{world.name} / {strategy.name} / seed {cfg.seed}: "
        f"{timing['orders_simulated']:,} orders simulated in {timing['simulate_s']:.1f} s "
        f"({timing['orders_per_s']:,.0f} orders/s)\n"
    )
    print(kpi_table(kpis))
    if cfg.scenario.get("calibrated") is not None:  # what is fitted and what is the template's
        scenario = OmegaConf.to_container(cfg.scenario, resolve=True)
        print(f"\n{calibrated_note(scenario, world.reviewers.headcount)}")
    print(f"\nResults in {out_dir}")
    note = fallback_note(result.tables.get("service_calls"), result.info)
    if note:  # said last, where it is seen: a run on the fallbacks is not the service's
        log.warning(note)
    elsewhere = tuned_elsewhere(OmegaConf.to_container(cfg, resolve=True))
    if elsewhere:  # an arm tuned for another world: the numbers are not the finding
        log.warning(elsewhere)
    return kpis


def write_outputs(cfg: DictConfig, result: RunResult, kpis: dict, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / CONFIG).write_text(OmegaConf.to_yaml(cfg, resolve=True))
    write_tables(result, out_dir)
    write_summary(result.tables, result.info, out_dir)  # what a sweep's report reads
    if cfg.figures:
        write_figures(result.tables, result.info, out_dir / "figures")
    _write_json(out_dir / DONE, kpis)  # its presence marks a complete run


def _write_json(path: Path, obj) -> None:
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(obj, indent=2, allow_nan=False) + "\n")
    tmp.replace(path)
