"""The OR-Tools adapter (strategies.solver): optimal against brute force on small instances,
feasible always, exact simplification, and a logged greedy fallback when the solvers fail."""

from __future__ import annotations

import itertools
import logging
import math
from collections import Counter

import numpy as np
import pytest

from strategies import solver
from strategies.solver import (
    UNASSIGNED,
    AssignmentProblem,
    feasible,
    greedy_assignment,
    objective,
    simplify,
    solve_assignment,
)

TOL = 1e-6
N_RANDOM = 250


def random_problem(rng: np.random.Generator, n_items: int | None = None) -> AssignmentProblem:
    """2-6 items, 1-4 options each, hard groups with small capacities, soft groups with a finite
    overflow cost (some already full, some too large to bind), unassigned costs."""
    n = int(rng.integers(2, 7)) if n_items is None else n_items
    option_item, option_cost = [], []
    for i in range(n):
        for _ in range(int(rng.integers(1, 5))):
            option_item.append(i)
            option_cost.append(float(np.round(rng.uniform(0.0, 20.0), 3)))
    unassigned = [float(np.round(rng.uniform(5.0, 40.0), 3)) for _ in range(n)]
    n_opt = len(option_item)
    groups = []
    for _ in range(int(rng.integers(0, 4))):  # hard: like stock on a shelf
        members = sorted(rng.choice(n_opt, size=int(rng.integers(1, n_opt + 1)), replace=False))
        groups.append(([int(k) for k in members], float(rng.integers(0, 3)), math.inf))
    for _ in range(int(rng.integers(0, 4))):  # soft: like a carrier's or warehouse's room
        members = sorted(rng.choice(n_opt, size=int(rng.integers(1, n_opt + 1)), replace=False))
        cap = float(rng.choice([0, 0, 1, 1, 2, 3, n_opt]))  # 0: already full; n_opt: never binds
        groups.append(([int(k) for k in members], cap, float(np.round(rng.uniform(0.5, 15.0), 3))))
    order = rng.permutation(len(groups))  # hard and soft groups interleaved
    return AssignmentProblem(n, option_item, option_cost, unassigned, [groups[g] for g in order])


def odd_cycle(rng: np.random.Generator, n: int = 3) -> AssignmentProblem:
    """Item i's only option sits in hard groups i and i+1 (mod n), each of capacity 1: with n
    odd, the LP optimum is x = 1/2 everywhere (fractional), so only the MIP can answer."""
    costs = [float(np.round(rng.uniform(0.0, 2.0), 3)) for _ in range(n)]
    groups = [([i, (i - 1) % n], 1.0, math.inf) for i in range(n)]
    return AssignmentProblem(n, list(range(n)), costs, [10.0] * n, groups)


def contested(rng: np.random.Generator) -> AssignmentProblem:
    """Two items both prefer one shelf with a single unit: constrained, and the LP is integral."""
    c = [float(np.round(rng.uniform(0.0, 2.0), 3)) for _ in range(4)]
    return AssignmentProblem(
        2,
        [0, 0, 1, 1],
        [c[0], 5.0 + c[1], c[2], 7.0 + c[3]],
        [30.0, 30.0],
        [([0, 2], 1.0, math.inf)],
    )


def brute_force(p: AssignmentProblem) -> tuple[float, list[int]]:
    """Every choice per item (UNASSIGNED included) that respects the hard groups; the cheapest."""
    per_item = [[UNASSIGNED] for _ in range(p.n_items)]
    for k, i in enumerate(p.option_item):
        per_item[i].append(k)
    hard = [(set(m), cap) for m, cap, over in p.groups if over == math.inf]
    best, best_choice = math.inf, None
    for choice in itertools.product(*per_item):
        chosen = set(choice)
        if any(len(m & chosen) > cap + 1e-9 for m, cap in hard):
            continue
        value = objective(p, list(choice))
        if value < best:
            best, best_choice = value, list(choice)
    assert best_choice is not None, "UNASSIGNED everywhere is always feasible"
    return best, best_choice


def instances() -> list[tuple[str, AssignmentProblem]]:
    rng = np.random.default_rng(20260105)
    out = [(f"random-{j}", random_problem(rng)) for j in range(N_RANDOM)]
    out += [(f"odd-cycle-{j}", odd_cycle(rng, n)) for j, n in enumerate((3, 5, 3))]
    out += [(f"contested-{j}", contested(rng)) for j in range(3)]
    return out


