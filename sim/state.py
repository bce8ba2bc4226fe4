"""The mutable state of a run, in parts named for what they hold, so a process says which part it
touches: `stock`, `flow` (orders between purchase and carrier), `prices`, `watches`, `desk`
(exceptions waiting for people) and `records` (what the run leaves behind).

Hot-path state is kept in plain Python lists (fast scalar access), never in pandas.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

import numpy as np
import simpy

from sim.clock import Calendar
from sim.decisions import Strategy
from sim.entities import ExceptionRecord, Order
from sim.events import EventBus
from sim.ledger import MoneyLedger
from sim.lookup import Lookup
from sim.market_view import MarketView
from sim.streams import Streams
from sim.world import World


@dataclass
class DayCounters:
    """Counts reset every simulated day, written to the daily series."""

    visits: int = 0
    orders: int = 0
    visits_no_stock: int = 0
    visits_left: int = 0
    deliveries: int = 0
    cancellations: int = 0
    exceptions_raised: int = 0
    exceptions_resolved: int = 0


@dataclass
class Stock:
    """Units per (offer, warehouse) at `offer * n_warehouses + warehouse`: on the shelf and on
    order from the seller; and per offer, the units not yet promised to an order."""

    on_hand: list[int]
    on_order: list[int]
    available: list[int]


@dataclass
class Flow:
    """Orders between purchase and carrier: waiting for routing, in each warehouse's pick queue
    (a heap of (ready_h, order_id)), packed and waiting for collection; and carrier loads."""

    routing_queue: list[Order]
    pick_queues: list[list]
    outbound: list[list[Order]]
    carrier_pending: list[int]  # assigned to each carrier, not yet collected
    carrier_day: int = -1  # the day `carrier_used` and `lane_used` count
    carrier_used: list[int] = field(default_factory=list)  # collected today, per carrier
    lane_used: dict = field(default_factory=dict)  # collected today on disrupted lanes


@dataclass
class Prices:
    """Listed prices per offer, today's competitor feed per SKU, and the offers whose proposed
    price is waiting in a price exception."""

    listed: list[float]
    competitor: list[float]  # a new list each day
    open_exception: set = field(default_factory=set)


@dataclass
class Watches:
    """Orders to look at again later: a heap of (due_h, order_id, kind) for promises passing
    and loss checks, and delivered orders whose seller payout is not yet due."""

    lost_detect_h: float  # a silent parcel is declared lost this long after it is due
    promises: list = field(default_factory=list)
    payouts: list[Order] = field(default_factory=list)

    def promise(self, order: Order) -> None:
        """Look at this order again when its promise passes."""
        heapq.heappush(self.promises, (order.promise_h, order.order_id, 0))

    def lost(self, order: Order, since_h: float) -> None:
        """Declare this silent parcel lost `lost_detect_h` after `since_h` unless it is done."""
        heapq.heappush(self.promises, (since_h + self.lost_detect_h, order.order_id, 1))


@dataclass
class ReviewDesk:
    """Exceptions waiting for a person: the reviewers' queue (by priority, then deadline) and
    how many human exceptions are open."""

    queue: simpy.PriorityStore
    human_open: int = 0


@dataclass
class Records:
    """What the run leaves behind: orders, exceptions, the money ledger, daily rows and shifts."""

    orders: list[Order] = field(default_factory=list)
    exceptions: list[ExceptionRecord] = field(default_factory=list)
    money: MoneyLedger = field(default_factory=MoneyLedger)
    daily_rows: list[dict] = field(default_factory=list)
    shift_rows: list[dict] = field(default_factory=list)
    day: DayCounters = field(default_factory=DayCounters)


@dataclass
class State:
    """Everything a run changes, and the fixed things every process needs beside it."""

    env: simpy.Environment
    world: World
    strategy: Strategy
    streams: Streams
    calendar: Calendar
    lookup: Lookup
    bus: EventBus
    stock: Stock
    flow: Flow
    prices: Prices
    watches: Watches
    desk: ReviewDesk
    records: Records = field(default_factory=Records)
    market: MarketView | None = None

    @classmethod
    def create(cls, env, world: World, strategy: Strategy, streams: Streams) -> State:
        n_carriers = len(world.carriers)
        on_hand = world.stock_initial.astype(np.int64).ravel().tolist()
        s = cls(
            env, world, strategy, streams, Calendar(world.start_date, world.promo_dates),
            Lookup(world), EventBus(env, world.feed_lag_h),
            Stock(on_hand, [0] * len(on_hand),
                  world.stock_initial.sum(axis=1).astype(np.int64).tolist()),
            Flow([], [[] for _ in world.warehouses], [[] for _ in world.warehouses],
                 [0] * n_carriers),
            Prices(world.offer_price.astype(float).tolist(), world.competitor_price[0].tolist()),
            Watches(world.risk.lost_detect_h),
            ReviewDesk(simpy.PriorityStore(env)),
        )  # fmt: skip
        s.market = MarketView(world, s)
        return s
