"""`mptwin-tune ARM`: tune one arm on tuning seeds and write it as a strategy config,
`conf/strategy/<ARM>_tuned.yaml`, which `experiment=compare_strategies` compares on fresh seeds.

    uv run mptwin-tune automation                  # baseline, seeds 101 102, 30 trials
    uv run mptwin-tune orchestration --trials 20 --seeds 101 102 103
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
from datetime import date
from pathlib import Path

import optuna
import pandas as pd
from hydra.errors import HydraException
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from mptwin.cli_args import one_line
from mptwin.experiments.tuning.evaluate import HydraRunner, LocalRunner
from mptwin.experiments.tuning.promise_buffers import carrier_buffers
from mptwin.experiments.tuning.search import OBJECTIVE, Study, Tuned, TuneSpec, calibrate, tune
from mptwin.runner.compose import CONF_DIR, compose
from sim.config_bounds import ConfigError


def load_spec(arm: str, args: argparse.Namespace) -> TuneSpec:
    """The arm's search space from conf/tune/<arm>.yaml, with the shared settings."""
    path = CONF_DIR / "tune" / f"{arm}.yaml"
    if not path.exists():
        known = sorted(p.stem for p in (CONF_DIR / "tune").glob("*.yaml"))
        raise ConfigError(f"no search space for {arm!r}: {path} is missing; known: {known}")
    raw = OmegaConf.to_container(OmegaConf.load(path))
    params = raw.get("params") or {}
    for key, bounds in params.items():
        if len(bounds) != 3 or not bounds[0] < bounds[1] or bounds[2] <= 0:
            raise ConfigError(
                f"{path.name}: params.{key} must be [low, high, step] with "
                f"low < high and step > 0, got {bounds}"
            )
    spec = TuneSpec(
        strategy=raw.get("strategy", arm),
        params=params,
        calibrate_promise=bool(raw.get("calibrate_promise", False)),
        scenario=args.scenario,
        seeds=list(args.seeds),
        trials=args.trials,
        sampler_seeds=list(args.sampler_seeds),
        on_time_floor=args.on_time,
        staffing_max_h=args.target,
        headcounts=(args.min_headcount, args.max_headcount),
        start_headcount=args.start_headcount,
        batch=args.batch,
        workers=args.workers,
        overrides=list(args.override),
    )
    compose(*spec.base())  # a bad scenario, strategy or override fails now, not later
    return spec


def tuned_config(spec: TuneSpec, result: Tuned, name: str, study: Study | None = None) -> dict:
    """The config of the tuned arm (or of one of its studies), a `_global_` package: the arm's
    own strategy with the tuned values on top and a `tuned` block saying how they were found,
    and the team it was tuned with, `scenario.reviewers.headcount` (the team's one key). `name`
    is the strategy's own (the stem of `--out`), so an arm tuned elsewhere is a strategy of its
    own."""
    chosen = study or result
    own = name + (f"_s{study.sampler_seed}" if study else "")
    body: dict = {
        "defaults": [f"/strategy/{spec.strategy}@strategy", "_self_"],
        "scenario": {"reviewers": {"headcount": chosen.headcount}},
        "strategy": {"name": own},
    }
    for key, value in chosen.values.items():  # strategy.promise.quantile: from the root down
        node = body
        parts = key.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
    body["strategy"]["tuned"] = {
        "scenario": spec.scenario,
        "seeds": spec.seeds,
        "trials": spec.trials,
        "optimiser": f"optuna {optuna.__version__} TPESampler, asked {spec.batch} at a time; "
        f"one study per sampler seed {spec.sampler_seeds}, the best kept",
        "studies": [
            {
                "sampler_seed": s.sampler_seed,
                "objective_value": round(s.objective, 2),
                "headcount": s.headcount,
                "staffing_value": round(s.staffing_value, 2),
                "config": f"{name}_s{s.sampler_seed}",
            }
            for s in result.studies
        ],
        "objective": f"mean {OBJECTIVE} over the seeds at the smallest team meeting the "
        f"staffing target, with mean on_time_rate >= {spec.on_time_floor}",
        "objective_value": round(chosen.objective, 2),
        "staffing": f"solved per trial: smallest team with mean {spec.staffing_kpi} <= "
        f"{spec.staffing_max_h} h (replayed tasks propose, real runs decide; the "
        "chosen team confirmed by simulating one fewer)",
        "staffing_value": round(chosen.staffing_value, 2),
        "overrides": spec.overrides,
        "date": date.today().isoformat(),
    }
    if study is not None:
        body["strategy"]["tuned"]["study"] = study.sampler_seed
    return body


# what a tuned file says of its team, under its header
TEAM_NOTE = (
    "# The team it was tuned with is scenario.reviewers.headcount, the team's one key: this file\n"
    "# sets it over the scenario's; an experiment or the command line sets it over this file.\n"
)


def write(spec: TuneSpec, result: Tuned, out: Path, trials_csv: Path) -> None:
    header = (
        "# @package _global_\n"
        f"# Written by `mptwin-tune {spec.strategy}`: tuned on scenario {spec.scenario}, "
        f"seeds {spec.seeds}, {spec.trials} trials.\n# Compare on other seeds. Rerun "
        "mptwin-tune to retune; edits by hand are lost.\n" + TEAM_NOTE
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        header + OmegaConf.to_yaml(OmegaConf.create(tuned_config(spec, result, out.stem)))
    )
    for study in result.studies:  # each study runnable on its own: strategy=<arm>_tuned_s<k>
        path = out.with_name(f"{out.stem}_s{study.sampler_seed}.yaml")
        body = tuned_config(spec, result, out.stem, study)
        path.write_text(header + OmegaConf.to_yaml(OmegaConf.create(body)))
    trials_csv.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(result.trials).to_csv(trials_csv, index=False)


