"""Policies that forward each decision to an external decision service (software in the loop)
and apply its answer, after checking it. Each has a `fallback` policy (any policy of the same
decision point) for a service that is slow, down or answers nonsense; every fallback decision
is logged with its reason and counted in the KPIs (`decision_fallbacks`).

The service owns its policies, including how often it wants to be asked: at bind the service
tells the twin its routing batch interval and answer latency, and its repricing schedule; the
values here are used only when the service cannot be reached at bind. A point the service
could not be reached for is attached later, when the service answers (tried every
`retry_after_h`), and keeps the schedule the run started with: the world's clocks are running.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from sim.config_bounds import between, check_config, nonneg, positive
from sim.decisions import PriceUpdate, RoutingDecision, RoutingRequest, Triage
from sim.market_view import MarketView
from strategies.remote.checks import check_prices, check_promise, check_route, check_triage
from strategies.remote.client import ServiceClient
from strategies.remote.codec import to_table, to_wire
from strategies.remote.protocol import PriceAnswer, PromiseTable, RouteAnswer


@dataclass(eq=False)
class RemotePolicy:
    """What every forwarding policy holds: where the service is, how long to wait, when to try
    again after it failed, and the policy that answers meanwhile."""

    url: str = "http://127.0.0.1:8765"
    timeout_ms: float = field(default=1000.0, metadata=positive)
    retry_after_h: float = field(default=1.0, metadata=positive)  # simulated hours
    max_failures: int = field(default=3, metadata={"ge": 1})  # in a row, before waiting
    required: bool = False  # a call without a usable answer stops the run (CI: no fallbacks)
    fallback: Any = None  # a policy of the same decision point (built from its config)

    POINT: ClassVar[str] = ""
    SCHEDULE: ClassVar[tuple[str, ...]] = ()  # the attributes the world reads to know when to ask

    def _connect(self, market: MarketView):
        """Bind the fallback, open (or share) the run's session and attach this point."""
        if self.fallback is None:
            raise ValueError(f"strategy.{self.POINT}.fallback: a forwarding policy needs one")
        bind = getattr(self.fallback, "bind", None)
        if bind is not None:
            bind(market)
        self.client = ServiceClient.of(
            market, self.url, self.timeout_ms, self.retry_after_h, self.max_failures, self.required
        )
        return self._attach(market, late=False)

    def _attach(self, market: MarketView, late: bool):
        """Attach this point (at bind, or `late` once the service answers). A service that
        could not be reached is tried again (`retrying`); one that refused is not. Late, the
        schedule the world already runs on stays."""
        attached = self.client.attach(self.POINT, market)
        if attached is not None and not late and not self._adopt(attached.schedule, market):
            attached = None
        self.attached = attached is not None
        self.retrying = attached is None and self.client.reachable is False
        return attached

    def _adopt(self, schedule: dict, market: MarketView) -> bool:
        """Take the service's schedule for this point (how often the world asks), checked with
        the policy's own bounds; one out of bounds (a batch every 0 minutes) leaves the
        config's schedule and the fallback for the whole run."""
        missing = [k for k in self.SCHEDULE if k not in schedule]
        before = {k: getattr(self, k) for k in self.SCHEDULE}
        try:
            if missing:
                raise ValueError(f"the service's schedule lacks {missing}")
            for key in self.SCHEDULE:
                setattr(self, key, float(schedule[key]))
            check_config(self, f"strategy.{self.POINT}")
            return True
        except ValueError as e:  # ConfigError is one
            for key, value in before.items():
                setattr(self, key, value)
            self.client.log(market.now(), self.POINT, 0, math.nan, "invalid", str(e), 0)
            return False

    def ask(self, kind: str, body: dict, market: MarketView, n: int, answer_cls, check):
        """The service's checked answer for `n` decisions, or None (logged: the fallback
        decides). A point not attached because the service could not be reached is attached
        when it is time to try again; one the service refused is never asked."""
        now = market.now()
        if not self.attached and self.retrying and now >= self.client.closed_until_h:
            self._attach(market, late=True)
        if self.attached:
            return self.client.call(kind, body, market, self.POINT, n, answer_cls, check)
        if not (self.retrying and self.client.waiting(now, self.POINT, n)):
            why = (
                "the service could not be reached at bind; trying again"
                if self.retrying
                else "the service did not attach this decision point at bind"
            )
            self.client.log(now, self.POINT, n, math.nan, "not_attached", why, n)
        return None

    def service_calls(self) -> dict[str, list]:
        """The run's log of calls to the service (shared by the policies of one session)."""
        return self.client.log_cols


