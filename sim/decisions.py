"""Decision points: what the world asks a strategy, what a strategy may answer, and the
read-only views it sees. With `sim.market_view` (what it may read, public terms included), the
only module of `sim` a strategy needs to know.

A strategy is a bundle of six policies, one per protocol below. A policy:
- answers the world's requests (`route`, `promise_hours`, `reprice`, `triage`, `assess`,
  `accept_label`, `review`) and nothing else:
  it never touches the SimPy environment, resources, ledgers or the scenario's hidden truth;
- reads what an operator's systems would know through `sim.market_view.MarketView` (public
  terms, live stock, queues, carrier loads, prices) and, if it learns, the domain events it
  subscribes to there (`sim.events`);
- may define `bind(market)`: called once before the run, to precompute tables or subscribe;
- may keep what it learns during a run on itself; a fresh policy is built for every run.
The world checks every answer (an unknown warehouse, a price that is not a positive number) and
raises an error naming the policy; a price under the operator's floor becomes an exception.

Explained decisions: when a run records its decisions (`decisions=true`), `market.explaining`
is true and a policy that can explain attaches, with its answer, the alternatives it weighed
(`RouteOption`, `PromiseOption`, `Alternative`, `PriceTerms`) and a reason; otherwise it attaches
nothing, so the default path costs nothing. The explanation travels with the answer (plain
numbers and strings), so it works as well for a policy that runs in a remote service. Answers
that are a bare number or flag (a promise, a label) are explained by an optional method the
world calls only when recording: `explain_promise(offer, region)` and `explain_label(listing,
market)`, each returning `(alternatives, reason)`. A promise policy may instead explain every
promise of the run at its end, as columns (`explain_promises(offers, regions, at_h)`,
`sim.recording.promise_columns`), if what its promises rested on can be looked up afterwards. A
routing policy that weighs many options may define `route_explained(batch, market)`, its answers
and the options as columns (`sim.recording.route_columns.RouteColumns`), which the world calls
instead of `route` when recording. Both cost a recording run far less than an object per option.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from sim.market_view import MarketView
from sim.seam import private_reads

ESCALATE = -1  # a routing answer that hands the order to a person (or the triage policy)
DEFER = -2  # a routing answer that keeps the order waiting for the next batch


# --- explanations (attached only when `market.explaining`) --------------------------------
# Not frozen, unlike the answers: a run that records its decisions builds millions of them, and
# a frozen dataclass's __init__ took five times as long (measured). Never change one: a policy
# may hand the same one out again.

NAN = float("nan")


@dataclass(slots=True)
class RouteOption:
    """A (warehouse, carrier) a routing policy weighed for an order, with its cost terms (NaN:
    a term the policy does not estimate). `cost` = shipping + expected lateness cost +
    capacity penalty; warehouse DEFER is waiting for the next batch, at the cost of waiting."""

    warehouse: int
    carrier: int
    cost: float = NAN
    shipping: float = NAN
    late_cost: float = NAN  # expected: the cost of a missed promise x p_late
    p_late: float = NAN  # the chance of missing the promise
    capacity_penalty: float = 0.0  # overflow cost folded in: the carrier or warehouse is full
    km: float = NAN  # from the warehouse to the customer's region
    note: str = ""  # e.g. "home warehouse", "pruned: dominated"


@dataclass(slots=True)
class PromiseOption:
    """A way a promise policy could reach its hours: time to hand-over + transit with `carrier`
    + buffer. `used` marks the one behind the promise it answered."""

    carrier: int
    handover_h: float
    transit_h: float
    buffer_h: float
    hours: float
    used: bool = False
    note: str = ""  # e.g. "open, fastest", "full"


@dataclass(slots=True)
class Alternative:
    """An answer a policy weighed at a triage, onboarding, label or governance decision, with
    the number its rule read and what it compared it with (NaN: none)."""

    option: str  # what it would do: "auto", "human", "identity:approve", "warn", ...
    why: str = ""
    value: float = NAN
    limit: float = NAN


# --- routing -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoutingRequest:
    """An order line waiting for a warehouse and a carrier."""

    order_id: int
    offer: int
    seller: int
    region: int  # customer region
    price: float
    placed_h: float
    promise_h: float
    ship_by_h: float


@dataclass(frozen=True, slots=True)
class RoutingDecision:
    """Ship `order_id` from `warehouse` with `carrier`. warehouse=ESCALATE raises an
    `unroutable` exception (the triage policy decides who handles it); warehouse=DEFER keeps
    the order for the next batch."""

    order_id: int
    warehouse: int
    carrier: int
    reason: str = ""
    options: tuple[RouteOption, ...] = ()  # what it weighed (only when market.explaining)


@runtime_checkable
class RoutingPolicy(Protocol):
    """Which warehouse ships each waiting order, with which carrier. Asked every `batch_minutes`
    with every order waiting; must answer each order of the batch exactly once. The answer is
    applied `decision_latency_minutes` later (stock may have moved by then: a shelf that is empty
    then becomes a `stockout_at_routing` exception)."""

    batch_minutes: float  # how often the world asks (> 0)
    decision_latency_minutes: float  # how long an answer takes to reach the warehouses (>= 0)

    def route(self, batch: list[RoutingRequest], market: MarketView) -> list[RoutingDecision]: ...


# --- promises ------------------------------------------------------------------------------


@runtime_checkable
class PromisePolicy(Protocol):
    """The delivery promise shown at checkout, for every offer a visitor considers (so it is
    asked for far more often than any other decision: keep it a table lookup). The world
    rounds it up to the end of that calendar day; a late delivery costs an SLA credit."""

    def promise_hours(self, offer: int, region: int) -> float:
        """Hours from purchase to the promised delivery, shown to the customer at checkout."""
        ...


# --- pricing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceTerms:
    """Why each price of a `PriceUpdate` is what it is: arrays aligned with its offers (None:
    a term the policy does not use), and its rule in words."""

    competitor: np.ndarray  # the competitor's price it read
    target: np.ndarray  # what its rule aimed at, before its own floor
    floor: np.ndarray | None = None  # its own margin floor
    regime: np.ndarray | None = None  # a short label per offer (scarce, normal, ...)
    rule: str = ""


@dataclass(frozen=True)
class PriceUpdate:
    """New prices for some offers: two arrays of equal length (and, only when
    `market.explaining`, the terms behind them)."""

    offers: np.ndarray
    prices: np.ndarray
    terms: PriceTerms | None = None


@runtime_checkable
class PricingPolicy(Protocol):
    """New listed prices for any offers, asked first at hour `first_at_h` of the first day,
    then every `period_h`. A price under the operator's floor (cost x (1 + price_floor_margin))
    is not applied: it becomes a `price_below_cost` exception."""

    period_h: float  # how often the world asks for repricing (> 0)
    first_at_h: float  # hour of day of the first ask

    def reprice(self, market: MarketView) -> PriceUpdate: ...


# --- exceptions ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExceptionEvent:
    """An irregularity the world detected, before anyone decides who handles it."""

    exc_id: int
    type: str
    cause: str
    order_id: int
    offer: int
    blocks: str
    raised_h: float
    value: float  # the order's price, or the offer's unit cost for a price exception
    seller: int = -1  # the seller or applicant it is about (-1: none)


@dataclass(frozen=True, slots=True)
class Triage:
    """Who handles an exception (`human` or `auto`), how urgently, and by when."""

    handler: str
    priority: int
    deadline_h: float
    reason: str = ""  # and what it weighed: only when market.explaining
    options: tuple[Alternative, ...] = ()


@runtime_checkable
class ExceptionPolicy(Protocol):
    """Who handles each irregularity the world raises (sim.exceptions.ExceptionType): `human`
    puts it in the reviewers' queue by priority (1 = most urgent) and deadline, and the work it
    blocks waits; `auto` resolves it at once, the way a person would, without their judgement
    (a held payment released automatically is never checked for fraud)."""

    def triage(self, event: ExceptionEvent, market: MarketView) -> Triage: ...


# --- onboarding ----------------------------------------------------------------------------

APPROVE, REJECT, PEOPLE = "approve", "reject", "people"  # what an onboarding step may answer
MAPPERS = ("keyword", "model")  # the catalogue mappers a scenario offers (scenario.catalogue)


@dataclass(frozen=True, slots=True)
class ApplicationView:
    """A seller application as the operator's systems see it; never whether it is honest."""

    app_id: int
    seller: int  # the seller it would become
    arrived_h: float
    documents_ok: bool  # the automatic document check passed
    kyc_score: float  # the KYC provider's risk score: higher is riskier
    screen_score: float  # the automatic screen of the declared catalogue: higher, more suspect
    listings: int  # catalogue size


