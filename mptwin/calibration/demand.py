"""When customers buy and what, from whom: hour and weekday profiles, peak days, level and trend;
the catalogue's categories, size and popularity; sellers by volume."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mptwin.calibration.fit import Fit


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
    fit.put(
        "demand.weekday_profile",
        _profile(weekday.to_numpy(dtype=float)),
        "purchases per weekday, ordinary days",
    )
    ratios = (daily[peak] / baseline[peak]).to_numpy()
    fit.put(
        "demand.peak_days",
        [d.date().isoformat() for d in daily.index[peak]],
        f"days with >= {peak_ratio} x the 4-week median of orders",
    )
    fit.put(
        "demand.promo_multiplier",
        round(float(np.median(ratios)), 2) if len(ratios) else 3.0,
        "median peak-day orders over the 4-week median"
        if len(ratios)
        else "no peak day in the fit period: default",
    )
    trend, window = _chosen_trend(ordinary, fit_end)
    fit.put(
        "demand.trend_per_year",
        round(trend, 3),
        f"log-linear trend of orders per ordinary day over the last {window} days of the fit period"
        if window
        else "no trend: a flat level forecast the fit period's last 8 weeks best",
    )
    last = ordinary[ordinary.index >= fit_end - pd.Timedelta(days=56)]
    fit.put(
        "orders_per_day",
        round(float(last.mean()), 2),
        "mean orders per ordinary day, last 8 weeks of the fit period",
    )
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
        cats.append(
            {
                "name": name,
                "commission_rate": 0.12,
                "share": round(float(group["product_id"].nunique()), 1),
                "cost_mean": round(float(group["price"].median()) / markup, 2),
            }
        )
    cats.sort(key=lambda c: -c["share"])
    fit.put(
        "catalogue.categories",
        cats,
        "items sold per category: share = distinct products, "
        f"cost_mean = median price / markup {markup}; commission_rate: not in the log, "
        "default 0.12",
    )
    skus, exponent, seen = fit_popularity(
        sold["product_id"].value_counts().to_numpy(), np.random.default_rng(0)
    )
    fit.put(
        "catalogue.skus",
        skus,
        f"a catalogue in which {len(sold):,} items sold reach "
        f"{seen[0]:,} distinct products with the top 10 % of them taking {seen[1]:.0%}, as "
        "in the log (most products of a sample sell once; the rest of the catalogue waits)",
    )
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
    cuts = [
        ("top", 0, max(1, round(0.1 * n))),
        ("mid", max(1, round(0.1 * n)), max(2, round(0.5 * n))),
        ("tail", max(2, round(0.5 * n)), n),
    ]
    mean_all = per_seller.mean()
    profiles = []
    for name, a, b in cuts:
        group = per_seller.iloc[a:b]
        if len(group) == 0:
            continue
        profiles.append(
            {
                "name": name,
                "count": int(len(group)),
                "size": round(float(group.mean() / mean_all), 3),
                **handling,
            }
        )
    top_share = float(per_seller.iloc[: max(1, round(0.1 * n))].sum() / per_seller.sum())
    sigma = float(np.std(np.log(per_seller.to_numpy(dtype=float))))
    fit.put(
        "sellers",
        profiles,
        f"{n} sellers with orders in the fit period, in three profiles "
        f"by orders (top 10 % ship {top_share:.0%}; lognormal sigma of orders per seller "
        f"{sigma:.2f}); handling as fitted",
    )
    fit.put("top10_share", round(top_share, 4), "share of orders of the top 10 % of sellers")
    return fit


# --- handling, transit, promise, freight, reviews -------------------------------------------
