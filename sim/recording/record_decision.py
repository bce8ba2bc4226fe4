"""What the world writes down of each decision when a run records them. Callers check
`state.records.decisions` (None unless the run records), so a run that does not pays nothing.

The answer recorded is the one the world applies; the alternatives are the policy's own (the
explanation types of `sim.decisions`), with the applied one marked. Where a policy gives none
(a rule that weighs nothing, a remote service that does not say), the answer itself is recorded
as the one alternative, so every decision lists what was chosen."""

from __future__ import annotations

import numpy as np

from sim.decisions import (
    DEFER,
    ESCALATE,
    Alternative,
    ListingView,
    OnboardingDecision,
    PriceTerms,
    RouteOption,
    SellerAction,
    Triage,
)
from sim.entities import Order
from sim.recording.decision_log import (
    GOVERNANCE,
    LABEL,
    ONBOARDING,
    PRICING,
    DecisionLog,
    PriceBlock,
)
from sim.recording.route_columns import RouteColumns
from sim.state import State

ANSWERED = "the policy's answer (it listed no alternatives)"
_TERMS = ("competitor", "target", "floor", "regime")


def routing(
    state: State,
    log: DecisionLog,
    by_id: dict,
    decisions: list,
    weighed: RouteColumns | None = None,
) -> None:
    """A routing ask's answers, at the time it was asked, each with the option it applied
    (`weighed`: the options as columns, from a policy's `route_explained`, kept as they are
    and marked at the end of the run: `DecisionLog.route_options`)."""
    if weighed is not None:
        log.add_route_columns(state.env.now, decisions, weighed)
        return
    options, chosen = [], []
    for d in decisions:
        opts, mask = d.options, _route_chosen(d.options, d.warehouse, d.carrier)
        if not mask:
            region = by_id[d.order_id].region
            opts = (*opts, answered_route(state, region, d.warehouse, d.carrier))
            mask = 1 << (len(opts) - 1)
        options.append(opts)
        chosen.append(mask)
    log.add_routes(state.env.now, decisions, options, chosen)


def _route_chosen(options: tuple, warehouse: int, carrier: int) -> int:
    for k, opt in enumerate(options):
        if opt.warehouse == warehouse and (opt.carrier == carrier or warehouse < 0):
            return 1 << k
    return 0


def answered_route(state: State, region: int, warehouse: int, carrier: int) -> RouteOption:
    """An answer as an option, with what the world knows of it: the lane's cost and distance
    (to an order in `region`)."""
    w, look = state.world, state.lookup
    if warehouse in (DEFER, ESCALATE):
        return RouteOption(warehouse, carrier, note="wait" if warehouse == DEFER else "escalate")
    if not (0 <= warehouse < w.n_warehouses and 0 <= carrier < len(w.carriers)):
        return RouteOption(warehouse, carrier, note=ANSWERED)
    origin = look.warehouse_region[warehouse]
    ship = look.lane_cost[carrier][origin][region]
    km = float(w.distance_km[origin, region])
    return RouteOption(warehouse, carrier, ship, ship, km=km, note=ANSWERED)


def promise(state: State, log: DecisionLog, order: Order) -> None:
    """The promise of an order placed (they come in order id order): the policy's explanation
    as it gave it (`(options, reason)`, or None); the rest is the order's own. Nothing, if the
    policy explains every promise at the end (`explain_promises`)."""
    if log.explain_promises is not None:
        return
    explain = getattr(state.strategy.promise, "explain_promise", None)
    log.promise.add(explain(order.offer, order.region) if explain else None)


def prices(
    state: State,
    log: DecisionLog,
    offers: np.ndarray,
    new: np.ndarray,
    floor: np.ndarray,
    below: np.ndarray,
    terms: PriceTerms | None,
) -> None:
    """The offers a repricing ask changes (call before the prices are applied)."""
    old = state.prices.listed_np[offers]
    changed = new != old
    if not changed.any():
        return
    kept = None
    if terms is not None:
        kept = {}
        for key in _TERMS:
            values = getattr(terms, key)
            if values is None:
                continue
            values = np.asarray(values)
            if values.shape != offers.shape:
                raise ValueError(
                    f"strategy.pricing: {log.policy[PRICING]}'s price terms `{key}` do not align "
                    "with the offers of its update"
                )
            kept[key] = values[changed]
    log.add_prices(
        PriceBlock(
            state.env.now,
            offers[changed],
            old[changed],
            new[changed],
            floor[changed],
            below[changed],
            kept,
            terms.rule if terms is not None else "",
        )
    )


def triage(log: DecisionLog, t: Triage) -> None:
    """Who handles an exception (they come in exception id order): the policy's answer as it
    gave it; the rest is the exception's own."""
    log.triage_answer.append(t)


def onboarding(state: State, log: DecisionLog, app, d: OnboardingDecision) -> None:
    """An application's two steps: the applicant and its declared catalogue."""
    options, chosen = _mark(d.options, (f"identity:{d.identity}", f"catalogue:{d.catalogue}"))
    docs = "ok" if app.documents_ok else "failed"
    cap = f", probation at {d.volume_cap} orders a day" if d.volume_cap else ""
    i = log.add_row(
        state.env.now,
        ONBOARDING,
        d.reason,
        f"application {app.app_id}: documents {docs}, KYC score {app.kyc_score:.2f}, "
        f"catalogue screen {app.screen_score:.2f}, {app.listings} listings",
        f"identity {d.identity}, catalogue {d.catalogue}{cap}",
        seller=app.seller,
        app_id=app.app_id,
    )
    log.add_options(i, options, chosen)


def label(
    state: State, log: DecisionLog, app_id: int, listing: ListingView, accepted: bool
) -> None:
    """A new listing's category: live under the mapper's label, or to people."""
    policy = state.strategy.onboarding
    explain = getattr(policy, "explain_label", None)
    given, reason = explain(listing, state.market) if explain is not None else ((), "")
    answer = "accept" if accepted else "people"
    options, chosen = _mark(given, (answer,))
    i = log.add_row(
        state.env.now,
        LABEL,
        reason,
        f"category {listing.label} for offer {listing.offer} (confidence {listing.confidence:.2f})",
        "goes live under it" if accepted else "to people to map",
        offer=listing.offer,
        seller=listing.seller,
        app_id=app_id,
    )
    log.add_options(i, options, chosen)


def governance(state: State, log: DecisionLog, action: SellerAction) -> None:
    """A governance action the world carries out."""
    options, chosen = _mark(action.options, (action.action,))
    i = log.add_row(
        state.env.now,
        GOVERNANCE,
        action.reason,
        f"an action on seller {action.seller}",
        action.action,
        seller=action.seller,
    )
    log.add_options(i, options, chosen)


def _mark(options: tuple, answers: tuple[str, ...]) -> tuple[tuple, int]:
    """Options with every alternative naming an answer marked; an answer no alternative names
    is added as one."""
    chosen, found = 0, set()
    for k, opt in enumerate(options):
        if opt.option in answers:
            chosen |= 1 << k
            found.add(opt.option)
    extra = tuple(Alternative(a, ANSWERED) for a in answers if a not in found)
    for j in range(len(extra)):
        chosen |= 1 << (len(options) + j)
    return (*options, *extra), chosen