@dataclass(frozen=True, slots=True)
class OnboardingDecision:
    """Two steps: the applicant (`identity`: approve, reject or people) and the compliance of
    its declared catalogue (`catalogue`: approve or people), checked once the applicant passes."""

    identity: str
    catalogue: str
    reason: str = ""
    volume_cap: int = 0  # orders a day while on probation once approved (0: no probation)
    options: tuple[Alternative, ...] = ()  # "identity:..." and "catalogue:..." (explaining)


@dataclass(frozen=True, slots=True)
class ListingView:
    """A new listing with the mapper's label and confidence (its true category is hidden)."""

    offer: int
    seller: int
    label: int
    confidence: float


@runtime_checkable
class OnboardingPolicy(Protocol):
    """Who joins and how their listings are mapped. `assess` answers each application when it
    arrives; a step sent to people becomes an exception for the team that works it (the
    verdict is theirs). Once approved, each listing is labelled by the scenario's `mapper`
    (keyword or model) and `accept_label` says whether it goes live under that label or waits
    for a person to map it. A wrong label goes live and surfaces later as an exception."""

    mapper: str  # keyword | model

    def assess(self, app: ApplicationView, market: MarketView) -> OnboardingDecision: ...

    def accept_label(self, listing: ListingView, market: MarketView) -> bool: ...


