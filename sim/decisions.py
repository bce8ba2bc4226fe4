"""Decision points: what the world asks a strategy, what a strategy may answer, and the
read-only views it sees. The only module of `sim` a strategy needs to know.

A strategy never touches the SimPy environment, resources or ledgers; it answers requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

ESCALATE = -1  # a routing answer that hands the order to a human


@dataclass(frozen=True, slots=True)
class CarrierContract:
    """What a carrier's contract says; its real performance is not in here."""

    name: str
    fixed_cost: float
    cost_per_km: float
    base_days: float
    km_per_day: float
    serves: frozenset[int]
    daily_capacity: int


@dataclass(frozen=True, slots=True)
class SellerTerms:
    """A seller's public configuration: default warehouse, contracted carrier, handling promise."""

    name: str
    home_warehouse: int
    carrier: int
    handling_h: float


class MarketView:
    """Read-only view of the marketplace for policies: static terms plus live state readers.

    Static arrays are numpy arrays marked read-only; live state is read through methods.
    """

    def __init__(self, world, state):
        self._world = world
        self._state = state
        self.n_regions = len(world.region_names)
        self.n_warehouses = world.n_warehouses
        self.n_offers = world.n_offers
        self.distance_km = _readonly(world.distance_km)
        self.offer_sku = _readonly(world.offer_sku)
        self.offer_seller = _readonly(world.offer_seller)
        self.offer_cost = _readonly(world.sku_cost[world.offer_sku])
        self.warehouse_region = _readonly(np.array([w.region for w in world.warehouses]))
        self.cutoff_hour = tuple(w.cutoff_hour for w in world.warehouses)
        self.price_floor_margin = world.price_floor_margin
        self.sellers = tuple(
            SellerTerms(s.name, s.home_warehouse, s.carrier, s.handling_h) for s in world.sellers
        )
        self.carriers = tuple(
            CarrierContract(
                c.name,
                c.fixed_cost,
                c.cost_per_km,
                c.base_days,
                c.km_per_day,
                c.serves,
                c.daily_capacity,
            )
            for c in world.carriers
        )

    def now(self) -> float:
        return self._state.env.now

    def nominal_transit_h(self, carrier: int, origin_region: int, dest_region: int) -> float:
        return self._world.nominal_transit_h(carrier, origin_region, dest_region)

    def shipping_cost(self, carrier: int, origin_region: int, dest_region: int) -> float:
        return self._world.carrier_cost(carrier, origin_region, dest_region)

    def on_hand(self, offer: int, warehouse: int) -> int:
        return self._state.on_hand[offer * self.n_warehouses + warehouse]

    def available(self, offer: int) -> int:
        """Units of an offer not yet promised to an order."""
        return self._state.available[offer]

    def prices(self) -> np.ndarray:
        """Current listed price of every offer (a copy)."""
        return np.array(self._state.price)

    def competitor_prices(self) -> np.ndarray:
        """Today's competitor feed, per offer (a copy)."""
        return self._state.competitor_price_today()[self._world.offer_sku]


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.flags.writeable = False
    return a


# --- routing -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoutingRequest:
    """An order line waiting for a warehouse and a carrier."""

    order_id: int
    offer: int
    seller: int
    region: int  # customer region
    placed_h: float
    promise_h: float
    ship_by_h: float


@dataclass(frozen=True, slots=True)
class RoutingDecision:
    """Ship `order_id` from `warehouse` with `carrier`; warehouse=ESCALATE hands it to a human."""

    order_id: int
    warehouse: int
    carrier: int
    reason: str = ""


@runtime_checkable
class RoutingPolicy(Protocol):
    batch_minutes: float

    def route(self, batch: list[RoutingRequest], market: MarketView) -> list[RoutingDecision]: ...


# --- promises ------------------------------------------------------------------------------


@runtime_checkable
class PromisePolicy(Protocol):
    def promise_hours(self, offer: int, region: int) -> float:
        """Hours from purchase to the promised delivery, shown to the customer at checkout."""
        ...


# --- pricing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceUpdate:
    """New prices for some offers: two arrays of equal length."""

    offers: np.ndarray
    prices: np.ndarray


@runtime_checkable
class PricingPolicy(Protocol):
    period_h: float  # how often the world asks for repricing
    first_at_h: float  # hour of day of the first ask

    def reprice(self, market: MarketView) -> PriceUpdate: ...


# --- exceptions ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExceptionEvent:
    """An irregularity the world detected, before anyone decides who handles it."""

    exc_id: int
    type: str
    cause: str
    order_id: int
    offer: int
    blocks: str
    raised_h: float


@dataclass(frozen=True, slots=True)
class Triage:
    """Who handles an exception (`human` or `auto`), how urgently, and by when."""

    handler: str
    priority: int
    deadline_h: float


@runtime_checkable
class ExceptionPolicy(Protocol):
    def triage(self, event: ExceptionEvent, market: MarketView) -> Triage: ...


# --- the bundle ----------------------------------------------------------------------------


@dataclass
class Strategy:
    """A bundle of policies, one per decision point. Onboarding and governance come later."""

    name: str
    routing: RoutingPolicy
    promise: PromisePolicy
    pricing: PricingPolicy
    exceptions: ExceptionPolicy

    def bind(self, market: MarketView) -> None:
        """Give every policy that wants it the market view before the run starts."""
        for policy in (self.routing, self.promise, self.pricing, self.exceptions):
            bind = getattr(policy, "bind", None)
            if bind is not None:
                bind(market)
