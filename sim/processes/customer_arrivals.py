"""Customers arrive: a non-homogeneous Poisson process shaped by hour of day, weekday and
promotion days, drawn one day at a time with every exogenous draw a visit will need."""

from __future__ import annotations

import numpy as np

from sim.clock import HOURS_PER_DAY
from sim.entities import OrderDraw
from sim.processes.place_order import place_order
from sim.state import State


def hourly_rates(state: State, day: int) -> np.ndarray:
    """Expected visits in each hour of `day` (piecewise-constant intensity)."""
    d = state.world.demand
    profile = np.asarray(d.hour_profile) / 24.0
    rate = d.visits_per_day * d.weekday_profile[state.calendar.weekday(day)] * profile
    if state.calendar.is_promo(day):
        rate = rate * d.promo_multiplier
    return rate


def draw_day(state: State, day: int) -> tuple[list, list, list, list, DayDraws]:
    """All of a day's visits: times, regions, SKUs, choice uniforms and per-order luck.

    Each stream draws arrays sized by the day's visit count only, so the draws are the same
    whatever the strategy does.
    """
    s, w = state.streams, state.world
    counts = s["arrivals"].poisson(hourly_rates(state, day))
    n = int(counts.sum())
    hours = np.repeat(np.arange(24), counts)
    times = day * HOURS_PER_DAY + hours + s["arrivals"].random(n)
    order = np.argsort(times, kind="stable")
    times = times[order]
    regions = s["arrivals"].choice(len(w.region_weight), size=n, p=w.region_weight)
    cum_pop = np.cumsum(w.sku_popularity)
    skus = np.minimum(
        np.searchsorted(cum_pop, s["choice"].random(n) * cum_pop[-1]), len(cum_pop) - 1
    )
    choice_u = s["choice"].random(n)
    draws = DayDraws(state, n)
    return times.tolist(), regions.tolist(), skus.tolist(), choice_u.tolist(), draws


class DayDraws:
    """The per-visit luck of a day as column lists; an `OrderDraw` is made only for a visit
    that buys (most of the cost of a visit that leaves is then never paid)."""

    __slots__ = ("cols",)

    def __init__(self, state: State, n: int):
        s, risk = state.streams, state.world.risk
        h, t, a, f = s["handling"], s["transit"], s["aftersales"], s["fraud"]
        cols = [
            h.random(n), h.standard_exponential(n), h.random(n),
            t.standard_normal(n), t.random(n),
            a.random(n), a.random(n), a.random(n),
        ]  # fmt: skip
        fraud = f.random(n) < risk.fraud_rate
        score = f.standard_normal(n) + np.where(fraud, risk.signal_separation, 0.0)
        case = s["casework"].random((3, n))
        self.cols = [c.tolist() for c in (*cols, fraud, score, *case)]

    def take(self, i: int) -> OrderDraw:
        c = self.cols  # explicit indexes: this runs once per order, on the hot path
        return OrderDraw(c[0][i], c[1][i], c[2][i], c[3][i], c[4][i], c[5][i], c[6][i], c[7][i],
                         c[8][i], c[9][i], c[10][i], c[11][i], c[12][i])  # fmt: skip


def customer_arrivals(state: State, until_h: float):
    """SimPy process: one timeout per visit; each visit may become an order."""
    env = state.env
    day = 0
    while day * HOURS_PER_DAY < until_h:
        times, regions, skus, choice_u, draws = draw_day(state, day)
        for i, t in enumerate(times):
            if t >= until_h:
                return
            yield env.timeout(t - env.now)
            place_order(state, regions[i], skus[i], choice_u[i], draws, i)
        day += 1
        start = day * HOURS_PER_DAY
        if env.now < start:
            yield env.timeout(start - env.now)
