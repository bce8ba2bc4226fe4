"""Routing policies: which warehouse ships an order and with which carrier."""

from __future__ import annotations

from sim.decisions import MarketView, RoutingDecision, RoutingRequest


class StaticRouting:
    """Automation-only: every order ships from its seller's default warehouse with the seller's
    contracted carrier. It reads no stock, no carrier performance: a stockout or an unserved
    region surfaces downstream as an exception for a person."""

    def __init__(self, batch_minutes: float = 30.0):
        if batch_minutes <= 0:
            raise ValueError(f"strategy.routing.batch_minutes must be > 0, got {batch_minutes}")
        self.batch_minutes = batch_minutes
        self._terms = ()

    def bind(self, market: MarketView) -> None:
        self._terms = market.sellers

    def route(self, batch: list[RoutingRequest], market: MarketView) -> list[RoutingDecision]:
        terms = self._terms
        return [
            RoutingDecision(r.order_id, terms[r.seller].home_warehouse, terms[r.seller].carrier)
            for r in batch
        ]
