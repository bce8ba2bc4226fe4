"""How orders are served, fitted in the model's own terms: seller handling through the daily
cut-off, carrier transit against distance (and per region), the operator's promise rule,
freight, review scores against lateness, and the cancellation rate."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import optimize, stats

from mptwin.calibration.fit import Fit


def fit_handling(
    orders: pd.DataFrame,
    items: pd.DataFrame,
    hour_profile: list[float],
    cutoff_hour: int,
    rng: np.random.Generator,
) -> tuple[dict, Fit]:
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
    res = optimize.minimize(
        lambda p: float(np.sum((simulated(p) - target) ** 2)),
        best,
        method="Nelder-Mead",
        options={"xatol": 1e-3, "fatol": 1e-6},
    )
    reliability = float(np.clip(res.x[0], 0.0, 1.0))
    delay = float(max(res.x[1], 0.1))
    first = items.sort_values("order_item_id").drop_duplicates("order_id").set_index("order_id")
    limit = orders["order_id"].map(first["shipping_limit"])
    promised = (limit - orders["purchase"]) / pd.Timedelta(hours=1)
    handling_h = float(np.nanmedian(promised.to_numpy(dtype=float)))
    out = {
        "handling_h": round(handling_h, 1),
        "reliability": round(reliability, 3),
        "delay_mean_h": round(delay, 1),
    }
    q = np.quantile(observed, qs)
    fit.put(
        "handling",
        out,
        "approval to carrier hand-over of delivered orders "
        f"(p50 {q[1]:.0f} h, p90 {q[3]:.0f} h, p99 {q[5]:.0f} h): release chance and delay "
        f"matched through the daily cut-off at {cutoff_hour}:00; handling_h = median "
        "purchase to shipping limit",
    )
    return out, fit


REGION_PRIOR_ORDERS = 30.0  # a region's own transit factor counts as much as this many orders


def fit_transit(
    orders: pd.DataFrame, km: pd.Series, region: pd.Series, n_regions: int
) -> tuple[dict, list[float], Fit]:
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
    out = {
        "base_days": round(float(base), 3),
        "km_per_day": round(1000.0 / float(per_1000), 1),
        "transit_sigma": round(sigma, 3),
        "transit_bias": 0.0,
    }
    factors = [round(math.exp(v), 3) for v in log_factor]
    fit.put(
        "transit",
        out,
        f"{len(hours)} delivered orders: median transit = 24 x (base_days + "
        "km / km_per_day) on the model's region distance, lognormal spread around it after "
        "each region's factor; bias 0 (the contract is the observed median)",
    )
    fit.put(
        "regions.transit_factor",
        factors,
        "per customer state: median real / contracted "
        f"transit, shrunk towards 1 (a state's orders against {REGION_PRIOR_ORDERS:.0f})",
    )
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
    fit.put(
        "promise_buffer_days",
        round(float(buffer), 2),
        f"promise - handling_h = transit_scale x contracted transit + buffer, least absolute "
        f"deviations over {int(ok.sum())} orders (spread of what is left: p10 "
        f"{np.quantile(left, 0.1) / 24:.1f}, p90 {np.quantile(left, 0.9) / 24:.1f} days)",
    )
    fit.put("promise_transit_scale", round(scale, 3), "the same fit's slope on contracted transit")
    return fit


def fit_freight(orders: pd.DataFrame, km: pd.Series) -> Fit:
    """The customer's shipping fee as base + per km (least squares, single-item orders). Weight
    also drives Olist's freight; the model has no weights, so its effect is in the base."""
    fit = Fit()
    ok = (orders["n_items"] == 1) & orders["freight"].notna() & km.notna()
    x, y = km[ok].to_numpy(dtype=float), orders.loc[ok, "freight"].to_numpy(dtype=float)
    slope, intercept, r, _, _ = stats.linregress(x, y)
    fit.put(
        "money.fee_base",
        round(max(float(intercept), 0.0), 2),
        f"freight_value of {ok.sum()} single-item orders against distance (R^2 {r * r:.2f}; "
        "weight is not modelled)",
    )
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

    res = optimize.minimize(
        lambda p: float(np.sum((rounded_probs(p[0], p[1])[0] - freq) ** 2)),
        x0=[4.5, 1.1],
        method="Nelder-Mead",
    )
    mean, sd = float(res.x[0]), abs(float(res.x[1]))
    late = late_days > 0
    days_late, late_score = late_days[late], score[late]

    def loss(p) -> float:
        drop, per_day, cap = p
        means = mean - np.minimum(cap, drop + per_day * days_late)
        pred = rounded_probs(means, sd) @ np.arange(1, 6)
        return float(np.mean((pred - late_score) ** 2))

    res = optimize.minimize(
        loss, x0=[0.6, 0.3, 3.0], method="Nelder-Mead", options={"maxiter": 600}
    )
    drop, per_day, cap = (max(float(v), 0.0) for v in res.x)
    fit.put(
        "reviews",
        {
            "on_time_mean": round(min(max(mean, 1.0), 5.0), 3),
            "sd": round(sd, 3),
            "late_drop": round(drop, 3),
            "late_drop_per_day": round(per_day, 3),
            "max_drop": round(cap, 3),
        },
        f"review scores: on time ({len(on_time)} orders, mean {on_time.mean():.2f}) fitted as "
        f"a rounded normal; late ({int(late.sum())} orders, mean {score[late].mean():.2f}) "
        "by days late",
    )
    return fit


def cancellation_rate(orders: pd.DataFrame) -> float:
    return float(orders["status"].isin(["canceled", "unavailable"]).mean())
