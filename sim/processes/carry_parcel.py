"""Carriers: collect parcels at the cut-off within their daily capacity, carry them with a
lane transit time (contract x hidden performance x the order's own luck), lose a few, deliver
the rest; delivery triggers commission, SLA credits, the review and maybe a return."""

from __future__ import annotations

import math
from statistics import NormalDist

from sim.clock import call_later, day_of
from sim.entities import NAN, Order
from sim.events import PARCEL_DELIVERED, ParcelEvent
from sim.lifecycle import DELIVERED, SHIPPED, set_status
from sim.processes.reconcile import INVOICE, check_line, claw_back
from sim.processes.return_order import maybe_return, request_return
from sim.seller_performance import DEFECTS, LATE
from sim.seller_performance import SHIPPED as SHIPPED_KIND
from sim.state import State
from sim.world_parts import ReviewSpec

_NORMAL = NormalDist()
_REVIEWS = ReviewSpec()  # the defaults
NEGATIVE_REVIEW = 2.0  # stars at or below: an order defect


class Pickup:
    """The carriers' daily pick-up (`state.pickup`), which `hand_over` works at each warehouse's
    cut-off: per warehouse, the parcels packed and waiting for it (`outbound`, in packing order;
    the warehouse's process adds them); per carrier, the parcels assigned to it and not yet
    collected (`pending`: its load, as the operator sees it), and what it has collected today
    (`used`, and `lane_used` on disrupted lanes, for the day `day`)."""

    __slots__ = ("outbound", "pending", "day", "used", "lane_used")

    def __init__(self, n_warehouses: int, n_carriers: int) -> None:
        self.outbound: list[list[Order]] = [[] for _ in range(n_warehouses)]
        self.pending = [0] * n_carriers
        self.day = -1
        self.used: list[int] = []
        self.lane_used: dict = {}


def hand_over(state: State, warehouse: int) -> None:
    """The daily pick-up: parcels go in packing order until their carrier's capacity is used;
    the rest wait at the warehouse for tomorrow."""
    today = day_of(state.env.now)
    pickup = state.pickup
    if pickup.day != today:
        pickup.day = today
        pickup.used = [0] * len(state.world.carriers)
        pickup.lane_used = {}
    waiting = []
    disrupted = state.world.disruptions
    used, lane_used = pickup.used, pickup.lane_used
    outbound = pickup.outbound[warehouse]
    for order in outbound:
        c = order.carrier
        cap = state.world.carriers[c].daily_capacity
        if used[c] >= cap:
            waiting.append(order)
            continue
        i = _disruption(disrupted, c, order.region, state.env.now) if disrupted else None
        d = None if i is None else disrupted[i]
        if d is not None:
            key = (c, i)
            if lane_used.get(key, 0) >= d.capacity_factor * cap:
                waiting.append(order)
                continue
            lane_used[key] = lane_used.get(key, 0) + 1
        used[c] += 1
        _ship(state, order, d)
    outbound[:] = waiting  # in place: the warehouse process holds this list


def _disruption(disruptions, carrier: int, region: int, t_h: float) -> int | None:
    """The index of the first disruption the parcel is caught in, if any."""
    for i, d in enumerate(disruptions):
        if d.hits(carrier, region, t_h):
            return i
    return None


def _ship(state: State, order: Order, disruption=None) -> None:
    w, now, money, look = state.world, state.env.now, state.records.money, state.lookup
    spec = w.carriers[order.carrier]
    origin = look.warehouse_region[order.warehouse]
    order.handed_h = now
    set_status(order, SHIPPED)
    state.pickup.pending[order.carrier] -= 1
    oid, seller = order.order_id, order.seller
    state.perf.count(now, SHIPPED_KIND, seller, oid)
    if now > order.ship_by_h and order.seller_held:  # late through the seller's own delay
        state.perf.count(now, LATE, seller, oid)
    money.move(now, order.shipping_fee, "operator", "escrow", "shipping_fee", oid, seller)
    charge = look.lane_cost[order.carrier][origin][order.region]
    money.move(now, charge, "carriers", "operator", "carrier_charge", oid, seller)
    check_line(state, order, charge, order.draw.invoice_u, INVOICE)
    money.move(now, order.unit_cost, "suppliers", "sellers", "cogs", oid, seller)
    draw = order.draw
    if draw.loss_u < spec.loss_rate:
        order.lost = True  # nobody knows yet: the parcel simply never arrives
        if now >= order.promise_h:  # the promise watch has passed already: watch from now
            state.watches.lost(order, now)
        return
    nominal = look.lane_nominal_h[order.carrier][origin][order.region]
    transit = nominal * math.exp(spec.transit_bias + spec.transit_sigma * draw.transit_z)
    if disruption is not None:
        transit *= disruption.transit_factor
    if w.region_transit_factor is not None:  # slower (or faster) to some regions than contracted
        transit *= w.region_transit_factor[order.region]
    call_later(state.env, transit, deliver, state, order)


