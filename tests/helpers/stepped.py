"""The smoke run stepped one hour at a time with stock checks after every hour: shared by the
conservation tests (stock, orders, exceptions) and the bookkeeping tests (money)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from mptwin.results.measure.records import RunResult, collect
from mptwin.runner.compose import build_run, compose
from sim.engine import build
from sim.lifecycle import CANCELLED, HELD, PLACED, ROUTING
from sim.processes.record_day import close_last_day
from sim.state import State
from tests.helpers.runs import NETWORK

UNROUTED = (PLACED, HELD, ROUTING)  # the order holds a reservation but no physical unit yet
MAX_VIOLATIONS = 10


@dataclass
class SteppedRun:
    state: State
    result: RunResult
    violations: list[str]
    steps: int


def _check_stock(state: State, t: float, pending: dict[int, int], out: list[str]) -> None:
    """Stock levels are never negative, and each offer's available units are its units on hand
    minus the reservations of orders not yet routed to a warehouse."""
    n_wh = state.world.n_warehouses
    on_hand, available, on_order = state.stock.on_hand, state.stock.available, state.stock.on_order
    for i, (h, q) in enumerate(zip(on_hand, on_order, strict=True)):
        if h < 0 or q < 0:
            out.append(f"t={t}: offer {i // n_wh} warehouse {i % n_wh}: on_hand={h} on_order={q}")
    if state.stock.total != sum(on_hand):
        out.append(f"t={t}: stock.total={state.stock.total}, shelves hold {sum(on_hand)}")
    for o, a in enumerate(available):
        expected = sum(on_hand[o * n_wh : (o + 1) * n_wh]) - pending.get(o, 0)
        if a < 0 or a != expected:
            out.append(f"t={t}: offer {o}: available={a}, on hand minus reservations={expected}")


def _pending_reservations(state: State, unrouted: set[int], seen: int) -> tuple[dict, int]:
    """Reservations per offer: orders placed/held/routing with no warehouse, not cancelled.
    `unrouted` is updated in place (new orders join, routed or cancelled ones leave)."""
    unrouted.update(range(seen, len(state.records.orders)))
    per_offer: dict[int, int] = {}
    for oid in list(unrouted):
        order = state.records.orders.get(oid)  # None: retired, so nothing holds it any more
        if (
            order is not None
            and order.status in UNROUTED
            and order.warehouse == -1
            and order.status != CANCELLED
        ):
            per_offer[order.offer] = per_offer.get(order.offer, 0) + 1
        else:
            unrouted.discard(oid)
    return per_offer, len(state.records.orders)


def stepped_smoke_run() -> SteppedRun:
    """The smoke run (seed 1) under orchestration with a seller network (so suspensions, held
    and forfeited payouts and fraud waves are in it), stepped one hour at a time with the
    stock checks after each hour, then collected into its tables."""
    cfg = compose("scenario=smoke", "seed=1", "strategy=orchestration", *NETWORK)
    world, strategy = build_run(cfg)
    state = build(world, strategy, int(cfg.seed))
    violations: list[str] = []
    unrouted: set[int] = set()
    seen, steps = 0, 0
    _check_stock(state, 0.0, {}, violations)
    for t in range(1, int(math.ceil(world.end_h)) + 1):
        state.env.run(until=min(float(t), world.end_h))
        pending, seen = _pending_reservations(state, unrouted, seen)
        if len(violations) < MAX_VIOLATIONS:
            _check_stock(state, state.env.now, pending, violations)
        steps += 1
    assert state.env.now == world.end_h
    close_last_day(state)
    return SteppedRun(state, collect(state), violations, steps)
