"""The synthetic world generator: a deterministic marketplace (same `world_seed`, same world)
from a scenario config: regions, catalogue, sellers, stock, carriers, competitor feed."""

from __future__ import annotations

import math
from datetime import date

import numpy as np

from scenarios.applicants import founders_new_listings, new_sellers
from scenarios.config import ScenarioConfig
from scenarios.specs import days, hours
from sim.competitor import CompetitorFeed, feed_block
from sim.world import SellerSpec, WarehouseSpec, World

CONVERSION_GUESS = 0.7  # used only to size initial stock; real conversion is an outcome


def build_world(cfg: ScenarioConfig) -> World:
    """Generate the world a scenario config describes: the config's parts as they are, and what
    is drawn or derived from them. The config must have passed
    `sim.config_bounds.check_config` (as `mptwin.runner.compose.build_run` does): nothing is checked
    twice."""
    rng = {
        name: np.random.default_rng([cfg.world_seed, i])
        for i, name in enumerate(
            (
                "regions",
                "warehouses",
                "carriers",
                "sellers",
                "skus",
                "offers",
                "competitor",
                "applicants",
                "listings",
            )
        )
    }
    total_days = cfg.warmup_days + cfg.days + cfg.cooldown_days
    weight, dist = _regions(cfg, rng["regions"])
    regions = _warehouse_regions(cfg, weight, rng["warehouses"])
    serves = _carrier_serves(cfg, rng["carriers"])
    sellers, seller_size = _sellers(cfg, len(regions), rng["sellers"])
    cat_rate, sku_cat, sku_cost, ref_price, popularity = _skus(cfg, rng["skus"])
    offer_sku, offer_seller = _offers(cfg, popularity, seller_size, rng["offers"])
    stock, rop, qty, load = _stock(cfg, sellers, offer_sku, offer_seller, popularity, rng["offers"])
    start = date.fromisoformat(cfg.start_date)
    promo = frozenset(date.fromisoformat(d) for d in cfg.demand.promo_dates)
    feed = [feed_block(ref_price, rng["competitor"])]
    pool = new_sellers(cfg, CONVERSION_GUESS, rng["applicants"])
    launches = founders_new_listings(cfg, sellers, seller_size, CONVERSION_GUESS, rng["listings"])
    firsts = dict(
        first_new_seller=-1,
        first_new_sku=-1,
        first_new_offer=-1,
        first_listing_offer=-1,
        new_sku_visits=None,
    )
    if pool is not None or launches is not None:  # dark offers come after the founding ones
        firsts = dict(
            first_new_seller=len(sellers),
            first_new_sku=len(sku_cat),
            first_new_offer=len(offer_sku),
            first_listing_offer=-1,
        )
        visits = []
        for block, rng_key in ((pool, "applicants"), (launches, "listings")):
            if block is None:
                continue
            if block is launches:
                firsts["first_listing_offer"] = len(offer_sku)
            owner = block.offer_seller if block is launches else len(sellers) + block.offer_seller
            offer_sku = np.concatenate([offer_sku, len(sku_cat) + np.arange(len(block.sku_cost))])
            offer_seller = np.concatenate([offer_seller, owner])
            sellers = sellers + block.sellers
            sku_cat = np.concatenate([sku_cat, block.sku_category])
            sku_cost = np.concatenate([sku_cost, block.sku_cost])
            popularity = np.concatenate([popularity, np.zeros(len(block.sku_cost))])
            feed.append(feed_block(block.ref_price, rng[rng_key]))
            ref_price = np.concatenate([ref_price, block.ref_price])
            stock, rop, qty = (
                np.vstack(p) for p in ((stock, block.stock), (rop, block.rop), (qty, block.qty))
            )
            load = load + block.load
            visits.append(block.sku_visits)
        firsts["new_sku_visits"] = np.concatenate(visits)
    warehouses = _warehouses(cfg, regions, load)
    d = cfg.demand
    return World(
        name=cfg.name,
        start_date=start,
        warmup_h=hours(cfg.warmup_days),
        window_end_h=hours(cfg.warmup_days + cfg.days),
        end_h=hours(total_days),
        promo_dates=promo,
        region_names=_region_names(cfg),
        region_weight=weight,
        distance_km=dist,
        category_names=tuple(c.name for c in cfg.catalogue.categories),
        commission_rate=cat_rate,
        sku_category=sku_cat,
        sku_cost=sku_cost,
        sku_popularity=popularity,
        competitor_feed=_competitor_feed(cfg, feed, start, promo, total_days),
        offer_sku=offer_sku,
        offer_seller=offer_seller,
        offer_price=np.round(ref_price[offer_sku], 2),
        stock_initial=stock,
        reorder_point=rop,
        order_qty=qty,
        sellers=sellers,
        warehouses=warehouses,
        warehousing=cfg.warehouses,
        carriers=tuple(cfg.carriers),
        carrier_serves=serves,
        demand=d,
        hour_weight=_mean_one(d.hour_profile),
        weekday_weight=_mean_one(d.weekday_profile),
        reviewers=cfg.reviewers,
        money=cfg.money,
        risk=cfg.risk,
        catalogue=cfg.catalogue,
        disruptions=tuple(cfg.disruptions),
        feeds=cfg.feeds,
        applicants=cfg.applications if pool is not None else None,
        governance=cfg.governance,
        finance=cfg.finance,
        reviews=cfg.reviews,
        region_transit_factor=_transit_factors(cfg),
        **firsts,
    )


