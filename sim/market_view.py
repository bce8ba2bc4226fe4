"""The read-only view of the marketplace a strategy sees: public terms (contracts, seller
settings, warehouse capacities), live operational state the operator's systems know (stock,
queues, carrier loads, prices), domain-event subscriptions, and a per-run scratch space
policies use to share what they learn. Never the scenario's hidden truth."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.feeds import StaleFeeds
from sim.seller_performance import SellerWindow


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
    """Static arrays are numpy arrays marked read-only; live state is read through methods."""

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
        # the rate the operator charges each offer now: its label's (live: a view of the
        # catalogue, so a relabelled listing reads its new rate), never its true category's
        self.offer_commission = _live(state.catalogue.commission)
        self.offers_of_sku = tuple(tuple(o) for o in state.lookup.sku_offers)
        self.stocked_at = tuple(tuple(w) for w in state.lookup.stocked_at)
        self.warehouse_region = _readonly(np.array([w.region for w in world.warehouses]))
        wh = world.warehousing  # every warehouse works the same hours
        self.cutoff_hour = (float(wh.cutoff_hour),) * world.n_warehouses
        self.picks_per_hour = tuple(w.picks_per_hour for w in world.warehouses)
        self.shift_hours = ((wh.shift_start, wh.shift_end),) * world.n_warehouses
        self.price_floor_margin = world.money.price_floor_margin
        self.sla_credit_pct = world.money.sla_credit_pct
        self.promo_dates = world.promo_dates
        self.start_date = world.start_date
        self.sellers = tuple(
            SellerTerms(s.name, s.home_warehouse, s.carrier, s.profile.handling_h)
            for s in world.sellers
        )
        self.carriers = tuple(
            CarrierContract(
                c.name,
                c.fixed_cost,
                c.cost_per_km,
                c.base_days,
                c.km_per_day,
                serves,
                c.daily_capacity,
            )
            for c, serves in zip(world.carriers, world.carrier_serves, strict=True)
        )
        self.shared: dict = {}  # scratch space for the strategy's policies, scoped to this run
        # the run records its decisions: attach what you weighed to your answers (sim.decisions)
        self.explaining = False
        # with a feed lag, shelves, backlogs and carrier loads are read as late as the events
        lag_h = world.feeds.lag_h
        self.stale = StaleFeeds(state, lag_h) if lag_h > 0 else None
        self._competitor, self._competitor_src = None, None

    # --- time and calendar ---------------------------------------------------------------

    def now(self) -> float:
        return self._state.env.now

    def is_promo_day(self, day: int) -> bool:
        return self._state.calendar.is_promo(day)

    # --- contracts -----------------------------------------------------------------------

    def nominal_transit_h(self, carrier: int, origin_region: int, dest_region: int) -> float:
        return self._state.lookup.lane_nominal_h[carrier][origin_region][dest_region]

    def shipping_cost(self, carrier: int, origin_region: int, dest_region: int) -> float:
        return self._state.lookup.lane_cost[carrier][origin_region][dest_region]

    def shipping_fee(self, offer: int, region: int) -> float:
        """What a customer in `region` pays for shipping on `offer`."""
        return self._state.lookup.fee[offer][region]

    # --- live state (as late as the scenario's feeds: `stale`) ---------------------------

    def on_hand(self, offer: int, warehouse: int) -> int:
        """Units on the shelf of `warehouse`, as the stock feed shows them."""
        if self.stale is not None:
            return self.stale.on_hand[offer * self.n_warehouses + warehouse]
        return self._state.stock.on_hand[offer * self.n_warehouses + warehouse]

    def available(self, offer: int) -> int:
        """Units of an offer not yet promised to an order: the storefront's own count, live."""
        return self._state.stock.available[offer]

    def pick_backlog(self, warehouse: int) -> int:
        """Orders routed to a warehouse and not yet handed to a carrier."""
        if self.stale is not None:
            return self.stale.as_of(self._state.env.now)[0][warehouse]
        state = self._state
        return len(state.pick_queues[warehouse]) + len(state.pickup.outbound[warehouse])

    def carrier_pending(self, carrier: int) -> int:
        """Parcels assigned to a carrier and not yet collected."""
        if self.stale is not None:
            return self.stale.as_of(self._state.env.now)[1][carrier]
        return self._state.pickup.pending[carrier]

    def prices(self) -> np.ndarray:
        """Current listed price of every offer (a copy)."""
        return np.array(self._state.prices.listed)

    def price(self, offer: int) -> float:
        return self._state.prices.listed[offer]

    def competitor_prices(self) -> np.ndarray:
        """Today's competitor feed, per offer (read-only; made once per feed update)."""
        prices = self._state.prices
        if self._competitor_src != prices.feed_day:
            self._competitor = _readonly(prices.competitor_np[self._world.offer_sku])
            self._competitor_src = prices.feed_day
        return self._competitor

    # --- sellers (the seller-performance system and the seller register) -------------------

    def seller_window(self, seller: int, days: int) -> SellerWindow:
        """A seller's counts over the last `days` days (defects counted when they land)."""
        return self._state.perf.window(seller, days)

    def selling_sellers(self) -> list[int]:
        """Sellers approved and not suspended, in index order."""
        return sorted(self._state.sellers.selling)

    def selling_since_h(self, seller: int) -> float:
        """When a seller started selling (founding sellers: -inf, long established; inf: not
        yet)."""
        return self._state.sellers.since_h[seller]

    def is_selling(self, seller: int) -> bool:
        return seller in self._state.sellers.selling

    def on_probation(self, seller: int) -> bool:
        """Whether a seller still has a daily volume cap."""
        return seller in self._state.sellers.cap

    def warnings(self, seller: int) -> int:
        return self._state.sellers.warnings[seller]

    def random(self, purpose: str) -> np.random.Generator:
        """A generator for the strategy's own randomness (an audit sample), seeded by the run's
        seed, the strategy's name and `purpose`; never one of the world's streams."""
        s = self._state
        return s.streams.strategy_stream(f"{s.strategy.name}:{purpose}")

    # --- domain events -------------------------------------------------------------------

    def subscribe(self, topic: str, handler: Callable) -> None:
        """Receive the world's domain events of `topic` (see sim.events), after the feed lag."""
        self._state.bus.subscribe(topic, handler)


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.flags.writeable = False
    return a


def _live(a: np.ndarray) -> np.ndarray:
    """A read-only view of a live array: the strategy sees each change, and can make none."""
    view = a.view()
    view.flags.writeable = False
    return view
