"""What `mptwin-validate` compares: the validated quantities and their tolerances, the statistics
computed the same way on the observed and the simulated logs, and the twin's runs exported as
logs (`mptwin.calibration.backtest` is the command)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mptwin.calibration.log import OrderLog, read_log

MIN_REGION_ORDERS = 300  # judged deliveries a region needs in the hold-out for its own row


@dataclass(frozen=True)
class Row:
    """One validated quantity: how to compute it and how close the twin must come."""

    name: str
    tolerance: float
    relative: bool  # tolerance as a share of the observed value, else absolute
    fitted: str  # "directly" (fitted on the fit period) or "emerges"


ROWS = [
    Row("late_rate", 0.03, False, "emerges"),
    Row("click_to_door_p50_h", 0.15, True, "emerges"),
    Row("click_to_door_p90_h", 0.15, True, "emerges"),
    Row("handling_p50_h", 0.20, True, "directly"),
    Row("handling_p90_h", 0.20, True, "directly"),
    Row("transit_p50_h", 0.20, True, "directly"),
    Row("transit_p90_h", 0.20, True, "directly"),
    Row("orders_per_seller", 0.25, True, "emerges"),
    Row("top10_seller_share", 0.10, False, "emerges"),
    Row("freight_to_price", 0.15, True, "emerges"),
    Row("review_on_time", 0.25, False, "directly"),
    Row("review_late", 0.50, False, "directly"),
    Row("cancellation_rate", 0.005, False, "directly"),
    Row("ks_click_to_door", 0.15, False, "emerges"),
    Row("ks_handling", 0.15, False, "directly"),
    Row("ks_transit", 0.15, False, "directly"),
]
REGION_TOLERANCE = 0.05  # late rate by region, absolute
DISTRIBUTIONS = {
    "click_to_door": "click_to_door_h",
    "handling": "handling_h",
    "transit": "transit_h",
}


def judged(orders: pd.DataFrame) -> pd.DataFrame:
    """Deliveries the statistics judge: delivered in a possible order, not censored."""
    ok = orders["delivered_ok"].fillna(False).astype(bool) & ~orders["censored"].astype(bool)
    return orders[ok]


def statistics(orders: pd.DataFrame) -> dict[str, float]:
    """Every validated number of one log (observed or simulated), one definition for both."""
    d = judged(orders)
    late = d["late"].astype("float")
    per_seller = orders["seller_id"].value_counts()
    top = max(1, round(0.1 * len(per_seller)))
    handed = d[d["handling_ok"].fillna(False).astype(bool)]
    carried = d[d["transit_ok"].fillna(False).astype(bool)]
    scored = d[d["review_score"].notna()]
    out = {
        "late_rate": float(late.mean()),
        "click_to_door_p50_h": float(d["click_to_door_h"].quantile(0.5)),
        "click_to_door_p90_h": float(d["click_to_door_h"].quantile(0.9)),
        "handling_p50_h": float(handed["handling_h"].quantile(0.5)),
        "handling_p90_h": float(handed["handling_h"].quantile(0.9)),
        "transit_p50_h": float(carried["transit_h"].quantile(0.5)),
        "transit_p90_h": float(carried["transit_h"].quantile(0.9)),
        "orders_per_seller": float(per_seller.mean()),
        "top10_seller_share": float(per_seller.iloc[:top].sum() / per_seller.sum()),
        "freight_to_price": float((orders["freight"] / orders["price"]).median()),
        "review_on_time": float(scored.loc[~scored["late"].astype(bool), "review_score"].mean()),
        "review_late": float(scored.loc[scored["late"].astype(bool), "review_score"].mean()),
        "cancellation_rate": float(orders["status"].isin(["canceled", "unavailable"]).mean()),
    }
    for state, group in d.groupby("state", observed=True):
        out[f"late_rate[{state}]"] = float(group["late"].astype("float").mean())
    return out


def ks_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Largest gap between two empirical CDFs."""
    a, b = np.sort(a[np.isfinite(a)]), np.sort(b[np.isfinite(b)])
    if not len(a) or not len(b):
        return float("nan")
    grid = np.concatenate([a, b])
    return float(
        np.max(
            np.abs(
                np.searchsorted(a, grid, "right") / len(a)
                - np.searchsorted(b, grid, "right") / len(b)
            )
        )
    )


def compare(
    observed: pd.DataFrame, simulated: list[pd.DataFrame], in_sample: bool = False
) -> pd.DataFrame:
    """The validation table: per row the observed value, the simulated mean and its range over
    seeds (min..max), the tolerance, whether it was fitted, and whether the twin is within it.
    `in_sample`: the observed orders are the ones fitted on (no hold-out)."""
    obs = statistics(observed)
    sims = [statistics(s) for s in simulated]
    for key, col in DISTRIBUTIONS.items():
        o = judged(observed)[col].to_numpy(dtype=float)
        obs[f"ks_{key}"] = 0.0
        for stats, s in zip(sims, simulated, strict=True):
            stats[f"ks_{key}"] = ks_distance(o, judged(s)[col].to_numpy(dtype=float))
    rows = list(ROWS)
    counts = judged(observed)["state"].value_counts()
    for state in sorted(counts[counts >= MIN_REGION_ORDERS].index):
        rows.append(Row(f"late_rate[{state}]", REGION_TOLERANCE, False, "emerges"))
    table = []
    for row in rows:
        values = np.array([s.get(row.name, np.nan) for s in sims], dtype=float)
        o = obs.get(row.name, np.nan)
        mean = float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")
        tol = row.tolerance * abs(o) if row.relative else row.tolerance
        # a distance passes below its tolerance; a value within it of the observed one
        ok = bool(mean <= tol if row.name.startswith("ks_") else abs(mean - o) <= tol)
        table.append(
            {
                "quantity": row.name,
                "observed": o,
                "simulated": mean,
                "sim_min": float(np.nanmin(values)),
                "sim_max": float(np.nanmax(values)),
                "tolerance": tol,
                "fitted": "in-sample" if in_sample else row.fitted,
                "pass": ok,
            }
        )
    return pd.DataFrame(table)


# --- running the twin ------------------------------------------------------------------------


def simulated_logs(
    scenario: str | dict, overrides: list[str], seeds: list[int], work: Path
) -> list[pd.DataFrame]:
    """Each seed's run, exported as a log and read back with the observed log's reader.
    `scenario`: a scenario's name in conf/scenario, or its content (a calibration not written
    yet)."""
    from mptwin.calibration.export import export_log
    from mptwin.calibration.pilot import compose_with
    from mptwin.runner.compose import build_run, compose
    from mptwin.runner.job import simulate

    out = []
    for seed in seeds:
        rest = [*overrides, f"seed={seed}", "progress=false"]
        if isinstance(scenario, dict):
            cfg = compose_with(scenario, *rest)
        else:
            cfg = compose(f"scenario={scenario}", *rest)
        world, strategy = build_run(cfg)
        result = simulate(world, strategy, seed)
        folder = work / f"seed={seed}"
        export_log(
            result, world, folder, seed=seed, road_factor=float(cfg.scenario.regions.road_factor)
        )
        out.append(read_log(folder).orders)
        print(f"  seed {seed}: {len(out[-1]):,} orders", flush=True)
    return out


def holdout_orders(log: OrderLog, sidecar: dict) -> pd.DataFrame:
    start, end = (pd.Timestamp(t) for t in sidecar["holdout_period"])
    o = log.orders
    return o[(o["purchase"] >= start) & (o["purchase"] < end)]
