"""The benchmark suite: every benchmark in one command, with a JSON and a Markdown report.

    uv run python benchmarks/suite.py --out DIR                  # everything (long: see below)
    uv run python benchmarks/suite.py --out DIR --quick          # smoke-sized, under a minute
    uv run python benchmarks/suite.py --out DIR --only scaling   # one section (may be repeated)
    uv run python benchmarks/suite.py --out DIR --only scenarios --year-days 30   # shorter year

The plans (which cases) are in suite_plan.py, the Markdown report in suite_report.py.

Writes DIR/benchmark.json (every row, and the machine: Python, platform, CPU, cores, load,
date, commit) and DIR/benchmark.md (one Markdown table per section), rewritten after each
section, and prints the Markdown at the end. Progress goes to stderr as each case starts and
ends.

Each case runs in a fresh subprocess (benchmarks/bench.py --json PATH for a simulation, this
script's hidden --routing-case for a solve), one after the other, so a case's peak memory is
its own and no case slows another. Each child also times a bare SimPy M/M/c (bench.bare_mmc),
after the simulation so the peak memory stays the simulation's. Orders per second depend on the
machine; the ratio of a case's orders per second to the M/M/c's customers per second, measured
in the same process, largely does not, so that ratio is what compares across machines and runs
(the M/M/c is reported once per section as well).

Sections:

scenarios  Simulated orders per second and memory of whole scenarios: baseline (90 days, ~100k
           orders) and growth_year (a year growing to ~700 sellers and ~3M orders, the longest
           cases: minutes each; --year-days N shortens it) under automation and orchestration. Time per phase (building the world,
           event loop, collecting tables, KPIs), orders per second with and without the tables,
           the ratio to the M/M/c, peak RSS, and bytes per order: the peak RSS minus the RSS
           right after the world is built, per order, i.e. what the run grows by per order.
scaling    Whether the cost per order stays flat as the world grows. From a base (baseline
           without seller applications or new listings, so only the factor varies: 5k SKUs, 50
           sellers, 90 days) one factor varies at a time: SKUs 5k/50k/200k, sellers 50/700
           (each profile's count x14), days 90/365. Per factor and strategy, the ratio of orders
           per second at the largest value to the smallest: close to 1 means flat.
routing    The routing solver (strategies.solver.solve_assignment) on synthetic routing batches
           of 10, 100 and 1000 orders (bench_routing.synthetic_batch, bench_routing.bench_solver):
           solve time, the method that answered, time per order, and the gap to the LP bound.

--quick runs the same sections smaller, to check this script: scenarios on smoke only, scaling
from a smoke base (two values per factor), routing at 10 and 100 orders, a 50k-customer M/M/c.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from suite_plan import ROUTING_TIME_LIMIT_S, STRATEGIES, Plan, full_plan, quick_plan
from suite_report import machine_info, render, write

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SECTIONS = ("scenarios", "scaling", "routing")


# --- running one case in a child process ---------------------------------------------------


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_child(name: str, args: list[str]) -> dict:
    """Run `python <args> --json PATH` in a fresh process and return what it wrote, or, if it
    failed, a row with the error (the suite goes on with the other cases)."""
    log(f"start  {name}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "case.json"
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, *args, "--json", str(path)], cwd=ROOT, capture_output=True, text=True
        )
        wall_s = time.perf_counter() - t0
        if proc.returncode != 0 or not path.exists():
            error = "\n".join(proc.stderr.strip().splitlines()[-30:])
            log(f"FAILED {name}  {wall_s:.1f} s (exit {proc.returncode})\n{error}")
            return {"case": name, "wall_s": wall_s, "error": error}
        row = json.loads(path.read_text())
    log(f"end    {name}  {wall_s:.1f} s")
    return {"case": name, "wall_s": wall_s, **row}


def simulate(name: str, overrides: dict, mmc_customers: int) -> dict:
    """One simulation case: benchmarks/bench.py in a child, with its overrides."""
    args = [str(HERE / "bench.py"), "--mmc-customers", str(mmc_customers)]
    row = run_child(name, args + [f"{k}={v}" for k, v in overrides.items()])
    if "error" not in row:
        row["total_s"] = row["build_world_s"] + row["event_loop_s"]
        row["total_s"] += row["collect_tables_s"] + row["kpis_s"]
    return row | {"overrides": overrides}


def routing_case(size: int, path: Path, mmc_customers: int) -> None:
    """The child of a routing case: one synthetic batch solved, then the bare M/M/c."""
    # imported here, in the child only: the suite's own process stays small
    from bench import bare_mmc
    from bench_routing import bench_solver

    [row] = bench_solver([size], ROUTING_TIME_LIMIT_S)
    row["time_limit_s"] = ROUTING_TIME_LIMIT_S
    row["bare_mmc_customers"] = mmc_customers
    row["bare_mmc_customers_per_s"] = bare_mmc(customers=mmc_customers)
    path.write_text(json.dumps(row, indent=2) + "\n")


# --- the sections ----------------------------------------------------------------------------


def run_scenarios(plan: Plan) -> dict:
    rows = []
    for label, overrides in plan.scenarios:
        for strategy in STRATEGIES:
            name = f"scenarios {label}/{strategy}"
            row = simulate(name, {**overrides, "strategy": strategy}, plan.mmc_customers)
            rows.append(row | {"scenario": label, "strategy": strategy})
    return {"rows": rows}


def run_scaling(plan: Plan) -> dict:
    """Each factor's values from the base; the base case (each factor's first value) runs once
    per strategy and its row is listed under every factor."""
    rows, done = [], {}
    for strategy in STRATEGIES:
        for factor, values in plan.scaling_factors.items():
            for value, change in values:
                overrides = {**plan.scaling_base, **change, "strategy": strategy}
                key = json.dumps(overrides, sort_keys=True)
                if key not in done:
                    name = f"scaling {factor}={value}/{strategy}"
                    done[key] = simulate(name, overrides, plan.mmc_customers)
                rows.append(done[key] | {"factor": factor, "value": value, "strategy": strategy})
    return {"rows": rows, "flatness": flatness(rows)}


def flatness(rows: list[dict]) -> list[dict]:
    """Per factor and strategy: orders/s (and the ratio to the M/M/c) at the largest value over
    the smallest. Close to 1: the cost per order does not grow with the factor."""
    out = []
    for factor in dict.fromkeys(r["factor"] for r in rows):
        for strategy in STRATEGIES:
            group = sorted(
                (r for r in rows if r["factor"] == factor and r["strategy"] == strategy),
                key=lambda r: r["value"],
            )
            small, large = group[0], group[-1]
            entry = {"factor": factor, "strategy": strategy}
            entry |= {"smallest": small["value"], "largest": large["value"]}
            if "error" not in small and "error" not in large:
                entry["orders_per_s_ratio"] = (
                    large["orders_per_s_with_tables"] / small["orders_per_s_with_tables"]
                )
                entry["ratio_to_bare_mmc_ratio"] = (
                    large["ratio_to_bare_mmc"] / small["ratio_to_bare_mmc"]
                )
            out.append(entry)
    return out


def run_routing(plan: Plan) -> dict:
    rows = []
    for size in plan.routing_sizes:
        args = [str(HERE / "suite.py"), "--routing-case", str(size)]
        args += ["--mmc-customers", str(plan.mmc_customers)]
        row = run_child(f"routing n={size}", args)
        if "error" not in row:
            row["solve_ms"] = 1000.0 * row["solve_s"]
            row["ms_per_order"] = row["solve_ms"] / size
        rows.append(row | {"orders": size})
    return {"rows": rows}


RUNNERS = {"scenarios": run_scenarios, "scaling": run_scaling, "routing": run_routing}


# --- the command -------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--out", type=Path, help="folder for benchmark.json and benchmark.md")
    ap.add_argument("--quick", action="store_true", help="smoke-sized, to check the script")
    ap.add_argument("--only", action="append", choices=SECTIONS, help="run only this section")
    ap.add_argument("--year-days", type=int, help="growth_year's days (default: its full year)")
    # internal: the child process of one routing case
    ap.add_argument("--routing-case", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--json", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--mmc-customers", type=int, default=200_000, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.routing_case is None and args.out is None:
        ap.error("--out DIR is required")
    return args


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    if args.routing_case is not None:
        routing_case(args.routing_case, args.json, args.mmc_customers)
        return
    plan = quick_plan() if args.quick else full_plan(args.year_days)
    args.out.mkdir(parents=True, exist_ok=True)
    results = {
        "machine": machine_info(),
        "command": ["benchmarks/suite.py", *argv],
        "quick": args.quick,
        "year_days": None if args.quick else args.year_days,
        "sections": {},
    }
    t0 = time.perf_counter()
    for section in SECTIONS:
        if args.only and section not in args.only:
            continue
        log(f"== {section}")
        results["sections"][section] = RUNNERS[section](plan)
        write(args.out, results)  # after each section, so a long run keeps what it has done
    log(f"== done in {time.perf_counter() - t0:.1f} s: {args.out.resolve()}/benchmark.{{json,md}}")
    print(render(results))


if __name__ == "__main__":
    main(sys.argv[1:])
