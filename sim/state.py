"""The mutable state of a run, in parts named for what they hold, so a process says which part it
touches: `stock`, `prices`, `watches`, `desk` (exceptions waiting for people, a queue per review
team), `catalogue` (which offers are live, under which category), `sellers` (how each really
works, where it stands), `perf` (its KPI windows) and `records` (what the run leaves behind).
The orders between purchase and carrier wait in queues that belong to the processes that drain
them (`routing`, `pick_queues`, `pickup`): the state only holds them, for the steps that hand an
order on.

Hot-path state is kept in plain Python lists (fast scalar access), never in pandas.
"""

from __future__ import annotations

import heapq
import math
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from sim.archive import Archive
from sim.clock import Calendar
from sim.decisions import Strategy
from sim.entities import ORDER_FIELDS, Order
from sim.events import EventBus
from sim.exceptions import EXCEPTION_FIELDS, EXCEPTION_TYPES
from sim.ledger import MoneyLedger
from sim.market_view import MarketView
from sim.recording.decision_log import DecisionLog
from sim.seller_network import Application, Listing
from sim.seller_performance import Performance
from sim.streams import Streams
from sim.world import World
from sim.world_facts import WorldFacts
from sim.world_parts import Staff


@dataclass
class DayCounters:
    """Counts reset every simulated day, written to the daily series."""

    visits: int = 0
    orders: int = 0
    visits_no_stock: int = 0
    visits_left: int = 0
    deliveries: int = 0
    cancellations: int = 0
    visits_unlisted: int = 0  # visits to an applicant's listing that is not live
    exceptions_raised: int = 0
    exceptions_resolved: int = 0


@dataclass
class Stock:
    """Units per (offer, warehouse) at `offer * n_warehouses + warehouse`: on the shelf and on
    order from the seller; per offer, the units not yet promised to an order; and the units on
    all shelves (kept as shelves change, so the daily row never sums millions of shelves)."""

    on_hand: array  # of C ints: 4 bytes a shelf (a year's world has millions of shelves)
    on_order: array
    available: array  # of C ints
    total: int = 0


@dataclass
class Prices:
    """Listed prices per offer, today's competitor feed per SKU, and the offers whose proposed
    price is waiting in a price exception. Prices are C doubles (`array`) with a numpy view
    each: one price is a fast scalar read, a day's whole catalogue is one numpy assignment."""

    listed: array
    competitor: array  # today's, overwritten in place each midnight
    feed: Iterator[np.ndarray]  # the competitor feed's days to come
    feed_day: int = 0  # how many times the feed has moved on (views of it can tell it changed)
    open_exception: set = field(default_factory=set)
    promo_today: bool = False  # today is a promotion day (commission at the promotional rate)

    @classmethod
    def create(cls, world: World) -> Prices:
        feed = world.competitor_feed.days()
        return cls(_doubles(world.offer_price), _doubles(next(feed)), feed)

    @property
    def listed_np(self) -> np.ndarray:
        """The listed prices as a numpy view (writes go to `listed`)."""
        return np.frombuffer(self.listed, dtype=np.float64)

    @property
    def competitor_np(self) -> np.ndarray:
        return np.frombuffer(self.competitor, dtype=np.float64)

    def next_day(self) -> None:
        """Midnight: the feed's next day (the last day stays after the feed ends)."""
        today = next(self.feed, None)
        if today is not None:
            self.competitor_np[:] = today
            self.feed_day += 1


def _doubles(values: np.ndarray) -> array:
    return array("d", np.asarray(values, dtype=np.float64).tobytes())


