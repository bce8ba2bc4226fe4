"""The benchmark suite: every benchmark in one command, with a JSON and a Markdown report.

    uv run python benchmarks/suite.py --out DIR                  # everything (long: see below)
    uv run python benchmarks/suite.py --out DIR --quick          # smoke-sized, under a minute
    uv run python benchmarks/suite.py --out DIR --only scaling   # one section (may be repeated)
    uv run python benchmarks/suite.py --out DIR --only scenarios --year-days 30   # shorter year

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
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from omegaconf import OmegaConf

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CONF = ROOT / "conf"
SECTIONS = ("scenarios", "scaling", "routing")
STRATEGIES = ("automation", "orchestration")
ROUTING_TIME_LIMIT_S = 1.0  # as conf/strategy/routing/optimised.yaml


@dataclass(frozen=True)
class Plan:
    """What the suite runs: scenario cases, the scaling base and factors, routing batch sizes."""

    scenarios: list[tuple[str, dict]]  # (label, overrides)
    scaling_base: dict  # overrides of the scaling base
    scaling_factors: dict[str, list[tuple[int, dict]]]  # factor -> [(value, overrides)], base first
    routing_sizes: list[int]
    mmc_customers: int  # customers in each child's bare M/M/c


# --- the plans -----------------------------------------------------------------------------


def seller_profiles(scenario: str) -> list[dict]:
    """The founding seller profiles a scenario file lists (baseline and smoke list their own)."""
    return OmegaConf.to_container(OmegaConf.load(CONF / "scenario" / f"{scenario}.yaml").sellers)


def sellers_override(profiles: list[dict], times: int) -> str:
    """A Hydra value for scenario.sellers: the same profiles, each count multiplied."""
    items = []
    for p in profiles:
        fields = {**p, "count": p["count"] * times}
        items.append("{" + ", ".join(f"{k}: {v}" for k, v in fields.items()) + "}")
    return "[" + ", ".join(items) + "]"


def scaling_plan(scenario: str, skus: list[int], seller_times: list[int], days: list[int]):
    """The base (first value of each factor, no seller applications or new listings) and the
    factors, each value with the overrides that change the base."""
    profiles = seller_profiles(scenario)
    founding = sum(p["count"] for p in profiles)
    base = {
        "scenario": scenario,
        "scenario.applications.per_day": 0,
        "scenario.catalogue.new_listings_per_day": 0,
        "scenario.catalogue.skus": skus[0],
        "scenario.days": days[0],
    }
    factors = {
        "skus": [(n, {"scenario.catalogue.skus": n}) for n in skus],
        "sellers": [
            (founding * t, {"scenario.sellers": sellers_override(profiles, t)} if t != 1 else {})
            for t in seller_times
        ],
        "days": [(d, {"scenario.days": d}) for d in days],
    }
    return base, factors


def full_plan(year_days: int | None) -> Plan:
    year = {"scenario": "growth_year"}
    if year_days is not None:
        year["scenario.days"] = year_days
    base, factors = scaling_plan("baseline", [5_000, 50_000, 200_000], [1, 14], [90, 365])
    return Plan(
        scenarios=[("baseline", {"scenario": "baseline"}), ("growth_year", year)],
        scaling_base=base,
        scaling_factors=factors,
        routing_sizes=[10, 100, 1000],
        mmc_customers=200_000,
    )


def quick_plan() -> Plan:
    base, factors = scaling_plan("smoke", [300, 3_000], [1, 4], [14, 28])
    return Plan(
        scenarios=[("smoke", {"scenario": "smoke"})],
        scaling_base=base,
        scaling_factors=factors,
        routing_sizes=[10, 100],
        mmc_customers=50_000,
    )


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


# --- the report --------------------------------------------------------------------------------


def cell(row: dict, key: str, fmt: str = "") -> str:
    if "error" in row and key not in row:
        return "failed"
    value = row.get(key)
    return "–" if value is None else format(value, fmt)


def md_table(columns: list[tuple[str, str, str]], rows: list[dict]) -> str:
    """columns: (header, row key, format); text columns align left, numbers right."""
    header = "| " + " | ".join(h for h, _, _ in columns) + " |"
    rule = "|" + "|".join(":---" if fmt == "" else "---:" for _, _, fmt in columns) + "|"
    body = ["| " + " | ".join(cell(r, k, f) for _, k, f in columns) + " |" for r in rows]
    return "\n".join([header, rule, *body])


def mmc_line(rows: list[dict]) -> str:
    cases = {r["case"]: r for r in rows}  # scaling lists its base case once per factor
    rates = [
        r["bare_mmc_customers_per_s"] for r in cases.values() if "bare_mmc_customers_per_s" in r
    ]
    if not rates:
        return "Bare SimPy M/M/c: not measured (every case failed)."
    customers = next(r["bare_mmc_customers"] for r in rows if "bare_mmc_customers" in r)
    return (
        f"Bare SimPy M/M/c ({customers:,} customers, 4 servers, rho 0.8), timed in each case's "
        f"process: median {statistics.median(rates):,.0f} customers/s "
        f"(min {min(rates):,.0f}, max {max(rates):,.0f}, {len(rates)} cases)."
    )


SCENARIO_COLUMNS = [
    ("scenario", "scenario", ""),
    ("strategy", "strategy", ""),
    ("orders", "orders_simulated", ",d"),
    ("simulated days", "simulated_days", ".0f"),
    ("build s", "build_world_s", ".2f"),
    ("event loop s", "event_loop_s", ".2f"),
    ("tables s", "collect_tables_s", ".2f"),
    ("KPIs s", "kpis_s", ".2f"),
    ("total s", "total_s", ".2f"),
    ("orders/s (event loop)", "orders_per_s_event_loop", ",.0f"),
    ("orders/s (with tables)", "orders_per_s_with_tables", ",.0f"),
    ("ratio to bare M/M/c", "ratio_to_bare_mmc", ".3f"),
    ("peak RSS MiB", "peak_rss_mib", ",.0f"),
    ("bytes per order", "bytes_per_order", ",.0f"),
]
SCALING_COLUMNS = [
    ("factor", "factor", ""),
    ("value", "value", ","),
    ("strategy", "strategy", ""),
    ("orders", "orders_simulated", ",d"),
    ("orders/s (with tables)", "orders_per_s_with_tables", ",.0f"),
    ("ratio to bare M/M/c", "ratio_to_bare_mmc", ".3f"),
    ("peak RSS MiB", "peak_rss_mib", ",.0f"),
    ("bytes per order", "bytes_per_order", ",.0f"),
]
FLATNESS_COLUMNS = [
    ("factor", "factor", ""),
    ("strategy", "strategy", ""),
    ("smallest", "smallest", ","),
    ("largest", "largest", ","),
    ("orders/s largest / smallest", "orders_per_s_ratio", ".3f"),
    ("ratio to M/M/c largest / smallest", "ratio_to_bare_mmc_ratio", ".3f"),
]
ROUTING_COLUMNS = [
    ("batch size", "orders", ","),
    ("method", "method", ""),
    ("solve ms", "solve_ms", ",.1f"),
    ("ms per order", "ms_per_order", ".3f"),
    ("gap to LP bound %", "gap_to_lp_pct", ".3f"),
]


def render_scenarios(section: dict) -> str:
    rows = section["rows"]
    return "\n\n".join(
        [
            "## Scenarios\n\nSimulated orders per second and memory per scenario and strategy. "
            "Bytes per order: peak RSS minus the RSS right after the world is built, per order.",
            md_table(SCENARIO_COLUMNS, rows),
            mmc_line(rows),
        ]
    )


def render_scaling(section: dict) -> str:
    rows = section["rows"]
    return "\n\n".join(
        [
            "## Scaling\n\nCost per order as one factor grows from the base (its smallest value "
            "of each factor: run once per strategy, listed under every factor). Days is the "
            "measured window (scenario.days); warm-up and cool-down run on top of it.",
            md_table(SCALING_COLUMNS, rows),
            "Largest over smallest value, per factor and strategy (1 = flat cost per order):",
            md_table(FLATNESS_COLUMNS, section["flatness"]),
            mmc_line(rows),
        ]
    )


def render_routing(section: dict) -> str:
    rows = section["rows"]
    return "\n\n".join(
        [
            "## Routing\n\nstrategies.solver.solve_assignment on one synthetic routing batch per "
            f"size (time limit {ROUTING_TIME_LIMIT_S:g} s; the gap is to the LP relaxation).",
            md_table(ROUTING_COLUMNS, rows),
            mmc_line(rows),
        ]
    )


RENDERERS = {"scenarios": render_scenarios, "scaling": render_scaling, "routing": render_routing}


def render(results: dict) -> str:
    m = results["machine"]
    head = (
        f"# mptwin benchmarks{' (quick)' if results['quick'] else ''}\n\n"
        f"{m['date']}, commit {m['git_commit']}; Python {m['python']} on {m['platform']}, "
        f"{m['cpu_model']}, {m['cpu_count']} cores, load average at start "
        f"{m['load_average_at_start']:.2f}."
    )
    parts = [head] + [RENDERERS[s](results["sections"][s]) for s in results["sections"]]
    return "\n\n".join(parts) + "\n"


def git_commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
        return git("rev-parse", "--short", "HEAD") + (" (with local changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info() -> dict:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "load_average_at_start": os.getloadavg()[0],
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
    }


def write(out: Path, results: dict) -> None:
    (out / "benchmark.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / "benchmark.md").write_text(render(results))


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