def _mean_one(values: list[float]) -> tuple[float, ...]:
    a = np.asarray(values, dtype=float)
    return tuple((a * len(a) / a.sum()).tolist())


def _regions(cfg: ScenarioConfig, rng) -> tuple[np.ndarray, np.ndarray]:
    """Customer share per region and road km between regions: the listed sites, or regions
    drawn in a square. Road distance is road_factor x the straight line; within a region, its
    local distance."""
    rc = cfg.regions
    if rc.sites:
        xy = np.array([[s.x_km, s.y_km] for s in rc.sites], dtype=float)
        weight = np.array([s.weight for s in rc.sites], dtype=float)
        local = np.array([s.local_km for s in rc.sites], dtype=float)
    else:
        xy = rng.random((rc.count, 2)) * rc.spread_km
        weight = rng.lognormal(0.0, rc.weight_sigma, rc.count)
        local = np.full(rc.count, rc.local_km)
    dist = rc.road_factor * np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    dist[np.diag_indices(len(xy))] = local
    return weight / weight.sum(), dist


def _transit_factors(cfg: ScenarioConfig) -> tuple[float, ...] | None:
    """Per region, real transit over the contract's (listed sites only; None: all 1)."""
    factors = tuple(float(s.transit_factor) for s in cfg.regions.sites)
    return factors if any(f != 1.0 for f in factors) else None


def _region_names(cfg: ScenarioConfig) -> tuple[str, ...]:
    if cfg.regions.sites:
        return tuple(s.name for s in cfg.regions.sites)
    return tuple(f"R{i:02d}" for i in range(cfg.regions.count))


def _warehouse_regions(cfg: ScenarioConfig, weight: np.ndarray, rng) -> list[int]:
    """Warehouses where the scenario puts them, or in the populous regions first (no repeats
    while regions last)."""
    if cfg.warehouses.regions:
        return list(cfg.warehouses.regions)
    n, n_regions = cfg.warehouses.count, len(weight)
    regions = rng.choice(n_regions, size=min(n, n_regions), replace=False, p=weight).tolist()
    return regions + rng.choice(n_regions, size=n - len(regions), p=weight).tolist()


def _warehouses(
    cfg: ScenarioConfig, regions: list[int], load: np.ndarray
) -> tuple[WarehouseSpec, ...]:
    """Pick capacity sized to the orders per day each warehouse is expected to ship."""
    wc = cfg.warehouses
    shift_hours = wc.shift_end - wc.shift_start
    return tuple(
        WarehouseSpec(
            name=f"W{i:02d}",
            region=int(r),
            picks_per_hour=max(1.0, wc.capacity_headroom * float(load[i]) / shift_hours),
        )
        for i, r in enumerate(regions)
    )


def _carrier_serves(cfg: ScenarioConfig, rng) -> tuple[frozenset[int], ...]:
    """Per carrier, the regions it delivers to: its coverage's share of them, drawn."""
    n_regions = cfg.regions.count
    out = []
    for c in cfg.carriers:
        k = max(1, math.ceil(c.coverage * n_regions))
        out.append(frozenset(rng.choice(n_regions, size=k, replace=False).tolist()))
    return tuple(out)


def _sellers(cfg, n_warehouses: int, rng) -> tuple[tuple[SellerSpec, ...], np.ndarray]:
    share = np.array([c.share for c in cfg.carriers], dtype=float)
    sellers, size = [], []
    for p in cfg.sellers:
        for k in range(p.count):
            home = int(rng.integers(n_warehouses))  # drawn in this order: the world is unchanged
            carrier = int(rng.choice(len(cfg.carriers), p=share / share.sum()))
            sellers.append(
                SellerSpec(
                    name=f"{p.name}-{k:03d}", home_warehouse=home, carrier=carrier, profile=p
                )
            )
            size.append(p.size)
    return tuple(sellers), np.asarray(size, dtype=float)