# --- governance ----------------------------------------------------------------------------

WARN, SUSPEND, LIFT = "warn", "suspend", "lift"  # what governance may do, besides PEOPLE
SELLER_ACTIONS = (WARN, SUSPEND, PEOPLE, LIFT)


@dataclass(frozen=True, slots=True)
class SellerAction:
    """Warn a seller, suspend it (its offers hidden, its payouts held), send it to people (a
    seller review: its payouts held until a person decides; they suspend or clear it), or lift
    its probation (its daily volume cap)."""

    seller: int
    action: str
    reason: str = ""
    options: tuple[Alternative, ...] = ()  # the evidence, each as the action it calls for


@runtime_checkable
class GovernancePolicy(Protocol):
    """Keeps sellers honest. Asked every `period_h` for actions; reads each seller's KPI
    windows (`market.seller_window`), who is selling (`market.selling_sellers`), who is on
    probation (`market.on_probation`) and, if it watches continuously, the `seller_signal`
    events it subscribed to. Never whether a seller
    is honest. An action on a seller already suspended or under review is ignored."""

    period_h: float  # how often the world asks (> 0)

    def review(self, market: MarketView) -> list[SellerAction]: ...


# --- the bundle ----------------------------------------------------------------------------

POLICIES = ("routing", "promise", "pricing", "exceptions", "onboarding", "governance")
_PROTOCOLS = {
    "routing": RoutingPolicy,
    "promise": PromisePolicy,
    "pricing": PricingPolicy,
    "exceptions": ExceptionPolicy,
    "onboarding": OnboardingPolicy,
    "governance": GovernancePolicy,
}
_POSITIVE = {
    "routing": ("batch_minutes",),
    "pricing": ("period_h",),
    "governance": ("period_h",),
}  # the world waits this long
_NONNEG = {"routing": ("decision_latency_minutes",)}


@dataclass
class Strategy:
    """A bundle of policies, one per decision point.

    Policies are bound late: each gets the market view in `bind` just before the run, and the
    bundle is checked then (`check`), whoever built it (config or code)."""

    name: str
    routing: RoutingPolicy
    promise: PromisePolicy
    pricing: PricingPolicy
    exceptions: ExceptionPolicy
    onboarding: OnboardingPolicy
    governance: GovernancePolicy
    uses_platform: bool = False  # runs on an orchestration platform the scenario charges for

    def check(self) -> None:
        """Each policy answers its decision point's protocol, reads the market through its
        public seam only (`sim.seam`), and the intervals the world waits between asks are
        usable; a TypeError or ValueError names the policy otherwise."""
        for key in POLICIES:
            policy = getattr(self, key)
            if not isinstance(policy, _PROTOCOLS[key]):
                raise TypeError(
                    f"strategy.{key}: {type(policy).__name__} does not implement "
                    f"{_PROTOCOLS[key].__name__} (see sim/decisions.py)"
                )
            private = private_reads(type(policy))
            if private:
                raise TypeError(
                    f"strategy.{key}: {type(policy).__name__} reads private state "
                    f"past the MarketView seam: {'; '.join(private)}"
                )
            for attr in _POSITIVE.get(key, ()):
                if not getattr(policy, attr) > 0:
                    raise ValueError(f"strategy.{key}.{attr} must be > 0")
            for attr in _NONNEG.get(key, ()):
                if not getattr(policy, attr) >= 0:
                    raise ValueError(f"strategy.{key}.{attr} must be >= 0")
        if self.onboarding.mapper not in MAPPERS:
            raise ValueError(
                f"strategy.onboarding.mapper must be one of {list(MAPPERS)}, "
                f"got {self.onboarding.mapper!r}"
            )

    def bind(self, market: MarketView) -> None:
        """Check the bundle, then give every policy that wants it the market view."""
        self.check()
        for key in POLICIES:
            bind = getattr(getattr(self, key), "bind", None)
            if bind is not None:
                bind(market)
