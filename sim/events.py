"""Domain events the world publishes and policies may subscribe to: stock changed, parcel
delivered, parcel late, parcel lost, a seller signal. Delivered through a feed that may lag (a
scenario setting), which is how stale data reaches a strategy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sim.clock import call_later

STOCK_CHANGED = "stock_changed"
PARCEL_DELIVERED = "parcel_delivered"
PARCEL_LATE = "parcel_late"
PARCEL_LOST = "parcel_lost"
SELLER_SIGNAL = "seller_signal"
TOPICS = (STOCK_CHANGED, PARCEL_DELIVERED, PARCEL_LATE, PARCEL_LOST, SELLER_SIGNAL)


@dataclass(frozen=True, slots=True)
class StockChanged:
    t_h: float
    offer: int
    warehouse: int
    on_hand: int  # units now on the shelf at that warehouse
    available: int  # units of the offer not yet promised, all warehouses
    sold: bool  # the change is a unit leaving for an order


@dataclass(frozen=True, slots=True)
class ParcelEvent:
    """A parcel delivered (t_h = delivery), late (t_h = the promise passing) or declared lost."""

    t_h: float
    order_id: int
    seller: int
    placed_h: float
    carrier: int
    origin_region: int
    dest_region: int
    handed_h: float  # NaN if not handed over yet
    nominal_h: float  # the contracted transit time of the lane
    promise_h: float


@dataclass(frozen=True, slots=True)
class SellerSignal:
    """Something the seller-performance system just counted for a seller: an order, a
    shipment, a late shipment, a cancellation, a defect (negative review, chargeback), a
    refund (see sim.seller_performance.KINDS)."""

    t_h: float
    seller: int
    kind: str
    order_id: int


class EventBus:
    """Publish/subscribe with an optional delay: subscribers see an event `lag_h` hours after
    it happened. A topic nobody subscribed to costs one dict lookup."""

    def __init__(self, env, lag_h: float = 0.0):
        if lag_h < 0:
            raise ValueError(f"event feed lag must be >= 0, got {lag_h}")
        self.env = env
        self.lag_h = lag_h
        self._subs: dict[str, list[Callable]] = {}

    def subscribe(self, topic: str, handler: Callable) -> None:
        if topic not in TOPICS:
            raise ValueError(f"unknown event topic {topic!r}; known: {TOPICS}")
        self._subs.setdefault(topic, []).append(handler)

    def wants(self, topic: str) -> bool:
        return topic in self._subs

    def publish(self, topic: str, event) -> None:
        handlers = self._subs.get(topic)
        if not handlers:
            return
        if self.lag_h <= 0:
            for h in handlers:
                h(event)
        else:
            call_later(self.env, self.lag_h, _deliver, handlers, event)


def _deliver(handlers: list[Callable], event) -> None:
    for h in handlers:
        h(event)
