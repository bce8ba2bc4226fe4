"""Benchmark: the routing solver and what orchestration's routing costs a run.

(a) strategies.solver.solve_assignment on synthetic batches shaped like routing batches (n
    orders, ~6 options each, hard stock groups per offer and warehouse, soft carrier groups
    shared across warehouses and soft warehouse groups, with capacities that bind): solve time
    and the method used, against the LP relaxation alone (a lower bound) and the greedy.
(b) orchestration on a scenario (baseline by default): orders per second of the event loop, the
    share of it spent in OptimisedRouting.route and in solve_assignment, the solver methods
    used, against automation's orders per second in the same process.

    uv run python benchmarks/bench_routing.py                  # both parts, baseline
    uv run python benchmarks/bench_routing.py --sizes 10,100   # fewer batch sizes
    uv run python benchmarks/bench_routing.py --scenario smoke --skip-solver

Writes benchmark_routing.json to the current directory.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections import Counter
from pathlib import Path

import numpy as np
from ortools.linear_solver import pywraplp

import strategies.routing as routing_module
from mptwin.runner.compose import build_run, compose
from sim.engine import build, quiet_gc, run
from strategies import solver
from strategies.solver import AssignmentProblem, feasible, greedy_assignment, objective

SIZES = (10, 30, 100, 300, 1000, 3000, 10000)


# --- (a) the solver on synthetic batches -------------------------------------------------------


def synthetic_batch(
    n: int, rng: np.random.Generator, n_warehouses: int = 10, n_carriers: int = 4, load: float = 1.3
) -> AssignmentProblem:
    """A batch like OptimisedRouting builds: each order's offer sits on 1-3 shelves, each shelf
    has 2-4 carriers to choose from (so ~6 options), costs are shipping plus late risk. Offers
    are popular (Zipf), shelves hold few units, and carriers and warehouses can take about
    1/`load` of what would want them: the capacities bind."""
    n_offers = max(2, n // 3)
    pop = 1.0 / np.arange(1, n_offers + 1) ** 0.9
    offer = rng.choice(n_offers, size=n, p=pop / pop.sum())
    shelves = [
        rng.choice(n_warehouses, size=int(rng.integers(1, 4)), replace=False)
        for _ in range(n_offers)
    ]
    carrier_base = rng.uniform(6.0, 12.0, n_carriers)
    option_item, option_cost, unassigned = [], [], []
    stock: dict[tuple[int, int], list[int]] = {}
    by_carrier: dict[int, list[int]] = {}
    by_warehouse: dict[int, list[int]] = {}
    for i in range(n):
        o = int(offer[i])
        unassigned.append(float(rng.uniform(70.0, 110.0)))
        for w in shelves[o]:
            for c in rng.choice(n_carriers, size=int(rng.integers(2, 5)), replace=False):
                k = len(option_item)
                late_risk = rng.uniform(0.0, 25.0)
                option_item.append(i)
                option_cost.append(float(carrier_base[c] + rng.uniform(0.0, 4.0) + late_risk))
                stock.setdefault((o, int(w)), []).append(k)
                by_carrier.setdefault(int(c), []).append(k)
                by_warehouse.setdefault(int(w), []).append(k)
    demand = np.bincount(offer, minlength=n_offers)
    groups = []
    for (o, _), members in stock.items():  # units on the shelf: often fewer than orders want
        groups.append((members, float(rng.integers(0, max(2, demand[o]) + 1)), math.inf))
    for members in by_carrier.values():  # carriers shared across warehouses
        groups.append((members, float(int(n / n_carriers / load)), 15.0))
    for members in by_warehouse.values():
        groups.append((members, float(int(n / n_warehouses / load)), 15.0))
    return AssignmentProblem(n, option_item, option_cost, unassigned, groups)


def lp_bound(p: AssignmentProblem, time_limit_s: float = 60.0) -> tuple[float, float, bool]:
    """The LP relaxation's optimum (a lower bound on any assignment), its solve time, and
    whether it is integral. Same formulation as strategies.solver, on the same problem."""
    t0 = time.perf_counter()
    s = pywraplp.Solver.CreateSolver("GLOP")
    s.SetTimeLimit(int(time_limit_s * 1000))
    x = [s.NumVar(0.0, 1.0, "") for _ in p.option_item]
    u = [s.NumVar(0.0, 1.0, "") for _ in range(p.n_items)]
    one = [s.Constraint(1.0, 1.0) for _ in range(p.n_items)]
    goal = s.Objective()
    for i, row in enumerate(one):
        row.SetCoefficient(u[i], 1.0)
        goal.SetCoefficient(u[i], p.unassigned_cost[i])
    for k, i in enumerate(p.option_item):
        one[i].SetCoefficient(x[k], 1.0)
        goal.SetCoefficient(x[k], p.option_cost[k])
    for members, cap, over_cost in p.groups:
        row = s.Constraint(-s.infinity(), cap)
        for k in members:
            row.SetCoefficient(x[k], 1.0)
        if over_cost != math.inf:
            over = s.NumVar(0.0, s.infinity(), "")
            row.SetCoefficient(over, -1.0)
            goal.SetCoefficient(over, over_cost)
    goal.SetMinimization()
    status = s.Solve()
    dt = time.perf_counter() - t0
    if status != pywraplp.Solver.OPTIMAL:
        return float("nan"), dt, False
    integral = all(v.solution_value() < 1e-6 or v.solution_value() > 1 - 1e-6 for v in x)
    return goal.Value(), dt, integral


def bench_solver(sizes, time_limit_s: float, seed: int = 0) -> list[dict]:
    rows = []
    for n in sizes:
        rng = np.random.default_rng([seed, n])
        p = synthetic_batch(n, rng)
        t0 = time.perf_counter()
        res = solver.solve_assignment(p, time_limit_s)
        solve_s = time.perf_counter() - t0
        assert feasible(p, res.choice), f"n={n}: infeasible answer"
        t0 = time.perf_counter()
        greedy = greedy_assignment(p)
        greedy_s = time.perf_counter() - t0
        greedy_obj = objective(p, greedy)
        bound, lp_s, integral = lp_bound(p)
        rows.append(
            {
                "orders": n,
                "options": len(p.option_item),
                "groups": len(p.groups),
                "method": res.method,
                "solve_s": solve_s,
                "objective": res.objective,
                "lp_s": lp_s,
                "lp_bound": bound,
                "lp_integral": integral,
                "gap_to_lp_pct": 100.0 * (res.objective - bound) / abs(bound),
                "greedy_s": greedy_s,
                "greedy_objective": greedy_obj,
                "greedy_gap_to_lp_pct": 100.0 * (greedy_obj - bound) / abs(bound),
            }
        )
        print_solver_row(rows[-1])
    return rows


SOLVER_HEADER = (
    f"{'orders':>7} {'options':>8} {'method':>16} {'solve s':>9} {'LP s':>8} {'LP int':>6} "
    f"{'gap%':>7} {'greedy s':>9} {'greedy gap%':>11}"
)


def print_solver_row(r: dict) -> None:
    print(
        f"{r['orders']:>7} {r['options']:>8} {r['method']:>16} {r['solve_s']:>9.4f} "
        f"{r['lp_s']:>8.4f} {'yes' if r['lp_integral'] else 'no':>6} "
        f"{r['gap_to_lp_pct']:>7.3f} {r['greedy_s']:>9.4f} {r['greedy_gap_to_lp_pct']:>11.3f}"
    )


# --- (b) orchestration in a run ------------------------------------------------------------


class Stopwatch:
    """Wraps a callable, adding up the wall time spent inside it."""

    def __init__(self, fn):
        self.fn, self.seconds, self.calls = fn, 0.0, 0

    def __call__(self, *args, **kwargs):
        t0 = time.perf_counter()
        try:
            return self.fn(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - t0
            self.calls += 1


def run_strategy(scenario: str, strategy_name: str, seed: int) -> dict:
    cfg = compose(f"scenario={scenario}", f"strategy={strategy_name}", f"seed={seed}")
    world, strategy = build_run(cfg)
    route = solve = None
    original_solve = routing_module.solve_assignment
    if isinstance(strategy.routing, routing_module.OptimisedRouting):
        route = strategy.routing.route = Stopwatch(strategy.routing.route)
        solve = routing_module.solve_assignment = Stopwatch(original_solve)
    try:
        t0 = time.perf_counter()
        state = build(world, strategy, seed)
        with quiet_gc():
            run(state)
        loop_s = time.perf_counter() - t0
    finally:
        routing_module.solve_assignment = original_solve
    n = len(state.records.orders)
    out = {
        "scenario": world.name,
        "strategy": strategy.name,
        "seed": seed,
        "orders": n,
        "event_loop_s": loop_s,
        "orders_per_s": n / loop_s,
    }
    if route is not None:
        solves = strategy.routing.solves
        sizes = [b for b, _, _ in solves]
        out.update(
            {
                "route_calls": route.calls,
                "route_s": route.seconds,
                "route_share": route.seconds / loop_s,
                "solve_s": solve.seconds,
                "solve_share": solve.seconds / loop_s,
                "solver_methods": dict(Counter(m for _, m, _ in solves)),
                "batch_size_mean": float(np.mean(sizes)),
                "batch_size_max": int(max(sizes)),
                "slowest_solve_s": max(s for _, _, s in solves),
            }
        )
    return out


def main() -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)))
    ap.add_argument("--time-limit-s", type=float, default=1.0, help="as strategy.routing")
    ap.add_argument("--scenario", default="baseline")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip-solver", action="store_true")
    ap.add_argument("--skip-run", action="store_true")
    args = ap.parse_args()
    out: dict = {"time_limit_s": args.time_limit_s}
    if not args.skip_solver:
        print(
            "(a) solve_assignment on synthetic routing batches "
            f"(time limit {args.time_limit_s} s; gaps are to the LP lower bound)"
        )
        print(SOLVER_HEADER)
        out["solver"] = bench_solver([int(s) for s in args.sizes.split(",")], args.time_limit_s)
    if not args.skip_run:
        print(f"\n(b) event loop on {args.scenario}, seed {args.seed}")
        runs = [run_strategy(args.scenario, s, args.seed) for s in ("automation", "orchestration")]
        auto, orch = runs
        ratio = orch["orders_per_s"] / auto["orders_per_s"]
        out["runs"] = runs
        out["orchestration_to_automation_speed"] = ratio
        for r in runs:
            print(
                f"  {r['strategy']:>14}: {r['orders']:,} orders in {r['event_loop_s']:.1f} s "
                f"= {r['orders_per_s']:,.0f} orders/s"
            )
        print(
            f"  routing (OptimisedRouting.route): {orch['route_calls']:,} batches, "
            f"{orch['route_s']:.2f} s = {100 * orch['route_share']:.1f}% of the event loop"
        )
        print(
            f"  of which solve_assignment: {orch['solve_s']:.2f} s = "
            f"{100 * orch['solve_share']:.1f}% (slowest {orch['slowest_solve_s']:.3f} s)"
        )
        print(
            f"  batch size mean {orch['batch_size_mean']:.1f}, max {orch['batch_size_max']}; "
            f"solver methods {orch['solver_methods']}"
        )
        print(
            f"  orchestration / automation orders per second: {ratio:.2f} "
            f"({'ok' if ratio >= 0.5 else 'BELOW'} the 0.5 target)"
        )
    path = Path("benchmark_routing.json")
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"\nwritten to {path.resolve()}")
    return out


if __name__ == "__main__":
    main()
