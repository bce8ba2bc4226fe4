"""Benchmark: what recording decisions costs (`decisions=true`), as the ratio of a run's time with
the flag to its time without, on the same scenario, strategy and seed.

    uv run python benchmarks/bench_decisions.py                        # baseline, both arms
    uv run python benchmarks/bench_decisions.py --strategies orchestration --repeat 3
    uv run python benchmarks/bench_decisions.py --scenario smoke       # seconds, not minutes

Each run is a fresh process, as a job is (a second run in the same process inherits the first
one's heap). Two times per run: a run's work (simulating it: build, run, tables; then writing
its Parquet tables, as a job does; figures left out, the same either way) and the process's
whole wall time (imports, config and KPIs too: what `mptwin` makes you wait for). Runs
alternate off, on, off, on, ... so a machine that slows down mid-way hurts both alike; the
fastest of `--repeat` runs of each is compared (on a shared machine, the least disturbed), and
so is each pair of runs made one after the other (their median ratio: on a machine whose speed
drifts by 10 % within minutes, as this project's does, the steadier figure). The KPIs of all
runs are checked to be identical: recording only observes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def one_run(scenario: str, strategy: str, seed: int, decisions: bool) -> dict:
    """In this process: one run, timed (what a child prints)."""
    from mptwin.results.measure.metrics import compute_kpis
    from mptwin.results.measure.records import write_tables
    from mptwin.runner.compose import build_run, compose
    from mptwin.runner.job import simulate

    cfg = compose(f"scenario={scenario}", f"strategy={strategy}", f"seed={seed}", "progress=false")
    world, policies = build_run(cfg)
    t0 = time.perf_counter()
    result = simulate(world, policies, seed, decisions=decisions)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        write_tables(result, Path(tmp))
    t2 = time.perf_counter()
    kpis = json.loads(json.dumps(compute_kpis(result.tables, result.info)))
    return {
        "simulate_s": t1 - t0,
        "write_s": t2 - t1,
        "kpis": kpis,
        "decisions": len(result.tables.get("decisions", ())),
    }


def child(scenario: str, strategy: str, seed: int, decisions: bool) -> dict:
    """One run in a fresh process, with the process's wall time."""
    t0 = time.perf_counter()
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            scenario,
            strategy,
            str(seed),
            "on" if decisions else "off",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["wall_s"] = time.perf_counter() - t0
    return result


def bench(scenario: str, strategy: str, seed: int, repeat: int) -> dict:
    runs: dict[bool, list[dict]] = {False: [], True: []}
    for _ in range(repeat):
        for on in (False, True):
            r = child(scenario, strategy, seed, on)
            runs[on].append(r)
            print(
                f"  {scenario}/{strategy} decisions={str(on).lower():5}: {r['simulate_s']:6.2f} "
                f"s simulate + {r['write_s']:5.2f} s write; {r['wall_s']:6.2f} s wall"
                + (f"; {r['decisions']:,} decisions" if on else ""),
                flush=True,
            )
    best = {on: {k: min(r[k] for r in rs) for k in ("wall_s",)} for on, rs in runs.items()}
    for on, rs in runs.items():
        best[on]["work_s"] = min(r["simulate_s"] + r["write_s"] for r in rs)
    first = runs[False][0]["kpis"]
    paired = sorted(
        (on["simulate_s"] + on["write_s"]) / (off["simulate_s"] + off["write_s"])
        for off, on in zip(runs[False], runs[True], strict=True)
    )
    return {
        "scenario": scenario,
        "strategy": strategy,
        "seed": seed,
        "repeat": repeat,
        "off_work_s": best[False]["work_s"],
        "on_work_s": best[True]["work_s"],
        "work_ratio": best[True]["work_s"] / best[False]["work_s"],
        "paired_work_ratios": paired,
        "median_paired_ratio": float(np.median(paired)),
        "off_wall_s": best[False]["wall_s"],
        "on_wall_s": best[True]["wall_s"],
        "wall_ratio": best[True]["wall_s"] / best[False]["wall_s"],
        "decisions": runs[True][0]["decisions"],
        "kpis_identical": all(r["kpis"] == first for r in runs[False] + runs[True]),
    }


def main() -> None:
    if len(sys.argv) == 6 and sys.argv[1] == "--child":
        _, _, scenario, strategy, seed, flag = sys.argv
        print(json.dumps(one_run(scenario, strategy, int(seed), flag == "on")))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="baseline")
    ap.add_argument("--strategies", nargs="+", default=["automation", "orchestration"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    results = []
    for strategy in args.strategies:
        r = bench(args.scenario, strategy, args.seed, args.repeat)
        results.append(r)
        print(
            f"{r['scenario']}/{r['strategy']}: work off {r['off_work_s']:.2f} s, on "
            f"{r['on_work_s']:.2f} s, ratio {r['work_ratio']:.3f}; wall off "
            f"{r['off_wall_s']:.2f} s, on {r['on_wall_s']:.2f} s, ratio {r['wall_ratio']:.3f}; "
            f"{r['decisions']:,} decisions; KPIs identical: {r['kpis_identical']}"
        )
        print(
            f"  work ratio of each pair (off, on run one after the other), sorted: "
            f"{', '.join(f'{x:.3f}' for x in r['paired_work_ratios'])}; median "
            f"{r['median_paired_ratio']:.3f}"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