@dataclass
class Watches:
    """Orders to look at again later: a heap of (due_h, order_id, kind, order) for promises
    passing and loss checks, and delivered orders whose seller payout is not yet due."""

    lost_detect_h: float  # a silent parcel is declared lost this long after it is due
    promises: list = field(default_factory=list)
    payouts: list[Order] = field(default_factory=list)

    def promise(self, order: Order) -> None:
        """Look at this order again when its promise passes."""
        heapq.heappush(self.promises, (order.promise_h, order.order_id, 0, order))

    def lost(self, order: Order, since_h: float) -> None:
        """Declare this silent parcel lost `lost_detect_h` after `since_h` unless it is done."""
        heapq.heappush(self.promises, (since_h + self.lost_detect_h, order.order_id, 1, order))


@dataclass
class Catalogue:
    """Per offer: live (shown to buyers), the commission rate of the category it is listed
    under, and the utility a wrong category costs it. Founding offers are live from the start;
    applicants' offers go live when their seller is approved and they are mapped."""

    live: array  # of flags (1: shown to buyers)
    commission: np.ndarray  # the rate of each offer's label (what an order is charged)
    penalty: list[float]
    opens_h: list[float]  # per dark offer (from first_new_offer): when buyers start coming

    @classmethod
    def create(cls, world: World) -> Catalogue:
        n, first = world.n_offers, world.first_new_offer
        live = array("b", [1] * n if first < 0 else [1] * first + [0] * (n - first))
        dark = 0 if first < 0 else n - first
        commission = world.commission_rate[world.sku_category[world.offer_sku]].astype(float)
        if dark:  # not labelled yet: a placeholder no order is charged (the truth is hidden)
            commission[first:] = float(np.mean(world.commission_rate))
        return cls(live, commission, [0.0] * n, [math.inf] * dark)


@dataclass
class SellerBook:
    """Per seller: how it really works in this run (hidden: founding sellers as the scenario
    says, an admitted bad actor as the scenario's bad-actor settings say), and where it stands
    with the operator (selling, suspended, under review, warned)."""

    reliability: list[float]
    delay_mean_h: list[float]
    return_rate: list[float]  # -1: the scenario's return rates; else this rate (counterfeits)
    bad: list[bool]  # hidden: a bad actor that has not reformed
    never_ship: list[float]  # hidden: share of its orders it never ships
    review_drop: list[float]  # hidden: stars its goods lose (counterfeits)
    since_h: list[float]  # when it started selling (founding sellers: -inf; inf: not yet)
    selling: set[int] = field(default_factory=set)  # approved and not suspended
    suspended: set[int] = field(default_factory=set)
    under_review: set[int] = field(default_factory=set)  # payouts held while people look
    warnings: list[int] = field(default_factory=list)
    hidden: dict[int, list[int]] = field(default_factory=dict)  # a suspended seller's listings
    owed: list[float] = field(default_factory=list)  # chargebacks to claw back from payouts
    cap: dict[int, int] = field(default_factory=dict)  # on probation: orders a day it may take
    sold_today: dict[int, int] = field(default_factory=dict)  # on probation: orders today
    capped: set[int] = field(default_factory=set)  # reached its cap: hidden until midnight
    owing_exception: set[int] = field(default_factory=set)  # a negative balance is with people

    @classmethod
    def create(cls, world: World) -> SellerBook:
        n = len(world.sellers)
        first = world.first_new_seller if world.first_new_seller >= 0 else n
        since = [-math.inf] * first + [math.inf] * (n - first)
        return cls(
            [s.profile.reliability for s in world.sellers],
            [s.profile.delay_mean_h for s in world.sellers],
            [-1.0] * n,
            [s.profile.bad_actor for s in world.sellers],
            [0.0] * n,
            [0.0] * n,
            since,
            set(range(first)),
            set(),
            set(),
            [0] * n,
            {},
            [0.0] * n,
        )

    def held(self, seller: int) -> bool:
        """Its payouts wait: suspended or under review."""
        return seller in self.suspended or seller in self.under_review


@dataclass
class ReviewDesk:
    """One team's desk: its name, its people (the scenario's `reviewers` for the main team, or
    one of its `teams`), the exception types it works, its queue (by priority, then deadline)
    and how many of its human exceptions are open."""

    name: str
    team: Staff
    types: frozenset[str]
    queue: simpy.PriorityStore
    human_open: int = 0


