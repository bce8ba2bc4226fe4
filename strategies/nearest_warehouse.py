"""An example policy, the one README.md walks through: ship from the nearest warehouse that has
the unit. Twenty lines: a dataclass (its fields are its validated parameters) that answers the
routing protocol of sim/decisions.py from what the market view shows."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.config_bounds import nonneg, positive
from sim.decisions import ESCALATE, RoutingDecision, RoutingRequest
from sim.market_view import MarketView


@dataclass(eq=False)
class NearestWarehouseRouting:
    """Ship each order from the warehouse nearest the customer that has the unit on its shelf,
    with the cheapest carrier serving the customer's region; escalate if there is none."""

    batch_minutes: float = field(default=30.0, metadata=positive)
    decision_latency_minutes: float = field(default=0.0, metadata=nonneg)

    def route(self, batch: list[RoutingRequest], market: MarketView) -> list[RoutingDecision]:
        answers = []
        for r in batch:
            shelves = [w for w in market.stocked_at[r.offer] if market.on_hand(r.offer, w) > 0]
            origin = {w: int(market.warehouse_region[w]) for w in shelves}
            carriers = [c for c, k in enumerate(market.carriers) if r.region in k.serves]
            if not shelves or not carriers:
                answers.append(RoutingDecision(r.order_id, ESCALATE, -1, "no_stock_or_carrier"))
                continue
            w = min(shelves, key=lambda w: market.distance_km[origin[w], r.region])
            c = min(carriers, key=lambda c: market.shipping_cost(c, origin[w], r.region))
            answers.append(RoutingDecision(r.order_id, w, c))
        return answers
