"""A visitor chooses among the SKU's offers (multinomial logit on price and promised delivery,
with an outside option), pays, and the payment check may hold the order for review."""

from __future__ import annotations

import math

from sim.clock import end_of_day
from sim.entities import Order
from sim.exceptions import ExceptionType, Handler
from sim.lifecycle import HELD, ROUTING, set_status
from sim.processes.monitor_sellers import hide_listings
from sim.recording import record_decision
from sim.seller_performance import ORDERS
from sim.state import State
from sim.steps.cancel_order import cancel_order
from sim.steps.raise_exception import raise_exception


def choose_offer(state: State, region: int, sku: int, u: float) -> tuple[int, float]:
    """The offer the visitor buys (-1: leaves) and its promised delivery time.

    Offers with no available stock, or not live, are not shown. Utility of an offer:
    attractiveness - penalty (listed under a wrong category) - price_sensitivity * ln(price incl. fee / competitor price) - delivery_sensitivity * days;
    the outside option has utility 0.
    """
    look, d = state.lookup, state.world.demand
    now = state.env.now
    comp = state.prices.competitor[sku]
    available, listed = state.stock.available, state.prices.listed
    live, penalty, fee = state.catalogue.live, state.catalogue.penalty, look.fee
    promise_hours = state.strategy.promise.promise_hours
    attract, price_s, delivery_s = d.attractiveness, d.price_sensitivity, d.delivery_sensitivity
    log, exp = math.log, math.exp
    offers, weights, promises = [], [], []
    for o in look.sku_offers[sku]:  # this loop runs for every visit: names bound above
        if available[o] <= 0 or not live[o]:
            continue
        promise = end_of_day(now + promise_hours(o, region))
        total = listed[o] + fee[o][region]
        util = (
            attract - penalty[o] - price_s * log(total / comp) - delivery_s * (promise - now) / 24.0
        )
        offers.append(o)
        weights.append(exp(util))
        promises.append(promise)
    if not offers:
        state.records.day.visits_no_stock += 1
        return -1, 0.0
    target = u * (1.0 + sum(weights))
    acc = 0.0
    for o, wgt, promise in zip(offers, weights, promises, strict=True):
        acc += wgt
        if target < acc:
            return o, promise
    state.records.day.visits_left += 1
    return -1, 0.0


def place_order(
    state: State, region: int, sku: int, choice_u: float, draws, i: int
) -> Order | None:
    """One visit: choose, reserve a unit, take the payment, run the payment check.

    `draws.take(i)` is this visit's exogenous luck, materialised only if it buys."""
    state.records.day.visits += 1
    offer, promise_h = choose_offer(state, region, sku, choice_u)
    if offer < 0:
        return None
    return book_order(state, region, sku, offer, promise_h, draws.take(i))


def count_probation(state: State, seller: int) -> None:
    """A seller on probation that reaches its daily cap is hidden until midnight."""
    book = state.sellers
    cap = book.cap.get(seller)
    if cap is None:
        return
    sold = book.sold_today.get(seller, 0) + 1
    book.sold_today[seller] = sold
    if sold >= cap and seller not in book.capped:
        book.capped.add(seller)
        hide_listings(state, seller)


def commission_rate(state: State, offer: int) -> float:
    """The rate of the category the offer is listed under, less the promotional cut today."""
    rate = float(state.catalogue.commission[offer])
    if state.prices.promo_today:
        rate = max(0.0, rate - state.world.promo_commission_cut)
    return rate


def book_order(state: State, region: int, sku: int, offer: int, promise_h: float, draw) -> Order:
    """An order for `offer`: reserve a unit, take the payment, run the payment check."""
    look, now = state.lookup, state.env.now
    seller = look.offer_seller[offer]
    order = Order(
        state.records.orders.next_id(),
        now,
        region,
        sku,
        offer,
        seller,
        look.offer_category[offer],
        state.prices.listed[offer],
        look.fee[offer][region],
        look.offer_cost[offer],
        commission_rate(state, offer),
        promise_h,
        now + look.seller_handling_h[seller],
        draw.fraud,
        draw,
    )
    state.records.orders.add(order)
    if state.records.decisions is not None:
        record_decision.promise(state, state.records.decisions, order)
    state.records.day.orders += 1
    state.perf.count(now, ORDERS, seller, order.order_id)
    if state.sellers.cap:
        count_probation(state, seller)
    state.stock.available[offer] -= 1
    state.records.money.move(
        now,
        order.price + order.shipping_fee,
        "escrow",
        "customers",
        "customer_payment",
        order.order_id,
        seller,
    )
    if state.strategy.uses_platform:  # the orchestration platform's fee, priced by the scenario
        state.records.money.move(
            now,
            state.world.money.platform_fee_per_order,
            "platform",
            "operator",
            "platform_fee",
            order.order_id,
            seller,
        )
    state.watches.promise(order)
    if draw.fraud_score > state.world.risk.hold_threshold:
        order.fraud_flagged = True
        set_status(order, HELD)
        raise_exception(
            state,
            ExceptionType.PAYMENT_HELD,
            "risk_score",
            "order",
            order,
            on_resolved=lambda rec: _payment_reviewed(state, order, rec),
        )
    else:
        set_status(order, ROUTING)
        state.routing.add(order)
    return order


def _payment_reviewed(state: State, order: Order, rec) -> None:
    """A held payment resolved: a reviewer rejects (cancel and refund) or releases it, with the
    verdict drawn with the visit; the system (`auto`) releases it unchecked."""
    rv = state.world.reviewers
    if rec.handler == Handler.AUTO:
        reject = False  # no human judgement: the hold is simply released
        order.auto_released = True
    else:
        rate = rv.fraud_detection if order.fraud else rv.false_rejection
        reject = order.draw.payment_catch_u < rate
    if reject:
        rec.outcome = "rejected"
        cancel_order(state, order, "fraud_rejected")
    else:
        rec.outcome = "released"
        set_status(order, ROUTING)
        state.routing.add(order)
