"""Raising an exception: record the irregularity, let the strategy triage it, then resolve it at
once (`auto`) or put it in the reviewers' queue (`human`)."""

from __future__ import annotations

import simpy

from sim.decisions import ExceptionEvent
from sim.entities import Order
from sim.exceptions import HANDLERS, PEOPLE_ONLY, ExceptionRecord, ExceptionType, Handler
from sim.recording import record_decision
from sim.state import State


def raise_exception(
    state: State,
    type_: ExceptionType,
    cause: str,
    blocks: str,
    order: Order | None = None,
    offer: int = -1,
    on_resolved=None,
    seller: int = -1,
    units: int = 1,
    value: float | None = None,
    touches_order: bool = True,
) -> ExceptionRecord:
    """Record an irregularity, let the strategy triage it, and queue it for its handler.

    `on_resolved(record)` is the world's continuation: what the blocked work does once the
    exception is resolved (by a reviewer, or at once when triaged `auto`).
    """
    now, records = state.env.now, state.records
    order_id = order.order_id if order is not None else -1
    rec = ExceptionRecord(
        records.exceptions.next_id(), type_, cause, order_id, offer, blocks, now, seller, units
    )
    rec.on_resolved = on_resolved
    records.exceptions.add(rec)
    records.day.exceptions_raised += 1
    if value is not None:
        pass  # the amount at stake, given by the caller (a mismatch, a balance)
    elif order is not None:
        value = order.price
    else:
        value = state.lookup.offer_cost[offer] if offer >= 0 else 0.0
    event = ExceptionEvent(rec.exc_id, type_, cause, order_id, offer, blocks, now, value, seller)
    triage = state.strategy.exceptions.triage(event, state.market)
    if triage.handler not in HANDLERS:
        raise ValueError(
            f"triage handler must be one of {sorted(HANDLERS)}, got {triage.handler!r}"
        )
    if triage.handler == Handler.AUTO and type_ in PEOPLE_ONLY:
        raise ValueError(
            f"triage sent {type_} to the system, but it is an escalation to people "
            "(sim.exceptions.PEOPLE_ONLY): a triage policy sets only its priority"
        )
    rec.handler, rec.priority, rec.deadline_h = triage.handler, triage.priority, triage.deadline_h
    if records.decisions is not None:
        record_decision.triage(records.decisions, triage)
    if triage.handler == Handler.AUTO:
        rec.started_h = rec.resolved_h = now
        rec.outcome = "auto"
        records.day.exceptions_resolved += 1
        rec.on_resolved = None
        if on_resolved is not None:
            on_resolved(rec)
    else:
        if order is not None and touches_order:  # a person handled the order's own processing
            order.human_tasks += 1
        desk = state.desk.desk_of[type_]
        rec.team = desk.name
        desk.human_open += 1
        desk.queue.put(simpy.PriorityItem((triage.priority, triage.deadline_h, rec.exc_id), rec))
    return rec
