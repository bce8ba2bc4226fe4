"""The sellers who may apply during a run: a pool of applicant slots, each with its own new
catalogue (one offer per new SKU), stock plan and demand, appended to the synthetic world.

The pool holds more slots than the expected number of applications (mean + 4 sd), so a run's
Poisson stream of applications almost never runs out; the slots that never apply stay dark.
Everything here comes from its own generator, so the rest of the world is the same with or
without applicants.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scenarios.config import ScenarioConfig
from scenarios.specs import days
from sim.world import SellerSpec

EXPECTED_LIVE_SHARE = 0.5  # an applicant that joins is live for about half the run


@dataclass
class NewSellers:
    """The pool's sellers and their catalogues, as arrays to append to the world's."""

    sellers: tuple[SellerSpec, ...]
    sku_category: np.ndarray
    sku_cost: np.ndarray
    ref_price: np.ndarray
    sku_visits: np.ndarray  # visits per day each new SKU brings once listed
    offer_seller: np.ndarray  # seller index within the pool, one offer per new SKU
    stock: np.ndarray  # offers x warehouses: launch stock, reorder points, order quantities
    rop: np.ndarray
    qty: np.ndarray
    load: np.ndarray  # planned picks per day per warehouse


def pool_size(cfg: ScenarioConfig) -> int:
    """Applicant slots: the expected applications over the whole run plus four sd and three."""
    mu = cfg.applications.per_day * (cfg.warmup_days + cfg.days + cfg.cooldown_days)
    return 0 if mu <= 0 else math.ceil(mu + 4.0 * math.sqrt(mu) + 3.0)


def new_sellers(cfg: ScenarioConfig, conversion: float, rng) -> NewSellers | None:
    """The applicant pool of a scenario, or None when it takes no applications."""
    n = pool_size(cfg)
    if n == 0:
        return None
    a, cat = cfg.applications, cfg.catalogue
    n_wh = cfg.warehouses.count
    share = np.array([c.share for c in cfg.carriers], dtype=float)
    sellers = []
    for k in range(n):
        home = int(rng.integers(n_wh))
        carrier = int(rng.choice(len(cfg.carriers), p=share / share.sum()))
        sellers.append(
            SellerSpec(name=f"new-{k:03d}", home_warehouse=home, carrier=carrier, profile=a.profile)
        )
    sizes = np.maximum(1, np.rint(a.listings_median * rng.lognormal(0.0, a.listings_sigma, n)))
    sizes = sizes.astype(np.int64)
    offer_seller = np.repeat(np.arange(n), sizes)
    m = len(offer_seller)
    cat_share = np.array([c.share for c in cat.categories], dtype=float)
    sku_cat = rng.choice(len(cat.categories), size=m, p=cat_share / cat_share.sum())
    cost_mean = np.array([c.cost_mean for c in cat.categories])[sku_cat]
    sku_cost = np.round(cost_mean * rng.lognormal(-0.18, 0.6, m), 2).clip(1.0)
    ref_price = sku_cost * cat.markup * rng.lognormal(0.0, 0.1, m)
    visits = np.empty(m)
    start = 0
    for size in sizes.tolist():  # a seller's listings: Zipf within its catalogue, mean one
        w = (np.arange(1, size + 1, dtype=float)) ** -cfg.demand.zipf_exponent
        visits[start : start + size] = rng.permutation(w * size / w.sum())
        start += size
    visits *= a.visits_per_listing_day
    expected = cfg.applications.per_day * (cfg.warmup_days + cfg.days + cfg.cooldown_days) / n
    stock, rop, qty, load = _stock(cfg, sellers, offer_seller, visits * conversion, expected)
    return NewSellers(
        tuple(sellers), sku_cat, sku_cost, ref_price, visits, offer_seller, stock, rop, qty, load
    )


def listing_slots(cfg: ScenarioConfig) -> int:
    """Founding sellers' new listings: the expected launches over the run plus four sd and three."""
    mu = cfg.catalogue.new_listings_per_day * (cfg.warmup_days + cfg.days + cfg.cooldown_days)
    return 0 if mu <= 0 else math.ceil(mu + 4.0 * math.sqrt(mu) + 3.0)


def founders_new_listings(
    cfg: ScenarioConfig, founders, founder_size: np.ndarray, conversion: float, rng
) -> NewSellers | None:
    """The listings the founding sellers will launch during the run (one offer per new SKU,
    a founder drawn by its size for each), or None when the scenario launches none. Which of
    these slots launch, and when, is drawn per run."""
    n = listing_slots(cfg)
    if n == 0:
        return None
    cat = cfg.catalogue
    owner = rng.choice(len(founders), size=n, p=founder_size / founder_size.sum())
    cat_share = np.array([c.share for c in cat.categories], dtype=float)
    sku_cat = rng.choice(len(cat.categories), size=n, p=cat_share / cat_share.sum())
    cost_mean = np.array([c.cost_mean for c in cat.categories])[sku_cat]
    sku_cost = np.round(cost_mean * rng.lognormal(-0.18, 0.6, n), 2).clip(1.0)
    ref_price = sku_cost * cat.markup * rng.lognormal(0.0, 0.1, n)
    visits = cat.new_listing_visits_day * rng.exponential(1.0, n)  # some sell, most do not
    mu = cat.new_listings_per_day * (cfg.warmup_days + cfg.days + cfg.cooldown_days)
    stock, rop, qty, load = _stock(cfg, founders, owner, visits * conversion, mu / n)
    return NewSellers((), sku_cat, sku_cost, ref_price, visits, owner, stock, rop, qty, load)


def _stock(
    cfg: ScenarioConfig, sellers, offer_seller: np.ndarray, daily: np.ndarray, expected_share: float
):
    """A new seller stocks its home warehouse for the demand it expects (the same cover rules
    as the founding sellers). Pick capacity is planned for the growth the operator expects:
    the expected applications (not every slot of the pool), each live half the run."""
    c = cfg.catalogue
    n_wh = cfg.warehouses.count
    m = len(offer_seller)
    stock = np.zeros((m, n_wh), dtype=np.int32)
    rop = np.full((m, n_wh), -1, dtype=np.int32)
    qty = np.zeros((m, n_wh), dtype=np.int32)
    load = np.zeros(n_wh)
    home = np.array([s.home_warehouse for s in sellers])[offer_seller]
    lead = np.array([days(s.profile.lead_time_h) for s in sellers])[offer_seller]
    rows = np.arange(m)
    stock[rows, home] = np.ceil(daily * c.stock_cover_days).astype(np.int32) + 1
    rop[rows, home] = np.ceil(daily * (lead + c.safety_days)).astype(np.int32)
    qty[rows, home] = np.maximum(1, np.ceil(daily * c.order_cover_days)).astype(np.int32)
    np.add.at(load, home, daily * expected_share * EXPECTED_LIVE_SHARE)
    return stock, rop, qty, load
