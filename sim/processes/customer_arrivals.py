"""Customers arrive: a non-homogeneous Poisson process shaped by hour of day, weekday and
promotion days, drawn one day at a time with every exogenous draw a visit will need."""

from __future__ import annotations

import math

import numpy as np

from sim.clock import HOURS_PER_DAY
from sim.entities import OrderDraw
from sim.processes.place_order import place_order
from sim.state import State
from sim.streams import NEW_LISTINGS


def hourly_rates(
    state: State, day: int, visits_per_day: float | None = None, trend: bool = True
) -> np.ndarray:
    """Expected visits in each hour of `day` (piecewise-constant intensity); `trend`: with the
    marketplace's traffic trend (the founding catalogue's visits; new listings bring their own)."""
    d = state.world.demand
    per_day = d.visits_per_day if visits_per_day is None else visits_per_day
    profile = np.asarray(state.world.hour_weight) / 24.0
    month = d.month_profile[state.calendar.date_of_day(day).month - 1]
    rate = per_day * month * state.world.weekday_weight[state.calendar.weekday(day)] * profile
    if d.trend_per_year and trend:  # the marketplace's traffic grows (or falls)
        rate = rate * math.exp(d.trend_per_year * day / 365.0)
    if state.calendar.is_promo(day):
        rate = rate * d.promo_multiplier
    return rate


class Demand:
    """One block of the catalogue visitors come for: its SKUs' cumulative weights, visits per
    day, and the streams it draws from. The founding catalogue is one block; applicants'
    listings are another, drawn from their own streams."""

    def __init__(self, state: State, weights: np.ndarray, first_sku: int, prefix: str = ""):
        self.cum = np.cumsum(weights)
        self.per_day = float(self.cum[-1]) if prefix else state.world.demand.visits_per_day
        self.first_sku = first_sku
        self.prefix = prefix


def draw_day(state: State, day: int, block: Demand) -> tuple[list, list, list, list, DayDraws]:
    """All of a day's visits to a block: times, regions, SKUs, choice uniforms, per-order luck.

    Each stream draws arrays sized by the day's visit count only, so the draws are the same
    whatever the strategy does.
    """
    s, w, p = state.streams, state.world, block.prefix
    arrivals = s[p + "arrivals"]
    counts = arrivals.poisson(hourly_rates(state, day, block.per_day, trend=not p))
    n = int(counts.sum())
    hours = np.repeat(np.arange(24), counts)
    times = day * HOURS_PER_DAY + hours + arrivals.random(n)
    order = np.argsort(times, kind="stable")
    times = times[order]
    regions = arrivals.choice(len(w.region_weight), size=n, p=w.region_weight)
    cum = block.cum
    skus = block.first_sku + np.minimum(
        np.searchsorted(cum, s[p + "choice"].random(n) * cum[-1]), len(cum) - 1
    )
    choice_u = s[p + "choice"].random(n)
    draws = DayDraws(state, n, p)
    return times.tolist(), regions.tolist(), skus.tolist(), choice_u.tolist(), draws


class DayDraws:
    """The per-visit luck of a day as column lists; an `OrderDraw` is made only for a visit
    that buys (most of the cost of a visit that leaves is then never paid)."""

    __slots__ = ("cols", "cancel")

    def __init__(self, state: State, n: int, prefix: str = ""):
        s, risk, p = state.streams, state.world.risk, prefix
        h, t, a, f = s[p + "handling"], s[p + "transit"], s[p + "aftersales"], s[p + "fraud"]
        cols = [
            h.random(n),
            h.standard_exponential(n),
            h.random(n),
            t.standard_normal(n),
            t.random(n),
            a.random(n),
            a.random(n),
            a.random(n),
        ]
        fraud = f.random(n) < risk.fraud_rate
        score = f.standard_normal(n) + np.where(fraud, risk.signal_separation, 0.0)
        case = s[p + "casework"].random((3, n))
        fin = s[p + "finance"]
        money = (*fin.random((2, n)), fin.standard_normal(n), fin.random(n))
        self.cols = [c.tolist() for c in (*cols, fraud, score, *case, *money)]
        # drawn only where customers cancel, so other worlds' streams are untouched
        self.cancel = s[p + "cancel"].random(n).tolist() if risk.customer_cancel_rate > 0 else None

    def take(self, i: int) -> OrderDraw:
        c = self.cols  # explicit indexes: this runs once per order, on the hot path
        return OrderDraw(
            c[0][i],
            c[1][i],
            c[2][i],
            c[3][i],
            c[4][i],
            c[5][i],
            c[6][i],
            c[7][i],
            c[8][i],
            c[9][i],
            c[10][i],
            c[11][i],
            c[12][i],
            c[13][i],
            c[14][i],
            c[15][i],
            c[16][i],
            1.0 if self.cancel is None else self.cancel[i],
        )


