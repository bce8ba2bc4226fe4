"""Promise watch: an order still undelivered when its promise passes becomes a late-delivery
exception; a parcel silent well past its promise is declared lost, and the customer is
refunded once a handler confirms it."""

from __future__ import annotations

import heapq

from sim.entities import Order
from sim.events import PARCEL_LATE, PARCEL_LOST
from sim.exceptions import ExceptionType
from sim.lifecycle import LOST, TERMINAL, set_status
from sim.processes.carry_parcel import parcel_event
from sim.state import State
from sim.steps.raise_exception import raise_exception

_LOST_CHECK = 1  # the entry kinds: 0 a promise passing, 1 a loss check


def watch_promises(state: State):
    """SimPy process: hourly, look at the orders whose promise (or loss check) is due."""
    env, heap = state.env, state.watches.promises
    while True:
        now = env.now
        while heap and heap[0][0] <= now:
            _, _, kind, order = heapq.heappop(heap)
            if order.status in TERMINAL:
                continue
            if kind == _LOST_CHECK:
                _declare_lost(state, order)
                continue
            cause = "not_shipped" if order.handed_h != order.handed_h else "in_transit"
            raise_exception(
                state,
                ExceptionType.LATE_DELIVERY,
                cause,
                "none",
                order,
                on_resolved=_customer_informed,
            )
            if order.carrier >= 0 and state.bus.wants(PARCEL_LATE):
                state.bus.publish(PARCEL_LATE, parcel_event(state, order))
            if order.lost:  # handed over before the promise; if later, _ship starts the watch
                state.watches.lost(order, order.promise_h)
        yield env.timeout(1.0)


def _customer_informed(rec) -> None:
    rec.outcome = "customer_informed"


def _declare_lost(state: State, order: Order) -> None:
    if state.bus.wants(PARCEL_LOST):
        state.bus.publish(PARCEL_LOST, parcel_event(state, order))
    raise_exception(
        state,
        ExceptionType.PARCEL_LOST,
        "no_scan_since_handover",
        "refund",
        order,
        on_resolved=lambda rec: _refund_lost(state, order, rec),
    )


def _refund_lost(state: State, order: Order, rec) -> None:
    """Refund item and fee; the carrier's liability pays the seller the goods' cost."""
    now, money = state.env.now, state.records.money
    oid, seller = order.order_id, order.seller
    money.move(now, order.price, "customers", "escrow", "refund", oid, seller)
    money.move(now, order.shipping_fee, "customers", "operator", "fee_refund", oid, seller)
    money.move(now, order.unit_cost, "sellers", "carriers", "carrier_compensation", oid, seller)
    set_status(order, LOST)
    rec.outcome = "refunded"
