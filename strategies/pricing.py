"""Pricing policies: new listed prices, asked for on the policy's schedule."""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field

import numpy as np

from sim.config_bounds import ConfigError, between, fraction, nonneg, positive
from sim.decisions import PriceTerms, PriceUpdate
from sim.events import STOCK_CHANGED, StockChanged
from sim.market_view import MarketView
from strategies.learned_signals import LandedCost

_REGIMES = np.array(["scarce", "normal", "overstocked"], dtype=object)  # regime -1, 0, +1


@dataclass(eq=False)
class FeedFollowPricing:
    """Automation-only: every offer follows the competitor feed at a fixed undercut, blind to
    stock, cost and calendar. A price under the floor is caught by the world's guard."""

    undercut: float = field(default=0.02, metadata=fraction)
    period_h: float = field(default=24.0, metadata=positive)
    first_at_h: float = field(default=2.0, metadata=between(0, 24))  # hour of day of the first ask

    def __post_init__(self) -> None:
        self._offers = np.empty(0, dtype=np.int64)

    def bind(self, market: MarketView) -> None:
        self._offers = np.arange(market.n_offers)

    def reprice(self, market: MarketView) -> PriceUpdate:
        prices = np.round(market.competitor_prices() * (1.0 - self.undercut), 2)
        if market.explaining:
            competitor = market.competitor_prices()
            terms = PriceTerms(
                competitor,
                competitor * (1.0 - self.undercut),
                rule=f"follow the competitor feed, {self.undercut:.1%} under",
            )
            return PriceUpdate(self._offers, prices, terms)
        return PriceUpdate(self._offers, prices)


@dataclass(eq=False)
class CoordinatedPricing:
    """Orchestration: prices react to stock as well as to the competitor. Stock events update
    each offer's sales rate and days of cover; an offer crossing into scarcity (raise) or
    overstock (mark down) is repriced at the next hourly ask, and every offer once a day.
    Prices never go under a margin floor built from landed cost: the unit cost plus a margin,
    and enough commission to pay the net shipping cost routing actually incurs. On promotion
    days the competitor's cut is followed down to that floor, never below."""

    undercut: float = field(default=0.02, metadata=fraction)
    floor_margin: float = field(default=0.05, metadata=nonneg)  # over unit cost
    scarce_cover_days: float = field(default=7.0, metadata=positive)  # fewer days: scarce
    scarcity_markup: float = field(default=0.08, metadata=nonneg)
    overstock_cover_days: float = field(default=60.0, metadata=positive)  # more days: overstocked
    markdown: float = field(default=0.06, metadata=fraction)
    sales_half_life_days: float = field(default=7.0, metadata=positive)
    period_h: float = field(default=1.0, metadata=positive)
    first_at_h: float = field(default=0.0, metadata=between(0, 24))
    full_reprice_hour: int = field(default=2, metadata=between(0, 23))  # every offer, daily

    def check_rules(self, path: str) -> None:
        if not self.scarce_cover_days < self.overstock_cover_days:
            raise ConfigError(
                f"{path}.scarce_cover_days ({self.scarce_cover_days}) must be below "
                f"overstock_cover_days ({self.overstock_cover_days})"
            )

    def __post_init__(self) -> None:
        self.tau_h = self.sales_half_life_days * 24.0 / math.log(2.0)
        # each triggered repricing: offer, stock event time, repriced at (typed columns: a year
        # of a large catalogue triggers millions)
        self._log = (array("i"), array("d"), array("d"))

    def bind(self, market: MarketView) -> None:
        n = market.n_offers
        self.rate = [max(market.available(o), 1) / (30.0 * 24.0) for o in range(n)]  # a prior
        self.last_sale = [0.0] * n
        self.regime = np.zeros(n, dtype=np.int8)  # -1 scarce, 0 normal, +1 overstocked
        self.triggered: dict[int, float] = {}
        self.landed = LandedCost.of(market)
        self.cost = np.asarray(market.offer_cost, dtype=float)
        self.commission = np.asarray(market.offer_commission, dtype=float)
        self.all_offers = np.arange(n)
        self.market = market
        market.subscribe(STOCK_CHANGED, self.on_stock)

    def on_stock(self, ev: StockChanged) -> None:
        o = ev.offer
        if ev.sold:
            decay = math.exp(-(ev.t_h - self.last_sale[o]) / self.tau_h)
            self.rate[o] = self.rate[o] * decay + 1.0 / self.tau_h
            self.last_sale[o] = ev.t_h
        regime = self._regime(o, ev.available, ev.t_h)
        if regime != self.regime[o]:
            self.regime[o] = regime
            self.triggered.setdefault(o, ev.t_h)

    def _regime(self, offer: int, available: int, now: float) -> int:
        rate = self.rate[offer] * math.exp(-(now - self.last_sale[offer]) / self.tau_h)
        cover_days = available / max(rate * 24.0, 1e-9)
        return (
            -1
            if cover_days < self.scarce_cover_days
            else (1 if cover_days > self.overstock_cover_days else 0)
        )

    def reprice(self, market: MarketView) -> PriceUpdate:
        now = market.now()
        if int(now) % 24 == self.full_reprice_hour:
            offers = self.all_offers
        else:
            offers = np.fromiter(sorted(self.triggered), dtype=np.int64, count=len(self.triggered))
        offer, event_h, at_h = self._log
        for o in self.triggered:
            offer.append(o)
            event_h.append(self.triggered[o])
            at_h.append(now)
        self.triggered.clear()
        if market.explaining:
            competitor, target, floor, regime = self.terms_for(offers, market)
            terms = PriceTerms(competitor, target, floor, _REGIMES[regime + 1], self._rule())
            return PriceUpdate(offers, np.round(np.maximum(target, floor), 2), terms)
        return PriceUpdate(offers, self.prices_for(offers, market))

    def _rule(self) -> str:
        return (
            f"{self.undercut:.1%} under the competitor, +{self.scarcity_markup:.0%} when "
            f"scarce (under {self.scarce_cover_days:g} days of cover), "
            f"-{self.markdown:.0%} when overstocked (over {self.overstock_cover_days:g}), "
            f"never under the margin floor (landed cost + {self.floor_margin:.0%})"
        )

    @property
    def log(self) -> list[tuple[int, float, float]]:
        """Every triggered repricing so far: (offer, stock event time, repriced at)."""
        return list(zip(*self._log, strict=True))

    def prices_for(self, offers: np.ndarray, market: MarketView) -> np.ndarray:
        _, target, floor, _ = self.terms_for(offers, market)
        return np.round(np.maximum(target, floor), 2)

    def terms_for(self, offers: np.ndarray, market: MarketView):
        """Per offer: the competitor's price, the target (its undercut, marked up when scarce
        or down when overstocked), the margin floor, and the regime (-1, 0, +1)."""
        regime = self.regime[offers]
        factor = np.where(
            regime < 0, 1.0 + self.scarcity_markup, np.where(regime > 0, 1.0 - self.markdown, 1.0)
        )
        competitor = market.competitor_prices()[offers]
        target = competitor * (1.0 - self.undercut) * factor
        return competitor, target, self.floor(offers), regime

    def floor(self, offers: np.ndarray) -> np.ndarray:
        net_ship = np.maximum(self.landed.per_offer[offers], 0.0)
        cost = self.cost[offers]
        return np.maximum(cost * (1.0 + self.floor_margin), net_ship / self.commission[offers])
