"""Typed schema of a scenario config (Hydra structured config): what a scenario YAML may say.

Hydra rejects unknown keys and wrong types against these dataclasses; `sim.validate.check_config`
checks ranges (field metadata) and each dataclass's `check_rules`: what spans several fields
(those rules in `config_checks`). The operator's people are in `config_people`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omegaconf import MISSING

from scenarios.config_checks import iso_date, length, nonempty, shift
from scenarios.config_people import ReviewersConfig
from sim.validate import ConfigError, between, nonneg, positive, unit


@dataclass
class RegionSite:
    """A region placed by hand or by calibration: where it lies (km on a flat map), its share
    of customers, and the typical distance of a delivery within it."""

    name: str = MISSING
    x_km: float = 0.0
    y_km: float = 0.0
    weight: float = field(default=1.0, metadata=positive)
    local_km: float = field(default=40.0, metadata=positive)
    transit_factor: float = field(default=1.0, metadata=positive)  # hidden: real / contract time


@dataclass
class RegionsConfig:
    """Regions drawn at random (count, spread, inequality), or listed in `sites`. Distance between
    two regions is `road_factor` x the straight line; within one, its local distance."""

    count: int = field(default=12, metadata=positive)
    spread_km: float = field(default=2500.0, metadata=positive)  # side of the square they lie in
    weight_sigma: float = field(default=0.8, metadata=nonneg)  # how unequal their populations are
    road_factor: float = field(default=1.25, metadata=positive)  # road km per straight-line km
    local_km: float = field(default=40.0, metadata=positive)  # within a drawn region
    sites: list[RegionSite] = field(default_factory=list)  # if given: these regions, count = len

    def check_rules(self, path: str) -> None:
        if self.sites and len(self.sites) != self.count:
            raise ConfigError(
                f"{path}.count is {self.count} but {path}.sites lists "
                f"{len(self.sites)} regions; they must agree"
            )
        names = [s.name for s in self.sites]
        if len(set(names)) != len(names):
            raise ConfigError(f"{path}.sites: region names must be unique")


@dataclass
class DemandConfig:
    visits_per_day: float = field(default=1500.0, metadata=nonneg)
    hour_profile: list[float] = field(default_factory=lambda: [1.0] * 24)
    weekday_profile: list[float] = field(default_factory=lambda: [1.0] * 7)
    month_profile: list[float] = field(default_factory=lambda: [1.0] * 12)  # Jan..Dec, as is
    promo_dates: list[str] = field(default_factory=list)
    promo_multiplier: float = field(default=3.0, metadata=positive)
    attractiveness: float = 2.0
    price_sensitivity: float = field(default=4.0, metadata=nonneg)
    delivery_sensitivity: float = field(default=0.08, metadata=nonneg)  # utility per promised day
    zipf_exponent: float = field(default=0.9, metadata=nonneg)
    trend_per_year: float = 0.0  # log growth of visits a year, from the run's first day

    def check_rules(self, path: str) -> None:
        for key, n in (("hour_profile", 24), ("weekday_profile", 7), ("month_profile", 12)):
            values = getattr(self, key)
            length(values, n, f"{path}.{key}")
            if min(values) < 0 or sum(values) <= 0:
                raise ConfigError(f"{path}.{key} needs non-negative weights, not all zero")
        for i, d in enumerate(self.promo_dates):
            iso_date(d, f"{path}.promo_dates[{i}]")


@dataclass
class CategoryConfig:
    name: str = MISSING
    commission_rate: float = field(default=0.12, metadata=unit)
    share: float = field(default=1.0, metadata=positive)  # relative share of SKUs
    cost_mean: float = field(default=60.0, metadata=positive)


@dataclass
class MapperConfig:
    """A simulated catalogue mapper (sim.classifier): its accuracy and calibration."""

    accuracy: float = field(default=0.85, metadata=unit)  # mean chance a label is right
    sharpness: float = field(default=8.0, metadata=positive)  # spread of that chance by listing
    temperature: float = field(default=1.0, metadata=positive)  # 1: calibrated confidences


@dataclass
class MappingConfig:
    """How new listings get the operator's categories: two mappers a strategy may call (a
    keyword mapper, a trained model), and what a wrong category does until it is corrected."""

    keyword: MapperConfig = field(
        default_factory=lambda: MapperConfig(accuracy=0.8, sharpness=50.0, temperature=1.0)
    )
    model: MapperConfig = field(default_factory=MapperConfig)
    miscategorised_penalty: float = field(default=1.0, metadata=nonneg)  # utility a buyer loses
    surface_days: float = field(default=10.0, metadata=positive)  # mean time until it shows


@dataclass
class CatalogueConfig:
    skus: int = field(default=5000, metadata=positive)
    categories: list[CategoryConfig] = field(default_factory=list)
    offers_per_sku: list[float] = field(default_factory=lambda: [0.6, 0.3, 0.1])  # P(1), P(2), ...
    markup: float = field(default=1.6, metadata=positive)  # reference price over cost
    second_warehouse_share: float = field(default=0.3, metadata=unit)
    stock_cover_days: float = field(default=21.0, metadata=positive)
    safety_days: float = field(default=3.0, metadata=nonneg)
    order_cover_days: float = field(default=14.0, metadata=positive)
    mapping: MappingConfig = field(default_factory=MappingConfig)
    new_listings_per_day: float = field(default=0.0, metadata=nonneg)  # founders' new listings
    new_listing_visits_day: float = field(default=0.3, metadata=nonneg)  # mean, exponential

    def check_rules(self, path: str) -> None:
        nonempty(self.categories, f"{path}.categories", "SKUs need a category")
        p = self.offers_per_sku
        if not p or min(p) < 0 or sum(p) <= 0:
            raise ConfigError(
                f"{path}.offers_per_sku needs non-negative probabilities, not all zero"
            )


@dataclass
class SellerProfile:
    name: str = MISSING
    count: int = field(default=1, metadata=positive)
    size: float = field(default=1.0, metadata=positive)  # relative number of offers per seller
    handling_h: float = field(default=48.0, metadata=positive)
    reliability: float = field(default=0.95, metadata=unit)
    delay_mean_h: float = field(default=24.0, metadata=nonneg)
    lead_time_days: float = field(default=7.0, metadata=positive)
    bad_actor: bool = False  # hidden: bad actors among the founding sellers (governance tests)


@dataclass
class ApplicationsConfig:
    """Sellers who apply to join during the run: a Poisson stream of applications. Their
    catalogues are part of the world, dark until approved; when each applies and its hidden
    truth (honest or bad actor, documents, compliance) are drawn per run."""

    per_day: float = field(default=0.0, metadata=nonneg)
    bad_share: float = field(default=0.1, metadata=unit)  # hidden: share of bad actors
    kyc_separation: float = field(default=2.0, metadata=nonneg)  # hidden: KYC score, bad - honest
    screen_separation: float = field(default=1.5, metadata=nonneg)  # hidden: screen, issue - none
    documents_fail_honest: float = field(default=0.05, metadata=unit)  # automatic check fails
    documents_fail_bad: float = field(default=0.25, metadata=unit)
    compliance_issue_honest: float = field(default=0.05, metadata=unit)  # prohibited listings
    compliance_issue_bad: float = field(default=0.5, metadata=unit)
    fix_days: float = field(default=2.0, metadata=nonneg)  # an honest seller fixes its catalogue
    listings_median: float = field(default=25.0, metadata=positive)  # catalogue size, lognormal
    listings_sigma: float = field(default=0.8, metadata=nonneg)
    visits_per_listing_day: float = field(default=0.5, metadata=nonneg)  # demand a listing brings
    profile: SellerProfile = field(
        default_factory=lambda: SellerProfile(
            name="new", handling_h=48.0, reliability=0.9, delay_mean_h=24.0, lead_time_days=7.0
        )
    )  # how an honest new seller works
    bad_reliability: float = field(default=0.5, metadata=unit)  # hidden: how a bad actor ships
    bad_delay_mean_h: float = field(default=96.0, metadata=nonneg)  # hidden
    bad_return_rate: float = field(default=0.25, metadata=unit)  # hidden: counterfeits come back
    bad_never_ship: float = field(default=0.1, metadata=unit)  # hidden: orders never shipped
    bad_review_drop: float = field(default=2.0, metadata=nonneg)  # hidden: stars lost to fakes
    wave_share: float = field(default=0.3, metadata=unit)  # hidden: bad actors that run a wave
    wave_after_days: float = field(default=14.0, metadata=nonneg)  # after going live
    wave_days: float = field(default=4.0, metadata=positive)
    wave_orders_per_day: float = field(default=15.0, metadata=nonneg)  # stolen-card orders


@dataclass
class GovernanceConfig:
    """How sellers react to governance (hidden): whether a warning reforms a bad actor, how
    soon a wrongly suspended seller appeals, how late a review lands after delivery."""

    reform_chance: float = field(default=0.3, metadata=unit)  # a warned bad actor reforms
    appeal_days: float = field(default=3.0, metadata=nonneg)  # honest suspended: appeals then
    review_lag_days: float = field(default=5.0, metadata=nonneg)  # a review lands this late


@dataclass
class FinanceConfig:
    """Reconciliation: how often a carrier invoice line or a seller payout does not match the
    ledger, by how much, and how often in the counterparty's favour (hidden); how long a
    seller's negative balance may wait for a payout to recover it before it is an exception."""

    mismatch_rate: float = field(default=0.005, metadata=unit)  # per invoice line and payout
    mismatch_sd: float = field(default=0.2, metadata=nonneg)  # relative size, half-normal
    overbill_share: float = field(default=0.7, metadata=unit)  # against the operator
    negative_balance_days: float = field(default=14.0, metadata=nonneg)


