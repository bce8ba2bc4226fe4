"""Fitting a scenario to an order log (`mptwin.calibration.log.OrderLog`): each function fits
one part of the world from the orders placed in the fit period, and returns its estimates with
where they came from. `mptwin.calibration.scenario` assembles them into a scenario file.

The model knows regions, not addresses: a customer's region is its state, and every distance
here is the one the model will use, between region centres (straight line; `road_factor` 1),
or a region's own typical distance for orders within it. So transit and freight are fitted
against the distance the twin will feed them, not against a finer one it never sees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, stats

EARTH_KM = 6371.0
DEFAULT_LOCAL_KM = 40.0  # a delivery within a region, where the log cannot say (the template's)
REF_LAT, REF_LNG = -15.0, -50.0  # the flat map's origin (any point near the data will do)


@dataclass
class Fit:
    """Fitted values (dotted scenario keys -> value) and, per key, its source: what in the log
    it was estimated from, or why it could not be."""

    values: dict[str, object] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)

    def put(self, key: str, value, source: str) -> None:
        self.values[key] = value
        self.sources[key] = source

    def merge(self, other: Fit) -> Fit:
        self.values.update(other.values)
        self.sources.update(other.sources)
        return self


# --- periods ---------------------------------------------------------------------------------


def active_period(
    purchase: pd.Series, floor_share: float = 0.25
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The days the log is really running: from the first to the last day whose 4-week mean of
    orders reaches `floor_share` of the median 4-week mean. A log's thin start (launch, sampling)
    and its tail (orders still open when it was cut) are left out."""
    daily = purchase.dt.floor("D").value_counts().sort_index().asfreq("D", fill_value=0)
    rolling = daily.rolling(28, center=True, min_periods=7).mean()
    ok = rolling[rolling >= floor_share * rolling.median()]
    return ok.index[0], ok.index[-1] + pd.Timedelta(days=1)


def split_period(start: pd.Timestamp, end: pd.Timestamp, fit_share: float) -> pd.Timestamp:
    """The first day of the hold-out: `fit_share` of the active days are for fitting."""
    days = (end - start).days
    return start + pd.Timedelta(days=int(round(days * fit_share)))


# --- geography -------------------------------------------------------------------------------


def flat_km(lat, lng) -> tuple[np.ndarray, np.ndarray]:
    """Equirectangular projection to km around the reference point: distances between places a
    few thousand km apart come out within a few percent of the great circle."""
    lat, lng = np.asarray(lat, dtype=float), np.asarray(lng, dtype=float)
    x = np.radians(lng - REF_LNG) * EARTH_KM * math.cos(math.radians(REF_LAT))
    y = np.radians(lat - REF_LAT) * EARTH_KM
    return x, y


