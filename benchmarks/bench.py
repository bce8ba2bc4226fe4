"""Benchmark: simulated orders per second and peak memory of a scenario, against a bare SimPy
M/M/c reference run in the same process (so the ratio cancels out the machine's speed).

    uv run python benchmarks/bench.py                  # baseline, automation, seed 1
    uv run python benchmarks/bench.py scenario=smoke   # any mptwin overrides
    uv run python benchmarks/bench.py --json out.json scenario=smoke   # write elsewhere

Writes benchmark.json to the current directory unless --json says where. The scenario runs
first and the M/M/c after it, so the peak RSS is the scenario's (with the imports), not the
reference's; the RSS right after the world is built is recorded too, so that peak minus it,
per order, is the memory the run itself grows by. benchmarks/suite.py runs this once per case.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import simpy

from mptwin.memory import return_freed_memory
from mptwin.results.measure.metrics import compute_kpis
from mptwin.results.measure.records import collect
from mptwin.runner.compose import build_run, compose
from sim.engine import build, quiet_gc, run


def bare_mmc(customers: int = 200_000, servers: int = 4, rho: float = 0.8, seed: int = 0) -> float:
    """Customers per second of a minimal SimPy M/M/c: one process per customer, a Resource."""
    rng = np.random.default_rng(seed)
    inter = rng.exponential(1.0 / (rho * servers), customers).tolist()
    service = rng.exponential(1.0, customers).tolist()
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=servers)

    def customer(s):
        with desk.request() as req:
            yield req
            yield env.timeout(s)

    def source():
        for a, s in zip(inter, service, strict=True):
            yield env.timeout(a)
            env.process(customer(s))

    env.process(source())
    t0 = time.perf_counter()
    env.run()
    return customers / (time.perf_counter() - t0)


def current_rss_mib() -> float:
    """The resident set size now (Linux: /proc/self/statm, in pages)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mib() -> float:
    """The process's peak resident set size so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def bench_scenario(overrides: list[str]) -> dict:
    cfg = compose("scenario=baseline", *overrides)
    t0 = time.perf_counter()
    world, strategy = build_run(cfg)
    t1 = time.perf_counter()
    return_freed_memory()  # as mptwin.runner.job.simulate does
    state = build(world, strategy, int(cfg.seed))
    rss_after_build = current_rss_mib()  # microseconds: inside the event loop's time, harmless
    with quiet_gc():  # as mptwin.runner.job.simulate does
        run(state)
        t2 = time.perf_counter()
        result = collect(state, release=True)  # as mptwin.runner.job.simulate does
        t3 = time.perf_counter()
    compute_kpis(result.tables, result.info)
    t4 = time.perf_counter()
    n = len(result.tables["orders"])
    return {
        "scenario": world.name,
        "strategy": strategy.name,
        "seed": int(cfg.seed),
        "orders_simulated": n,
        "simulated_days": world.end_h / 24.0,
        "build_world_s": t1 - t0,
        "event_loop_s": t2 - t1,
        "collect_tables_s": t3 - t2,
        "kpis_s": t4 - t3,
        "orders_per_s_event_loop": n / (t2 - t1),
        "orders_per_s_with_tables": n / (t3 - t1),
        "rss_after_build_mib": rss_after_build,
    }


def main(overrides: list[str], mmc_customers: int = 200_000) -> dict:
    out = bench_scenario(overrides)
    out["peak_rss_mib"] = peak_rss_mib()  # before the M/M/c, so it is the scenario's peak
    out["bytes_per_order"] = (
        (out["peak_rss_mib"] - out["rss_after_build_mib"]) * 2**20 / max(out["orders_simulated"], 1)
    )
    mmc = bare_mmc(customers=mmc_customers)
    out["bare_mmc_customers"] = mmc_customers
    out["bare_mmc_customers_per_s"] = mmc
    out["ratio_to_bare_mmc"] = out["orders_per_s_with_tables"] / mmc
    for k, v in out.items():
        print(f"{k:28s} {v:,.3f}" if isinstance(v, float) else f"{k:28s} {v}")
    return out


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("overrides", nargs="*", help="mptwin (Hydra) overrides, e.g. scenario=smoke")
    ap.add_argument("--json", default="benchmark.json", help="where to write the result")
    ap.add_argument(
        "--mmc-customers", type=int, default=200_000, help="customers in the bare M/M/c reference"
    )
    return ap.parse_args(argv)


if __name__ == "__main__":
    args = parse_args(sys.argv[1:])
    result = main(args.overrides, args.mmc_customers)
    path = Path(args.json)
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {path.resolve()}")
