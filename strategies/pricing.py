"""Pricing policies: new listed prices, asked for on the policy's schedule."""

from __future__ import annotations

import numpy as np

from sim.decisions import MarketView, PriceUpdate


class FeedFollowPricing:
    """Automation-only: every offer follows the competitor feed at a fixed undercut, blind to
    stock, cost and calendar. A price under the floor is caught by the world's guard."""

    def __init__(self, undercut: float = 0.02, period_h: float = 24.0, first_at_h: float = 2.0):
        if not 0 <= undercut < 1:
            raise ValueError(f"strategy.pricing.undercut must be in [0, 1), got {undercut}")
        if period_h <= 0:
            raise ValueError(f"strategy.pricing.period_h must be > 0, got {period_h}")
        self.undercut, self.period_h, self.first_at_h = undercut, period_h, first_at_h
        self._offers = np.empty(0, dtype=np.int64)

    def bind(self, market: MarketView) -> None:
        self._offers = np.arange(market.n_offers)

    def reprice(self, market: MarketView) -> PriceUpdate:
        prices = np.round(market.competitor_prices() * (1.0 - self.undercut), 2)
        return PriceUpdate(self._offers, prices)
