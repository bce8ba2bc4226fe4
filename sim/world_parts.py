"""The parts of the world a scenario sets (demand, money, the reviewers, a carrier, ...), each
declared once, here, and at the same time the typed schema of that part of a scenario YAML: the
scenario's config (`scenarios/config.py`) is made of these classes, extended there only by what
the world generator alone reads. The world (`sim/world.py`) keeps the configured objects
themselves. So a scenario value reaches its use in two hops: YAML to the typed object, then read
where it is used. Bounds live in field metadata (`sim.config_bounds`); rules that span fields in
`check_rules(path)`. A duration is configured in days (`*_days`) and read in the world's hours
through a `*_h` property: the one unit conversion.

Fields marked "hidden" are the scenario's truth (a carrier's real speed, a seller's real
reliability): the world uses them, strategies never see them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.classifier import ClassifierSpec
from sim.clock import HOURS_PER_DAY
from sim.config_bounds import ConfigError, between, nonneg, positive, unit
from sim.exceptions import EXCEPTION_TYPES

# --- what a scenario sets: each part declared once, the schema of its YAML --------------------


@dataclass(kw_only=True)
class DemandSpec:
    """Visits and how customers choose. The profiles are weights as configured; the world's
    mean-one shapes are derived (`World.hour_weight`, `World.weekday_weight`)."""

    visits_per_day: float = field(default=1500.0, metadata=nonneg)  # an ordinary weekday
    hour_profile: list[float] = field(default_factory=lambda: [1.0] * 24)
    weekday_profile: list[float] = field(default_factory=lambda: [1.0] * 7)  # Monday..Sunday
    month_profile: list[float] = field(default_factory=lambda: [1.0] * 12)  # Jan..Dec, as is
    promo_multiplier: float = field(default=3.0, metadata=positive)
    attractiveness: float = 2.0  # MNL utility constant of an offer vs. the outside option
    price_sensitivity: float = field(default=4.0, metadata=nonneg)  # per log of price ratio
    delivery_sensitivity: float = field(default=0.08, metadata=nonneg)  # utility per promised day
    trend_per_year: float = 0.0  # log growth of visits a year, from the run's first day

    def check_rules(self, path: str) -> None:
        for key, n in (("hour_profile", 24), ("weekday_profile", 7), ("month_profile", 12)):
            values = getattr(self, key)
            if len(values) != n:
                raise ConfigError(f"{path}.{key} needs {n} values, got {len(values)}")
            if min(values) < 0 or sum(values) <= 0:
                raise ConfigError(f"{path}.{key} needs non-negative weights, not all zero")


@dataclass(kw_only=True)
class SellerTraits:
    """How the sellers of one profile work (a scenario's `SellerProfile` adds its name, count
    and size)."""

    handling_h: float = field(default=48.0, metadata=positive)  # promised: ship-by = placed + it
    reliability: float = field(default=0.95, metadata=unit)  # hidden: released without delay
    delay_mean_h: float = field(default=24.0, metadata=nonneg)  # hidden: mean delay when held up
    lead_time_days: float = field(default=7.0, metadata=positive)  # replenishment
    bad_actor: bool = False  # hidden: bad actors among the founding sellers (governance tests)

    @property
    def lead_time_h(self) -> float:
        return HOURS_PER_DAY * self.lead_time_days


@dataclass(kw_only=True)
class WarehousingSpec:
    """How every warehouse works: shifts, the daily carrier pick-up, weekend capacity, and how
    often a recorded unit is not on the shelf (a scenario's `WarehousesConfig` adds how many
    there are, where, and how their capacity is sized)."""

    shift_start: float = field(default=6.0, metadata=between(0, 24))  # hour of day
    shift_end: float = field(default=22.0, metadata=between(0, 24))
    cutoff_hour: int = field(default=17, metadata=between(0, 23))  # the daily carrier pick-up
    weekend_factor: float = field(default=0.5, metadata=nonneg)  # capacity on Saturday, Sunday
    discrepancy_rate: float = field(default=0.01, metadata=unit)  # hidden: unit not on the shelf

    def check_rules(self, path: str) -> None:
        _shift(self.shift_start, self.shift_end, path)


@dataclass(kw_only=True)
class CarrierSpec:
    """A carrier's contract (public) and its real performance (hidden). The regions it serves
    are drawn by the generator (`World.carrier_serves`; a scenario's `CarrierConfig` adds its
    share of sellers and its coverage)."""

    name: str
    fixed_cost: float = field(default=8.0, metadata=nonneg)  # per parcel
    cost_per_km: float = field(default=0.004, metadata=nonneg)
    base_days: float = field(default=1.0, metadata=nonneg)  # contract: base_days + km/km_per_day
    km_per_day: float = field(default=500.0, metadata=positive)
    daily_capacity: int = field(default=1000, metadata=positive)  # parcels it collects a day
    transit_bias: float = 0.0  # hidden: ln(real / contracted) transit time
    transit_sigma: float = field(default=0.35, metadata=nonneg)  # hidden: log-sd of transit time
    loss_rate: float = field(default=0.005, metadata=unit)  # hidden
    damage_rate: float = field(default=0.005, metadata=unit)  # hidden: delivered damaged


@dataclass(kw_only=True)
class Disruption:
    """A carrier in trouble: from `start_day` (a day of the run, warm-up included) for `days`,
    parcels to `regions` (empty: all it serves) travel `transit_factor` times slower and it
    collects at most `capacity_factor` of its daily capacity for them."""

    carrier: int = field(default=0, metadata=nonneg)
    regions: list[int] = field(default_factory=list)
    start_day: int = field(default=0, metadata=nonneg)
    days: int = field(default=7, metadata=positive)
    capacity_factor: float = field(default=1.0, metadata=nonneg)
    transit_factor: float = field(default=1.0, metadata=positive)

    @property
    def start_h(self) -> float:
        return HOURS_PER_DAY * self.start_day

    @property
    def end_h(self) -> float:
        return HOURS_PER_DAY * (self.start_day + self.days)

    def hits(self, carrier: int, region: int, t_h: float) -> bool:
        """Whether a parcel of `carrier` to `region` handed over at `t_h` is caught in it. With
        no regions listed, every region: a carrier carries only to regions it serves."""
        return (
            carrier == self.carrier
            and self.start_h <= t_h < self.end_h
            and (not self.regions or region in self.regions)
        )


@dataclass(kw_only=True)
class ReviewSpec:
    """Stars a customer gives on delivery: around `on_time_mean` (sd `sd`, rounded to 1..5);
    late, lower by `late_drop` plus `late_drop_per_day` a day late, at most `max_drop`."""

    on_time_mean: float = field(default=4.5, metadata=between(1, 5))
    late_drop: float = field(default=0.6, metadata=nonneg)
    late_drop_per_day: float = field(default=0.4, metadata=nonneg)
    max_drop: float = field(default=3.0, metadata=nonneg)
    sd: float = field(default=1.1, metadata=nonneg)


@dataclass(kw_only=True)
class Staff:
    """People on shifts: how many, when they work, and what an hour of theirs costs."""

    headcount: int = field(default=1, metadata=nonneg)
    shift_start: float = field(default=8.0, metadata=between(0, 24))
    shift_end: float = field(default=17.0, metadata=between(0, 24))
    weekends: bool = False
    hourly_cost: float = field(default=30.0, metadata=nonneg)

    def check_rules(self, path: str) -> None:
        _shift(self.shift_start, self.shift_end, path)


@dataclass(kw_only=True)
class TeamSpec(Staff):
    """A review team by skill beside the main one: its own people, shifts and wage, and the
    exception types it works."""

    types: list[str] = field(default_factory=list)

    def check_rules(self, path: str) -> None:
        super().check_rules(path)
        unknown = sorted(set(self.types) - set(EXCEPTION_TYPES))
        if unknown:
            raise ConfigError(
                f"{path}.types has unknown exception types {unknown}; "
                f"known: {list(EXCEPTION_TYPES)}"
            )
        if not self.types:
            raise ConfigError(f"{path}.types is empty: a team needs the exception types it works")


MAIN_TEAM = "operations"  # the main team's name in the shift and exception records


@dataclass(kw_only=True)
class ReviewerSpec(Staff):
    """The operator's people. The main team is this object's own people and shifts (`headcount`,
    `shift_start`, ...): it works every exception type no team in `teams` owns; with no other
    teams it is the single team of earlier versions. What people get right is hidden."""

    handling_mean_h: dict[str, float] = field(default_factory=dict)  # per type (exponential)
    fraud_detection: float = field(default=0.9, metadata=unit)  # hidden: a fraudulent payment
    false_rejection: float = field(default=0.05, metadata=unit)  # hidden: a genuine one rejected
    return_fraud_detection: float = field(default=0.6, metadata=unit)  # hidden: a fraud return
    kyc_detection: float = field(default=0.85, metadata=unit)  # hidden: bad applicants caught
    kyc_false_rejection: float = field(default=0.03, metadata=unit)  # hidden: honest rejected
    compliance_detection: float = field(default=0.9, metadata=unit)  # hidden: issues found
    seller_detection: float = field(default=0.85, metadata=unit)  # hidden: a review finds one
    seller_false_suspension: float = field(default=0.01, metadata=unit)  # hidden: honest one
    reconciliation_detection: float = field(default=0.95, metadata=unit)  # hidden: overbills
    teams: dict[str, TeamSpec] = field(default_factory=dict)  # teams by skill beside the main

    def check_rules(self, path: str) -> None:
        super().check_rules(path)
        if MAIN_TEAM in self.teams:
            raise ConfigError(
                f"{path}.teams.{MAIN_TEAM}: the main team is configured by "
                f"{path}.headcount and its shifts; name the other teams otherwise"
            )
        seen: dict[str, str] = {}
        for name, team in self.teams.items():
            for t in team.types:
                if t in seen:
                    raise ConfigError(
                        f"{path}.teams.{name}.types: {t} is already worked by "
                        f"team {seen[t]}; each type goes to one team"
                    )
                seen[t] = name
        unknown = set(self.handling_mean_h) - set(EXCEPTION_TYPES)
        if unknown:
            raise ConfigError(
                f"{path}.handling_mean_h has unknown exception types {sorted(unknown)}; "
                f"known: {list(EXCEPTION_TYPES)}"
            )
        for t in EXCEPTION_TYPES:
            v = self.handling_mean_h.get(t)
            if v is None or v <= 0:
                raise ConfigError(f"{path}.handling_mean_h.{t} must be > 0, got {v}")

    def desks(self, types: tuple[str, ...]) -> tuple[tuple[str, Staff, frozenset[str]], ...]:
        """Each team as (name, its people, the exception types it works): the main team first
        (this object, owning what no other team owns), then the others in their order."""
        owned = frozenset().union(*(frozenset(t.types) for t in self.teams.values()))
        main = (MAIN_TEAM, self, frozenset(types) - owned)
        return (main, *((n, t, frozenset(t.types)) for n, t in self.teams.items()))


@dataclass(kw_only=True)
class MoneySpec:
    currency: str = "BRL"
    fee_base: float = field(default=9.0, metadata=nonneg)  # the customer's shipping fee: base
    fee_per_km: float = field(default=0.005, metadata=nonneg)  # ... plus per km
    sla_credit_pct: float = field(default=0.1, metadata=unit)  # credit when late, of the price
    return_window_days: float = field(default=7.0, metadata=nonneg)
    payout_every_days: float = field(default=7.0, metadata=positive)
    chargeback_delay_days: float = field(default=14.0, metadata=nonneg)
    price_floor_margin: float = field(default=0.0, metadata=nonneg)  # floor: cost x (1 + this)
    platform_fee_per_order: float = field(default=0.25, metadata=nonneg)  # orchestration vendor

    @property
    def return_window_h(self) -> float:
        return HOURS_PER_DAY * self.return_window_days

    @property
    def payout_every_h(self) -> float:
        return HOURS_PER_DAY * self.payout_every_days

    @property
    def chargeback_delay_h(self) -> float:
        return HOURS_PER_DAY * self.chargeback_delay_days


@dataclass(kw_only=True)
class RiskSpec:
    fraud_rate: float = field(default=0.01, metadata=unit)  # hidden: fraudulent payments
    signal_separation: float = field(default=2.5, metadata=nonneg)  # hidden: fraud's risk score
    hold_threshold: float = 2.0  # the payment provider holds orders scoring above this
    return_rate: float = field(default=0.04, metadata=unit)  # a delivered order returned, on time
    return_rate_late: float = field(default=0.12, metadata=unit)  # when late
    return_fraud_rate: float = field(default=0.0, metadata=unit)  # hidden: of customer returns
    lost_detect_days: float = field(default=5.0, metadata=nonneg)  # past the promise: lost
    customer_cancel_rate: float = field(default=0.0, metadata=unit)  # cancels before routing

    @property
    def lost_detect_h(self) -> float:
        return HOURS_PER_DAY * self.lost_detect_days


@dataclass(kw_only=True)
class ApplicantSpec:
    """Sellers who apply to join during the run: a Poisson stream of applications, and their
    hidden truth (honest or bad actor, documents, compliance), drawn per run. (A scenario's
    `ApplicationsConfig` adds how their catalogues and the honest ones' work are generated.)"""

    per_day: float = field(default=0.0, metadata=nonneg)
    bad_share: float = field(default=0.1, metadata=unit)  # hidden: share of bad actors
    kyc_separation: float = field(default=2.0, metadata=nonneg)  # hidden: KYC score, bad - honest
    screen_separation: float = field(default=1.5, metadata=nonneg)  # hidden: screen, issue - none
    documents_fail_honest: float = field(default=0.05, metadata=unit)  # automatic check fails
    documents_fail_bad: float = field(default=0.25, metadata=unit)
    compliance_issue_honest: float = field(default=0.05, metadata=unit)  # prohibited listings
    compliance_issue_bad: float = field(default=0.5, metadata=unit)
    fix_days: float = field(default=2.0, metadata=nonneg)  # an honest seller fixes its catalogue
    bad_reliability: float = field(default=0.5, metadata=unit)  # hidden: how a bad actor ships
    bad_delay_mean_h: float = field(default=96.0, metadata=nonneg)  # hidden
    bad_return_rate: float = field(default=0.25, metadata=unit)  # hidden: counterfeits come back
    bad_never_ship: float = field(default=0.1, metadata=unit)  # hidden: orders never shipped
    bad_review_drop: float = field(default=2.0, metadata=nonneg)  # hidden: stars lost to fakes
    wave_share: float = field(default=0.3, metadata=unit)  # hidden: bad actors that run a wave
    wave_after_days: float = field(default=14.0, metadata=nonneg)  # after going live
    wave_days: float = field(default=4.0, metadata=positive)
    wave_orders_per_day: float = field(default=15.0, metadata=nonneg)  # stolen-card orders

    @property
    def fix_h(self) -> float:
        return HOURS_PER_DAY * self.fix_days

    @property
    def wave_after_h(self) -> float:
        return HOURS_PER_DAY * self.wave_after_days

    @property
    def wave_h(self) -> float:
        return HOURS_PER_DAY * self.wave_days


@dataclass(kw_only=True)
class FinanceSpec:
    """Reconciliation: how often a carrier invoice line or a seller payout does not match the
    ledger, by how much, and how often in the counterparty's favour (hidden); how long a
    seller's negative balance may wait for a payout to recover it before it is an exception."""

    mismatch_rate: float = field(default=0.005, metadata=unit)  # per invoice line and payout
    mismatch_sd: float = field(default=0.2, metadata=nonneg)  # relative size, half-normal
    overbill_share: float = field(default=0.7, metadata=unit)  # against the operator
    negative_balance_days: float = field(default=14.0, metadata=nonneg)

    @property
    def negative_balance_h(self) -> float:
        return HOURS_PER_DAY * self.negative_balance_days


@dataclass(kw_only=True)
class GovernanceSpec:
    """How sellers react to governance (hidden): whether a warning reforms a bad actor, how
    soon a wrongly suspended seller appeals, how late a review lands after delivery."""

    reform_chance: float = field(default=0.3, metadata=unit)  # a warned bad actor reforms
    appeal_days: float = field(default=3.0, metadata=nonneg)  # honest suspended: appeals then
    review_lag_days: float = field(default=5.0, metadata=nonneg)  # a review lands this late

    @property
    def appeal_h(self) -> float:
        return HOURS_PER_DAY * self.appeal_days

    @property
    def review_lag_h(self) -> float:
        return HOURS_PER_DAY * self.review_lag_days


@dataclass(kw_only=True)
class MappingSpec:
    """How new listings get the operator's categories: two mappers a strategy may call (a
    keyword mapper, a trained model), and what a wrong category does until it is corrected."""

    keyword: ClassifierSpec = field(
        default_factory=lambda: ClassifierSpec(accuracy=0.8, sharpness=50.0, temperature=1.0)
    )
    model: ClassifierSpec = field(default_factory=ClassifierSpec)
    miscategorised_penalty: float = field(default=1.0, metadata=nonneg)  # utility a buyer loses
    surface_days: float = field(default=10.0, metadata=positive)  # mean time until it shows

    @property
    def surface_h(self) -> float:
        return HOURS_PER_DAY * self.surface_days


@dataclass(kw_only=True)
class CatalogueSpec:
    """What the world reads of the catalogue: how new listings are mapped, and how often the
    founding sellers launch one (a scenario's `CatalogueConfig` adds how the catalogue is
    generated)."""

    mapping: MappingSpec = field(default_factory=MappingSpec)
    new_listings_per_day: float = field(default=0.0, metadata=nonneg)  # Poisson rate


@dataclass(kw_only=True)
class FeedsSpec:
    lag_h: float = field(default=0.0, metadata=nonneg)  # domain events reach strategies this late


def _shift(start: float, end: float, path: str) -> None:
    if start >= end:
        raise ConfigError(f"{path}.shift_start ({start}) must be before shift_end ({end})")
