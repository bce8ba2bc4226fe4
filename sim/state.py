"""The mutable state of a run, shared by the processes: stock, prices, queues, records.

Hot-path state is kept in plain Python lists (fast scalar access), never in pandas.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

import numpy as np
import simpy

from sim.clock import Calendar, day_of
from sim.decisions import ExceptionEvent, Strategy
from sim.entities import ExceptionRecord, Order
from sim.events import STOCK_CHANGED, EventBus, StockChanged
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
class State:
    env: simpy.Environment
    world: World
    strategy: Strategy
    streams: Streams
    calendar: Calendar
    on_hand: list[int] = field(default_factory=list)  # offer * n_warehouses + warehouse
    on_order: list[int] = field(default_factory=list)
    available: list[int] = field(default_factory=list)  # per offer: on hand minus reserved
    price: list[float] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    exceptions: list[ExceptionRecord] = field(default_factory=list)
    money: MoneyLedger = field(default_factory=MoneyLedger)
    routing_queue: list[Order] = field(default_factory=list)
    pick_queues: list[list] = field(default_factory=list)  # per warehouse heap (ready_h, id)
    outbound: list[list[Order]] = field(default_factory=list)  # per warehouse, packed
    promise_watch: list = field(default_factory=list)  # heap (promise_h, order_id)
    pending_payouts: list[Order] = field(default_factory=list)
    open_price_exception: set = field(default_factory=set)  # offers with one open
    human_open: int = 0
    carrier_day: int = -1
    carrier_used: list[int] = field(default_factory=list)
    carrier_pending: list[int] = field(default_factory=list)  # assigned, not yet collected
    lane_used: dict = field(default_factory=dict)  # today's collections on disrupted lanes
    bus: EventBus | None = None
    day: DayCounters = field(default_factory=DayCounters)
    daily_rows: list[dict] = field(default_factory=list)
    shift_rows: list[dict] = field(default_factory=list)
    market: MarketView | None = None
    lookup: Lookup | None = None
    comp_today: list[float] = field(default_factory=list)  # competitor price per SKU today
    review_queue: simpy.PriorityStore | None = None

    @classmethod
    def create(cls, env, world: World, strategy: Strategy, streams: Streams) -> State:
        s = cls(env, world, strategy, streams, Calendar(world.start_date, world.promo_dates))
        s.on_hand = world.stock_initial.astype(np.int64).ravel().tolist()
        s.on_order = [0] * len(s.on_hand)
        s.available = world.stock_initial.sum(axis=1).astype(np.int64).tolist()
        s.price = world.offer_price.astype(float).tolist()
        s.pick_queues = [[] for _ in world.warehouses]
        s.outbound = [[] for _ in world.warehouses]
        s.carrier_pending = [0] * len(world.carriers)
        s.bus = EventBus(env, world.feed_lag_h)
        s.lookup = Lookup(world)
        s.market = MarketView(world, s)
        s.comp_today = world.competitor_price[0].tolist()
        s.review_queue = simpy.PriorityStore(env)
        return s

    def competitor_price_today(self) -> np.ndarray:
        feed = self.world.competitor_price
        return feed[min(day_of(self.env.now), feed.shape[0] - 1)]

    def stock_changed(self, offer: int, warehouse: int, sold: bool) -> None:
        """Tell subscribers (if any) that a shelf changed."""
        if self.bus.wants(STOCK_CHANGED):
            on_hand = self.on_hand[offer * self.world.n_warehouses + warehouse]
            self.bus.publish(STOCK_CHANGED, StockChanged(self.env.now, offer, warehouse, on_hand,
                                                         self.available[offer], sold))  # fmt: skip

    def watch_promise(self, order: Order) -> None:
        """Look at this order again when its promise passes."""
        heapq.heappush(self.promise_watch, (order.promise_h, order.order_id, 0))

    def watch_lost(self, order: Order, since_h: float) -> None:
        """Declare this silent parcel lost `lost_detect_h` after `since_h` unless it is done."""
        heapq.heappush(
            self.promise_watch, (since_h + self.world.risk.lost_detect_h, order.order_id, 1)
        )

    def raise_exception(self, type_: str, cause: str, blocks: str, order: Order | None = None,
                        offer: int = -1, on_resolved=None) -> ExceptionRecord:  # fmt: skip
        """Record an irregularity, let the strategy triage it, and queue it for its handler.

        `on_resolved(record)` is the world's continuation: what the blocked work does once the
        exception is resolved (by a reviewer, or at once when triaged `auto`).
        """
        now = self.env.now
        order_id = order.order_id if order is not None else -1
        rec = ExceptionRecord(len(self.exceptions), type_, cause, order_id, offer, blocks, now)
        rec.on_resolved = on_resolved
        self.exceptions.append(rec)
        self.day.exceptions_raised += 1
        value = order.price if order is not None else self.lookup.offer_cost[offer]
        event = ExceptionEvent(rec.exc_id, type_, cause, order_id, offer, blocks, now, value)
        triage = self.strategy.exceptions.triage(event, self.market)
        if triage.handler not in ("human", "auto"):
            raise ValueError(f"triage handler must be 'human' or 'auto', got {triage.handler!r}")
        rec.handler, rec.priority, rec.deadline_h = (
            triage.handler,
            triage.priority,
            triage.deadline_h,
        )
        if triage.handler == "auto":
            rec.started_h = rec.resolved_h = now
            rec.outcome = "auto"
            self.day.exceptions_resolved += 1
            if on_resolved is not None:
                on_resolved(rec)
        else:
            if order is not None:
                order.human_tasks += 1
            self.human_open += 1
            self.review_queue.put(
                simpy.PriorityItem((triage.priority, triage.deadline_h, rec.exc_id), rec)
            )
        return rec
