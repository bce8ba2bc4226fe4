"""The decision-service protocol: what the twin sends an external decision service over HTTP as
JSON, and what the service may answer. Built from the types of `sim.decisions`, `sim.events`
and `sim.market_view` (a routing request on the wire is a `RoutingRequest`, an answer a
`RoutingDecision`, a carrier's contract a `CarrierContract`), so the
OpenAPI schema (`mptwin.decision_service.openapi`) and both ends are generated from one definition.

A run opens a session with the public terms of its world (`Terms`: contracts, seller settings,
warehouse capacities; never the scenario's hidden truth), then attaches one decision point at a
time, in the order the world binds policies. Every later call carries the live facts the
operator's systems show (`Facts`), the domain events the service subscribed to since its last
call, in order (`Events`), and the request itself.

Floats that are not numbers (a parcel not handed over yet) travel as null, infinity as null
where the field says so. Field names are the dataclasses' own. A list of records (the orders of a
batch, its decisions, the events of a topic) travels as a table, one array per field, which is
several times cheaper to write and read than an object per record.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.decisions import ExceptionEvent, RoutingDecision, RoutingRequest, Triage
from sim.events import ParcelEvent, SellerSignal, StockChanged
from sim.market_view import CarrierContract, SellerTerms

VERSION = "1"
POINTS = ("routing", "promise", "pricing", "exceptions")  # the decision points a service answers


@dataclass(frozen=True, slots=True)
class Facts:
    """What the operator's systems show now, as late as the scenario's feeds: sent with every
    call (a few numbers per warehouse and carrier)."""

    now: float
    carrier_pending: list[int]  # parcels assigned to each carrier, not yet collected
    pick_backlog: list[int]  # orders routed to each warehouse, not yet handed over


@dataclass(frozen=True, slots=True)
class Events:
    """The domain events of the topics the service subscribed to since its last call, in the
    order the world published them (after the feed lag): the i-th event's topic is `topic[i]`,
    and it is the next row of that topic's table."""

    topic: list[str] = field(default_factory=list)
    stock_changed: list[StockChanged] = field(default_factory=list)
    parcel_delivered: list[ParcelEvent] = field(default_factory=list)
    parcel_late: list[ParcelEvent] = field(default_factory=list)
    parcel_lost: list[ParcelEvent] = field(default_factory=list)
    seller_signal: list[SellerSignal] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Terms:
    """The public terms of the world a run simulates, sent once when the session opens."""

    version: str
    seed: int  # for the service's own randomness: drawn from the twin's strategy stream
    n_regions: int
    n_warehouses: int
    n_offers: int
    distance_km: list[list[float]]
    offer_sku: list[int]
    offer_seller: list[int]
    offer_cost: list[float]
    offer_commission: list[float]
    offers_of_sku: list[list[int]]
    stocked_at: list[list[int]]  # per offer: the warehouses its stock plan uses
    warehouse_region: list[int]
    cutoff_hour: list[float]
    picks_per_hour: list[float]
    shift_hours: list[list[float]]  # per warehouse: [start, end]
    price_floor_margin: float
    sla_credit_pct: float
    start_date: str
    promo_dates: list[str]
    sellers: list[SellerTerms]
    carriers: list[CarrierContract]
    lane_nominal_h: list[list[list[float]]]  # per carrier, origin region, customer region
    lane_cost: list[list[list[float]]]
    fee_rows: list[list[float]]  # distinct rows of shipping fees per customer region
    offer_fee_row: list[int]  # per offer: its row of fee_rows
    available: list[int]  # per offer: units not yet promised to an order, at the start
    facts: Facts
    explaining: bool = False  # the run records its decisions: answers carry what they weighed


@dataclass(frozen=True, slots=True)
class Opened:
    version: str
    session: str


@dataclass(frozen=True, slots=True)
class Attach:
    """Bind the service's policy for one decision point (`routing`, `promise`, `pricing`,
    `exceptions`), in the order the world binds them."""

    session: str
    point: str
    facts: Facts
    events: Events


@dataclass(frozen=True, slots=True)
class PromiseTable:
    """Hours from purchase to promised delivery, per seller (a row per customer region), valid
    until `valid_until_h` (null: until the run ends). The twin looks promises up in it."""

    hours: list[list[float]]
    valid_until_h: float | None


@dataclass(frozen=True, slots=True)
class Attached:
    """The topics the policy subscribed to (the twin forwards their events from now on), and
    the schedule the world keeps for this point: routing `batch_minutes` and
    `decision_latency_minutes`, pricing `period_h` and `first_at_h`; a promise policy's first
    table."""

    topics: list[str]
    schedule: dict[str, float]
    promise: PromiseTable | None = None


@dataclass(frozen=True, slots=True)
class OfferStock:
    """Units on the shelves of an offer, one per warehouse of `Terms.stocked_at[offer]`."""

    offer: int
    on_hand: list[int]


@dataclass(frozen=True, slots=True)
class RouteCall:
    session: str
    facts: Facts
    events: Events
    orders: list[RoutingRequest]
    stock: list[OfferStock]  # the shelves of every offer in `orders`


@dataclass(frozen=True, slots=True)
class RouteAnswer:
    decisions: list[RoutingDecision]  # one per order of the call


@dataclass(frozen=True, slots=True)
class PromiseCall:
    session: str
    facts: Facts
    events: Events


@dataclass(frozen=True, slots=True)
class PriceCall:
    session: str
    facts: Facts
    events: Events
    feed_day: int  # the competitor feed's version
    competitor: list[float] | None  # per offer; null: unchanged since the last call


@dataclass(frozen=True, slots=True)
class PriceAnswer:
    offers: list[int]
    prices: list[float]


@dataclass(frozen=True, slots=True)
class TriageCall:
    session: str
    facts: Facts
    events: Events
    exception: ExceptionEvent


@dataclass(frozen=True, slots=True)
class Problem:
    """What a service answers with a 4xx status: the reason, in words."""

    error: str


CALLS = {
    "route": (RouteCall, RouteAnswer),
    "promise": (PromiseCall, PromiseTable),
    "price": (PriceCall, PriceAnswer),
    "triage": (TriageCall, Triage),
    "open": (Terms, Opened),
    "attach": (Attach, Attached),
}
