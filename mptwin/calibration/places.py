"""Where the log's customers and sellers are, as the model's regions and warehouses: customer
states with their centres on a plane, shares and local distances; warehouses where sellers ship
from."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mptwin.calibration.fit import Fit
from mptwin.calibration.geo import EARTH_KM, great_circle_km, mds_positions, pairwise_km

DEFAULT_LOCAL_KM = 40.0  # a delivery within a region, where the log cannot say (the template's)
REF_LAT, REF_LNG = -15.0, -50.0  # the flat map's origin (any point near the data will do)


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
    a country a few thousand km wide, within a percent; a fixed projection is off by 5-9 %),
    turned to the map's usual orientation (east and north growing) for readers."""
    if len(lat) == 1:
        return np.zeros(1), np.zeros(1)
    xy = mds_positions(pairwise_km(lat, lng))
    x, y = xy[:, 0], xy[:, 1]
    ref_x, ref_y = flat_km(lat, lng)
    if np.corrcoef(x, ref_x)[0, 1] < 0:
        x = -x
    if len(lat) > 2 and np.corrcoef(y, ref_y)[0, 1] < 0:
        y = -y
    return x, y


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
    fit.put(
        "regions.sites",
        [
            {
                "name": n,
                "x_km": round(float(x[i]), 1),
                "y_km": round(float(y[i]), 1),
                "weight": round(float(weight[i]), 5),
                "local_km": round(float(local[i]), 1),
            }
            for i, n in enumerate(names)
        ],
        "customer states: centre = mean customer zip centroid, weight = share of orders, "
        f"local_km = median within-state seller-to-customer distance (all states: {local_all:.0f} km; "
        f"{DEFAULT_LOCAL_KM:.0f} km where the log puts a state's places on one point)",
    )
    fit.put("regions.count", len(names), "customer states in the fit period")
    fit.put(
        "regions.road_factor",
        1.0,
        "distances are straight lines between region centres; "
        "transit speed and freight per km are fitted against that same distance",
    )
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
    fit.put(
        "warehouses.count",
        len(regions),
        "sellers' locations: one warehouse per "
        f"{100 / count:.0f} % of orders shipped from a state (largest remainder)",
    )
    fit.put("warehouses.regions", regions, "states of the sellers, weighted by orders shipped")
    fit.put("catalogue.second_warehouse_share", 0.0, "a marketplace seller ships from one place")
    return fit


# --- demand ----------------------------------------------------------------------------------