def _skus(cfg: ScenarioConfig, rng):
    cats = cfg.catalogue.categories
    n = cfg.catalogue.skus
    share = np.array([c.share for c in cats], dtype=float)
    sku_cat = rng.choice(len(cats), size=n, p=share / share.sum())
    cost_mean = np.array([c.cost_mean for c in cats])[sku_cat]
    sku_cost = np.round(cost_mean * rng.lognormal(-0.18, 0.6, n), 2).clip(1.0)
    ref_price = sku_cost * cfg.catalogue.markup * rng.lognormal(0.0, 0.1, n)
    ranks = rng.permutation(n) + 1.0
    popularity = ranks**-cfg.demand.zipf_exponent
    return (
        np.array([c.commission_rate for c in cats]),
        sku_cat,
        sku_cost,
        ref_price,
        popularity / popularity.sum(),
    )


def _offers(cfg: ScenarioConfig, popularity, seller_size, rng) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(cfg.catalogue.offers_per_sku, dtype=float)
    counts = rng.choice(np.arange(1, len(p) + 1), size=len(popularity), p=p / p.sum())
    w = seller_size / seller_size.sum()
    offer_sku, offer_seller = [], []
    for sku, k in enumerate(counts.tolist()):
        for s in rng.choice(len(w), size=k, replace=False, p=w).tolist():
            offer_sku.append(sku)
            offer_seller.append(s)
    return np.asarray(offer_sku, dtype=np.int64), np.asarray(offer_seller, dtype=np.int64)


def _stock(cfg, sellers, offer_sku, offer_seller, popularity, rng):
    """Initial stock, reorder points and order quantities per (offer, warehouse), sized from
    the demand each offer can expect: home warehouse always, a second one for some offers, each
    stocked for its share. Also the orders per day each warehouse can expect: the same shares,
    so pick capacity is planned for the stock plan (a unit on a shelf can be picked there)."""
    c = cfg.catalogue
    n_wh = cfg.warehouses.count
    n_offers_of_sku = np.bincount(offer_sku, minlength=len(popularity))
    daily = (
        cfg.demand.visits_per_day
        * CONVERSION_GUESS
        * popularity[offer_sku]
        / n_offers_of_sku[offer_sku]
    )
    if cfg.demand.trend_per_year:  # the operator plans stock and capacity for the growth ahead
        daily = daily * _mean_growth(cfg)
    shape = (len(offer_sku), n_wh)  # millions of shelves in a year's world: 4 bytes each
    stock = np.zeros(shape, dtype=np.int32)
    rop = np.full(shape, -1, dtype=np.int32)
    qty = np.zeros(shape, dtype=np.int32)
    load = np.zeros(n_wh)
    second = rng.random(len(offer_sku)) < c.second_warehouse_share
    other = rng.integers(n_wh, size=len(offer_sku))
    for o, s in enumerate(offer_seller.tolist()):
        seller = sellers[s]
        homes = [seller.home_warehouse]
        if second[o] and other[o] != seller.home_warehouse:
            homes.append(int(other[o]))
        demand = daily[o] / len(homes)
        lead_days = days(seller.profile.lead_time_h)
        for wh in homes:
            load[wh] += demand
            stock[o, wh] = math.ceil(demand * c.stock_cover_days) + 1
            rop[o, wh] = math.ceil(demand * (lead_days + c.safety_days))
            qty[o, wh] = max(1, math.ceil(demand * c.order_cover_days))
    return stock, rop, qty, load


def _mean_growth(cfg: ScenarioConfig) -> float:
    """The demand trend's mean multiplier over the run's days."""
    total = cfg.warmup_days + cfg.days + cfg.cooldown_days
    return float(np.mean(np.exp(cfg.demand.trend_per_year * np.arange(total) / 365.0)))


def _competitor_feed(cfg, blocks: list, start: date, promo, total_days: int) -> CompetitorFeed:
    """Competitor price per day and SKU: a mean-reverting log walk around the reference price,
    cut on promotion days (generated a day at a time during the run: `sim.competitor`)."""
    cc = cfg.competitor
    cut = tuple(
        1.0 - cc.promo_discount if date.fromordinal(start.toordinal() + day) in promo else 1.0
        for day in range(total_days + 1)
    )
    return CompetitorFeed(tuple(blocks), cc.reversion, cc.volatility, cut)