@dataclass
class WarehousesConfig:
    count: int = field(default=10, metadata=positive)
    # pick capacity per shift hour = headroom x the orders per day its sellers are expected to
    # send it / shift hours: capacity follows the load the operator planned for
    capacity_headroom: float = field(default=1.5, metadata=positive)
    shift_start: float = field(default=6.0, metadata=between(0, 24))
    shift_end: float = field(default=22.0, metadata=between(0, 24))
    cutoff_hour: int = field(default=17, metadata=between(0, 23))
    weekend_factor: float = field(default=0.5, metadata=nonneg)
    discrepancy_rate: float = field(default=0.01, metadata=unit)
    regions: list[int] = field(default_factory=list)  # if given: each warehouse's region

    def check_rules(self, path: str) -> None:
        shift(self.shift_start, self.shift_end, path)
        if self.regions and len(self.regions) != self.count:
            raise ConfigError(
                f"{path}.regions lists {len(self.regions)} regions for "
                f"{self.count} warehouses; give one per warehouse"
            )


@dataclass
class CarrierConfig:
    name: str = MISSING
    share: float = field(default=1.0, metadata=nonneg)  # relative share of sellers contracting it
    fixed_cost: float = field(default=8.0, metadata=nonneg)
    cost_per_km: float = field(default=0.004, metadata=nonneg)
    base_days: float = field(default=1.0, metadata=nonneg)
    km_per_day: float = field(default=500.0, metadata=positive)
    coverage: float = field(default=1.0, metadata=unit)  # share of regions served
    daily_capacity: int = field(default=1000, metadata=positive)
    transit_bias: float = 0.0  # hidden: ln(real / contracted) transit time
    transit_sigma: float = field(default=0.35, metadata=nonneg)  # hidden
    loss_rate: float = field(default=0.005, metadata=unit)  # hidden
    damage_rate: float = field(default=0.005, metadata=unit)  # hidden