def plane_km(lat: np.ndarray, lng: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Places on a flat map (km) whose straight-line distances are their great-circle ones, as
    nearly as a plane allows: classical multidimensional scaling of the distance matrix (over
    a country a few thousand km wide, within a percent; a fixed projection is off by 5-9 %)."""
    d = great_circle_km(lat[:, None], lng[:, None], lat[None, :], lng[None, :])
    n = len(lat)
    if n == 1:
        return np.zeros(1), np.zeros(1)
    j = np.eye(n) - 1.0 / n
    b = -0.5 * j @ (d**2) @ j
    values, vectors = np.linalg.eigh(b)
    top = np.argsort(values)[::-1][:2]
    xy = vectors[:, top] * np.sqrt(np.maximum(values[top], 0.0))
    if n == 2 or xy.shape[1] < 2:
        xy = np.column_stack([xy[:, 0], np.zeros(n)])
    x, y = xy[:, 0], xy[:, 1]
    ref_x, ref_y = flat_km(lat, lng)  # turned to the map's usual orientation, for readers
    if np.corrcoef(x, ref_x)[0, 1] < 0:
        x = -x
    if np.corrcoef(y, ref_y)[0, 1] < 0:
        y = -y
    return x, y


def great_circle_km(lat1, lng1, lat2, lng2) -> np.ndarray:
    p1, l1, p2, l2 = (np.radians(np.asarray(v, dtype=float)) for v in (lat1, lng1, lat2, lng2))
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(h))


@dataclass(frozen=True)
class Geography:
    """Regions (states) with their centres, customer shares and local distances; and the model
    distance of every order (seller's region to customer's region)."""

    names: list[str]
    x_km: np.ndarray
    y_km: np.ndarray
    weight: np.ndarray
    local_km: np.ndarray
    order_km: pd.Series  # per order (index of the orders given), NaN if a region is unknown
    seller_region: pd.Series  # per seller id: region index

    def distance(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        d = np.hypot(self.x_km[a] - self.x_km[b], self.y_km[a] - self.y_km[b])
        return np.where(a == b, self.local_km[a], d)


def fit_geography(
    orders: pd.DataFrame, sellers: pd.DataFrame, min_local_orders: int = 5
) -> tuple[Geography, Fit]:
    """Regions from customer states: centre = mean customer position, weight = share of orders,
    local distance = median straight-line distance of orders shipped within the state (the
    median of all states where a state has too few)."""
    fit = Fit()
    located = orders.dropna(subset=["state", "lat", "lng"])
    by_state = located.groupby("state", observed=True)
    names = sorted(by_state.groups)
    centre = by_state[["lat", "lng"]].mean().loc[names]
    x, y = plane_km(centre["lat"].to_numpy(), centre["lng"].to_numpy())
    weight = by_state.size().loc[names].to_numpy(dtype=float)
    weight = weight / weight.sum()
    index = {n: i for i, n in enumerate(names)}
    seller_pos = sellers.set_index("seller_id")
    s_state = orders["seller_id"].map(seller_pos["state"])
    s_lat, s_lng = (
        orders["seller_id"].map(seller_pos["lat"]),
        orders["seller_id"].map(seller_pos["lng"]),
    )
    straight = great_circle_km(s_lat, s_lng, orders["lat"], orders["lng"])
    within = (s_state == orders["state"]).to_numpy() & np.isfinite(straight)
    local_all = float(np.median(straight[within])) if within.any() else DEFAULT_LOCAL_KM
    if not local_all >= 1.0:  # every place of a region on one point: not identified
        local_all = DEFAULT_LOCAL_KM
    local = []
    for n in names:
        mine = within & (orders["state"] == n).to_numpy()
        km = float(np.median(straight[mine])) if mine.sum() >= min_local_orders else local_all
        local.append(km if km >= 1.0 else local_all)
    local = np.array(local)
    seller_region = sellers.set_index("seller_id")["state"].map(index)
    geo = Geography(
        names, x, y, weight, local, pd.Series(np.nan, index=orders.index), seller_region
    )
    c = orders["state"].map(index)
    s = orders["seller_id"].map(seller_region)
    ok = c.notna() & s.notna()
    km = pd.Series(np.nan, index=orders.index)
    km[ok] = geo.distance(s[ok].to_numpy(dtype=int), c[ok].to_numpy(dtype=int))
    geo = Geography(names, x, y, weight, local, km, seller_region)
    fit.put("regions.sites", [
        {"name": n, "x_km": round(float(x[i]), 1), "y_km": round(float(y[i]), 1),
         "weight": round(float(weight[i]), 5), "local_km": round(float(local[i]), 1)}
        for i, n in enumerate(names)
    ], "customer states: centre = mean customer zip centroid, weight = share of orders, "
       f"local_km = median within-state seller-to-customer distance (all states: {local_all:.0f} km; "
       f"{DEFAULT_LOCAL_KM:.0f} km where the log puts a state's places on one point)")  # fmt: skip
    fit.put("regions.count", len(names), "customer states in the fit period")
    fit.put("regions.road_factor", 1.0, "distances are straight lines between region centres; "
            "transit speed and freight per km are fitted against that same distance")  # fmt: skip
    return geo, fit


def fit_warehouses(orders: pd.DataFrame, geo: Geography, count: int = 20) -> Fit:
    """Sellers ship from where they are: `count` warehouses placed over the sellers' regions in
    proportion to the orders they ship (largest remainder), so that a seller drawn at random
    ships from where the log's orders came from."""
    fit = Fit()
    region = orders["seller_id"].map(geo.seller_region).dropna().astype(int)
    share = region.value_counts(normalize=True)
    raw = share * count
    seats = np.floor(raw).astype(int)
    for r in (raw - seats).sort_values(ascending=False).index[: count - int(seats.sum())]:
        seats[r] += 1
    regions = sorted(int(r) for r, k in seats.items() for _ in range(int(k)))
    fit.put("warehouses.count", len(regions), "sellers' locations: one warehouse per "
            f"{100 / count:.0f} % of orders shipped from a state (largest remainder)")  # fmt: skip
    fit.put("warehouses.regions", regions, "states of the sellers, weighted by orders shipped")
    fit.put("catalogue.second_warehouse_share", 0.0, "a marketplace seller ships from one place")
    return fit


# --- demand ----------------------------------------------------------------------------------


def fit_demand(orders: pd.DataFrame, fit_start, fit_end, peak_ratio: float = 2.5) -> Fit:
    """Hour-of-day and weekday profiles, peak days (a day with `peak_ratio` x the 4-week median
    or more) and their multiplier, the level at the end of the fit period and the log trend of
    the last half year before it (ordinary days only)."""
    fit = Fit()
    t = orders["purchase"]
    hour = t.dt.hour.value_counts().reindex(range(24), fill_value=0).to_numpy(dtype=float)
    fit.put("demand.hour_profile", _profile(hour), "purchase timestamps: share of orders per hour")
    daily = t.dt.floor("D").value_counts().sort_index()
    daily = daily.reindex(pd.date_range(fit_start, fit_end - pd.Timedelta(days=1)), fill_value=0)
    baseline = daily.rolling(28, center=True, min_periods=7).median()
    peak = daily >= peak_ratio * baseline.clip(lower=1.0)
    ordinary = daily[~peak]
    weekday = ordinary.groupby(ordinary.index.day_of_week).mean().reindex(range(7), fill_value=0)
    fit.put("demand.weekday_profile", _profile(weekday.to_numpy(dtype=float)),
            "purchases per weekday, ordinary days")  # fmt: skip
    ratios = (daily[peak] / baseline[peak]).to_numpy()
    fit.put("demand.peak_days", [d.date().isoformat() for d in daily.index[peak]],
            f"days with >= {peak_ratio} x the 4-week median of orders")  # fmt: skip
    fit.put("demand.promo_multiplier", round(float(np.median(ratios)), 2) if len(ratios) else 3.0,
            "median peak-day orders over the 4-week median" if len(ratios) else
            "no peak day in the fit period: default")  # fmt: skip
    trend, window = _chosen_trend(ordinary, fit_end)
    fit.put("demand.trend_per_year", round(trend, 3),
            "log-linear trend of orders per ordinary day over the last "
            f"{window} days of the fit period" if window else "no trend: a flat level "
            "forecast the fit period's last 8 weeks best")  # fmt: skip
    last = ordinary[ordinary.index >= fit_end - pd.Timedelta(days=56)]
    fit.put("orders_per_day", round(float(last.mean()), 2),
            "mean orders per ordinary day, last 8 weeks of the fit period")  # fmt: skip
    return fit


TREND_WINDOWS = (0, 91, 182, 365)  # days of history a trend is fitted on (0: flat level)


def _trend(days: pd.Series, until: pd.Timestamp, window: int) -> float:
    """Log-linear slope a day of orders per ordinary day over `window` days before `until`."""
    recent = days[(days.index >= until - pd.Timedelta(days=window)) & (days.index < until)]
    if window == 0 or len(recent) < 28:
        return 0.0
    t = (recent.index - recent.index[0]).days.to_numpy(dtype=float)
    return float(np.polyfit(t, np.log(np.maximum(recent.to_numpy(dtype=float), 0.5)), 1)[0])


def _chosen_trend(days: pd.Series, fit_end: pd.Timestamp, horizon: int = 56) -> tuple[float, int]:
    """The trend window that best forecasts the fit period's own last `horizon` days from the
    days before them (error of the log mean level): a trend is extrapolated only as far as
    the fit data say it holds. Returns (log growth a year, window in days)."""
    cut = fit_end - pd.Timedelta(days=horizon)
    before, after = days[days.index < cut], days[days.index >= cut]
    if len(before) < horizon or not len(after):  # too short a log to judge a trend: none
        return 0.0, 0
    level = float(before[before.index >= cut - pd.Timedelta(days=horizon)].mean())
    mid_gap = horizon  # from the middle of the level's weeks to the middle of the forecast's
    actual = float(after.mean())
    errors = {}
    for window in TREND_WINDOWS:
        slope = _trend(before, cut, window)
        forecast = level * math.exp(slope * mid_gap)
        errors[window] = abs(math.log(max(forecast, 1e-9) / max(actual, 1e-9)))
    window = min(errors, key=errors.get)
    return _trend(days, fit_end, window) * 365.0, window


def _profile(counts: np.ndarray) -> list[float]:
    """Weights with mean 1 (a flat profile if there is no data)."""
    if counts.sum() <= 0:
        return [1.0] * len(counts)
    return [round(float(v), 3) for v in counts * len(counts) / counts.sum()]


# --- catalogue and sellers -----------------------------------------------------------------


def fit_catalogue(orders: pd.DataFrame, items: pd.DataFrame, markup: float, top: int = 11) -> Fit:
    """Categories: the `top` largest by items sold, the rest as one `other`; share of SKUs = share
    of distinct products; cost = median item price / markup (the log has prices, not costs)."""
    fit = Fit()
    sold = items[items["order_id"].isin(orders["order_id"])].copy()
    sold["category"] = sold["category"].fillna("other").astype(str)
    big = sold["category"].value_counts().index[:top]
    sold.loc[~sold["category"].isin(big), "category"] = "other"
    cats = []
    for name, group in sold.groupby("category", sort=False):
        cats.append({"name": name, "commission_rate": 0.12,
                     "share": round(float(group["product_id"].nunique()), 1),
                     "cost_mean": round(float(group["price"].median()) / markup, 2)})  # fmt: skip
    cats.sort(key=lambda c: -c["share"])
    fit.put("catalogue.categories", cats, "items sold per category: share = distinct products, "
            f"cost_mean = median price / markup {markup}; commission_rate: not in the log, "
            "default 0.12")  # fmt: skip
    skus, exponent, seen = fit_popularity(sold["product_id"].value_counts().to_numpy(),
                                          np.random.default_rng(0))  # fmt: skip
    fit.put("catalogue.skus", skus, f"a catalogue in which {len(sold):,} items sold reach "
            f"{seen[0]:,} distinct products with the top 10 % of them taking {seen[1]:.0%}, as "
            "in the log (most products of a sample sell once; the rest of the catalogue waits)")  # fmt: skip
    fit.put("demand.zipf_exponent", exponent, "the same fit: popularity of the catalogue's SKUs")
    fit.put("catalogue.offers_per_sku", [1.0], "one seller per product (the log's items)")
    return fit


def fit_popularity(counts: np.ndarray, rng: np.random.Generator) -> tuple[int, float, tuple]:
    """Catalogue size and Zipf exponent such that as many sales as the log's, drawn from it,
    reach as many distinct products as the log's with the same share for the top 10 % of them
    (a grid, each point simulated once; squared log errors). Returns (SKUs, exponent, the log's
    (distinct products, top-10 % share))."""
    counts = np.sort(counts)[::-1]
    n, distinct = int(counts.sum()), len(counts)
    top = float(counts[: max(1, distinct // 10)].sum() / n)

    def sold(skus: int, exponent: float) -> tuple[int, float]:
        weights = np.arange(1, skus + 1, dtype=float) ** -exponent
        draws = np.sort(rng.multinomial(n, weights / weights.sum()))[::-1]
        hit = draws[draws > 0]
        return len(hit), float(hit[: max(1, len(hit) // 10)].sum() / n)

    best, best_err = (distinct, 0.9), math.inf
    for factor in (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0):
        for exponent in np.arange(0.0, 1.51, 0.1):
            d, t = sold(int(distinct * factor), float(exponent))
            err = math.log(d / distinct) ** 2 + math.log(t / top) ** 2
            if err < best_err:
                best, best_err = (int(distinct * factor), round(float(exponent), 2)), err
    return best[0], best[1], (distinct, top)


def fit_sellers(orders: pd.DataFrame, items: pd.DataFrame, handling: dict) -> Fit:
    """Sellers active in the fit period in three profiles by orders (top 10 %, next 40 %, the
    rest), each sized by its mean orders per seller; heavy tail measured as the top-10 % share
    and a lognormal sigma of orders per seller."""
    fit = Fit()
    per_seller = orders["seller_id"].value_counts()
    n = len(per_seller)
    cuts = [("top", 0, max(1, round(0.1 * n))), ("mid", max(1, round(0.1 * n)), max(2, round(0.5 * n))),
            ("tail", max(2, round(0.5 * n)), n)]  # fmt: skip
    mean_all = per_seller.mean()
    profiles = []
    for name, a, b in cuts:
        group = per_seller.iloc[a:b]
        if len(group) == 0:
            continue
        profiles.append({"name": name, "count": int(len(group)),
                         "size": round(float(group.mean() / mean_all), 3), **handling})  # fmt: skip
    top_share = float(per_seller.iloc[: max(1, round(0.1 * n))].sum() / per_seller.sum())
    sigma = float(np.std(np.log(per_seller.to_numpy(dtype=float))))
    fit.put("sellers", profiles, f"{n} sellers with orders in the fit period, in three profiles "
            f"by orders (top 10 % ship {top_share:.0%}; lognormal sigma of orders per seller "
            f"{sigma:.2f}); handling as fitted")  # fmt: skip
    fit.put("top10_share", round(top_share, 4), "share of orders of the top 10 % of sellers")
    return fit


# --- handling, transit, promise, freight, reviews -------------------------------------------


def fit_handling(orders: pd.DataFrame, items: pd.DataFrame, hour_profile: list[float],
                 cutoff_hour: int, rng: np.random.Generator) -> tuple[dict, Fit]:  # fmt: skip
    """Approval to carrier hand-over, as the model makes it: a seller releases at once (chance
    `reliability`) or after an exponential delay (`delay_mean_h`), and parcels leave at the
    daily cut-off. The two are chosen so the simulated 50th, 75th and 90th percentiles match
    the log's, and the 25th, 95th and 99th (least squares on log hours). The seller's promised handling (`handling_h`) is
    the median time from purchase to the shipping limit the log states."""
    fit = Fit()
    ok = orders["handling_ok"].fillna(False).astype(bool)
    observed = orders.loc[ok, "handling_h"].to_numpy(dtype=float)
    qs = np.array([0.25, 0.5, 0.75, 0.9, 0.95, 0.99])  # the tail too: it identifies the delay
    target = np.log(np.maximum(np.quantile(observed, qs), 0.1))
    n = 20_000
    weights = np.asarray(hour_profile) / np.sum(hour_profile)
    arrive = rng.choice(24, size=n, p=weights) + rng.random(n)
    u, e = rng.random(n), rng.standard_exponential(n)

    def simulated(params) -> np.ndarray:
        reliability, delay = params
        ready = arrive + np.where(u < reliability, 0.0, e * delay)
        leave = np.ceil((ready - cutoff_hour) / 24.0) * 24.0 + cutoff_hour
        return np.log(np.maximum(np.quantile(leave - arrive, qs), 0.1))

    best = min(
        (
            (r, d)
            for r in np.linspace(0.05, 0.95, 19)
            for d in (6, 12, 24, 36, 48, 72, 96, 144, 192)
        ),
        key=lambda p: float(np.sum((simulated(p) - target) ** 2)),
    )
    res = optimize.minimize(lambda p: float(np.sum((simulated(p) - target) ** 2)), best,
                            method="Nelder-Mead", options={"xatol": 1e-3, "fatol": 1e-6})  # fmt: skip
    reliability = float(np.clip(res.x[0], 0.0, 1.0))
    delay = float(max(res.x[1], 0.1))
    first = items.sort_values("order_item_id").drop_duplicates("order_id").set_index("order_id")
    limit = orders["order_id"].map(first["shipping_limit"])
    promised = (limit - orders["purchase"]) / pd.Timedelta(hours=1)
    handling_h = float(np.nanmedian(promised.to_numpy(dtype=float)))
    out = {"handling_h": round(handling_h, 1), "reliability": round(reliability, 3),
           "delay_mean_h": round(delay, 1)}  # fmt: skip
    q = np.quantile(observed, qs)
    fit.put("handling", out, "approval to carrier hand-over of delivered orders "
            f"(p50 {q[1]:.0f} h, p90 {q[3]:.0f} h, p99 {q[5]:.0f} h): release chance and delay "
            f"matched through the daily cut-off at {cutoff_hour}:00; handling_h = median "
            "purchase to shipping limit")  # fmt: skip
    return out, fit


REGION_PRIOR_ORDERS = 30.0  # a region's own transit factor counts as much as this many orders


def fit_transit(orders: pd.DataFrame, km: pd.Series, region: pd.Series,
                n_regions: int) -> tuple[dict, list[float], Fit]:  # fmt: skip
    """Carrier transit (hand-over to delivery) against distance: nominal = 24 x (base_days +
    km / km_per_day) as the log's median (least squares on log hours); then, per customer
    region, how much slower or faster than that its parcels really are (the median log ratio,
    shrunk towards 1 by `REGION_PRIOR_ORDERS`): some places are slow for reasons distance does
    not tell. The log-sd of what is left is transit_sigma. One carrier: the log does not say
    which carrier carried what. Returns (carrier fields, factor per region, sources)."""
    fit = Fit()
    ok = orders["transit_ok"].fillna(False).astype(bool) & km.notna() & region.notna()
    ok &= orders["transit_h"] > 0
    hours = orders.loc[ok, "transit_h"].to_numpy(dtype=float)
    dist = km[ok].to_numpy(dtype=float)
    where = region[ok].to_numpy(dtype=int)

    def residual(p):
        base, per_1000 = np.exp(p)
        return np.log(hours) - np.log(24.0 * (base + dist * per_1000 / 1000.0))

    res = optimize.least_squares(residual, x0=np.log([2.0, 4.0]), loss="soft_l1")
    base, per_1000 = np.exp(res.x)
    r = residual(res.x)
    shift = float(np.median(r))  # the fit's centre may sit off the median: into the contract
    base, per_1000 = base * math.exp(shift), per_1000 * math.exp(shift)
    r = r - shift
    log_factor = np.zeros(n_regions)
    for k in range(n_regions):
        mine = r[where == k]
        if len(mine):
            log_factor[k] = len(mine) / (len(mine) + REGION_PRIOR_ORDERS) * float(np.median(mine))
    sigma = float(np.std(r - log_factor[where]))
    out = {"base_days": round(float(base), 3), "km_per_day": round(1000.0 / float(per_1000), 1),
           "transit_sigma": round(sigma, 3), "transit_bias": 0.0}  # fmt: skip
    factors = [round(math.exp(v), 3) for v in log_factor]
    fit.put("transit", out, f"{len(hours)} delivered orders: median transit = 24 x (base_days + "
            "km / km_per_day) on the model's region distance, lognormal spread around it after "
            "each region's factor; bias 0 (the contract is the observed median)")  # fmt: skip
    fit.put("regions.transit_factor", factors, "per customer state: median real / contracted "
            f"transit, shrunk towards 1 (a state's orders against {REGION_PRIOR_ORDERS:.0f})")  # fmt: skip
    return out, factors, fit


def fit_promise(orders: pd.DataFrame, km: pd.Series, handling_h: float, transit: dict) -> Fit:
    """The operator's padding over the seller's handling promise and the contracted transit:
    promise - handling = transit_scale x contracted transit + buffer (least absolute
    deviations, so the median order is matched; an operator often pads far places more).
    Automation's ContractPromise with these two stands in for the observed rule."""
    fit = Fit()
    ok = orders["promise_h"].notna() & km.notna()
    nominal = (24.0 * (transit["base_days"] + km[ok] / transit["km_per_day"])).to_numpy()
    over = (orders.loc[ok, "promise_h"] - handling_h).to_numpy(dtype=float)

    def loss(p):
        return float(np.mean(np.abs(over - (p[0] * nominal + 24.0 * p[1]))))

    scale, buffer = optimize.minimize(loss, x0=[1.0, 5.0], method="Nelder-Mead").x
    scale = max(float(scale), 0.1)
    left = over - scale * nominal
    fit.put("promise_buffer_days", round(float(buffer), 2),
            f"promise - handling_h = transit_scale x contracted transit + buffer, least absolute "
            f"deviations over {int(ok.sum())} orders (spread of what is left: p10 "
            f"{np.quantile(left, 0.1) / 24:.1f}, p90 {np.quantile(left, 0.9) / 24:.1f} days)")  # fmt: skip
    fit.put("promise_transit_scale", round(scale, 3), "the same fit's slope on contracted transit")
    return fit


def fit_freight(orders: pd.DataFrame, km: pd.Series) -> Fit:
    """The customer's shipping fee as base + per km (least squares, single-item orders). Weight
    also drives Olist's freight; the model has no weights, so its effect is in the base."""
    fit = Fit()
    ok = (orders["n_items"] == 1) & orders["freight"].notna() & km.notna()
    x, y = km[ok].to_numpy(dtype=float), orders.loc[ok, "freight"].to_numpy(dtype=float)
    slope, intercept, r, _, _ = stats.linregress(x, y)
    fit.put("money.fee_base", round(max(float(intercept), 0.0), 2),
            f"freight_value of {ok.sum()} single-item orders against distance (R^2 {r * r:.2f}; "
            "weight is not modelled)")  # fmt: skip
    fit.put("money.fee_per_km", round(max(float(slope), 0.0), 5), "the same regression's slope")
    ratio = (orders["freight"] / orders["price"]).replace([np.inf, -np.inf], np.nan)
    fit.put("freight_to_price", round(float(ratio.median()), 4), "median freight / price")
    return fit


def fit_reviews(orders: pd.DataFrame) -> Fit:
    """Stars against lateness, in the model's form (a normal rounded to 1..5, lower when late by
    a drop growing with days late, capped): the on-time mean and sd matched to the on-time
    score distribution, then the drop to the mean score of late orders by days late."""
    fit = Fit()
    scored = orders[orders["review_score"].notna() & orders["late"].notna()]
    late_days = ((scored["delivered"] - scored["promise_end"]) / pd.Timedelta(days=1)).to_numpy()
    score = scored["review_score"].to_numpy(dtype=float)
    on_time = score[late_days <= 0]
    freq = np.array([(np.round(on_time) == k).mean() for k in range(1, 6)])

    def rounded_probs(mean, sd) -> np.ndarray:
        """P(1..5 stars) for each mean (rows): a normal rounded to the nearest star, clipped."""
        edges = np.array([-np.inf, 1.5, 2.5, 3.5, 4.5, np.inf])
        z = (edges[None, :] - np.atleast_1d(mean)[:, None]) / max(sd, 1e-3)
        return np.diff(stats.norm.cdf(z), axis=1)

    res = optimize.minimize(lambda p: float(np.sum((rounded_probs(p[0], p[1])[0] - freq) ** 2)),
                            x0=[4.5, 1.1], method="Nelder-Mead")  # fmt: skip
    mean, sd = float(res.x[0]), abs(float(res.x[1]))
    late = late_days > 0
    days_late, late_score = late_days[late], score[late]

    def loss(p) -> float:
        drop, per_day, cap = p
        means = mean - np.minimum(cap, drop + per_day * days_late)
        pred = rounded_probs(means, sd) @ np.arange(1, 6)
        return float(np.mean((pred - late_score) ** 2))

    res = optimize.minimize(loss, x0=[0.6, 0.3, 3.0], method="Nelder-Mead",
                            options={"maxiter": 600})  # fmt: skip
    drop, per_day, cap = (max(float(v), 0.0) for v in res.x)
    fit.put("reviews", {"on_time_mean": round(min(max(mean, 1.0), 5.0), 3), "sd": round(sd, 3),
                        "late_drop": round(drop, 3), "late_drop_per_day": round(per_day, 3),
                        "max_drop": round(cap, 3)},
            f"review scores: on time ({len(on_time)} orders, mean {on_time.mean():.2f}) fitted as "
            f"a rounded normal; late ({int(late.sum())} orders, mean {score[late].mean():.2f}) "
            "by days late")  # fmt: skip
    return fit


def cancellation_rate(orders: pd.DataFrame) -> float:
    return float(orders["status"].isin(["canceled", "unavailable"]).mean())
