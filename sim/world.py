"""The concrete world a run simulates: regions, catalogue, sellers, warehouses, carriers, demand,
reviewers and money rules. Built by `scenarios`, read by `sim`; never changed during a run.

Fields marked "hidden" are the scenario's truth (a carrier's real speed, a seller's real
reliability): the world uses them, strategies never see them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from sim.classifier import ClassifierSpec
from sim.competitor import CompetitorFeed


@dataclass(frozen=True, kw_only=True)
class SellerSpec:
    name: str
    home_warehouse: int  # default warehouse
    carrier: int  # contracted carrier
    handling_h: float  # promised handling time: ship-by = placed + handling_h
    reliability: float  # hidden: probability an order is released without delay
    delay_mean_h: float  # hidden: mean extra delay when an order is held up
    lead_time_h: float  # replenishment lead time
    bad_actor: bool = False  # hidden: a bad actor from the start (applicants: drawn per run)


@dataclass(frozen=True, kw_only=True)
class WarehouseSpec:
    name: str
    region: int
    picks_per_hour: float  # pick-and-pack capacity while on shift
    shift_start: float  # hour of day
    shift_end: float
    cutoff_hour: float  # the daily carrier pick-up
    weekend_factor: float  # capacity multiplier on Saturday and Sunday
    discrepancy_rate: float  # hidden: share of picks where the recorded unit is not there


@dataclass(frozen=True, kw_only=True)
class CarrierSpec:
    name: str
    fixed_cost: float  # per parcel
    cost_per_km: float
    base_days: float  # contract: nominal transit = base_days + km / km_per_day
    km_per_day: float
    serves: frozenset[int]  # regions it delivers to
    daily_capacity: int  # parcels it collects per day across all warehouses
    transit_bias: float  # hidden: log-multiplier of real over nominal transit time
    transit_sigma: float  # hidden: log-sd of transit time
    loss_rate: float  # hidden
    damage_rate: float  # hidden: parcels delivered damaged (the customer sends them back)


@dataclass(frozen=True, kw_only=True)
class Disruption:
    """A carrier in trouble for a while: slower on some lanes, and able to collect only a share
    of its daily capacity for parcels to the affected regions."""

    carrier: int
    regions: frozenset[int]  # destination regions affected
    start_h: float
    end_h: float
    capacity_factor: float
    transit_factor: float


@dataclass(frozen=True, kw_only=True)
class DemandSpec:
    visits_per_day: float  # mean visits per day on an ordinary weekday before shaping
    hour_profile: tuple[float, ...]  # 24 weights, mean 1
    weekday_profile: tuple[float, ...]  # 7 weights Monday..Sunday, mean 1
    month_profile: tuple[float, ...]  # 12 multipliers January..December (the season), as given
    promo_multiplier: float
    attractiveness: float  # MNL utility constant of an offer vs. the outside option
    price_sensitivity: float  # utility per log of price over the competitor's price
    delivery_sensitivity: float  # utility per promised day
    trend_per_year: float = 0.0  # log growth of visits a year, from the run's first day


@dataclass(frozen=True, kw_only=True)
class ReviewSpec:
    """Stars on delivery: around on_time_mean (sd, rounded to 1..5); late, lower by late_drop
    plus late_drop_per_day a day late, at most max_drop."""

    on_time_mean: float = 4.5
    late_drop: float = 0.6
    late_drop_per_day: float = 0.4
    max_drop: float = 3.0
    sd: float = 1.1


@dataclass(frozen=True, kw_only=True)
class TeamSpec:
    """A review team: its own people, shifts and wage, working the exception types it owns."""

    name: str
    headcount: int
    shift_start: float
    shift_end: float
    weekends: bool
    hourly_cost: float
    types: frozenset[str]  # exception types this team works


@dataclass(frozen=True, kw_only=True)
class ReviewerSpec:
    """The operator's people. The main team (`headcount`, shifts) works every exception type no
    other team in `teams` owns; with no other teams it is the single team of earlier versions."""

    headcount: int
    shift_start: float
    shift_end: float
    weekends: bool
    hourly_cost: float
    handling_mean_h: dict[str, float]  # mean handling hours per exception type (exponential)
    fraud_detection: float  # hidden: chance a reviewer spots a fraudulent payment
    false_rejection: float  # hidden: chance a reviewer rejects a genuine held payment
    return_fraud_detection: float  # hidden: chance a reviewer spots a fraudulent return
    kyc_detection: float  # hidden: chance a reviewer spots a bad-actor application
    kyc_false_rejection: float  # hidden: chance a reviewer rejects an honest application
    compliance_detection: float  # hidden: chance a catalogue check finds a compliance issue
    seller_detection: float  # hidden: chance a seller review finds a bad actor out
    seller_false_suspension: float  # hidden: chance a seller review suspends an honest seller
    reconciliation_detection: float  # hidden: chance a person finds an overbilled line
    teams: tuple[TeamSpec, ...] = ()  # teams by skill beside the main team

    def all_teams(self, types: tuple[str, ...]) -> tuple[TeamSpec, ...]:
        """The main team (named `operations`, owning what no other team owns), then the rest."""
        owned = frozenset().union(*(t.types for t in self.teams))
        main = TeamSpec(
            name="operations",
            headcount=self.headcount,
            shift_start=self.shift_start,
            shift_end=self.shift_end,
            weekends=self.weekends,
            hourly_cost=self.hourly_cost,
            types=frozenset(types) - owned,
        )
        return (main, *self.teams)


@dataclass(frozen=True, kw_only=True)
class MoneySpec:
    currency: str
    fee_base: float  # shipping fee charged to the customer: base + per km
    fee_per_km: float
    sla_credit_pct: float  # credit to the customer on a late delivery, share of the item price
    return_window_h: float
    payout_every_h: float
    chargeback_delay_h: float
    platform_fee_per_order: float  # what an orchestration platform charges per order placed


@dataclass(frozen=True, kw_only=True)
class RiskSpec:
    fraud_rate: float  # hidden: share of payments that are fraudulent
    signal_separation: float  # hidden: mean risk score of fraud minus genuine (unit noise)
    hold_threshold: float  # the payment provider holds orders whose risk score exceeds this
    return_rate: float  # chance a delivered order is returned when on time
    return_rate_late: float  # when late
    return_fraud_rate: float  # hidden: share of customer returns that are fraud (empty box, worn)
    lost_detect_h: float  # hours past the promise before a silent parcel is declared lost
    customer_cancel_rate: float = 0.0  # customers who cancel before their order is routed


@dataclass(frozen=True, kw_only=True)
class ApplicantSpec:
    """How seller applications arrive and what is hidden in them (drawn per run)."""

    per_day: float  # Poisson rate of applications
    bad_share: float  # hidden
    kyc_separation: float  # hidden: mean KYC score of a bad actor minus an honest one
    screen_separation: float  # hidden: mean catalogue-screen score of an issue minus none
    documents_fail_honest: float
    documents_fail_bad: float
    compliance_issue_honest: float
    compliance_issue_bad: float
    fix_h: float  # an honest applicant fixes a flagged catalogue in this long (mean)
    bad_reliability: float  # hidden: how an admitted bad actor ships
    bad_delay_mean_h: float
    bad_return_rate: float  # hidden: counterfeit goods come back this often
    bad_never_ship: float  # hidden: share of its orders a bad actor never ships
    bad_review_drop: float  # hidden: stars its counterfeits lose
    wave_share: float  # hidden: share of bad actors that run a stolen-card order wave
    wave_after_h: float  # after going live
    wave_h: float
    wave_orders_per_day: float


@dataclass(frozen=True, kw_only=True)
class FinanceSpec:
    """Reconciliation mismatches (hidden) and the negative-balance rule."""

    mismatch_rate: float
    mismatch_sd: float
    overbill_share: float
    negative_balance_h: float


@dataclass(frozen=True, kw_only=True)
class GovernanceSpec:
    """How sellers react to governance (hidden)."""

    reform_chance: float
    appeal_h: float
    review_lag_h: float


@dataclass(frozen=True, kw_only=True)
class MappingSpec:
    """The two catalogue mappers a strategy may call, and what a wrong category costs."""

    keyword: ClassifierSpec
    model: ClassifierSpec
    miscategorised_penalty: float  # utility a buyer loses on a listing under a wrong category
    surface_h: float  # mean time until a wrong category surfaces as an exception


@dataclass(frozen=True, kw_only=True)
class World:
    """Everything a run needs, as plain arrays and small specs."""

    name: str
    start_date: date
    warmup_h: float
    window_end_h: float
    end_h: float
    promo_dates: frozenset[date]
    region_names: tuple[str, ...]
    region_weight: np.ndarray  # share of visits per region
    distance_km: np.ndarray  # region x region
    category_names: tuple[str, ...]
    commission_rate: np.ndarray  # per category
    sku_category: np.ndarray
    sku_cost: np.ndarray
    sku_popularity: np.ndarray  # sums to 1
    competitor_feed: CompetitorFeed  # price per day and SKU, generated a day at a time
    offer_sku: np.ndarray
    offer_seller: np.ndarray
    offer_price: np.ndarray  # initial listed price
    stock_initial: np.ndarray  # offers x warehouses
    reorder_point: np.ndarray  # offers x warehouses (-1: not stocked there)
    order_qty: np.ndarray  # offers x warehouses
    sellers: tuple[SellerSpec, ...]
    warehouses: tuple[WarehouseSpec, ...]
    carriers: tuple[CarrierSpec, ...]
    demand: DemandSpec
    reviewers: ReviewerSpec
    money: MoneySpec
    risk: RiskSpec
    price_floor_margin: float = 0.0  # the operator's rule: prices below cost*(1+this) are flagged
    disruptions: tuple[Disruption, ...] = ()
    feed_lag_h: float = 0.0  # how late domain events reach the strategy's systems
    # the sellers who may apply during the run, then the listings founding sellers may launch:
    # sellers, SKUs and offers from these indexes on (one offer per new SKU) are dark until
    # their seller is approved or the listing is launched
    applicants: ApplicantSpec | None = None
    mapping: MappingSpec | None = None
    governance: GovernanceSpec | None = None
    finance: FinanceSpec | None = None
    reviews: ReviewSpec = ReviewSpec()
    # hidden: per customer region, real transit over what the lane's contract says (None: 1)
    region_transit_factor: tuple[float, ...] | None = None
    promo_commission_cut: float = 0.0  # the operator's rule: rate points off on promotion days
    first_new_seller: int = -1  # -1: no applicants (set to len(sellers) otherwise)
    first_new_sku: int = -1
    first_new_offer: int = -1
    first_listing_offer: int = -1  # from here on: founding sellers' new listings (-1: none)
    new_listings_per_day: float = 0.0  # Poisson rate at which founding sellers launch them
    new_sku_visits: np.ndarray | None = None  # visits per day each new SKU brings once listed
    meta: dict = field(default_factory=dict)

    @property
    def n_applicants(self) -> int:
        return 0 if self.first_new_seller < 0 else len(self.sellers) - self.first_new_seller

    @property
    def end_applicant_offers(self) -> int:
        """Where applicants' offers end (founding sellers' new listings, if any, follow)."""
        return self.first_listing_offer if self.first_listing_offer >= 0 else self.n_offers

    @property
    def n_offers(self) -> int:
        return len(self.offer_sku)

    @property
    def n_warehouses(self) -> int:
        return len(self.warehouses)

    def nominal_transit_h(self, carrier: int, origin: int, dest: int) -> float:
        """The carrier's contracted transit time on a lane, in hours."""
        c = self.carriers[carrier]
        return 24.0 * (c.base_days + float(self.distance_km[origin, dest]) / c.km_per_day)

    def carrier_cost(self, carrier: int, origin: int, dest: int) -> float:
        c = self.carriers[carrier]
        return c.fixed_cost + c.cost_per_km * float(self.distance_km[origin, dest])
