"""An order's life (`sim.lifecycle`): every status is set through its one table of steps, a step
the table does not allow raises, and a run takes every step of the table and no other."""

from __future__ import annotations

import ast
from types import SimpleNamespace

import pytest

from sim import lifecycle
from sim.lifecycle import (
    CANCELLED,
    DELIVERED,
    HELD,
    LOST,
    NEXT,
    PICKING,
    PLACED,
    RETURNED,
    ROUTING,
    SHIPPED,
    TERMINAL,
    IllegalStep,
    set_status,
)
from tests.helpers.runs import ROOT, run_sim

STEPS = {(a, b) for a, nexts in NEXT.items() for b in nexts}


def test_the_table_names_every_status_once_and_only_known_ones():
    statuses = {PLACED, HELD, ROUTING, PICKING, SHIPPED, DELIVERED, RETURNED, CANCELLED, LOST}
    assert set(NEXT) == statuses
    assert {b for _, b in STEPS} <= statuses
    assert statuses >= TERMINAL
    assert all(not NEXT[s] for s in TERMINAL - {DELIVERED})  # only a delivery moves on
    assert PLACED not in {b for _, b in STEPS}  # born placed, never back


def test_a_step_the_table_allows_moves_the_order():
    order = SimpleNamespace(order_id=7, status=SHIPPED)
    set_status(order, DELIVERED)
    assert order.status == DELIVERED


@pytest.mark.parametrize(
    ("start", "status"),
    [(DELIVERED, SHIPPED), (CANCELLED, ROUTING), (PLACED, SHIPPED), (LOST, DELIVERED)],
)
def test_a_step_the_table_does_not_allow_raises_and_leaves_the_order_where_it_was(start, status):
    order = SimpleNamespace(order_id=7, status=start)
    with pytest.raises(IllegalStep, match=f"order 7 cannot go from {start} to {status}"):
        set_status(order, status)
    assert order.status == start


def _status_assignments(path) -> list[str]:
    """Where a module assigns an attribute called `status` (or sets it with setattr)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    scopes = {}  # node -> the function it is in
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef):
            for node in ast.walk(fn):
                scopes.setdefault(node, fn.name)
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "setattr"
            and len(node.args) > 1
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value == "status"
        ):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} in {scopes.get(node)}")
        for t in targets:
            for sub in ast.walk(t):
                if isinstance(sub, ast.Attribute) and sub.attr == "status":
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} in {scopes.get(node)}")
    return found


def test_every_status_is_set_through_the_table():
    """On the source: no step of `sim` sets an order's status itself. The two places that do are
    `set_status` and `Order.__init__` (an order is born placed)."""
    found = [a for p in sorted((ROOT / "sim").rglob("*.py")) for a in _status_assignments(p)]
    allowed = {"sim/lifecycle.py": "set_status", "sim/entities.py": "__init__"}
    bad = [a for a in found if allowed.get(a.split(":")[0]) != a.rsplit(" in ", 1)[1]]
    assert not bad, "a status set outside sim.lifecycle.set_status:\n" + "\n".join(bad)
    assert len(found) == 2, found  # the check sees the two it allows


class _Observed(frozenset):
    """A row of `NEXT` that notes every step asked of it."""

    def __new__(cls, start: str, nexts: frozenset, seen: set):
        row = super().__new__(cls, nexts)
        row.start, row.seen = start, seen
        return row

    def __contains__(self, status) -> bool:
        self.seen.add((self.start, status))
        return frozenset.__contains__(self, status)


def test_a_run_takes_every_step_of_the_table_and_no_other(monkeypatch):
    """Smoke under automation, with customers who cancel (the one step smoke does not take
    otherwise): every status set in the run goes through the table (a step it does not allow
    would have raised), and every step the table allows is taken, so the table says no more
    than the world does."""
    seen: set[tuple[str, str]] = set()
    observed = {s: _Observed(s, nexts, seen) for s, nexts in NEXT.items()}
    monkeypatch.setattr(lifecycle, "NEXT", observed)
    result = run_sim(
        "scenario=smoke", "seed=1", "strategy=automation", "scenario.risk.customer_cancel_rate=0.02"
    )
    assert seen == STEPS, f"never taken: {sorted(STEPS - seen)}; not allowed: {seen - STEPS}"
    orders = result.tables["orders"]
    assert set(orders["status"]) - {"open"} <= set(NEXT)