@dataclass
class ReviewsConfig:
    """Stars a customer gives on delivery: around `on_time_mean` (sd `sd`, rounded to 1..5);
    late, lower by `late_drop` plus `late_drop_per_day` a day late, at most `max_drop`."""

    on_time_mean: float = field(default=4.5, metadata=between(1, 5))
    late_drop: float = field(default=0.6, metadata=nonneg)
    late_drop_per_day: float = field(default=0.4, metadata=nonneg)
    max_drop: float = field(default=3.0, metadata=nonneg)
    sd: float = field(default=1.1, metadata=nonneg)


@dataclass
class CompetitorConfig:
    volatility: float = field(default=0.02, metadata=nonneg)  # daily log-sd of the feed
    reversion: float = field(default=0.1, metadata=unit)  # daily pull back to the reference
    promo_discount: float = field(default=0.15, metadata=unit)  # competitor cut on promo days


@dataclass
class DisruptionConfig:
    """A carrier in trouble: from `start_day` (a day of the run, warm-up included) for `days`,
    parcels to `regions` (empty: all it serves) travel `transit_factor` times slower and it
    collects at most `capacity_factor` of its daily capacity for them."""

    carrier: int = field(default=0, metadata=nonneg)
    regions: list[int] = field(default_factory=list)
    start_day: int = field(default=0, metadata=nonneg)
    days: int = field(default=7, metadata=positive)
    capacity_factor: float = field(default=1.0, metadata=nonneg)
    transit_factor: float = field(default=1.0, metadata=positive)


@dataclass
class FeedsConfig:
    lag_h: float = field(default=0.0, metadata=nonneg)  # domain events reach strategies this late


