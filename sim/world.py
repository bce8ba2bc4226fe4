"""The concrete world a run simulates: regions, catalogue, sellers, warehouses, carriers, demand,
reviewers and money rules. Built by `scenarios`, read by `sim`; never changed during a run.

The parts of it a scenario sets are declared once, in `sim/world_parts.py`, and are the typed
schema of a scenario YAML. A world keeps the configured objects themselves and adds only what is
derived from them (arrays, lookups, parsed dates).

Fields marked "hidden" are the scenario's truth (a carrier's real speed, a seller's real
reliability): the world uses them, strategies never see them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from sim.competitor import CompetitorFeed
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

# --- what the generator draws for each seller and warehouse ----------------------------------


@dataclass(frozen=True, kw_only=True)
class SellerSpec:
    """One seller: where it ships from, its contracted carrier, and the profile it works by
    (an applicant's is the scenario's `applications.profile`)."""

    name: str
    home_warehouse: int  # default warehouse
    carrier: int  # contracted carrier
    profile: SellerTraits


@dataclass(frozen=True, kw_only=True)
class WarehouseSpec:
    """One warehouse: where it is and its pick-and-pack capacity on shift, sized by the
    generator (how it works is `World.warehousing`, the same for every warehouse)."""

    name: str
    region: int
    picks_per_hour: float


@dataclass(frozen=True, kw_only=True)
class World:
    """Everything a run needs: the scenario's parts as configured, and what the generator
    derived from them as plain arrays."""

    name: str  # the scenario's, for labels
    start_date: date  # scenario.start_date, parsed
    warmup_h: float
    window_end_h: float
    end_h: float
    promo_dates: frozenset[date]  # scenario.demand.promo_dates, parsed
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
    warehousing: WarehousingSpec
    carriers: tuple[CarrierSpec, ...]
    carrier_serves: tuple[frozenset[int], ...]  # per carrier, the regions it delivers to
    demand: DemandSpec
    hour_weight: tuple[float, ...]  # demand.hour_profile scaled to mean 1
    weekday_weight: tuple[float, ...]  # demand.weekday_profile scaled to mean 1
    reviewers: ReviewerSpec
    money: MoneySpec
    risk: RiskSpec
    catalogue: CatalogueSpec = field(default_factory=CatalogueSpec)
    disruptions: tuple[Disruption, ...] = ()
    feeds: FeedsSpec = field(default_factory=FeedsSpec)
    # the sellers who may apply during the run, then the listings founding sellers may launch:
    # sellers, SKUs and offers from these indexes on (one offer per new SKU) are dark until
    # their seller is approved or the listing is launched
    applicants: ApplicantSpec | None = None
    governance: GovernanceSpec = field(default_factory=GovernanceSpec)
    finance: FinanceSpec = field(default_factory=FinanceSpec)
    reviews: ReviewSpec = field(default_factory=ReviewSpec)
    # hidden: per customer region, real transit over what the lane's contract says (None: 1)
    region_transit_factor: tuple[float, ...] | None = None
    promo_commission_cut: float = 0.0  # the operator's rule: rate points off on promotion days
    first_new_seller: int = -1  # -1: no applicants (set to len(sellers) otherwise)
    first_new_sku: int = -1
    first_new_offer: int = -1
    first_listing_offer: int = -1  # from here on: founding sellers' new listings (-1: none)
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
