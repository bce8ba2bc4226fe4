"""Typed schema of a scenario config (Hydra structured config): what a scenario YAML may say.

A part the world reads is declared once, by the world (`sim/world_parts.py`: demand, money, risk,
the reviewers, carriers, ...), and used here as its schema; the world keeps the configured object.
This module declares only what the generator alone reads (regions, the catalogue's size and
stock rules, the competitor feed, how many sellers, warehouses and carriers there are), partly
as subclasses that extend a world part with it. Hydra rejects unknown keys and wrong types
against these dataclasses; `sim.config_bounds.check_config` checks ranges (field metadata) and each
dataclass's `check_rules`: what spans several fields (helpers in `config_checks`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omegaconf import MISSING

from scenarios.config_checks import iso_date, nonempty
from sim.config_bounds import ConfigError, nonneg, positive, unit
from sim.world_parts import (
    ApplicantSpec,
    CarrierSpec,
    CatalogueSpec,
    DemandSpec,
    Disruption,
    FeedsSpec,
    FinanceSpec,
    GovernanceSpec,
    MoneySpec,
    ReviewerSpec,
    ReviewSpec,
    RiskSpec,
    SellerTraits,
    WarehousingSpec,
)


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


@dataclass(kw_only=True)
class DemandConfig(DemandSpec):
    """The world's demand (`sim.world_parts.DemandSpec`), and what only the generator reads: the
    promotion days and how unequal SKUs' popularity is."""

    promo_dates: list[str] = field(default_factory=list)
    zipf_exponent: float = field(default=0.9, metadata=nonneg)

    def check_rules(self, path: str) -> None:
        super().check_rules(path)
        for i, d in enumerate(self.promo_dates):
            iso_date(d, f"{path}.promo_dates[{i}]")


@dataclass
class CategoryConfig:
    name: str = MISSING
    commission_rate: float = field(default=0.12, metadata=unit)
    share: float = field(default=1.0, metadata=positive)  # relative share of SKUs
    cost_mean: float = field(default=60.0, metadata=positive)


@dataclass(kw_only=True)
class CatalogueConfig(CatalogueSpec):
    """The world's catalogue rules (`sim.world_parts.CatalogueSpec`: mapping, new listings), and
    how the generator makes the catalogue and its stock plan."""

    skus: int = field(default=5000, metadata=positive)
    categories: list[CategoryConfig] = field(default_factory=list)
    offers_per_sku: list[float] = field(default_factory=lambda: [0.6, 0.3, 0.1])  # P(1), P(2), ...
    markup: float = field(default=1.6, metadata=positive)  # reference price over cost
    second_warehouse_share: float = field(default=0.3, metadata=unit)
    stock_cover_days: float = field(default=21.0, metadata=positive)
    safety_days: float = field(default=3.0, metadata=nonneg)
    order_cover_days: float = field(default=14.0, metadata=positive)
    new_listing_visits_day: float = field(default=0.3, metadata=nonneg)  # mean, exponential

    def check_rules(self, path: str) -> None:
        nonempty(self.categories, f"{path}.categories", "SKUs need a category")
        p = self.offers_per_sku
        if not p or min(p) < 0 or sum(p) <= 0:
            raise ConfigError(
                f"{path}.offers_per_sku needs non-negative probabilities, not all zero"
            )


@dataclass(kw_only=True)
class SellerProfile(SellerTraits):
    """`count` sellers of `size` (relative number of offers each) who work as the world's
    `SellerTraits` say."""

    name: str
    count: int = field(default=1, metadata=positive)
    size: float = field(default=1.0, metadata=positive)  # relative number of offers per seller


@dataclass(kw_only=True)
class ApplicationsConfig(ApplicantSpec):
    """The applications the world draws (`sim.world_parts.ApplicantSpec`), and what the generator
    makes of each applicant's slot: its catalogue, the demand it brings, and how an honest new
    seller works."""

    listings_median: float = field(default=25.0, metadata=positive)  # catalogue size, lognormal
    listings_sigma: float = field(default=0.8, metadata=nonneg)
    visits_per_listing_day: float = field(default=0.5, metadata=nonneg)  # demand a listing brings
    profile: SellerTraits = field(
        default_factory=lambda: SellerTraits(
            handling_h=48.0, reliability=0.9, delay_mean_h=24.0, lead_time_days=7.0
        )
    )  # how an honest new seller works (no name, count or size: each applicant is one slot)


@dataclass(kw_only=True)
class WarehousesConfig(WarehousingSpec):
    """How many warehouses, where, and their pick capacity; how each works is the world's
    `WarehousingSpec`."""

    count: int = field(default=10, metadata=positive)
    # pick capacity per shift hour = headroom x the orders per day its sellers are expected to
    # send it / shift hours: capacity follows the load the operator planned for
    capacity_headroom: float = field(default=1.5, metadata=positive)
    regions: list[int] = field(default_factory=list)  # if given: each warehouse's region

    def check_rules(self, path: str) -> None:
        super().check_rules(path)
        if self.regions and len(self.regions) != self.count:
            raise ConfigError(
                f"{path}.regions lists {len(self.regions)} regions for "
                f"{self.count} warehouses; give one per warehouse"
            )


@dataclass(kw_only=True)
class CarrierConfig(CarrierSpec):
    """A carrier (`sim.world_parts.CarrierSpec`), and how the generator places it: its share of
    the sellers who contract it and the share of regions it serves."""

    share: float = field(default=1.0, metadata=nonneg)  # relative share of sellers contracting it
    coverage: float = field(default=1.0, metadata=unit)  # share of regions served


@dataclass
class CompetitorConfig:
    volatility: float = field(default=0.02, metadata=nonneg)  # daily log-sd of the feed
    reversion: float = field(default=0.1, metadata=unit)  # daily pull back to the reference
    promo_discount: float = field(default=0.15, metadata=unit)  # competitor cut on promo days


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
    governance: GovernanceSpec = field(default_factory=GovernanceSpec)
    finance: FinanceSpec = field(default_factory=FinanceSpec)
    warehouses: WarehousesConfig = field(default_factory=WarehousesConfig)
    carriers: list[CarrierConfig] = field(default_factory=list)
    competitor: CompetitorConfig = field(default_factory=CompetitorConfig)
    reviews: ReviewSpec = field(default_factory=ReviewSpec)
    reviewers: ReviewerSpec = field(default_factory=lambda: ReviewerSpec(headcount=10))
    money: MoneySpec = field(default_factory=MoneySpec)
    risk: RiskSpec = field(default_factory=RiskSpec)
    disruptions: list[Disruption] = field(default_factory=list)
    feeds: FeedsSpec = field(default_factory=FeedsSpec)
    # what a calibrated scenario took from its log and from the template, and its sidecar
    # (mptwin-calibrate writes it; mptwin's summary says it); informative, the model never reads it
    calibrated: Any = None
    # a scale ladder's point and growth rules (conf/scenario/ladder.yaml): read by the
    # ${ladder:...} resolvers of scenarios/ladder.py as the config is composed, never by the model
    ladder: Any = None

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
