"""The benchmark suite's report: the Markdown tables of its results, and the machine they were
measured on (`benchmarks/suite.py` writes both files)."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from suite_plan import ROUTING_TIME_LIMIT_S

ROOT = Path(__file__).resolve().parent.parent


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