@dataclass
class Desks:
    """Exceptions waiting for people: one desk per review team, and which desk each exception
    type goes to."""

    desks: list[ReviewDesk]
    desk_of: dict[str, ReviewDesk]

    @classmethod
    def create(cls, env, world: World) -> Desks:
        desks = [
            ReviewDesk(name, team, types, simpy.PriorityStore(env))
            for name, team, types in world.reviewers.desks(EXCEPTION_TYPES)
        ]
        return cls(desks, {typ: d for d in desks for typ in d.types})

    @property
    def human_open(self) -> int:
        return sum(d.human_open for d in self.desks)

    @property
    def headcount(self) -> int:
        return sum(d.team.headcount for d in self.desks)


@dataclass
class Records:
    """What the run leaves behind: orders and exceptions (objects while the world refers to
    them, typed columns after), the money ledger, daily rows and shifts."""

    orders: Archive = field(default_factory=lambda: Archive("order_id", ORDER_FIELDS))
    exceptions: Archive = field(default_factory=lambda: Archive("exc_id", EXCEPTION_FIELDS))
    money: MoneyLedger = field(default_factory=MoneyLedger)
    daily_rows: list[dict] = field(default_factory=list)
    shift_rows: list[dict] = field(default_factory=list)
    day: DayCounters = field(default_factory=DayCounters)
    applications: list[Application] = field(default_factory=list)
    listings: list[Listing] = field(default_factory=list)
    seller_actions: list[dict] = field(default_factory=list)  # governance, one row per action
    suspensions: list[dict] = field(default_factory=list)  # one row per suspension
    decisions: DecisionLog | None = None  # every decision and why; only when asked (explain)


@dataclass
class State:
    """Everything a run changes, and the fixed things every process needs beside it."""

    env: simpy.Environment
    world: World
    strategy: Strategy
    streams: Streams
    calendar: Calendar
    lookup: WorldFacts
    bus: EventBus
    stock: Stock
    prices: Prices
    watches: Watches
    desk: Desks
    catalogue: Catalogue
    sellers: SellerBook
    perf: Performance
    records: Records = field(default_factory=Records)
    market: MarketView | None = None
    # The queues between purchase and carrier, each defined beside the process that drains it
    # and made by `sim.engine.build` (sim/processes/ imports this module, so their types are not
    # named here): `routing`, a `route_orders.RoutingQueue`; `pick_queues`, a
    # `pick_and_pack.PickQueue` per warehouse; `pickup`, the carriers' daily collection
    # (`carry_parcel.Pickup`: parcels packed and waiting, and each carrier's load).
    routing: Any = None
    pick_queues: list = field(default_factory=list)
    pickup: Any = None

    @classmethod
    def create(cls, env, world: World, strategy: Strategy, streams: Streams) -> State:
        shelves = world.stock_initial.astype(np.int32)  # a copy: the world's plan stays as is
        if world.first_new_offer >= 0:  # applicants bring their stock when they go live
            shelves[world.first_new_offer :] = 0
        on_hand = array("i", shelves.ravel().tobytes())
        lookup = WorldFacts(world)
        bus = EventBus(env, world.feeds.lag_h)
        s = cls(
            env,
            world,
            strategy,
            streams,
            Calendar(world.start_date, world.promo_dates),
            lookup,
            bus,
            Stock(
                on_hand,
                array("i", bytes(4 * len(on_hand))),
                array("i", shelves.sum(axis=1).astype(np.int32).tobytes()),
                int(shelves.sum()),
            ),
            Prices.create(world),
            Watches(world.risk.lost_detect_h),
            Desks.create(env, world),
            Catalogue.create(world),
            SellerBook.create(world),
            Performance(len(world.sellers), bus),
        )
        s.prices.promo_today = s.calendar.is_promo(0)
        s.market = MarketView(world, s)
        return s
