"""Finance: reconciliation and clawbacks.

- A carrier invoice line or a seller payout may not match the ledger (`finance.mismatch_rate`,
  the order's own draws); the mismatch is an exception the triage policy routes (about the
  order's money, not its processing: it does not count against the order's touchless rate). A person finds
  an overbill at `reviewers.reconciliation_detection` and corrects it; the system (`auto`)
  accepts the counterparty's figure, so an overbill it accepts is lost
  (`overbill_carrier`, `overpaid_payout`). An underbill is never pursued by the counterparty here.
- A chargeback on an order of a seller that is suspended or under review is the seller's: its
  share is clawed back, from the order's own unpaid payout at once, else from the seller's next
  payouts. A balance still owed `negative_balance_days` later is an exception for people, who
  write it off (the chargeback stays the operator's loss).
"""

from __future__ import annotations

from sim.clock import call_later
from sim.entities import Order
from sim.exceptions import ExceptionType, Handler
from sim.state import State
from sim.steps.raise_exception import raise_exception

INVOICE, PAYOUT = "carrier_invoice", "seller_payout"
# who an accepted overbill is paid to, and its ledger kind (one pair of accounts per kind)
CREDITOR = {INVOICE: ("carriers", "overbill_carrier"), PAYOUT: ("sellers", "overpaid_payout")}


def check_line(state: State, order: Order, amount: float, u: float, line: str) -> None:
    """Raise a reconciliation mismatch if this order's invoice line or payout is off."""
    fin = state.world.finance
    if u >= fin.mismatch_rate or amount <= 0.0:
        return
    over = u < fin.mismatch_rate * fin.overbill_share  # where in the mismatch band it fell
    size = round(abs(order.draw.mismatch_z) * fin.mismatch_sd * amount, 2)
    if size <= 0.0:
        return
    raise_exception(
        state,
        ExceptionType.RECONCILIATION_MISMATCH,
        line,
        "none",
        order,
        value=size,
        seller=order.seller,
        touches_order=False,
        on_resolved=lambda rec: _settle(state, order, line, size, over, rec),
    )


def _settle(state: State, order: Order, line: str, size: float, over: bool, rec) -> None:
    caught = rec.handler == Handler.HUMAN and (
        order.draw.mismatch_catch_u < state.world.reviewers.reconciliation_detection
    )
    if not over:
        rec.outcome = "underbilled"
    elif caught:
        rec.outcome = "corrected"
    else:
        rec.outcome = "accepted"
        creditor, kind = CREDITOR[line]
        state.records.money.move(
            state.env.now, size, creditor, "operator", kind, order.order_id, order.seller
        )


def claw_back(state: State, order: Order) -> None:
    """A chargeback on a held seller's order: recover its share of the order."""
    s = order.seller
    if not state.sellers.held(s) or order.settled in ("forfeited", "clawed"):
        return
    share = order.price * (1.0 - order.commission_rate)
    if order.settled == "":  # not paid yet: keep its payout
        order.settled = "clawed"
        state.watches.payouts = [o for o in state.watches.payouts if o is not order]
        state.records.money.move(
            state.env.now, share, "operator", "escrow", "clawback", order.order_id, s
        )
        return
    state.sellers.owed[s] += share  # paid already: recovered from its next payouts
    call_later(state.env, state.world.finance.negative_balance_h, _check_balance, state, s)


def recover(state: State, order: Order, payout: float) -> float:
    """Take what the seller owes out of this payout; what is left is paid."""
    book = state.sellers
    owed = book.owed[order.seller]
    if owed <= 0.0:
        return payout
    take = min(owed, payout)
    book.owed[order.seller] = owed - take
    state.records.money.move(
        state.env.now, take, "operator", "escrow", "clawback", order.order_id, order.seller
    )
    return payout - take


def _check_balance(state: State, s: int) -> None:
    if state.sellers.owed[s] <= 0.005 or s in state.sellers.owing_exception:
        return
    state.sellers.owing_exception.add(s)
    raise_exception(
        state,
        ExceptionType.NEGATIVE_BALANCE,
        "chargebacks",
        "none",
        seller=s,
        value=state.sellers.owed[s],
        on_resolved=lambda rec: _write_off(state, s, rec),
    )


def _write_off(state: State, s: int, rec) -> None:
    rec.outcome = "written_off"
    state.sellers.owed[s] = 0.0
    state.sellers.owing_exception.discard(s)
