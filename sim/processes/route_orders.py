"""Fulfilment routing: every batch interval the strategy assigns the orders waiting in the
routing queue to a warehouse and a carrier; the world checks each answer, sends the order to the
warehouse's pick queue, and what cannot be done becomes an exception a handler resolves."""

from __future__ import annotations

from sim.clock import call_later
from sim.decisions import DEFER, ESCALATE, RoutingRequest
from sim.entities import Order
from sim.exceptions import ExceptionType
from sim.lifecycle import PICKING, set_status
from sim.processes.replenish_stock import check_reorder, stock_changed
from sim.recording import record_decision
from sim.seller_performance import CANCELLED
from sim.state import State
from sim.steps.cancel_order import cancel_order
from sim.steps.raise_exception import raise_exception


class RoutingQueue:
    """The routing process's queue (`state.routing`): orders waiting for the next batch, in the
    order they came. Checkout adds an order once its payment clears (at once, or when a hold is
    released) and an answer to wait puts it back; only `route_orders` takes orders out."""

    __slots__ = ("waiting",)

    def __init__(self) -> None:
        self.waiting: list[Order] = []

    def add(self, order: Order) -> None:
        self.waiting.append(order)


def route_orders(state: State):
    """SimPy process: every `batch_minutes`, route the orders waiting in `state.routing`."""
    interval = state.strategy.routing.batch_minutes / 60.0  # > 0: checked by Strategy.check
    queue = state.routing
    while True:
        yield state.env.timeout(interval)
        if queue.waiting:
            batch, queue.waiting = queue.waiting, []
            route_batch(state, batch)


def route_batch(state: State, batch: list[Order]) -> None:
    rate = state.world.risk.customer_cancel_rate
    if rate > 0:  # customers who change their mind do so before the order goes to a warehouse
        batch = [o for o in batch if not _customer_cancels(state, o, rate)]
        if not batch:
            return
    requests = [
        RoutingRequest(
            o.order_id, o.offer, o.seller, o.region, o.price, o.placed_h, o.promise_h, o.ship_by_h
        )
        for o in batch
    ]
    policy, log = state.strategy.routing, state.records.decisions
    explained = getattr(policy, "route_explained", None) if log is not None else None
    if explained is not None:  # recording: the options it weighed come as columns
        decisions, weighed = explained(requests, state.market)
    else:
        decisions, weighed = policy.route(requests, state.market), None
    by_id = {o.order_id: o for o in batch}
    if len(decisions) != len(batch) or {d.order_id for d in decisions} != by_id.keys():
        raise ValueError("a routing policy must answer every order of the batch exactly once")
    if log is not None:
        record_decision.routing(state, log, by_id, decisions, weighed)
    latency_h = getattr(policy, "decision_latency_minutes", 0.0) / 60.0
    if latency_h > 0:  # the answer reaches the warehouses later; stock may have moved meanwhile
        call_later(state.env, latency_h, _apply, state, by_id, decisions)
    else:
        _apply(state, by_id, decisions)


def _apply(state: State, by_id: dict, decisions: list) -> None:
    for d in decisions:
        assign(state, by_id[d.order_id], d.warehouse, d.carrier, d.reason)


def assign(state: State, order: Order, warehouse: int, carrier: int, reason: str = "") -> None:
    """Apply one routing answer, or raise the exception that explains why it cannot be."""
    w = state.world
    if warehouse == DEFER:
        state.routing.add(order)
        return
    if warehouse == ESCALATE:
        _raise(
            state, order, ExceptionType.UNROUTABLE, reason or "escalated_by_policy", new_unit=False
        )
        return
    if not (0 <= warehouse < w.n_warehouses and 0 <= carrier < len(w.carriers)):
        raise ValueError(f"routing answered an unknown warehouse {warehouse} or carrier {carrier}")
    if order.region not in w.carrier_serves[carrier]:
        _raise(
            state, order, ExceptionType.UNROUTABLE, "carrier_does_not_serve_region", new_unit=False
        )
        return
    idx = order.offer * w.n_warehouses + warehouse
    if state.stock.on_hand[idx] <= 0:
        _raise(
            state, order, ExceptionType.STOCKOUT_AT_ROUTING, "no_stock_at_warehouse", new_unit=False
        )
        return
    state.stock.on_hand[idx] -= 1
    state.stock.total -= 1
    _send_to_pick(state, order, warehouse, carrier)
    stock_changed(state, order.offer, warehouse, sold=True)
    check_reorder(state, order.offer, warehouse)


