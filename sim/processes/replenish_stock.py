"""Shelves: replenishment (a reorder point and a fixed order quantity per offer and warehouse,
with the seller's lead time) and the stock-changed event every change of a shelf publishes."""

from __future__ import annotations

from sim.clock import call_later
from sim.events import STOCK_CHANGED, StockChanged
from sim.state import State


def stock_changed(state: State, offer: int, warehouse: int, sold: bool) -> None:
    """Tell subscribers (if any) that a shelf changed."""
    if state.bus.wants(STOCK_CHANGED):
        stock = state.stock
        on_hand = stock.on_hand[offer * state.world.n_warehouses + warehouse]
        state.bus.publish(
            STOCK_CHANGED,
            StockChanged(state.env.now, offer, warehouse, on_hand, stock.available[offer], sold),
        )


def check_reorder(state: State, offer: int, warehouse: int) -> None:
    """After stock leaves a warehouse: order more if the stock position is at the reorder point."""
    w = state.world
    rop = w.reorder_point.item(offer, warehouse)  # .item: a Python int, no numpy scalar
    idx = offer * w.n_warehouses + warehouse
    if rop < 0 or state.stock.on_hand[idx] + state.stock.on_order[idx] > rop:
        return
    qty = w.order_qty.item(offer, warehouse)
    state.stock.on_order[idx] += qty
    lead = w.sellers[int(w.offer_seller[offer])].profile.lead_time_h
    lead *= 0.75 + 0.5 * state.streams["replenishment"].random()
    call_later(state.env, lead, _receive, state, offer, warehouse, qty)


def _receive(state: State, offer: int, warehouse: int, qty: int) -> None:
    idx = offer * state.world.n_warehouses + warehouse
    state.stock.on_order[idx] -= qty
    state.stock.on_hand[idx] += qty
    state.stock.total += qty
    state.stock.available[offer] += qty
    stock_changed(state, offer, warehouse, sold=False)