@dataclass
class MoneyConfig:
    currency: str = "BRL"
    fee_base: float = field(default=9.0, metadata=nonneg)
    fee_per_km: float = field(default=0.005, metadata=nonneg)
    sla_credit_pct: float = field(default=0.1, metadata=unit)
    return_window_days: float = field(default=7.0, metadata=nonneg)
    payout_every_days: float = field(default=7.0, metadata=positive)
    chargeback_delay_days: float = field(default=14.0, metadata=nonneg)
    price_floor_margin: float = field(default=0.0, metadata=nonneg)
    platform_fee_per_order: float = field(
        default=0.25, metadata=nonneg
    )  # an orchestration vendor's price


@dataclass
class RiskConfig:
    fraud_rate: float = field(default=0.01, metadata=unit)
    signal_separation: float = field(default=2.5, metadata=nonneg)
    hold_threshold: float = 2.0
    return_rate: float = field(default=0.04, metadata=unit)
    return_rate_late: float = field(default=0.12, metadata=unit)
    return_fraud_rate: float = field(default=0.0, metadata=unit)  # share of customer returns
    lost_detect_days: float = field(default=5.0, metadata=nonneg)
    customer_cancel_rate: float = field(default=0.0, metadata=unit)  # cancels before routing


@dataclass
class ScenarioConfig:
    name: str = MISSING
    start_date: str = "2026-01-05"
    days: int = field(default=90, metadata=positive)
    warmup_days: int = field(default=7, metadata=nonneg)
    cooldown_days: int = field(default=28, metadata=nonneg)
    world_seed: int = field(default=7, metadata=nonneg)  # the synthetic world; runs vary by `seed`
    regions: RegionsConfig = field(default_factory=RegionsConfig)
    demand: DemandConfig = field(default_factory=DemandConfig)
    catalogue: CatalogueConfig = field(default_factory=CatalogueConfig)
    sellers: list[SellerProfile] = field(default_factory=list)
    applications: ApplicationsConfig = field(default_factory=ApplicationsConfig)
    governance: GovernanceConfig = field(default_factory=GovernanceConfig)
    finance: FinanceConfig = field(default_factory=FinanceConfig)
    warehouses: WarehousesConfig = field(default_factory=WarehousesConfig)
    carriers: list[CarrierConfig] = field(default_factory=list)
    competitor: CompetitorConfig = field(default_factory=CompetitorConfig)
    reviews: ReviewsConfig = field(default_factory=ReviewsConfig)
    reviewers: ReviewersConfig = field(default_factory=ReviewersConfig)
    money: MoneyConfig = field(default_factory=MoneyConfig)
    risk: RiskConfig = field(default_factory=RiskConfig)
    disruptions: list[DisruptionConfig] = field(default_factory=list)
    feeds: FeedsConfig = field(default_factory=FeedsConfig)
    # what a calibrated scenario took from its log and from the template, and its sidecar
    # (mptwin-calibrate writes it; mptwin's summary says it); informative, the model never reads it
    calibrated: Any = None

    def check_rules(self, path: str) -> None:
        """Rules that span the scenario's parts; raises ConfigError naming the key."""
        iso_date(self.start_date, f"{path}.start_date")
        nonempty(self.sellers, f"{path}.sellers", "a marketplace needs at least one seller profile")
        nonempty(self.carriers, f"{path}.carriers", "orders need at least one carrier")
        if len(self.catalogue.offers_per_sku) > sum(p.count for p in self.sellers):
            raise ConfigError(
                f"{path}.catalogue.offers_per_sku allows more offers per SKU than there are sellers"
            )
        if sum(c.share for c in self.carriers) <= 0:
            raise ConfigError(f"{path}.carriers: at least one carrier needs a share > 0")
        for i, d in enumerate(self.disruptions):
            if d.carrier >= len(self.carriers):
                raise ConfigError(
                    f"{path}.disruptions[{i}].carrier is {d.carrier}, but there are "
                    f"{len(self.carriers)} carriers (0..{len(self.carriers) - 1})"
                )
            bad = [r for r in d.regions if not 0 <= r < self.regions.count]
            if bad:
                raise ConfigError(f"{path}.disruptions[{i}].regions has unknown regions {bad}")
        bad = [r for r in self.warehouses.regions if not 0 <= r < self.regions.count]
        if bad:
            raise ConfigError(
                f"{path}.warehouses.regions has unknown regions {bad} "
                f"(regions are 0..{self.regions.count - 1})"
            )
