"""Seller payouts: on each settlement run, pay sellers for deliveries whose return window has
closed with no return pending, unless the seller is suspended or under review (held); what a
seller owes (clawbacks) comes out of its payouts first."""

from __future__ import annotations

from sim.lifecycle import DELIVERED
from sim.processes.reconcile import PAYOUT, check_line, recover
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
        payout = recover(state, order, order.price * (1.0 - order.commission_rate))
        order.settled = "paid"
        money.move(now, payout, "sellers", "escrow", "seller_payout", order.order_id, order.seller)
        check_line(state, order, payout, order.draw.payout_u, PAYOUT)
    state.watches.payouts = keep
