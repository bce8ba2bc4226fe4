"""Cancelling an order before it ships: release its stock and refund the customer in full."""

from __future__ import annotations

from sim.entities import CANCELLED, Order
from sim.state import State


def cancel_order(state: State, order: Order, reason: str, unit_held: bool = False) -> None:
    """Cancel `order`. `unit_held`: a physical unit was taken for it from a warehouse and goes
    back on the shelf; otherwise its reservation (if any) is released."""
    if order.warehouse >= 0 and unit_held:
        state.on_hand[order.offer * state.world.n_warehouses + order.warehouse] += 1
        state.available[order.offer] += 1
    elif order.warehouse < 0:
        state.available[order.offer] += 1
    order.status = CANCELLED
    order.cancel_reason = reason
    state.day.cancellations += 1
    state.money.move(state.env.now, order.price + order.shipping_fee, "customers", "escrow",
                     "refund", order.order_id, order.seller)  # fmt: skip
