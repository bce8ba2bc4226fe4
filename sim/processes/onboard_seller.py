"""Seller onboarding: applications arrive (a Poisson stream), the strategy assesses each, people
work the steps sent to them, and an approved seller's listings are mapped to the operator's
categories and go live with the seller's stock.

Steps: the applicant (documents, KYC risk: approve, reject or people), then the declared
catalogue's compliance (approve or people), then each listing's category. A person's verdict
comes from the application's own draws, so the same application gets the same verdict whatever
the strategy. A wrong category goes live and surfaces later as an exception for people.
"""

from __future__ import annotations

import math

import numpy as np

from sim.classifier import SimulatedClassifier
from sim.clock import call_later
from sim.decisions import APPROVE, PEOPLE, REJECT, ApplicationView, ListingView
from sim.exceptions import ExceptionType
from sim.processes.fraud_wave import fraud_wave
from sim.processes.replenish_stock import stock_changed
from sim.recording import record_decision
from sim.seller_network import APPROVED, REJECTED, Application, Listing
from sim.state import State
from sim.steps.raise_exception import raise_exception

_IDENTITY = (APPROVE, REJECT, PEOPLE)
_CATALOGUE = (APPROVE, PEOPLE)


class NewListings:
    """Per applicant: where its offers start and how many it has; per new offer, the mapper's
    draws and when a wrong label would surface (drawn once per run, before anyone decides)."""

    def __init__(self, state: State):
        w = state.world
        first, n_new = w.first_new_offer, w.n_offers - w.first_new_offer
        owner = w.offer_seller[first : w.end_applicant_offers] - w.first_new_seller
        self.count = np.bincount(owner, minlength=w.n_applicants).tolist()
        self.start = (first + np.concatenate([[0], np.cumsum(self.count)[:-1]])).tolist()
        self.category = w.sku_category[w.offer_sku[first:]]
        rng = state.streams["catalogue"]
        self.u_conf, self.u_correct, self.u_wrong = rng.random((3, n_new))
        self.surface_e = rng.standard_exponential(n_new)
        mapping, n_categories = w.catalogue.mapping, len(w.category_names)
        self.mapper = {
            "keyword": SimulatedClassifier(mapping.keyword, n_categories),
            "model": SimulatedClassifier(mapping.model, n_categories),
        }


def draw_applications(state: State) -> list[Application]:
    """Every application of the run, in arrival order, with its hidden truth and luck; marks
    when each applicant applied (its listings' visits count from then)."""
    w, a = state.world, state.world.applicants
    if a is None:
        return []
    rng = state.streams["applications"]
    n = w.n_applicants
    arrived = np.cumsum(rng.exponential(24.0 / a.per_day, n))  # a pool exists only if per_day > 0
    bad = rng.random(n) < a.bad_share
    docs_fail = rng.random(n) < np.where(bad, a.documents_fail_bad, a.documents_fail_honest)
    kyc = rng.standard_normal(n) + np.where(bad, a.kyc_separation, 0.0)
    issue = rng.random(n) < np.where(bad, a.compliance_issue_bad, a.compliance_issue_honest)
    screen = rng.standard_normal(n) + np.where(issue, a.screen_separation, 0.0)
    review_u, catalogue_u, fix_e = rng.random(n), rng.random(n), rng.standard_exponential(n)
    wave = bad & (rng.random(n) < a.wave_share)  # drawn last: the draws above stay as they were
    sizes = np.bincount(
        w.offer_seller[w.first_new_offer : w.end_applicant_offers] - w.first_new_seller, minlength=n
    )
    apps = []
    for k in range(n):
        if arrived[k] >= w.end_h:
            break
        seller = w.first_new_seller + k
        for o in state.lookup.seller_offers[seller]:  # buyers come for its listings from now
            state.catalogue.opens_h[o - w.first_new_offer] = float(arrived[k])
        app = Application(
            k,
            seller,
            float(arrived[k]),
            not docs_fail[k],
            float(kyc[k]),
            float(screen[k]),
            int(sizes[k]),
            bool(bad[k]),
            bool(issue[k]),
            float(review_u[k]),
            float(catalogue_u[k]),
            float(fix_e[k]),
        )
        app.wave = bool(wave[k])
        apps.append(app)
    return apps


def onboard_sellers(state: State, apps: list[Application], listings: NewListings | None):
    """SimPy process: each application arrives and is assessed."""
    env = state.env
    for app in apps:
        yield env.timeout(app.arrived_h - env.now)
        receive(state, listings, app)


