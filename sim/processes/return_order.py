"""Returns and refunds: some delivered orders come back (more often when late, always when
damaged); a handler approves the refund; an intact unit goes back on the shelf, a damaged one
is paid for by the carrier."""

from __future__ import annotations

from sim.clock import call_later
from sim.entities import RETURNED, ExceptionType, Order
from sim.processes.raise_exception import raise_exception
from sim.processes.replenish_stock import stock_changed
from sim.state import State


def maybe_return(state: State, order: Order, late: bool) -> None:
    risk = state.world.risk
    rate = risk.return_rate_late if late else risk.return_rate
    if order.fraud or order.draw.return_u >= rate:  # a fraudster keeps the goods
        return
    after = order.draw.return_after_u * state.world.money.return_window_h
    order.return_pending = True  # holds the payout until the return is settled
    call_later(state.env, after, request_return, state, order, "customer_return")


def request_return(state: State, order: Order, cause: str) -> None:
    order.return_pending = True
    raise_exception(state, ExceptionType.RETURN_REQUEST, cause, "refund", order,
                          on_resolved=lambda rec: refund_return(state, order, rec))  # fmt: skip


def refund_return(state: State, order: Order, rec) -> None:
    """Refund the item price and take back the commission. An intact unit is restocked (its
    cost goes back to the seller); a damaged one is written off and the carrier pays its cost."""
    now, money = state.env.now, state.records.money
    oid, seller = order.order_id, order.seller
    money.move(now, order.price * order.commission_rate, "escrow", "operator",
               "commission_reversal", oid, seller)  # fmt: skip
    money.move(now, order.price, "customers", "escrow", "refund", oid, seller)
    if rec.cause == "damaged_in_transit":
        money.move(now, order.unit_cost, "sellers", "carriers", "carrier_compensation", oid, seller)
    else:
        money.move(now, order.unit_cost, "sellers", "suppliers", "cogs_reversal", oid, seller)
        state.stock.on_hand[order.offer * state.world.n_warehouses + order.warehouse] += 1
        state.stock.available[order.offer] += 1
        stock_changed(state, order.offer, order.warehouse, sold=False)
    order.status = RETURNED
    order.returned_h = now
    order.return_pending = False
    rec.outcome = "refunded"
