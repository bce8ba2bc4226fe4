"""The service's side of the protocol: one session per simulated run, holding that run's policies
(fresh ones, as in-process: a policy may learn during a run) and the market view they read.
`DecisionService.handle` turns a request body into a response body and a status, with no web
framework in sight, so it is tested and timed on its own."""

from __future__ import annotations

import math
import secrets
from collections import OrderedDict
from collections.abc import Callable

import numpy as np
import orjson

from mptwin.decision_service.market import NotCarried, ServedMarket
from strategies.remote.codec import events_in_order, from_wire, to_wire
from strategies.remote.protocol import (
    CALLS,
    POINTS,
    VERSION,
    Attach,
    Attached,
    Opened,
    PriceAnswer,
    PromiseTable,
    RouteAnswer,
    Terms,
)

SCHEDULES = {
    "routing": ("batch_minutes", "decision_latency_minutes"),
    "pricing": ("period_h", "first_at_h"),
}


class Refused(Exception):
    """A request the service cannot answer, with the HTTP status that says why."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class Session:
    def __init__(self, terms: Terms, build: Callable[[str], object]):
        self.market = ServedMarket(terms)
        self.build = build
        self.policies: dict[str, object] = {}
        self.binding = True

    def attach(self, call: Attach) -> Attached:
        if call.point not in POINTS:
            raise Refused(400, f"unknown decision point {call.point!r}; known: {list(POINTS)}")
        if call.point in self.policies:
            raise Refused(409, f"{call.point} is attached already in this session")
        m = self.market
        m.set_facts(call.facts)
        for topic, event in events_in_order(call.events):
            m.deliver(topic, event)
        policy = self.build(call.point)
        bind = getattr(policy, "bind", None)
        if bind is not None:
            bind(m)
        self.policies[call.point] = policy
        schedule = {k: float(getattr(policy, k)) for k in SCHEDULES.get(call.point, ())}
        table = promise_table(policy, m) if call.point == "promise" else None
        return Attached(topics=m.topics, schedule=schedule, promise=table)

    def begin(self, call, point: str):
        """The policy for `point`, after the call's facts and events reached the market."""
        policy = self.policies.get(point)
        if policy is None:
            raise Refused(409, f"{point} is not attached in this session")
        m = self.market
        if self.binding:
            m.bound()
            self.binding = False
        m.set_facts(call.facts)
        for topic, event in events_in_order(call.events):
            m.deliver(topic, event)
        return policy

    def route(self, call) -> RouteAnswer:
        policy = self.begin(call, "routing")
        self.market.set_stock(call.stock)
        return RouteAnswer(list(policy.route(call.orders, self.market)))

    def promise(self, call) -> PromiseTable:
        return promise_table(self.begin(call, "promise"), self.market)

    def price(self, call) -> PriceAnswer:
        policy = self.begin(call, "pricing")
        if call.competitor is not None:
            self.market.set_competitor(call.competitor)
        update = policy.reprice(self.market)
        return PriceAnswer(
            np.asarray(update.offers, dtype=np.int64).tolist(),
            np.asarray(update.prices, dtype=float).tolist(),
        )

    def triage(self, call):
        return self.begin(call, "exceptions").triage(call.exception, self.market)


def promise_table(policy, market: ServedMarket) -> PromiseTable:
    """The policy's promise per seller and customer region (asked of each seller's first
    offer: the protocol's promise depends on the seller, not the offer), and until when it
    holds: the policy's `valid_until_h` if it has one, else for the whole run."""
    first: dict[int, int] = {}
    for offer, seller in enumerate(market.offer_seller.tolist()):
        first.setdefault(seller, offer)
    hours = [
        [policy.promise_hours(first[s], r) for r in range(market.n_regions)] if s in first else []
        for s in range(len(market.sellers))
    ]
    until = getattr(policy, "valid_until_h", None)
    return PromiseTable(hours, until if until is not None and math.isfinite(until) else None)


class DecisionService:
    """Sessions by id (the oldest closed beyond `max_sessions`), and one entry point."""

    def __init__(self, build: Callable[[str], object], max_sessions: int = 64):
        self.build = build
        self.max_sessions = max_sessions
        self.sessions: OrderedDict[str, Session] = OrderedDict()

    def handle(self, kind: str, body: bytes) -> tuple[int, bytes]:
        """(HTTP status, JSON body) for a request of `kind` (route, promise, price, triage,
        open, attach)."""
        try:
            answer = self._answer(kind, body)
            return 200, orjson.dumps(to_wire(answer))
        except Refused as e:
            return e.status, _problem(str(e))
        except NotCarried as e:
            return 422, _problem(str(e))
        except Exception as e:  # noqa: BLE001 - a policy's failure is the caller's to see
            return 500, _problem(f"{type(e).__name__}: {e}")

    def _answer(self, kind: str, body: bytes):
        if kind not in CALLS:
            raise Refused(404, f"unknown call {kind!r}; known: {sorted(CALLS)}")
        try:
            call = from_wire(CALLS[kind][0], orjson.loads(body))
        except ValueError as e:
            raise Refused(400, f"bad {kind} request: {e}") from None
        if kind == "open":
            return self.open(call)
        session = self.sessions.get(call.session)
        if session is None:
            raise Refused(404, f"unknown session {call.session!r} (the service restarted?)")
        return getattr(session, kind)(call)

    def open(self, terms: Terms) -> Opened:
        if terms.version != VERSION:
            raise Refused(400, f"protocol version {terms.version} is not {VERSION}")
        sid = secrets.token_hex(8)
        self.sessions[sid] = Session(terms, self.build)
        while len(self.sessions) > self.max_sessions:
            self.sessions.popitem(last=False)
        return Opened(VERSION, sid)


def _problem(message: str) -> bytes:
    return orjson.dumps({"error": message})