def make_runner(args: argparse.Namespace, spec: TuneSpec):
    """Where the runs go: a local process pool, or a Hydra launcher as a sweep's jobs do (run
    folders under outputs/tune/<scenario>/<arm>/runs/)."""
    if not args.launcher:
        return LocalRunner(spec.workers)
    out = Path("outputs") / "tune" / spec.scenario / args.arm / "runs"
    return HydraRunner(args.launcher, out, list(args.launcher_arg))


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="mptwin-tune",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "arm", help="a strategy with a search space in conf/tune/ (automation, orchestration)"
    )
    p.add_argument(
        "--scenario",
        default="baseline",
        help="the conf/scenario world the trials run in (default: %(default)s)",
    )
    p.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        default=[101, 102],
        help="tuning seeds; compare on others (default: 101 102)",
    )
    p.add_argument("--trials", type=int, default=30, help="trials per study (default: %(default)s)")
    p.add_argument(
        "--sampler-seeds",
        type=int,
        nargs="+",
        default=[0, 1, 2],
        help="one study per seed; the best is kept (default: 0 1 2)",
    )
    p.add_argument(
        "--on-time",
        type=float,
        default=0.9,
        help="trials below this mean on_time_rate are infeasible, in (0, 1] (default: %(default)s)",
    )
    p.add_argument(
        "--target",
        type=float,
        default=48.0,
        help="staffing: mean human_resolution_p90_h at most this many hours (default: %(default)s)",
    )
    p.add_argument(
        "--min-headcount",
        type=int,
        default=1,
        help="the smallest review team a trial may get (default: %(default)s)",
    )
    p.add_argument(
        "--max-headcount",
        type=int,
        default=30,
        help="the largest review team a trial may get (default: %(default)s)",
    )
    p.add_argument(
        "--start-headcount",
        type=int,
        default=10,
        help="the team a study's first trial is run at first (default: %(default)s)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=2,
        help="runs in parallel, one per core (default: %(default)s)",
    )
    p.add_argument(
        "--batch",
        type=int,
        default=1,
        help="trials asked and run at once (default: %(default)s; more with a launcher "
        "that has more workers than seeds)",
    )
    p.add_argument(
        "--launcher",
        help="run the trials through this Hydra launcher, like a "
        "sweep (cores, slurm, submitit_local); default: a local process pool",
    )
    p.add_argument(
        "--launcher-arg",
        action="append",
        default=[],
        help="a Hydra override for the launcher, e.g. hydra.launcher.partition=cpu",
    )
    p.add_argument(
        "--override",
        action="append",
        default=[],
        help="a further config override for every run, e.g. scenario.days=30",
    )
    p.add_argument("--out", type=Path, help="default: conf/strategy/<arm>_tuned.yaml")
    p.add_argument(
        "--calibrate-only",
        action="store_true",
        help="print the promise buffers per carrier calibrated for the arm's own "
        "quantile, and stop",
    )
    args = p.parse_args(argv)
    problem = bad_value(args)
    if problem:
        p.error(problem)
    return args


def bad_value(args: argparse.Namespace) -> str | None:
    """The first option with a value no tuning can use, said before any run starts (the
    scenario, overrides and launcher are Hydra's to judge, in `load_spec`)."""
    low, high = args.min_headcount, args.max_headcount
    checks = [
        ("--trials", args.trials, args.trials >= 1, "must be at least 1"),
        ("--seeds", args.seeds, len(args.seeds) >= 1, "must name at least one seed"),
        (
            "--sampler-seeds",
            args.sampler_seeds,
            len(args.sampler_seeds) >= 1,
            "must name at least one seed",
        ),
        ("--min-headcount", low, low >= 1, "must be at least 1"),
        ("--max-headcount", high, high >= low, f"must be at least --min-headcount ({low})"),
        (
            "--start-headcount",
            args.start_headcount,
            low <= args.start_headcount <= high,
            f"must be from --min-headcount to --max-headcount ({low} to {high})",
        ),
        ("--workers", args.workers, args.workers >= 1, "must be at least 1"),
        ("--batch", args.batch, args.batch >= 1, "must be at least 1"),
        ("--on-time", args.on_time, 0.0 < args.on_time <= 1.0, "must be in (0, 1]"),
        (
            "--target",
            args.target,
            0.0 < args.target < math.inf,
            "must be a finite number of hours > 0",
        ),
    ]
    for option, value, ok, rule in checks:
        if not ok:
            return f"argument {option}: {rule}, got {value}"
    return None


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    args = parse(argv)
    try:
        spec = load_spec(args.arm, args)
    except (ConfigError, HydraException, OmegaConfBaseException) as e:
        print(f"mptwin-tune: config error: {one_line(e)}", file=sys.stderr)
        sys.exit(2)
    if args.calibrate_only:
        q = float(compose(*spec.base()).strategy.promise.quantile)
        buffers = carrier_buffers(calibrate(spec, make_runner(args, spec)), q)
        print(OmegaConf.to_yaml({"quantile": q, "buffer_days": buffers}))
        return
    out = args.out or CONF_DIR / "strategy" / f"{args.arm}_tuned.yaml"
    t0 = time.perf_counter()
    result = tune(spec, make_runner(args, spec))
    trials_csv = Path("outputs") / "tune" / spec.scenario / args.arm / "trials.csv"
    write(spec, result, out, trials_csv)
    print(
        f"\n{args.arm}: tuned in {time.perf_counter() - t0:.0f} s; {OBJECTIVE} "
        f"{result.objective:,.0f} with {result.headcount} reviewers\n"
        f"wrote {out} and {trials_csv}"
    )


if __name__ == "__main__":
    main()
