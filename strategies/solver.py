"""The one adapter to OR-Tools: a batch assignment (each item takes at most one of its options,
options share capacity groups, leaving an item unassigned has a cost) solved as an LP, then as a
MIP if the LP optimum is fractional, with explicit time limits and a logged greedy fallback.

Why this formulation: per batch, routing is an assignment with shared capacities: hard ones
(stock per offer and warehouse) and soft ones that may be exceeded at a cost per unit (what a
carrier or a warehouse can still take soon; the excess waits a day). When no capacity binds,
every item's cheapest option is optimal and no solver is needed, which is the common case.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field

from ortools.linear_solver import pywraplp

log = logging.getLogger("mptwin.solver")
UNASSIGNED = -1


@dataclass
class AssignmentProblem:
    n_items: int
    option_item: list[int]  # the item each option belongs to
    option_cost: list[float]
    unassigned_cost: list[float]  # per item: the cost of leaving it unassigned
    # (options, capacity, cost per unit over capacity: math.inf for a hard limit)
    groups: list[tuple[list[int], float, float]] = field(default_factory=list)


@dataclass
class Assignment:
    choice: list[int]  # per item: an option index, or UNASSIGNED
    objective: float
    method: str  # "unconstrained" | "lp" | "mip" | "mip_feasible" (time limit) | "greedy_fallback"
    solve_s: float


def objective(p: AssignmentProblem, choice: list[int]) -> float:
    """Option and unassigned costs, plus the cost of exceeding soft capacities."""
    cost = sum(
        p.unassigned_cost[i] if k == UNASSIGNED else p.option_cost[k] for i, k in enumerate(choice)
    )
    chosen = set(choice)
    for members, cap, over_cost in p.groups:
        if over_cost != math.inf:
            cost += over_cost * max(0.0, sum(1 for k in members if k in chosen) - cap)
    return cost


def feasible(p: AssignmentProblem, choice: list[int], soft_too: bool = False) -> bool:
    """Each item takes one of its own options and no hard capacity (any, if `soft_too`) is exceeded."""
    if any(k != UNASSIGNED and p.option_item[k] != i for i, k in enumerate(choice)):
        return False
    chosen = set(choice)
    return all(
        sum(1 for k in members if k in chosen) <= cap + 1e-9
        for members, cap, over_cost in p.groups
        if soft_too or over_cost == math.inf
    )


def solve_assignment(
    p: AssignmentProblem, time_limit_s: float = 1.0, mip_solver: str = "SCIP"
) -> Assignment:
    """Optimal assignment, or a feasible greedy one (logged) if the solvers fail in time."""
    t0 = time.perf_counter()
    q = simplify(p)
    best = _cheapest_options(q)
    if feasible(q, best, soft_too=True):
        return Assignment(best, objective(p, best), "unconstrained", time.perf_counter() - t0)
    for integer in (False, True):  # one time budget for the whole call, model building included
        left = time_limit_s - (time.perf_counter() - t0)
        if left <= 0:
            break
        choice, method = _solve(q, integer, left, mip_solver)
        if choice is not None:
            return Assignment(choice, objective(p, choice), method, time.perf_counter() - t0)
    log.warning(
        "routing solver found no optimal answer within %.1f s; using the greedy fallback",
        time_limit_s,
    )
    choice = greedy_assignment(p)
    return Assignment(choice, objective(p, choice), "greedy_fallback", time.perf_counter() - t0)


def simplify(p: AssignmentProblem) -> AssignmentProblem:
    """The same problem with fewer constraints: a soft group already full charges its overflow
    cost on every member (fold it into their costs); a group that cannot fill up constrains
    nothing (drop it). Both are exact."""
    cost = list(p.option_cost)
    groups = []
    for members, cap, over_cost in p.groups:
        if len(members) <= cap:
            continue
        if over_cost != math.inf and cap <= 0:
            for k in members:
                cost[k] += over_cost
            continue
        groups.append((members, cap, over_cost))
    return AssignmentProblem(p.n_items, p.option_item, cost, p.unassigned_cost, groups)


def _cheapest_options(p: AssignmentProblem) -> list[int]:
    choice = [UNASSIGNED] * p.n_items
    best = list(p.unassigned_cost)
    for k, (i, c) in enumerate(zip(p.option_item, p.option_cost, strict=True)):
        if c < best[i]:
            best[i], choice[i] = c, k
    return choice


def greedy_assignment(p: AssignmentProblem) -> list[int]:
    """Feasible by construction: options in order of cost, taken while hard capacity lasts
    (soft capacities are ignored: exceeding them is allowed)."""
    hard = [g for g, (_, _, over_cost) in enumerate(p.groups) if over_cost == math.inf]
    left = {g: p.groups[g][1] for g in hard}
    groups_of: dict[int, list[int]] = {}
    for g in hard:
        for k in p.groups[g][0]:
            groups_of.setdefault(k, []).append(g)
    choice = [UNASSIGNED] * p.n_items
    for k in sorted(range(len(p.option_item)), key=lambda k: p.option_cost[k]):
        i = p.option_item[k]
        if choice[i] != UNASSIGNED or p.option_cost[k] >= p.unassigned_cost[i]:
            continue
        if all(left[g] >= 1 for g in groups_of.get(k, ())):
            choice[i] = k
            for g in groups_of.get(k, ()):
                left[g] -= 1
    return choice


def _solve(p: AssignmentProblem, integer: bool, time_limit_s: float, mip_solver: str):
    """(choice, method) from the LP or the MIP, or (None, "") if it has no usable answer. A MIP
    stopped by the time limit with a solution in hand returns it as "mip_feasible"."""
    solver = pywraplp.Solver.CreateSolver(mip_solver if integer else "GLOP")
    if solver is None:
        return None, ""
    solver.SetTimeLimit(max(1, int(time_limit_s * 1000)))
    # the plain API (not the natural-language one): building is most of the time on small problems
    x = [solver.Var(0.0, 1.0, integer, "") for _ in p.option_item]
    u = [solver.Var(0.0, 1.0, integer, "") for _ in range(p.n_items)]
    one = [solver.Constraint(1.0, 1.0) for _ in range(p.n_items)]
    for i, row in enumerate(one):
        row.SetCoefficient(u[i], 1.0)
    for k, i in enumerate(p.option_item):
        one[i].SetCoefficient(x[k], 1.0)
    goal = solver.Objective()
    for members, cap, over_cost in p.groups:
        row = solver.Constraint(-solver.infinity(), cap)
        for k in members:
            row.SetCoefficient(x[k], 1.0)
        if over_cost != math.inf:  # the excess, paid for
            over = solver.NumVar(0.0, solver.infinity(), "")
            row.SetCoefficient(over, -1.0)
            goal.SetCoefficient(over, over_cost)
    for k, c in enumerate(p.option_cost):
        goal.SetCoefficient(x[k], c)
    for i, c in enumerate(p.unassigned_cost):
        goal.SetCoefficient(u[i], c)
    goal.SetMinimization()
    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(params.RELATIVE_MIP_GAP, 0.0)  # optimal means optimal
    status = solver.Solve(params)
    if status != pywraplp.Solver.OPTIMAL and not (integer and status == pywraplp.Solver.FEASIBLE):
        return None, ""
    values = [v.solution_value() for v in x]
    if any(1e-6 < v < 1 - 1e-6 for v in values):
        return None, ""  # fractional: an LP answer is not an assignment
    choice = [UNASSIGNED] * p.n_items
    for k, v in enumerate(values):
        if v > 0.5:
            choice[p.option_item[k]] = k
    if not integer:
        return choice, "lp"
    return choice, "mip" if status == pywraplp.Solver.OPTIMAL else "mip_feasible"
