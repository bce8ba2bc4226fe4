"""Promise policies: the delivery date shown to the customer at checkout."""

from __future__ import annotations

from sim.decisions import MarketView


class ContractPromise:
    """Automation-only: seller handling time plus the contracted carrier's nominal transit from
    the seller's default warehouse, plus a fixed buffer. Precomputed once; never learns."""

    def __init__(self, buffer_days: float = 2.0):
        if buffer_days < 0:
            raise ValueError(f"strategy.promise.buffer_days must be >= 0, got {buffer_days}")
        self.buffer_days = buffer_days
        self._hours: list[list[float]] = []

    def bind(self, market: MarketView) -> None:
        per_seller = []
        for s in market.sellers:
            origin = int(market.warehouse_region[s.home_warehouse])
            per_seller.append([
                s.handling_h + market.nominal_transit_h(s.carrier, origin, r) + 24.0 * self.buffer_days
                for r in range(market.n_regions)
            ])  # fmt: skip
        self._hours = [per_seller[s] for s in market.offer_seller.tolist()]

    def promise_hours(self, offer: int, region: int) -> float:
        return self._hours[offer][region]
