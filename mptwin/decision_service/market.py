"""The market view a served policy sees, answered from what the protocol carries: the world's
public terms (sent once), the live facts and domain events of each call. It has the methods and
attributes of `sim.market_view.MarketView`, so the same policy classes run in-process and behind
the service. A read the protocol does not carry (a seller's KPI window, listed prices) raises
`NotCarried`, which the service answers as a refusal naming it, never as a made-up value."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from datetime import date

import numpy as np

from sim.clock import Calendar
from sim.events import TOPICS
from strategies.remote.protocol import Facts, Terms


class NotCarried(AttributeError):
    """A served policy read something the decision-service protocol does not carry."""


class ServedMarket:
    def __init__(self, terms: Terms):
        t = terms
        self.n_regions, self.n_warehouses, self.n_offers = t.n_regions, t.n_warehouses, t.n_offers
        self.distance_km = _readonly(t.distance_km, float)
        self.offer_sku = _readonly(t.offer_sku, np.int64)
        self.offer_seller = _readonly(t.offer_seller, np.int64)
        self.offer_cost = _readonly(t.offer_cost, float)
        self.offer_commission = _readonly(t.offer_commission, float)
        self.offers_of_sku = tuple(tuple(x) for x in t.offers_of_sku)
        self.stocked_at = tuple(tuple(x) for x in t.stocked_at)
        self.warehouse_region = _readonly(t.warehouse_region, np.int64)
        self.cutoff_hour = tuple(t.cutoff_hour)
        self.picks_per_hour = tuple(t.picks_per_hour)
        self.shift_hours = tuple(tuple(x) for x in t.shift_hours)
        self.price_floor_margin, self.sla_credit_pct = t.price_floor_margin, t.sla_credit_pct
        self.start_date = date.fromisoformat(t.start_date)
        self.promo_dates = frozenset(date.fromisoformat(d) for d in t.promo_dates)
        self.sellers, self.carriers = tuple(t.sellers), tuple(t.carriers)
        self.shared: dict = {}
        self.stale = None  # the facts arrive as late as the twin's feeds already
        self.explaining = t.explaining  # answers carry the alternatives a policy weighed
        self._lane_nominal_h, self._lane_cost = t.lane_nominal_h, t.lane_cost
        self._fee_rows, self._offer_fee_row = t.fee_rows, t.offer_fee_row
        self._calendar = Calendar(self.start_date, self.promo_dates)
        self._seed = t.seed
        self._available: list[int] | None = list(t.available)  # only while policies bind
        self._handlers: dict[str, list[Callable]] = {}
        self._stock: dict[int, int] = {}
        self._stocked: set[int] = set()
        self._competitor: np.ndarray | None = None
        self.set_facts(t.facts)

    # --- what a call brings ----------------------------------------------------------------

    def set_facts(self, facts: Facts) -> None:
        self._now = facts.now
        self._pending, self._backlog = facts.carrier_pending, facts.pick_backlog

    def set_stock(self, stock) -> None:
        """The shelves a routing call carries, keyed as the world keys them (offer, warehouse)."""
        n, at = self.n_warehouses, self.stocked_at
        self._stock = {
            s.offer * n + w: units
            for s in stock
            for w, units in zip(at[s.offer], s.on_hand, strict=True)
        }
        self._stocked = {s.offer for s in stock}

    def set_competitor(self, prices: list[float]) -> None:
        self._competitor = _readonly(prices, float)

    def bound(self) -> None:
        """Binding is over: the start-of-run stock counts are no longer current."""
        self._available = None

    def deliver(self, topic: str, event) -> None:
        for handler in self._handlers.get(topic, ()):
            handler(event)

    @property
    def topics(self) -> list[str]:
        return sorted(self._handlers)

    # --- MarketView ----------------------------------------------------------------------

    def now(self) -> float:
        return self._now

    def is_promo_day(self, day: int) -> bool:
        return self._calendar.is_promo(day)

    def nominal_transit_h(self, carrier: int, origin_region: int, dest_region: int) -> float:
        return self._lane_nominal_h[carrier][origin_region][dest_region]

    def shipping_cost(self, carrier: int, origin_region: int, dest_region: int) -> float:
        return self._lane_cost[carrier][origin_region][dest_region]

    def shipping_fee(self, offer: int, region: int) -> float:
        return self._fee_rows[self._offer_fee_row[offer]][region]

    def on_hand(self, offer: int, warehouse: int) -> int:
        units = self._stock.get(offer * self.n_warehouses + warehouse)
        if units is not None:
            return units
        if offer not in self._stocked:
            raise NotCarried(
                f"market.on_hand({offer}, {warehouse}): a routing call carries the "
                "shelves of its own orders' offers only"
            )
        return 0  # a warehouse the offer's stock plan does not use holds none

    def available(self, offer: int) -> int:
        if self._available is None:
            raise NotCarried(
                "market.available(): carried at bind only; after that the "
                "stock_changed events carry it"
            )
        return self._available[offer]

    def pick_backlog(self, warehouse: int) -> int:
        return self._backlog[warehouse]

    def carrier_pending(self, carrier: int) -> int:
        return self._pending[carrier]

    def competitor_prices(self) -> np.ndarray:
        if self._competitor is None:
            raise NotCarried("market.competitor_prices(): carried by pricing calls only")
        return self._competitor

    def random(self, purpose: str) -> np.random.Generator:
        """The service's own randomness, seeded by the session's seed and `purpose`."""
        key = zlib.crc32(purpose.encode())
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence([self._seed, key])))

    def subscribe(self, topic: str, handler: Callable) -> None:
        if topic not in TOPICS:
            raise ValueError(f"unknown event topic {topic!r}; known: {TOPICS}")
        self._handlers.setdefault(topic, []).append(handler)

    def __getattr__(self, name: str):
        """Every other MarketView read (prices, seller windows, probation) is not carried."""
        if name.startswith("_"):
            raise AttributeError(name)
        raise NotCarried(f"market.{name}: the decision-service protocol does not carry it")


def _readonly(values, dtype) -> np.ndarray:
    a = np.asarray(values, dtype=dtype)
    a.flags.writeable = False
    return a
