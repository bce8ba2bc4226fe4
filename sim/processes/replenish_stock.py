"""Replenishment: a reorder point and a fixed order quantity per offer and warehouse, with the
seller's lead time."""

from __future__ import annotations

from sim.state import State


def check_reorder(state: State, offer: int, warehouse: int) -> None:
    """After stock leaves a warehouse: order more if the stock position is at the reorder point."""
    w = state.world
    rop = int(w.reorder_point[offer, warehouse])
    idx = offer * w.n_warehouses + warehouse
    if rop < 0 or state.on_hand[idx] + state.on_order[idx] > rop:
        return
    qty = int(w.order_qty[offer, warehouse])
    state.on_order[idx] += qty
    lead = w.sellers[int(w.offer_seller[offer])].lead_time_h
    lead *= 0.75 + 0.5 * state.streams["replenishment"].random()
    state.env.timeout(lead).callbacks.append(lambda _ev: _receive(state, offer, warehouse, qty))


def _receive(state: State, offer: int, warehouse: int, qty: int) -> None:
    idx = offer * state.world.n_warehouses + warehouse
    state.on_order[idx] -= qty
    state.on_hand[idx] += qty
    state.available[offer] += qty
    state.stock_changed(offer, warehouse, sold=False)