def customer_arrivals(state: State, until_h: float):
    """SimPy process: one timeout per visit; each visit may become an order."""
    env, w = state.env, state.world
    founding = Demand(
        state, w.sku_popularity[: w.first_new_sku if w.first_new_sku >= 0 else None], 0
    )
    new = (
        None
        if w.first_new_sku < 0
        else Demand(state, w.new_sku_visits, w.first_new_sku, NEW_LISTINGS)
    )
    first_new = w.first_new_sku if new is not None else len(w.sku_cost)
    shift, live = w.first_new_offer - w.first_new_sku, state.catalogue.live
    day = 0
    while day * HOURS_PER_DAY < until_h:
        times, regions, skus, choice_u, draws = draw_day(state, day, founding)
        if new is not None:
            times, regions, skus, choice_u, draws = _with_new_listings(
                state, day, new, times, regions, skus, choice_u, draws
            )
        for i, t in enumerate(times):
            if t >= until_h:
                return
            if not env.skip_to(t):  # something else is due first: let it happen
                yield env.timeout(t - env.now)
            sku = skus[i]
            if sku >= first_new and not live[sku + shift]:  # an applicant not (yet) listed
                state.records.day.visits_unlisted += 1
                continue
            place_order(state, regions[i], sku, choice_u[i], draws, i)
        day += 1
        start = day * HOURS_PER_DAY
        if env.now < start:
            yield env.timeout(start - env.now)


class MergedDraws:
    """The luck of a day's merged visits: each visit's draws from its own block."""

    __slots__ = ("src",)

    def __init__(self, src: list):
        self.src = src  # per merged visit: (DayDraws, index in it)

    def take(self, i: int) -> OrderDraw:
        draws, j = self.src[i]
        return draws.take(j)


def _with_new_listings(state: State, day: int, new: Demand, times, regions, skus, choice_u, draws):
    """Add the day's visits to applicants' listings, keeping only those to a seller who has
    applied by then (an exogenous time, so the same visits whatever the strategy); a visit to
    a listing that is not live is counted as unlisted demand when it comes."""
    n_times, n_regions, n_skus, n_choice, n_draws = draw_day(state, day, new)
    opens, first = state.catalogue.opens_h, new.first_sku  # one offer per new SKU
    keep = [
        i for i, (t, k) in enumerate(zip(n_times, n_skus, strict=True)) if opens[k - first] <= t
    ]
    if not keep:
        return times, regions, skus, choice_u, draws
    merged = sorted([(t, 0, i) for i, t in enumerate(times)] + [(n_times[i], 1, i) for i in keep])
    cols = (
        (times, regions, skus, choice_u, draws),
        (n_times, n_regions, n_skus, n_choice, n_draws),
    )
    out_t = [cols[b][0][i] for _, b, i in merged]
    out_r = [cols[b][1][i] for _, b, i in merged]
    out_k = [cols[b][2][i] for _, b, i in merged]
    out_u = [cols[b][3][i] for _, b, i in merged]
    return out_t, out_r, out_k, out_u, MergedDraws([(cols[b][4], i) for _, b, i in merged])
