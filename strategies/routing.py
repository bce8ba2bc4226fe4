"""Routing policies: which warehouse ships an order and with which carrier."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sim.clock import next_hour_of_day
from sim.config_bounds import nonneg, positive
from sim.decisions import DEFER, ESCALATE, RoutingDecision, RoutingRequest
from sim.market_view import MarketView, SellerTerms
from sim.recording.route_columns import RouteColumns
from strategies import explain_routing
from strategies.learned_signals import LandedCost, LaneModel
from strategies.solver import UNASSIGNED, AssignmentProblem, solve_assignment


@dataclass(eq=False)
class StaticRouting:
    """Automation-only: every order ships from its seller's default warehouse with the seller's
    contracted carrier. It reads no stock, no carrier performance: a stockout or an unserved
    region surfaces downstream as an exception for a person."""

    batch_minutes: float = field(default=30.0, metadata=positive)
    decision_latency_minutes: float = field(default=0.0, metadata=nonneg)

    def __post_init__(self) -> None:
        self._terms = ()
        self._why: dict = {}  # explaining only: options kept per (seller, region)

    def bind(self, market: MarketView) -> None:
        self._terms = market.sellers

    def route(self, batch: list[RoutingRequest], market: MarketView) -> list[RoutingDecision]:
        terms = self._terms
        if market.explaining:
            return [explain_routing.static(r, terms[r.seller], market, self._why) for r in batch]
        return [
            RoutingDecision(r.order_id, terms[r.seller].home_warehouse, terms[r.seller].carrier)
            for r in batch
        ]


@dataclass(eq=False)
class RuleRouting(StaticRouting):
    """Competent automation-only: the static rules of a good order-management system, on its
    own data. Ship from the seller's home warehouse if its shelf has the unit, else from the
    nearest other warehouse the stock plan puts the offer in that has it; with the seller's
    contracted carrier where it serves the customer's region, else that region's fallback
    carrier (the cheapest contract serving it from the shipping warehouse). It reads shelves,
    never carrier performance, loads or backlogs, and coordinates with no other decision.

    An order no shelf can serve goes to its home warehouse, and one no carrier serves to its
    contracted carrier, so the world raises the exception that says why (`stockout_at_routing`,
    `unroutable`) for the triage policy. StaticRouting's parameters and seller terms, plus
    the rules' fallbacks."""

    def bind(self, market: MarketView) -> None:
        super().bind(market)
        self._serves = [k.serves for k in market.carriers]
        self._origin = [int(x) for x in market.warehouse_region]
        self._fallback = [  # per (origin region, customer region): a carrier, or -1
            [
                min(
                    (c for c, k in enumerate(market.carriers) if r in k.serves),
                    default=-1,
                    key=lambda c, o=o, r=r: market.shipping_cost(c, o, r),
                )
                for r in range(market.n_regions)
            ]
            for o in range(market.n_regions)
        ]

    def route(self, batch: list[RoutingRequest], market: MarketView) -> list[RoutingDecision]:
        if market.explaining:
            return explain_routing.with_options(*self.route_explained(batch, market))
        return [self._one(r, market) for r in batch]

    def route_explained(
        self, batch: list[RoutingRequest], market: MarketView
    ) -> tuple[list[RoutingDecision], RouteColumns]:
        """`route`'s answers, each with the rule that gave it, and as columns what the rule
        looked at: the home shelf, and when it is empty every other shelf of the stock plan
        (its units), each with the carrier the rule would give it (`explain_routing.Ruled`)."""
        decisions, looked = [], explain_routing.Ruled.of(batch, market)
        look, on_hand, stocked_at = looked.look, market.on_hand, market.stocked_at
        for i, r in enumerate(batch):
            terms = self._terms[r.seller]
            w, c = self._choose(r, market)
            home = terms.home_warehouse
            how = 2 if c != terms.carrier else (0 if r.region in self._serves[c] else 1)
            if w == home and on_hand(r.offer, home) > 0:
                look(i, home, c, explain_routing.HAS_UNIT)
                decisions.append(RoutingDecision(r.order_id, w, c, explain_routing.RULES[(0, how)]))
                continue
            look(i, home, self._carrier(terms, home, r.region), explain_routing.EMPTY)
            for x in stocked_at[r.offer]:
                if x != home:
                    look(i, x, self._carrier(terms, x, r.region), on_hand(r.offer, x))
            where = 1 if w != home else 2
            decisions.append(RoutingDecision(r.order_id, w, c, explain_routing.RULES[(where, how)]))
        return decisions, looked

    def _one(self, r: RoutingRequest, market: MarketView) -> RoutingDecision:
        return RoutingDecision(r.order_id, *self._choose(r, market))

    def _choose(self, r: RoutingRequest, market: MarketView) -> tuple[int, int]:
        """The rule's (warehouse, carrier) for an order."""
        terms = self._terms[r.seller]
        w = terms.home_warehouse
        if market.on_hand(r.offer, w) <= 0:
            others = [
                x for x in market.stocked_at[r.offer] if x != w and market.on_hand(r.offer, x) > 0
            ]
            if others:
                w = min(others, key=lambda x: market.distance_km[self._origin[x], r.region])
        return w, self._carrier(terms, w, r.region)

    def _carrier(self, terms: SellerTerms, warehouse: int, region: int) -> int:
        """The seller's contracted carrier if it serves the region, else the fallback from the
        warehouse's region (else the contracted one: the world raises `unroutable`)."""
        c = terms.carrier
        if region not in self._serves[c]:
            c = self._fallback[self._origin[warehouse]][region]
            if c < 0:
                c = terms.carrier
        return c


