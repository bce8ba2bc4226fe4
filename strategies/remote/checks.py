"""The twin's checks on a decision service's answers, before any is applied. Each returns the
problem in words (the first found), or None; an answer with a problem is never applied: the
decision falls back and the reason is logged."""

from __future__ import annotations

import math

from sim.decisions import DEFER, ESCALATE, RoutingDecision, RoutingRequest, Triage
from sim.exceptions import Handler
from strategies.remote.protocol import PriceAnswer, PromiseTable


def check_route(
    batch: list[RoutingRequest],
    decisions: list[RoutingDecision],
    n_warehouses: int,
    n_carriers: int,
) -> str | None:
    """One decision per order of the batch; known warehouses and carriers."""
    asked = {r.order_id for r in batch}
    seen: set[int] = set()
    for d in decisions:
        if d.order_id not in asked:
            return f"a decision for order {d.order_id}, which was not asked about"
        if d.order_id in seen:
            return f"order {d.order_id} answered twice"
        seen.add(d.order_id)
        if d.warehouse in (ESCALATE, DEFER):
            continue
        if not 0 <= d.warehouse < n_warehouses:
            return f"unknown warehouse {d.warehouse} for order {d.order_id}"
        if not 0 <= d.carrier < n_carriers:
            return f"unknown carrier {d.carrier} for order {d.order_id}"
    missing = asked - seen
    if missing:
        return f"no decision for order {min(missing)} ({len(missing)} of {len(asked)} missing)"
    return None


def check_promise(
    table: PromiseTable, sellers_with_offers: list[bool], n_regions: int, now: float
) -> str | None:
    """A row of non-negative hours per region for every seller with offers; valid until a
    time still ahead (a table already stale would be asked for again at every checkout)."""
    if len(table.hours) != len(sellers_with_offers):
        return f"{len(table.hours)} promise rows for {len(sellers_with_offers)} sellers"
    for s, (row, needed) in enumerate(zip(table.hours, sellers_with_offers, strict=True)):
        if not needed:
            continue
        if len(row) != n_regions:
            return f"seller {s}: {len(row)} promises for {n_regions} regions"
        for r, h in enumerate(row):
            if not (math.isfinite(h) and h >= 0):
                return f"seller {s}, region {r}: promise of {h} h is not a non-negative number"
    until = table.valid_until_h
    if until is not None and not until > now:
        return f"a promise table valid until {until} h, already past at {now} h"
    return None


def check_prices(answer: PriceAnswer, n_offers: int) -> str | None:
    if len(answer.offers) != len(answer.prices):
        return f"{len(answer.offers)} offers but {len(answer.prices)} prices"
    for o, p in zip(answer.offers, answer.prices, strict=True):
        if not 0 <= o < n_offers:
            return f"unknown offer {o}"
        if not (math.isfinite(p) and p > 0):
            return f"price {p} for offer {o} is not a positive number"
    return None


def check_triage(triage: Triage) -> str | None:
    if triage.handler not in (Handler.HUMAN, Handler.AUTO):
        return f"handler {triage.handler!r} is neither {Handler.HUMAN!r} nor {Handler.AUTO!r}"
    if triage.priority < 0:
        return f"priority {triage.priority} is negative"
    if not math.isfinite(triage.deadline_h):
        return f"deadline {triage.deadline_h} is not a number"
    return None