def deliver(state: State, order: Order) -> None:
    now, money = state.env.now, state.records.money
    order.delivered_h = now
    set_status(order, DELIVERED)
    state.records.day.deliveries += 1
    if state.bus.wants(PARCEL_DELIVERED):
        state.bus.publish(PARCEL_DELIVERED, parcel_event(state, order))
    oid, seller = order.order_id, order.seller
    money.move(
        now, order.price * order.commission_rate, "operator", "escrow", "commission", oid, seller
    )
    late_days = max(0.0, (now - order.promise_h) / 24.0)
    if late_days > 0.0:
        credit = order.price * state.world.money.sla_credit_pct
        money.move(now, credit, "customers", "operator", "sla_credit", oid, seller)
    order.review_score = review_score(order.draw.review_u, late_days, state.world.reviews)
    drop = state.sellers.review_drop[seller]  # counterfeit goods
    if drop > 0.0:
        order.review_score = max(1.0, order.review_score - drop)
    if order.review_score <= NEGATIVE_REVIEW:  # a defect, once the review lands
        call_later(
            state.env,
            state.world.governance.review_lag_h,
            state.perf.count,
            now + state.world.governance.review_lag_h,
            DEFECTS,
            seller,
            oid,
        )
    state.watches.payouts.append(order)
    if order.fraud:
        call_later(state.env, state.world.money.chargeback_delay_h, _chargeback, state, order)
    spec = state.world.carriers[order.carrier]
    damaged = (
        order.draw.loss_u < spec.loss_rate + spec.damage_rate
    )  # not lost: checked at hand-over
    if damaged and not order.fraud:  # a fraudster keeps whatever arrives
        order.review_score = 1.0
        request_return(state, order, "damaged_in_transit")
    else:
        maybe_return(state, order, late_days > 0.0)


def parcel_event(state: State, order: Order) -> ParcelEvent:
    origin = state.lookup.warehouse_region[order.warehouse] if order.warehouse >= 0 else -1
    nominal = (
        state.lookup.lane_nominal_h[order.carrier][origin][order.region] if origin >= 0 else NAN
    )
    return ParcelEvent(
        state.env.now,
        order.order_id,
        order.seller,
        order.placed_h,
        order.carrier,
        origin,
        order.region,
        order.handed_h,
        nominal,
        order.promise_h,
    )


def review_score(u: float, late_days: float, spec: ReviewSpec = _REVIEWS) -> float:
    """1..5 stars: most on-time orders get 4-5; every day late pulls the score down."""
    u = min(max(u, 1e-9), 1 - 1e-9)
    mean = spec.on_time_mean
    if late_days > 0:
        mean -= min(spec.max_drop, spec.late_drop + spec.late_drop_per_day * late_days)
    return float(min(5, max(1, round(mean + spec.sd * _NORMAL.inv_cdf(u)))))


def _chargeback(state: State, order: Order) -> None:
    """The real card holder disputes a fraudulent payment; the operator guarantees the seller.
    A payment the system released from a hold unchecked is a wrong automatic decision."""
    kind = "chargeback_auto_release" if order.auto_released else "chargeback"
    state.records.money.move(
        state.env.now,
        order.price + order.shipping_fee,
        "customers",
        "operator",
        kind,
        order.order_id,
        order.seller,
    )
    state.perf.count(state.env.now, DEFECTS, order.seller, order.order_id)
    claw_back(state, order)