_SQRT2 = math.sqrt(2.0)


@dataclass(eq=False)
class OptimisedRouting:
    """Orchestration: each batch is one optimisation over every feasible (warehouse, carrier)
    option of every waiting order, from live stock, warehouse backlogs, carrier loads and
    lane performance learned from delivery events. An option's cost is its shipping cost plus
    the expected cost of missing the promise; stock per shelf is a hard limit, what carriers
    and warehouses can take within `horizon_days` a soft one (the excess waits, at
    `overflow_penalty` each); OR-Tools behind strategies.solver. An order no option can serve
    goes to triage; one the solver leaves unassigned waits for the next batch."""

    batch_minutes: float = field(default=30.0, metadata=positive)
    decision_latency_minutes: float = field(default=0.0, metadata=nonneg)
    late_penalty: float = field(default=20.0, metadata=nonneg)  # beyond the SLA credit
    defer_penalty: float = field(default=60.0, metadata=nonneg)  # leaving an order for later
    time_limit_s: float = field(default=30.0, metadata=positive)  # per batch: a safety net
    horizon_days: float = field(default=1.0, metadata=positive)  # soft capacities look this far
    overflow_penalty: float = field(default=15.0, metadata=nonneg)  # per order over capacity

    def __post_init__(self) -> None:
        self.solves: list[tuple[int, str, float]] = []  # (batch size, method, seconds)

    def bind(self, market: MarketView) -> None:
        self.lanes = LaneModel.of(market)
        self.landed = LandedCost.of(market)
        # per (warehouse, customer region): the carriers serving it, with contract time and cost
        self._lanes_from = [
            [
                [
                    (c, market.nominal_transit_h(c, o, r), market.shipping_cost(c, o, r))
                    for c, k in enumerate(market.carriers)
                    if r in k.serves
                ]
                for r in range(market.n_regions)
            ]
            for o in (int(x) for x in market.warehouse_region)
        ]

    def route(self, batch: list[RoutingRequest], market: MarketView) -> list[RoutingDecision]:
        decisions, weighed = self._route(batch, market, market.explaining)
        return decisions if weighed is None else explain_routing.with_options(decisions, weighed)

    def route_explained(
        self, batch: list[RoutingRequest], market: MarketView
    ) -> tuple[list[RoutingDecision], RouteColumns]:
        """`route`'s answers and, as columns, every option it weighed: what the world asks
        instead of `route` when it records (an object per option would cost more)."""
        return self._route(batch, market, True)

    def _route(self, batch, market: MarketView, explain: bool):
        seen = [] if explain else None
        problem, options = self._problem(batch, market, seen)
        result = solve_assignment(problem, self.time_limit_s)
        self.solves.append((len(batch), result.method, result.solve_s))
        has_option = set(problem.option_item)
        weighed, why = None, ""  # what it weighed: only when explaining
        if seen is not None:
            weighed = explain_routing.optimised(batch, problem, seen, market, self.late_penalty)
            why = explain_routing.batch_reason(len(batch), result.method)
        decisions = []
        for i, r in enumerate(batch):
            k = result.choice[i]
            if k == UNASSIGNED:  # its reason becomes the exception's cause: kept as it is
                if i in has_option:
                    decisions.append(RoutingDecision(r.order_id, DEFER, -1, "capacity"))
                else:
                    decisions.append(
                        RoutingDecision(r.order_id, ESCALATE, -1, "no_feasible_option")
                    )
                continue
            _, w, c, ship_cost = options[k]
            self.landed.observe(r.offer, ship_cost - market.shipping_fee(r.offer, r.region))
            decisions.append(RoutingDecision(r.order_id, w, c, why))
        return decisions, weighed

    def _problem(self, batch, market: MarketView, seen: list | None = None):
        """The batch's assignment problem and its options (order, warehouse, carrier,
        shipping); with `seen`, also every option built per shelf, pruned ones included."""
        now = market.now()
        eta = [handover_eta(market, w, now) for w in range(market.n_warehouses)]
        region_of = market.warehouse_region
        # per (carrier, origin, region): ln(actual / contracted transit) ~ N(mu, sigma), as
        # (mu, sigma * sqrt 2), asked of the lane model the first time a positive window needs it
        lane_cache: dict[tuple[int, int, int], tuple[float, float]] = {}
        log_ratio, erf, log = self.lanes.log_ratio, math.erf, math.log
        lanes_from, stocked_at, on_hand = self._lanes_from, market.stocked_at, market.on_hand
        option_item, option_cost, options = [], [], []
        stock_groups: dict[tuple[int, int], list[int]] = {}
        carrier_groups: dict[int, list[int]] = {}
        warehouse_groups: dict[int, list[int]] = {}
        unassigned = []
        slack = 2.0 * self.overflow_penalty  # at most two soft groups can overflow per option
        for i, r in enumerate(batch):  # this loop runs for every option of every order
            late_cost = market.sla_credit_pct * r.price + self.late_penalty
            unassigned.append(late_cost + self.defer_penalty)
            offer, region = r.offer, r.region
            for w in stocked_at[offer]:
                if on_hand(offer, w) <= 0:
                    continue
                lanes = lanes_from[w][region]
                if not lanes:
                    continue
                origin, window = int(region_of[w]), r.promise_h - eta[w]
                here = []
                for c, nominal, ship in lanes:
                    # the probability of arriving within the window, under the lane's lognormal
                    if window <= 0:
                        p = 0.0
                    else:
                        key = (c, origin, region)
                        ms = lane_cache.get(key)
                        if ms is None:
                            mu, sigma = log_ratio(c, origin, region)
                            ms = lane_cache[key] = (mu, sigma * _SQRT2)
                        p = 0.5 * (1.0 + erf((log(window / nominal) - ms[0]) / ms[1]))
                    here.append((ship + late_cost * (1.0 - p), c, ship))
                # an option dearer than the cheapest from the same shelf by more than the
                # overflow it could save is never optimal: leave it out (exact, and smaller)
                cheapest = min(h[0] for h in here)
                if seen is not None:  # the shelf's options, and the index of its first kept
                    seen.append((i, w, here, len(option_item), cheapest + slack))
                for cost, c, ship in here:
                    if cost > cheapest + slack:
                        continue
                    k = len(option_item)
                    option_item.append(i)
                    option_cost.append(cost)
                    options.append((i, w, c, ship))
                    stock_groups.setdefault((offer, w), []).append(k)
                    carrier_groups.setdefault(c, []).append(k)
                    warehouse_groups.setdefault(w, []).append(k)
        groups = [(m, float(market.on_hand(o, w)), math.inf) for (o, w), m in stock_groups.items()]
        h, over = self.horizon_days, self.overflow_penalty  # beyond what can leave soon: waits
        for c, members in carrier_groups.items():  # what the carrier can still collect soon
            room = h * market.carriers[c].daily_capacity - market.carrier_pending(c)
            groups.append((members, float(max(0, room)), over))
        for w, members in warehouse_groups.items():  # what the warehouse can still pick soon
            start, end = market.shift_hours[w]
            room = h * market.picks_per_hour[w] * (end - start) - market.pick_backlog(w)
            groups.append((members, float(max(0, room)), over))
        return AssignmentProblem(len(batch), option_item, option_cost, unassigned, groups), options


def handover_eta(market: MarketView, warehouse: int, now: float) -> float:
    """When an order routed now would reach a carrier: its warehouse's backlog worked off at
    its pick rate within shifts, then the next daily cut-off."""
    work_h = (market.pick_backlog(warehouse) + 1) / market.picks_per_hour[warehouse]
    start, end = market.shift_hours[warehouse]
    t = now
    for _ in range(60):  # walk shift by shift; 60 days is far beyond any real backlog
        day0 = math.floor(t / 24.0) * 24.0
        a, b = max(t, day0 + start), day0 + end
        if b > a:
            if work_h <= b - a:
                t = a + work_h
                break
            work_h -= b - a
        t = day0 + 24.0
    cutoff = next_hour_of_day(t, market.cutoff_hour[warehouse])
    return cutoff
