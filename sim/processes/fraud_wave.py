"""A bad actor's fraud wave: a burst of orders on its own listings, paid with stolen cards
that pass the payment check, which it ships (empty boxes) and which the real card holders
charge back weeks later. Started when such a seller goes live; it stops if the seller is
suspended (its listings are hidden) or reforms."""

from __future__ import annotations

from sim.clock import end_of_day
from sim.entities import OrderDraw
from sim.processes.place_order import book_order
from sim.state import State


def fraud_wave(state: State, seller: int):
    """SimPy process: `wave_orders_per_day` for `wave_days`, `wave_after_days` after going
    live. Its draws come from stream `fraud_wave` (it exists only if the seller was admitted)."""
    env, w, book = state.env, state.world, state.sellers
    a = w.applicants
    rng = state.streams["fraud_wave"]
    yield env.timeout(a.wave_after_h)
    end = env.now + a.wave_h
    gap_h = 24.0 / a.wave_orders_per_day if a.wave_orders_per_day > 0 else end
    while True:
        yield env.timeout(rng.exponential(gap_h))
        if env.now >= end or not book.bad[seller]:
            return
        live, available = state.catalogue.live, state.stock.available
        offers = [o for o in state.lookup.seller_offers[seller] if live[o] and available[o] > 0]
        if not offers:
            continue
        offer = offers[int(rng.integers(len(offers)))]
        region = int(rng.choice(len(w.region_weight), p=w.region_weight))
        promise = end_of_day(env.now + state.strategy.promise.promise_hours(offer, region))
        # shipped at once, never returned, reviewed well; a risk score like a genuine payment's
        # (if it is held anyway, a reviewer may catch it)
        draw = OrderDraw(
            0.0,
            0.0,
            1.0,
            float(rng.standard_normal()),
            1.0,
            0.99,
            1.0,
            0.0,
            True,
            float(rng.standard_normal()),
            float(rng.random()),
            1.0,
            1.0,
        )
        book_order(state, region, state.lookup.offer_sku[offer], offer, promise, draw)