@dataclass(eq=False)
class RemoteRouting(RemotePolicy):
    """Routing batches answered by the service; `charge_latency` adds the service's measured
    answer time (wall clock, so runs then no longer repeat exactly) to the decision latency."""

    batch_minutes: float = field(default=30.0, metadata=positive)
    decision_latency_minutes: float = field(default=0.0, metadata=nonneg)
    charge_latency: bool = False

    POINT = "routing"
    SCHEDULE = ("batch_minutes", "decision_latency_minutes")

    def bind(self, market: MarketView) -> None:
        self._connect(market)
        self._base_latency = self.decision_latency_minutes
        self._n = (market.n_warehouses, len(market.carriers))

    def route(self, batch: list[RoutingRequest], market: MarketView) -> list[RoutingDecision]:
        offers = list(dict.fromkeys(r.offer for r in batch))
        on_hand, stocked_at = market.on_hand, market.stocked_at
        body = {
            "orders": to_table(batch, RoutingRequest),
            "stock": {
                "offer": offers,
                "on_hand": [[on_hand(o, w) for w in stocked_at[o]] for o in offers],
            },
        }
        answer = self.ask(
            "route",
            body,
            market,
            len(batch),
            RouteAnswer,
            lambda a: check_route(batch, a.decisions, *self._n),
        )
        if answer is None:
            return self.fallback.route(batch, market)
        if self.charge_latency:
            self.decision_latency_minutes = self._base_latency + self.client.last_latency_ms / 6e4
        return answer.decisions


@dataclass(eq=False)
class RemotePromise(RemotePolicy):
    """Promises looked up in a table the service sends per seller and customer region, asked
    for again when the service says it expires (checkouts are far too many to forward one by
    one). Without a usable table the fallback promises until `retry_after_h` has passed."""

    POINT = "promise"

    def bind(self, market: MarketView) -> None:
        attached = self._connect(market)
        self.market = market
        self._offer_seller = market.offer_seller.tolist()
        has_offers = [False] * len(market.sellers)
        for s in self._offer_seller:
            has_offers[s] = True
        self._has_offers, self._n_regions = has_offers, market.n_regions
        self._hours: list[list[float]] | None = None
        self._until = market.now() + self.retry_after_h  # without a table: ask again then
        if attached is None:
            return
        table = attached.promise
        problem = "no promise table" if table is None else self._problem(table)
        if problem:
            self.client.log(market.now(), "promise", 1, math.nan, "invalid", problem, 1)
        else:
            self._take(table)

    def _problem(self, table: PromiseTable) -> str | None:
        return check_promise(table, self._has_offers, self._n_regions, self.market.now())

    def _take(self, table: PromiseTable) -> None:
        self._hours = table.hours
        self._until = math.inf if table.valid_until_h is None else table.valid_until_h

    def _refresh(self) -> None:
        m = self.market
        table = self.ask("promise", {}, m, 1, PromiseTable, self._problem)
        if table is None:
            self._hours, self._until = None, m.now() + self.retry_after_h
        else:
            self._take(table)

    def promise_hours(self, offer: int, region: int) -> float:
        if self.market.now() >= self._until:
            self._refresh()
        hours = self._hours
        if hours is None:
            return self.fallback.promise_hours(offer, region)
        return hours[self._offer_seller[offer]][region]


@dataclass(eq=False)
class RemotePricing(RemotePolicy):
    """Repricing answered by the service; the competitor feed travels only when it changed."""

    period_h: float = field(default=1.0, metadata=positive)
    first_at_h: float = field(default=0.0, metadata=between(0, 24))

    POINT = "pricing"
    SCHEDULE = ("period_h", "first_at_h")

    def bind(self, market: MarketView) -> None:
        self._connect(market)
        self._sent_feed = None
        self._feed_day = 0

    def reprice(self, market: MarketView) -> PriceUpdate:
        feed = market.competitor_prices()
        fresh = feed is not self._sent_feed
        body = {
            "feed_day": self._feed_day + int(fresh),
            "competitor": feed.tolist() if fresh else None,
        }
        n = market.n_offers
        answer = self.ask("price", body, market, 1, PriceAnswer, lambda a: check_prices(a, n))
        if answer is None:
            self._sent_feed = None  # send the feed again with the next call
            return self.fallback.reprice(market)
        if fresh:
            self._sent_feed, self._feed_day = feed, self._feed_day + 1
        return PriceUpdate(
            np.asarray(answer.offers, dtype=np.int64), np.asarray(answer.prices, dtype=float)
        )


@dataclass(eq=False)
class RemoteTriage(RemotePolicy):
    """Exception triage answered by the service, one exception per call."""

    POINT = "exceptions"

    def bind(self, market: MarketView) -> None:
        self._connect(market)

    def triage(self, event, market: MarketView) -> Triage:
        answer = self.ask("triage", {"exception": to_wire(event)}, market, 1, Triage, check_triage)
        return self.fallback.triage(event, market) if answer is None else answer