def receive(state: State, listings: NewListings, app: Application) -> None:
    """Ask the strategy about a new application and start the step it chose."""
    state.records.applications.append(app)
    view = ApplicationView(
        app.app_id,
        app.seller,
        app.arrived_h,
        app.documents_ok,
        app.kyc_score,
        app.screen_score,
        app.listings,
    )
    d = state.strategy.onboarding.assess(view, state.market)
    if d.identity not in _IDENTITY or d.catalogue not in _CATALOGUE:
        raise ValueError(
            f"strategy.onboarding answered identity={d.identity!r}, catalogue="
            f"{d.catalogue!r}; identity must be one of {_IDENTITY}, catalogue "
            f"one of {_CATALOGUE}"
        )
    app.reason = d.reason
    if d.volume_cap < 0:
        raise ValueError(f"strategy.onboarding answered volume_cap={d.volume_cap}; must be >= 0")
    app.volume_cap = d.volume_cap
    if state.records.decisions is not None:
        record_decision.onboarding(state, state.records.decisions, app, d)
    if d.identity == REJECT:
        _decide(state, app, REJECTED)
    elif d.identity == PEOPLE:
        app.by_people = True
        raise_exception(
            state,
            ExceptionType.APPLICATION_REVIEW,
            d.reason,
            "application",
            seller=app.seller,
            on_resolved=lambda rec: _reviewed(state, listings, app, d.catalogue, rec),
        )
    else:
        _catalogue_step(state, listings, app, d.catalogue)


def _reviewed(state: State, listings, app: Application, catalogue: str, rec) -> None:
    """A person's verdict on the applicant: a bad actor caught at the team's rate, an honest
    one wrongly refused at another."""
    rv = state.world.reviewers
    rate = rv.kyc_detection if app.bad else rv.kyc_false_rejection
    if app.review_u < rate:
        rec.outcome = "rejected"
        _decide(state, app, REJECTED)
    else:
        rec.outcome = "approved"
        _catalogue_step(state, listings, app, catalogue)


def _catalogue_step(state: State, listings, app: Application, catalogue: str) -> None:
    if catalogue == PEOPLE:
        app.by_people = True
        raise_exception(
            state,
            ExceptionType.CATALOGUE_CHECK,
            "declared_catalogue",
            "application",
            seller=app.seller,
            on_resolved=lambda rec: _checked(state, listings, app, rec),
        )
    else:
        _approve(state, listings, app)


def _checked(state: State, listings, app: Application, rec) -> None:
    """A person's compliance check: an issue is found at the team's rate; a bad actor's
    application then ends, an honest seller fixes its catalogue and is approved later."""
    found = app.compliance_issue and app.catalogue_u < state.world.reviewers.compliance_detection
    if not found:
        rec.outcome = "compliant"
        _approve(state, listings, app)
    elif app.bad:
        rec.outcome = "rejected"
        _decide(state, app, REJECTED)
    else:
        rec.outcome = "fix_requested"
        call_later(
            state.env, app.fix_e * state.world.applicants.fix_h, _approve, state, listings, app
        )


def _decide(state: State, app: Application, decision: str) -> None:
    app.decision, app.decided_h = decision, state.env.now


def _approve(state: State, listings: NewListings, app: Application) -> None:
    """The seller joins: a bad actor starts behaving as the scenario's bad actors do; each of
    its listings is labelled by the strategy's mapper, and goes live now or after a person
    maps it."""
    _decide(state, app, APPROVED)
    w, s = state.world, app.seller
    if app.bad:
        a, book = w.applicants, state.sellers
        book.bad[s] = True
        book.reliability[s], book.delay_mean_h[s] = a.bad_reliability, a.bad_delay_mean_h
        book.return_rate[s], book.never_ship[s] = a.bad_return_rate, a.bad_never_ship
        book.review_drop[s] = a.bad_review_drop
    k = app.app_id
    start, count = listings.start[k], listings.count[k]
    rows = slice(start - w.first_new_offer, start - w.first_new_offer + count)
    map_listings(state, listings, app, s, rows)


