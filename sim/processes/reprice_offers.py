"""Repricing: the world asks the pricing policy for price changes on its schedule; a price
below the operator's floor (cost plus a minimum margin) is not applied but raised as an
exception, and a handler sets the floor price."""

from __future__ import annotations

import numpy as np

from sim.clock import next_hour_of_day
from sim.exceptions import ExceptionType
from sim.recording import record_decision
from sim.state import State
from sim.steps.raise_exception import raise_exception


def reprice_offers(state: State):
    """SimPy process: first ask at the policy's hour of day, then every `period_h`."""
    policy = state.strategy.pricing  # period_h > 0: checked by Strategy.check
    yield state.env.timeout(next_hour_of_day(state.env.now, policy.first_at_h) - state.env.now)
    while True:
        update = policy.reprice(state.market)
        apply_prices(
            state,
            np.asarray(update.offers, dtype=np.int64),
            np.asarray(update.prices, dtype=float),
            getattr(update, "terms", None),
        )
        yield state.env.timeout(policy.period_h)


def apply_prices(state: State, offers: np.ndarray, prices: np.ndarray, terms=None) -> None:
    """Apply a batch of price changes; flag those under the floor instead of applying them.
    `terms` (sim.decisions.PriceTerms) is what the policy says of them, kept if recording."""
    if offers.shape != prices.shape:
        raise ValueError("a price update needs one price per offer")
    if offers.size and (offers.min() < 0 or offers.max() >= len(state.prices.listed)):
        raise ValueError("a price update names an unknown offer")
    if not np.all(np.isfinite(prices) & (prices > 0)):
        raise ValueError("a price update has a non-positive or non-finite price")
    cost = state.lookup.offer_cost_array[offers]
    floor = cost * (1.0 + state.world.money.price_floor_margin)
    below = prices < floor
    if state.records.decisions is not None:  # before they apply: it records the old prices
        record_decision.prices(state, state.records.decisions, offers, prices, floor, below, terms)
    state.prices.listed_np[offers[~below]] = prices[~below]
    for o, f in zip(offers[below].tolist(), floor[below].tolist(), strict=True):
        if o in state.prices.open_exception:
            continue
        state.prices.open_exception.add(o)
        raise_exception(
            state,
            ExceptionType.PRICE_BELOW_COST,
            "proposed_below_floor",
            "price",
            offer=o,
            on_resolved=lambda rec, o=o, f=f: _set_floor(state, o, f, rec),
        )


def _set_floor(state: State, offer: int, floor: float, rec) -> None:
    state.prices.listed[offer] = round(floor * 1.02, 2)
    state.prices.open_exception.discard(offer)
    rec.outcome = "price_set_at_floor"
