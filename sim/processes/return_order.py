"""Returns and refunds: some delivered orders come back (more often when late, always when
damaged); a handler approves the refund; an intact unit goes back on the shelf, a damaged one
is paid for by the carrier."""

from __future__ import annotations

from sim.clock import call_later
from sim.entities import Order
from sim.exceptions import ExceptionType, Handler
from sim.lifecycle import RETURNED, set_status
from sim.processes.replenish_stock import stock_changed
from sim.seller_performance import REFUNDS
from sim.state import State
from sim.steps.raise_exception import raise_exception

CUSTOMER_RETURN = "customer_return"  # the cause of a return the customer asked for


def maybe_return(state: State, order: Order, late: bool) -> None:
    risk = state.world.risk
    rate = risk.return_rate_late if late else risk.return_rate
    own = state.sellers.return_rate[order.seller]  # a counterfeiter's goods come back more
    if own > rate:
        rate = own
    if order.fraud or order.draw.return_u >= rate:  # a fraudster keeps the goods
        return
    after = order.draw.return_after_u * state.world.money.return_window_h
    order.return_pending = True  # holds the payout until the return is settled
    call_later(state.env, after, request_return, state, order, CUSTOMER_RETURN)


def request_return(state: State, order: Order, cause: str) -> None:
    order.return_pending = True
    raise_exception(
        state,
        ExceptionType.RETURN_REQUEST,
        cause,
        "refund",
        order,
        on_resolved=lambda rec: refund_return(state, order, rec),
    )


def refund_return(state: State, order: Order, rec) -> None:
    """Settle a return request. A reviewer catches a fraudulent customer return (an empty box,
    a worn item) at the team's rate and refuses it; the system never does. An approved refund
    gives back the item price and takes back the commission. An intact unit is restocked (its
    cost goes back to the seller); a damaged one is written off and the carrier pays its cost;
    a fraudulent one never comes back, and the operator's seller protection pays its cost."""
    if (
        _fraud(state, order, rec)
        and rec.handler == Handler.HUMAN
        and (order.draw.return_catch_u < state.world.reviewers.return_fraud_detection)
    ):
        order.return_pending = False
        rec.outcome = "rejected"
        return
    now, money = state.env.now, state.records.money
    oid, seller = order.order_id, order.seller
    money.move(
        now,
        order.price * order.commission_rate,
        "escrow",
        "operator",
        "commission_reversal",
        oid,
        seller,
    )
    money.move(now, order.price, "customers", "escrow", "refund", oid, seller)
    if rec.cause == "damaged_in_transit":
        money.move(now, order.unit_cost, "sellers", "carriers", "carrier_compensation", oid, seller)
    elif _fraud(state, order, rec):
        kind = "return_fraud_auto" if rec.handler == Handler.AUTO else "return_fraud"
        money.move(now, order.unit_cost, "sellers", "operator", kind, oid, seller)
    else:
        money.move(now, order.unit_cost, "sellers", "suppliers", "cogs_reversal", oid, seller)
        state.stock.on_hand[order.offer * state.world.n_warehouses + order.warehouse] += 1
        state.stock.total += 1
        state.stock.available[order.offer] += 1
        stock_changed(state, order.offer, order.warehouse, sold=False)
    set_status(order, RETURNED)
    order.returned_h = now
    order.return_pending = False
    rec.outcome = "refunded"
    state.perf.count(now, REFUNDS, seller, oid)


def _fraud(state: State, order: Order, rec) -> bool:
    """Hidden truth: a customer's own return (not carrier damage) that is fraud."""
    return rec.cause == CUSTOMER_RETURN and (
        order.draw.return_fraud_u < state.world.risk.return_fraud_rate
    )