def _customer_cancels(state: State, order: Order, rate: float) -> bool:
    """The customer cancels (the visit's own luck): refunded, the unit back on sale."""
    if order.draw.cancel_u >= rate:
        return False
    cancel_order(state, order, "customer_cancelled")
    return True


NEVER_SHIPPED_AFTER_H = 48.0  # an order not shipped this long after its ship-by is cancelled


def _never_shipped(state: State, order: Order) -> None:
    """The seller never ships: the order is cancelled and refunded, a cancellation it caused."""
    cancel_order(state, order, "seller_never_shipped")
    state.perf.count(state.env.now, CANCELLED, order.seller, order.order_id)


def _send_to_pick(state: State, order: Order, warehouse: int, carrier: int) -> None:
    book, s = state.sellers, order.seller  # how the seller really works (hidden)
    draw = order.draw
    delay = 0.0 if draw.release_u < book.reliability[s] else draw.release_e * book.delay_mean_h[s]
    order.warehouse, order.carrier = warehouse, carrier
    order.routed_h = state.env.now
    set_status(order, PICKING)
    order.seller_held = delay > 0.0
    never = book.never_ship[s]
    if never > 0.0 and draw.release_u >= 1.0 - never:  # a bad actor takes the money and waits
        wait = max(0.0, order.ship_by_h + NEVER_SHIPPED_AFTER_H - state.env.now)
        call_later(state.env, wait, _never_shipped, state, order)
        return
    state.pickup.pending[carrier] += 1
    state.pick_queues[warehouse].add(order, state.env.now + delay)


def _raise(state: State, order: Order, type_: str, cause: str, new_unit: bool) -> None:
    raise_exception(
        state,
        type_,
        cause,
        "order",
        order,
        on_resolved=lambda rec: reroute(state, order, rec, new_unit),
    )


def reroute(state: State, order: Order, rec, new_unit: bool) -> None:
    """How a handler resolves a routing problem: ship from the warehouse nearest the customer
    that has the unit, with the seller's carrier if it serves the region, else the cheapest
    one that does; cancel if there is none.

    `new_unit`: the order's unit turned out not to exist (a pick discrepancy), so another unit
    must be found and reserved; otherwise the order still holds its reservation.
    """
    w, look = state.world, state.lookup
    if new_unit and state.stock.available[order.offer] <= 0:
        rec.outcome = "cancelled_no_stock"
        cancel_order(state, order, "stockout")
        return
    best, best_km = -1, float("inf")
    for wh in look.stocked_at[order.offer]:
        if state.stock.on_hand[order.offer * w.n_warehouses + wh] > 0:
            km = w.distance_km[look.warehouse_region[wh], order.region]
            if km < best_km:
                best, best_km = wh, km
    carrier = _carrier_for(state, order, best) if best >= 0 else -1
    if best < 0 or carrier < 0:
        rec.outcome = "cancelled_no_stock" if best < 0 else "cancelled_unroutable"
        # a routing-stage order gives back its reservation; a discrepancy order holds none
        cancel_order(state, order, "stockout" if best < 0 else "unroutable")
        return
    state.stock.on_hand[order.offer * w.n_warehouses + best] -= 1
    state.stock.total -= 1
    if new_unit:
        state.stock.available[order.offer] -= 1
    rec.outcome = "rerouted"
    _send_to_pick(state, order, best, carrier)
    stock_changed(state, order.offer, best, sold=True)
    check_reorder(state, order.offer, best)


def _carrier_for(state: State, order: Order, warehouse: int) -> int:
    w = state.world
    contracted = w.sellers[order.seller].carrier
    if order.region in w.carrier_serves[contracted]:
        return contracted
    origin = w.warehouses[warehouse].region
    options = [c for c, serves in enumerate(w.carrier_serves) if order.region in serves]
    return min(options, key=lambda c: w.carrier_cost(c, origin, order.region), default=-1)
