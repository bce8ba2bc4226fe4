"""Seller governance: every `period_h` the strategy's governance policy names actions (warn,
suspend, send to people), and the world carries them out against the hidden truth.

- A warning may reform a bad actor (`governance.reform_chance`, the seller's own draw).
- Lifting probation removes a new seller's daily volume cap.
- A suspension hides the seller's offers and holds its payouts. An honest seller appeals after
  `appeal_days` and a person reinstates it; a bad actor does not appeal, and its held payouts
  are forfeited to the operator then.
- A seller review (people) holds payouts while it waits; the person finds a bad actor out at
  `reviewers.seller_detection` (a suspension), and wrongly suspends an honest seller at
  `reviewers.seller_false_suspension`; otherwise the seller is cleared.
Verdicts come from each seller's own uniforms (stream `governance`), so the same review of the
same seller ends the same way whatever the strategy.
"""

from __future__ import annotations

import math

from sim.clock import call_later
from sim.decisions import LIFT, PEOPLE, SELLER_ACTIONS, SUSPEND, WARN
from sim.exceptions import ExceptionType
from sim.lifecycle import DELIVERED
from sim.recording import record_decision
from sim.state import State
from sim.steps.raise_exception import raise_exception

VERDICTS_PER_SELLER = 16  # seller reviews a seller can get in one run before draws repeat


class Verdicts:
    """Per seller, the uniforms behind a person's verdicts and a warning's effect."""

    def __init__(self, state: State):
        n = len(state.world.sellers)
        rng = state.streams["governance"]
        self.reform_u = rng.random(n).tolist()
        self.review_u = rng.random((n, VERDICTS_PER_SELLER)).tolist()
        self.used = [0] * n

    def next_review_u(self, seller: int) -> float:
        k = self.used[seller] % VERDICTS_PER_SELLER
        self.used[seller] += 1
        return self.review_u[seller][k]


def monitor_sellers(state: State):
    """SimPy process: ask the governance policy every `period_h` and apply its actions."""
    policy = state.strategy.governance
    verdicts = Verdicts(state)
    while True:
        yield state.env.timeout(policy.period_h)
        for action in policy.review(state.market):
            apply(state, verdicts, action)


def apply(state: State, verdicts: Verdicts, action) -> None:
    """Carry out one action; one on a seller already suspended or under review is ignored."""
    s, book = action.seller, state.sellers
    if action.action not in SELLER_ACTIONS:
        raise ValueError(
            f"strategy.governance answered {action.action!r} for seller {s}; "
            f"actions are {SELLER_ACTIONS}"
        )
    if not 0 <= s < len(book.bad) or s not in book.selling:
        if s in book.suspended or s in book.under_review:
            return
        raise ValueError(f"strategy.governance named seller {s}, which is not selling")
    if s in book.under_review:
        return
    _log(state, s, action.action, action.reason, "policy")
    if state.records.decisions is not None:
        record_decision.governance(state, state.records.decisions, action)
    if action.action == LIFT:
        book.cap.pop(s, None)
    elif action.action == WARN:
        _warn(state, verdicts, s)
    elif action.action == SUSPEND:
        suspend(state, verdicts, s, action.reason, by_people=False)
    elif action.action == PEOPLE:
        book.under_review.add(s)
        raise_exception(
            state,
            ExceptionType.SELLER_REVIEW,
            action.reason or "flagged",
            "payout",
            seller=s,
            on_resolved=lambda rec: _reviewed(state, verdicts, s, rec),
        )


def _log(state: State, seller: int, action: str, reason: str, by: str) -> None:
    state.records.seller_actions.append(
        {
            "t_h": state.env.now,
            "seller": seller,
            "action": action,
            "reason": reason,
            "by": by,
            "bad": state.sellers.bad[seller],
        }
    )


def _warn(state: State, verdicts: Verdicts, s: int) -> None:
    book = state.sellers
    book.warnings[s] += 1
    if book.bad[s] and verdicts.reform_u[s] < state.world.governance.reform_chance:
        reform(state, s)


def reform(state: State, s: int) -> None:
    """A bad actor mends its ways: it works as an honest newcomer from now on."""
    book, w = state.sellers, state.world
    spec = w.sellers[s]
    book.bad[s] = False
    book.reliability[s], book.delay_mean_h[s] = spec.profile.reliability, spec.profile.delay_mean_h
    book.return_rate[s], book.never_ship[s], book.review_drop[s] = -1.0, 0.0, 0.0
    _log(state, s, "reformed", "warning", "seller")


def _reviewed(state: State, verdicts: Verdicts, s: int, rec) -> None:
    rv, book = state.world.reviewers, state.sellers
    book.under_review.discard(s)
    rate = rv.seller_detection if book.bad[s] else rv.seller_false_suspension
    if verdicts.next_review_u(s) < rate:
        rec.outcome = "suspended"
        suspend(state, verdicts, s, "seller_review", by_people=True)
    else:
        rec.outcome = "cleared"


def suspend(state: State, verdicts: Verdicts, s: int, reason: str, by_people: bool) -> None:
    """Hide the seller's offers and hold its payouts; its appeal (or its silence) follows."""
    book = state.sellers
    if s in book.suspended:
        return
    book.selling.discard(s)
    book.suspended.add(s)
    if s in book.capped:  # hidden already for today: keep what it had shown
        book.capped.discard(s)
    else:
        hide_listings(state, s)
    row = {
        "seller": s,
        "start_h": state.env.now,
        "end_h": math.nan,
        "bad": book.bad[s],
        "by": "people" if by_people else "auto",
        "reason": reason,
    }
    state.records.suspensions.append(row)
    call_later(state.env, state.world.governance.appeal_h, _appeal_or_forfeit, state, s, row)


def _appeal_or_forfeit(state: State, s: int, row: dict) -> None:
    if state.sellers.bad[s]:
        _forfeit(state, s)
        return
    raise_exception(
        state,
        ExceptionType.SUSPENSION_APPEAL,
        "appeal",
        "seller",
        seller=s,
        on_resolved=lambda rec: _reinstate(state, s, row, rec),
    )


def _reinstate(state: State, s: int, row: dict, rec) -> None:
    """A person upholds an honest seller's appeal: its offers back, its payouts released."""
    rec.outcome = "reinstated"
    book = state.sellers
    book.suspended.discard(s)
    book.selling.add(s)
    row["end_h"] = state.env.now
    show_listings(state, s)
    _log(state, s, "reinstated", "appeal", "people")


def _forfeit(state: State, s: int) -> None:
    """A bad actor's held payouts go to the operator, against what it cost."""
    now, money = state.env.now, state.records.money
    keep = []
    for order in state.watches.payouts:
        if order.seller == s and order.status == DELIVERED and not order.return_pending:
            amount = order.price * (1.0 - order.commission_rate)
            order.settled = "forfeited"
            money.move(now, amount, "operator", "escrow", "payout_forfeit", order.order_id, s)
        else:
            keep.append(order)
    state.watches.payouts = keep


def hide_listings(state: State, s: int) -> None:
    """Hide every live listing of a seller (suspended, or at its probation cap), remembering
    which, so `show_listings` puts back exactly those."""
    live = state.catalogue.live
    shown = [o for o in state.lookup.seller_offers[s] if live[o]]
    for o in shown:
        live[o] = False
    state.sellers.hidden[s] = shown


def show_listings(state: State, s: int) -> None:
    """Show again what `hide_listings` hid (and what went live meanwhile)."""
    for o in state.sellers.hidden.pop(s, ()):
        state.catalogue.live[o] = True
