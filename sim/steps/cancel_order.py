"""Cancelling an order before it ships: release its reservation and refund the customer."""

from __future__ import annotations

from sim.entities import Order
from sim.lifecycle import CANCELLED, set_status
from sim.state import State


def cancel_order(state: State, order: Order, reason: str) -> None:
    """Cancel `order`. An order not yet given a warehouse gives its reserved unit back; one that
    had a warehouse lost its unit there (a pick discrepancy), so there is nothing to give back."""
    if order.warehouse < 0:
        state.stock.available[order.offer] += 1
    set_status(order, CANCELLED)
    order.cancel_reason = reason
    state.records.day.cancellations += 1
    state.records.money.move(
        state.env.now,
        order.price + order.shipping_fee,
        "customers",
        "escrow",
        "refund",
        order.order_id,
        order.seller,
    )
