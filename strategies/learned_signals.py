"""What orchestration learns, shared by its policies through the market view's per-run scratch
space: carrier performance per lane and sellers' time to hand parcels over (from the world's
domain events), and the net shipping cost routing incurs per offer (from its own decisions).
Only events and decisions are used, never the scenario's hidden truth."""

from __future__ import annotations

import math
from functools import lru_cache
from statistics import NormalDist

import numpy as np

from sim.events import PARCEL_DELIVERED, PARCEL_LATE, ParcelEvent
from sim.market_view import MarketView

_NORMAL = NormalDist()


@lru_cache(maxsize=64)
def _z(q: float) -> float:
    """The standard normal quantile, computed once per level."""
    return _NORMAL.inv_cdf(q)


def shared(market: MarketView, key: str, factory):
    """The run's one instance of a learned model, created (and subscribed) on first use, so
    policies that need it share it and an ablated bundle creates only what it uses."""
    if key not in market.shared:
        market.shared[key] = factory(market)
    return market.shared[key]


class LaneModel:
    """Transit time per (carrier, origin region, destination region) as a lognormal around the
    contract: ln(actual / contracted) ~ N(mu, sigma), shrunk towards the carrier's estimate when
    the lane has few observations.

    Observations are weighted by when the parcel was handed over (recent cohorts count more,
    half-life `half_life_days`), not by when news of them arrives, so the estimate does not
    drift when a carrier stops getting parcels and only its slow stragglers are still arriving.
    A parcel still travelling when its promise passes is censored evidence (its transit is
    longer than the time elapsed so far), counted then, once, at its expected value given that
    (the normal's inverse Mills ratio): a lane going slow shows up before its parcels arrive."""

    def __init__(
        self,
        market: MarketView,
        half_life_days: float = 14.0,
        prior_sigma: float = 0.35,
        prior_weight: float = 5.0,
        pool_weight: float = 20.0,
        cache_h: float = 6.0,
    ):
        n_c, n_r = len(market.carriers), market.n_regions
        self.tau_h = half_life_days * 24.0 / math.log(2.0)
        self.prior_sigma, self.prior_weight = prior_sigma, prior_weight
        self.pool_weight, self.cache_h = pool_weight, cache_h
        self.n_r = n_r
        self.lane = [[0.0, 0.0, 0.0] for _ in range(n_c * n_r * n_r)]  # weighted sums w, wx, wx^2
        self.carrier = [[0.0, 0.0, 0.0] for _ in range(n_c)]
        self._censored: set[int] = set()
        self._cache: dict[int, tuple[float, float]] = {}
        self._cache_period = -1
        self._now = 0.0  # event time of the current cache period
        market.subscribe(PARCEL_DELIVERED, self.on_delivered)
        market.subscribe(PARCEL_LATE, self.on_late)

    @classmethod
    def of(cls, market: MarketView) -> LaneModel:
        return shared(market, "lane_model", cls)

    def on_delivered(self, ev: ParcelEvent) -> None:
        self._tick(ev.t_h)
        if ev.order_id in self._censored:
            self._censored.discard(ev.order_id)  # counted already, when its promise passed
            return
        if ev.handed_h == ev.handed_h and ev.nominal_h > 0:
            self._observe(ev, math.log(max(ev.t_h - ev.handed_h, 1e-3) / ev.nominal_h))

    def on_late(self, ev: ParcelEvent) -> None:
        self._tick(ev.t_h)
        if ev.handed_h == ev.handed_h and ev.nominal_h > 0:  # in transit, and still not there
            self._censored.add(ev.order_id)
            bound = math.log(max(ev.t_h - ev.handed_h, 1e-3) / ev.nominal_h)
            mu, sigma = self.log_ratio(ev.carrier, ev.origin_region, ev.dest_region)
            a = (bound - mu) / sigma
            tail = max(1.0 - _NORMAL.cdf(a), 1e-12)
            self._observe(ev, mu + sigma * min(_NORMAL.pdf(a) / tail, a + 10.0))

    def _observe(self, ev: ParcelEvent, x: float) -> None:
        w = math.exp(min(ev.handed_h / self.tau_h, 600.0))  # cohort weight, grows with time
        for sums in (
            self.lane[self._idx(ev.carrier, ev.origin_region, ev.dest_region)],
            self.carrier[ev.carrier],
        ):
            sums[0] += w
            sums[1] += w * x
            sums[2] += w * x * x

    def _idx(self, carrier: int, origin: int, dest: int) -> int:
        return (carrier * self.n_r + origin) * self.n_r + dest

    def log_ratio(self, carrier: int, origin: int, dest: int) -> tuple[float, float]:
        """(mu, sigma) of ln(actual / contracted transit) on a lane. Estimates are kept for
        `cache_h` hours of event time (one that moves over days need not be redone for every
        parcel); the first event of a new period clears them."""
        key = self._idx(carrier, origin, dest)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = self._estimate(carrier, origin, dest)
        return hit

    def _tick(self, t_h: float) -> None:
        period = int(t_h // self.cache_h)
        if period != self._cache_period:
            self._cache, self._cache_period, self._now = {}, period, t_h

    def _estimate(self, carrier: int, origin: int, dest: int) -> tuple[float, float]:
        unit = math.exp(min(self._now / self.tau_h, 600.0))  # the weight of one fresh parcel
        c = self.carrier[carrier]
        k = self.prior_weight * unit  # the prior: the contract is right, sigma as assumed
        c_m1 = c[1] / (c[0] + k)
        c_m2 = (c[2] + k * self.prior_sigma**2) / (c[0] + k)
        lane = self.lane[self._idx(carrier, origin, dest)]
        k = self.pool_weight * unit
        m1 = (lane[1] + k * c_m1) / (lane[0] + k)
        m2 = (lane[2] + k * c_m2) / (lane[0] + k)
        return m1, math.sqrt(max(m2 - m1 * m1, 0.01))

    def transit_quantile_h(
        self, carrier: int, origin: int, dest: int, nominal_h: float, q: float
    ) -> float:
        mu, sigma = self.log_ratio(carrier, origin, dest)
        return nominal_h * math.exp(mu + sigma * _z(q))

    def p_within(
        self, carrier: int, origin: int, dest: int, nominal_h: float, hours: float
    ) -> float:
        """Probability the parcel arrives within `hours` of hand-over."""
        if hours <= 0:
            return 0.0
        mu, sigma = self.log_ratio(carrier, origin, dest)
        return _NORMAL.cdf((math.log(hours / nominal_h) - mu) / sigma)


class HandoverModel:
    """Hours from purchase to hand-over per seller, learned from delivered parcels: an
    exponentially weighted mean and variance, starting from the seller's handling promise."""

    def __init__(self, market: MarketView, alpha: float = 0.02):
        self.alpha = alpha
        self.m1 = [0.6 * s.handling_h for s in market.sellers]
        self.m2 = [
            m * m + (0.3 * s.handling_h) ** 2 for m, s in zip(self.m1, market.sellers, strict=True)
        ]
        self.n = [0.0] * len(market.sellers)
        market.subscribe(PARCEL_DELIVERED, self.on_delivered)

    @classmethod
    def of(cls, market: MarketView) -> HandoverModel:
        return shared(market, "handover_model", cls)

    def on_delivered(self, ev: ParcelEvent) -> None:
        s = ev.seller
        x = ev.handed_h - ev.placed_h
        a = max(self.alpha, 1.0 / (self.n[s] + 2.0))
        self.m1[s] += a * (x - self.m1[s])
        self.m2[s] += a * (x * x - self.m2[s])
        self.n[s] += 1.0

    def quantile_h(self, seller: int, q: float) -> float:
        m = self.m1[seller]
        sd = math.sqrt(max(self.m2[seller] - m * m, 1.0))
        return max(0.0, m + sd * _z(q))


class LandedCost:
    """Net logistics cost per offer (carrier cost minus the customer's shipping fee) as routing
    actually incurs it, an exponentially weighted mean (0 until routed); pricing uses it in
    its margin floor."""

    def __init__(self, market: MarketView, alpha: float = 0.2):
        self.alpha = alpha
        self.per_offer = np.zeros(market.n_offers)
        self._seen = np.zeros(market.n_offers, dtype=bool)

    @classmethod
    def of(cls, market: MarketView) -> LandedCost:
        return shared(market, "landed_cost", cls)

    def observe(self, offer: int, net_cost: float) -> None:
        if self._seen[offer]:
            self.per_offer[offer] += self.alpha * (net_cost - self.per_offer[offer])
        else:
            self.per_offer[offer], self._seen[offer] = net_cost, True