def map_listings(
    state: State, listings: NewListings, app: Application | None, s: int, rows: slice
) -> None:
    """Label new listings with the strategy's mapper; each goes live under its label or waits
    for a person to map it (one task for all the unsure ones)."""
    w = state.world
    policy = state.strategy.onboarding
    labels, conf = listings.mapper[policy.mapper].classify_many(
        listings.category[rows],
        listings.u_conf[rows],
        listings.u_correct[rows],
        listings.u_wrong[rows],
    )
    waiting = []
    for i, j in enumerate(range(rows.start, rows.stop)):
        o = w.first_new_offer + j
        listing = Listing(o, s, int(listings.category[j]), float(listings.surface_e[j]))
        listing.label, listing.confidence = int(labels[i]), float(conf[i])
        state.records.listings.append(listing)
        view = ListingView(o, s, listing.label, listing.confidence)
        accepted = policy.accept_label(view, state.market)
        if state.records.decisions is not None:
            record_decision.label(
                state,
                state.records.decisions,
                app.app_id if app is not None else -1,
                view,
                accepted,
            )
        if accepted:
            _go_live(state, app, listing)
        else:
            waiting.append(listing)
    if waiting:
        raise_exception(
            state,
            ExceptionType.LISTING_MAPPING,
            "low_confidence",
            "listing",
            seller=s,
            units=len(waiting),
            on_resolved=lambda rec: _mapped(state, app, waiting, rec),
        )


def draw_launches(state: State) -> list[tuple[float, int]]:
    """When founding sellers launch their new listings (a Poisson stream, stream `launches`),
    as (time, listing row); marks when buyers start coming for each."""
    w = state.world
    if w.first_listing_offer < 0:
        return []
    rng = state.streams["launches"]
    n = w.n_offers - w.first_listing_offer
    at = np.cumsum(rng.exponential(24.0 / w.catalogue.new_listings_per_day, n))
    out = []
    for k in range(n):
        if at[k] >= w.end_h:
            break
        j = w.first_listing_offer - w.first_new_offer + k
        state.catalogue.opens_h[j] = float(at[k])
        out.append((float(at[k]), j))
    return out


def launch_listings(state: State, launches: list[tuple[float, int]], listings: NewListings):
    """SimPy process: each new listing of a founding seller is mapped when it is launched."""
    env, w = state.env, state.world
    for t, j in launches:
        yield env.timeout(t - env.now)
        seller = int(w.offer_seller[w.first_new_offer + j])
        if seller in state.sellers.selling or seller in state.sellers.suspended:
            map_listings(state, listings, None, seller, slice(j, j + 1))


def _mapped(state: State, app: Application | None, waiting: list[Listing], rec) -> None:
    """A person maps the listings the mapper was unsure of (people map them right)."""
    rec.outcome = "mapped"
    for listing in waiting:
        listing.label, listing.by_people = listing.category, True
        _go_live(state, app, listing)


def _go_live(state: State, app: Application | None, listing: Listing) -> None:
    """Show a listing under its label, with its commission, and put its launch stock on the
    shelf. A wrong label costs it buyers until it surfaces and a person corrects it."""
    w, cat, now, book = state.world, state.catalogue, state.env.now, state.sellers
    o, s = listing.offer, listing.seller
    if s in book.suspended or s in book.capped:  # shown on reinstatement, or tomorrow
        book.hidden.setdefault(s, []).append(o)
    else:
        cat.live[o] = True
    listing.live_h = now
    if app is not None and math.isnan(app.live_h):  # the seller starts selling
        app.live_h = book.since_h[s] = now
        book.selling.add(s)
        if app.volume_cap > 0:  # on probation from its first day
            book.cap[s] = app.volume_cap
        if app.wave and book.bad[s]:
            state.env.process(fraud_wave(state, s))
    cat.commission[o] = float(w.commission_rate[listing.label])
    if listing.label != listing.category:
        mapping = w.catalogue.mapping
        cat.penalty[o] = mapping.miscategorised_penalty
        call_later(state.env, listing.surface_e * mapping.surface_h, _surface, state, listing)
    n_wh = w.n_warehouses
    for wh in np.flatnonzero(w.stock_initial[o]).tolist():
        units = int(w.stock_initial[o, wh])
        state.stock.on_hand[o * n_wh + wh] += units
        state.stock.total += units
        state.stock.available[o] += units
        stock_changed(state, o, wh, sold=False)


def _surface(state: State, listing: Listing) -> None:
    raise_exception(
        state,
        ExceptionType.LISTING_MISCATEGORISED,
        "wrong_category",
        "listing",
        offer=listing.offer,
        seller=listing.seller,
        on_resolved=lambda rec: _correct(state, listing, rec),
    )


def _correct(state: State, listing: Listing, rec) -> None:
    rec.outcome = "corrected"
    o, cat = listing.offer, state.catalogue
    cat.commission[o] = float(state.world.commission_rate[listing.category])
    cat.penalty[o] = 0.0
    listing.corrected_h = state.env.now
