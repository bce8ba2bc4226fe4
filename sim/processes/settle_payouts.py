"""Seller payouts: on each settlement run, pay sellers for deliveries whose return window has
closed with no return pending, unless the seller is suspended or under review (held)."""

from __future__ import annotations

from sim.entities import DELIVERED
from sim.state import State


def settle_payouts(state: State):
    """SimPy process: one settlement run every `payout_every_h`."""
    m = state.world.money
    while True:
        yield state.env.timeout(m.payout_every_h)
        pay_due(state, state.env.now - m.return_window_h)


def pay_due(state: State, delivered_before_h: float) -> None:
    keep = []
    now, money, book = state.env.now, state.records.money, state.sellers
    for order in state.watches.payouts:
        if order.status != DELIVERED:
            continue  # returned: nothing to pay
        if (
            order.return_pending
            or order.delivered_h > delivered_before_h
            or book.held(order.seller)
        ):
            keep.append(order)
            continue
        payout = order.price * (1.0 - order.commission_rate)
        money.move(now, payout, "sellers", "escrow", "seller_payout", order.order_id, order.seller)
    state.watches.payouts = keep