INSTANCES = instances()


@pytest.fixture(scope="module")
def solved():
    """Each instance with its solver answer and its brute-force optimum."""
    return [
        (name, p, solve_assignment(p, time_limit_s=5.0), brute_force(p)) for name, p in INSTANCES
    ]


def test_solver_matches_brute_force_and_is_feasible(solved):
    for name, p, result, (best, _) in solved:
        assert len(result.choice) == p.n_items, name
        assert feasible(p, result.choice), f"{name}: {result.method} broke a hard capacity"
        assert result.objective == pytest.approx(objective(p, result.choice), abs=TOL), name
        assert abs(result.objective - best) <= TOL, (
            f"{name}: {result.method} found {result.objective}, brute force {best}"
        )


def test_every_solver_path_is_exercised(solved):
    methods = Counter(result.method for _, _, result, _ in solved)
    for method in ("unconstrained", "lp", "mip"):
        assert methods[method] >= 1, f"no instance went through {method!r}: {methods}"
    assert methods["greedy_fallback"] == 0, methods
    by_name = {name: result.method for name, _, result, _ in solved}
    assert all(by_name[f"odd-cycle-{j}"] == "mip" for j in range(3)), by_name
    assert all(by_name[f"contested-{j}"] == "lp" for j in range(3)), by_name


def test_odd_cycle_lp_is_really_fractional():
    """The forced MIP instance does what its name says: the LP relaxation is not integral."""
    p = odd_cycle(np.random.default_rng(0))
    assert solver._solve(p, integer=False, time_limit_s=5.0, mip_solver="SCIP") == (None, "")
    choice, method = solver._solve(p, integer=True, time_limit_s=5.0, mip_solver="SCIP")
    assert choice is not None and method == "mip"


def test_simplify_keeps_the_optimum():
    rng = np.random.default_rng(7)
    changed = 0
    for j in range(N_RANDOM):
        p = random_problem(rng)
        q = simplify(p)
        assert q.n_items == p.n_items and q.option_item == p.option_item
        assert q.unassigned_cost == p.unassigned_cost
        changed += len(q.groups) < len(p.groups)
        best_p, _ = brute_force(p)
        best_q, choice_q = brute_force(q)
        assert abs(best_q - best_p) <= TOL, f"instance {j}: {best_p} became {best_q}"
        assert abs(objective(p, choice_q) - best_p) <= TOL, f"instance {j}"
        assert feasible(p, choice_q), f"instance {j}: simplified optimum breaks a hard group"
    assert changed > N_RANDOM // 4, "simplify() was hardly exercised"


def test_fallback_is_greedy_feasible_and_logged(monkeypatch, caplog):
    monkeypatch.setattr(solver, "_solve", lambda *a, **k: (None, ""))
    rng = np.random.default_rng(11)
    problems = [odd_cycle(rng), contested(rng)] + [random_problem(rng) for _ in range(40)]
    fell_back = 0
    for p in problems:
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="mptwin.solver"):
            result = solve_assignment(p, time_limit_s=0.1)
        assert feasible(p, result.choice)
        assert result.objective == pytest.approx(objective(p, result.choice), abs=TOL)
        if result.method == "unconstrained":  # no solver needed: no fallback either
            assert not caplog.records
            continue
        fell_back += 1
        assert result.method == "greedy_fallback"
        assert result.choice == greedy_assignment(p)
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert warnings and "greedy" in warnings[0].getMessage(), caplog.text
        assert warnings[0].name == "mptwin.solver"
    assert fell_back >= 10


def test_greedy_is_always_feasible():
    rng = np.random.default_rng(3)
    for j in range(500):
        p = random_problem(rng, n_items=int(rng.integers(2, 40)) if j % 2 else None)
        choice = greedy_assignment(p)
        assert len(choice) == p.n_items
        assert feasible(p, choice), f"instance {j}"
        if all(over == math.inf for _, _, over in p.groups):  # no overflow to pay
            assert objective(p, choice) <= sum(p.unassigned_cost) + TOL, f"instance {j}"
