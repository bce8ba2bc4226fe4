"""A run's records as the tables of an order log in the public Olist schema (the mapping, model
-> Olist, is in `mptwin.calibration.export`'s docstring): ids, times and places, then one
frame per file."""

from __future__ import annotations

from datetime import date
from hashlib import blake2b

import numpy as np
import pandas as pd

from mptwin.calibration.geo import region_centroids
from mptwin.calibration.log_files import (
    CENTROIDS,
    CUSTOMERS,
    ITEMS,
    ORDERS,
    PRODUCTS,
    REVIEWS,
    SELLERS,
    TIME_FORMAT,
    TRANSLATION,
)
from mptwin.results.measure.columns import matches, numeric, table
from mptwin.results.measure.metrics import window_orders
from mptwin.results.measure.records import RunResult
from sim.exceptions import ExceptionType
from sim.world import World

ROAD_FACTOR = 1.25  # the synthetic scenarios' road km per straight-line km (regions.road_factor)
WEIGHT_G = 1000
ZIP_BASE, ZIP_STEP = 10000, 100  # region i gets zip prefix 10000 + 100 i
PRODUCT_EXTRA = ("product_name_lenght", "product_description_lenght", "product_photos_qty")
PRODUCT_SIZE = ("product_length_cm", "product_height_cm", "product_width_cm")


def log_tables(
    result: RunResult, world: World, seed: int = 0, road_factor: float = ROAD_FACTOR
) -> dict[str, pd.DataFrame]:
    """Every file of the log as a frame of text columns, by file name."""
    orders = window_orders(result.tables, result.info).reset_index(drop=True)
    if orders.empty:
        raise ValueError("the run placed no order in its measured window: nothing to export")
    approved = approval_hours(orders, table(result.tables, "exceptions"))
    start = world.start_date
    return {
        ORDERS: orders_frame(orders, approved, start, seed),
        ITEMS: items_frame(orders, start, seed),
        CUSTOMERS: customers_frame(orders, world, seed),
        SELLERS: sellers_frame(orders, world),
        PRODUCTS: products_frame(orders, world),
        REVIEWS: reviews_frame(orders, start, seed),
        CENTROIDS: centroids_frame(world, road_factor),
        TRANSLATION: translation_frame(world),
    }


# --- ids, times, places --------------------------------------------------------------------------


def hex_ids(kind: str, keys) -> np.ndarray:
    """Olist-looking ids (32 hex digits), one per key, the same on every run and machine."""
    return np.array(
        [blake2b(f"{kind}-{k}".encode(), digest_size=16).hexdigest() for k in keys], dtype=object
    )


def whole_seconds(hours) -> np.ndarray:
    """Run hours rounded up to the second, in seconds: a time after a midnight stays after it."""
    return np.ceil(np.asarray(hours, dtype=float) * 3600.0)


def stamps(hours: np.ndarray, start: date) -> np.ndarray:
    """Run hours as timestamps, rounded up to the second ("" where NaN)."""
    times = pd.Timestamp(start) + pd.to_timedelta(whole_seconds(hours), unit="s")
    return pd.Series(times).dt.strftime(TIME_FORMAT).fillna("").to_numpy(dtype=object)


def dates(hours: np.ndarray, start: date, days_after: int = 0) -> np.ndarray:
    """The calendar day of each run hour (plus `days_after`) at 00:00:00 ("" where NaN)."""
    day = np.floor(np.asarray(hours, dtype=float) / 24.0) + days_after
    times = pd.Timestamp(start) + pd.to_timedelta(day, unit="D")
    return pd.Series(times).dt.strftime(TIME_FORMAT).fillna("").to_numpy(dtype=object)


def zip_prefix(region) -> np.ndarray:
    return ZIP_BASE + ZIP_STEP * np.asarray(region, dtype=np.int64)


def _money(values) -> np.ndarray:
    return np.array([f"{v:.2f}" for v in np.asarray(values, dtype=float)], dtype=object)


def _place(who: str, region, world: World) -> dict[str, np.ndarray]:
    """A customer's or seller's zip prefix, city and state: those of its region."""
    name = _names(world.region_names, region)
    return {
        f"{who}_zip_code_prefix": zip_prefix(region).astype(str),
        f"{who}_city": name,
        f"{who}_state": name,
    }


def _names(names: tuple[str, ...], index) -> np.ndarray:
    return np.asarray(names, dtype=object)[np.asarray(index, dtype=np.int64)]


# --- the files -----------------------------------------------------------------------------------


def approval_hours(orders: pd.DataFrame, exceptions: pd.DataFrame) -> np.ndarray:
    """When each order's payment was approved: at purchase, or for a held payment when the
    hold was released (NaN: rejected, or still held when the run ended)."""
    released = exceptions[
        matches(exceptions["type"], ExceptionType.PAYMENT_HELD.value)
        & matches(exceptions["outcome"], "released")
    ]
    at = pd.Series(numeric(released, "resolved_h"), index=released["order_id"].to_numpy())
    release = orders["order_id"].map(at[~at.index.duplicated()]).to_numpy(dtype=float)
    held = orders["fraud_flagged"].to_numpy(dtype=bool)
    return np.where(held, release, numeric(orders, "placed_h"))


def olist_status(orders: pd.DataFrame, approved: np.ndarray) -> np.ndarray:
    """The model's status in Olist's words (see the module docstring)."""
    status = orders["status"]
    in_flight = np.select(
        [
            ~np.isnan(numeric(orders, "handed_h")),
            ~np.isnan(numeric(orders, "routed_h")),
            ~np.isnan(approved),
        ],
        ["shipped", "processing", "approved"],
        "created",
    )
    return np.select(
        [matches(status, ("delivered", "returned")), matches(status, "cancelled")],
        ["delivered", "canceled"],
        in_flight,
    ).astype(object)


def orders_frame(orders: pd.DataFrame, approved: np.ndarray, start: date, seed: int):
    ids = orders["order_id"].to_numpy()
    return pd.DataFrame(
        {
            "order_id": hex_ids(f"order-{seed}", ids),
            "customer_id": hex_ids(f"customer-{seed}", ids),
            "order_status": olist_status(orders, approved),
            "order_purchase_timestamp": stamps(numeric(orders, "placed_h"), start),
            "order_approved_at": stamps(approved, start),
            "order_delivered_carrier_date": stamps(numeric(orders, "handed_h"), start),
            "order_delivered_customer_date": stamps(numeric(orders, "delivered_h"), start),
            "order_estimated_delivery_date": dates(numeric(orders, "promise_h"), start),
        }
    )


def items_frame(orders: pd.DataFrame, start: date, seed: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": hex_ids(f"order-{seed}", orders["order_id"].to_numpy()),
            "order_item_id": "1",
            "product_id": hex_ids("sku", orders["sku"].to_numpy()),
            "seller_id": hex_ids("seller", orders["seller"].to_numpy()),
            "shipping_limit_date": stamps(numeric(orders, "ship_by_h"), start),
            "price": _money(orders["price"]),
            "freight_value": _money(orders["shipping_fee"]),
        }
    )


def customers_frame(orders: pd.DataFrame, world: World, seed: int) -> pd.DataFrame:
    ids, region = orders["order_id"].to_numpy(), orders["region"].to_numpy()
    return pd.DataFrame(
        {
            "customer_id": hex_ids(f"customer-{seed}", ids),
            "customer_unique_id": hex_ids(f"person-{seed}", ids),
            **_place("customer", region, world),
        }
    )


def sellers_frame(orders: pd.DataFrame, world: World) -> pd.DataFrame:
    sellers = np.unique(orders["seller"].to_numpy())
    region = [world.warehouses[world.sellers[s].home_warehouse].region for s in sellers]
    return pd.DataFrame(
        {"seller_id": hex_ids("seller", sellers), **_place("seller", region, world)}
    )


def products_frame(orders: pd.DataFrame, world: World) -> pd.DataFrame:
    skus = np.unique(orders["sku"].to_numpy())
    frame = pd.DataFrame(
        {
            "product_id": hex_ids("sku", skus),
            "product_category_name": _names(world.category_names, world.sku_category[skus]),
        }
    )
    for column in PRODUCT_EXTRA:
        frame[column] = ""
    frame["product_weight_g"] = str(WEIGHT_G)
    for column in PRODUCT_SIZE:
        frame[column] = ""
    return frame


def reviews_frame(orders: pd.DataFrame, start: date, seed: int) -> pd.DataFrame:
    scored = orders[~np.isnan(numeric(orders, "review_score"))]
    ids = scored["order_id"].to_numpy()
    delivered_h = whole_seconds(numeric(scored, "delivered_h")) / 3600.0  # the day as written
    return pd.DataFrame(
        {
            "review_id": hex_ids(f"review-{seed}", ids),
            "order_id": hex_ids(f"order-{seed}", ids),
            "review_score": numeric(scored, "review_score").astype(np.int64).astype(str),
            "review_comment_title": "",
            "review_comment_message": "",
            "review_creation_date": dates(delivered_h, start, days_after=1),
            "review_answer_timestamp": "",
        }
    )


def centroids_frame(world: World, road_factor: float = ROAD_FACTOR) -> pd.DataFrame:
    lat, lng = region_centroids(world.distance_km, road_factor)
    n = len(world.region_names)
    if zip_prefix(n - 1) > 99999:
        raise ValueError(f"{n} regions do not fit in 5-digit zip prefixes (at most 900)")
    name = np.asarray(world.region_names, dtype=object)
    return pd.DataFrame(
        {
            "geolocation_zip_code_prefix": zip_prefix(np.arange(n)).astype(str),
            "geolocation_lat": [f"{v:.6f}" for v in lat],
            "geolocation_lng": [f"{v:.6f}" for v in lng],
            "geolocation_city": name,
            "geolocation_state": name,
        }
    )


def translation_frame(world: World) -> pd.DataFrame:
    names = list(world.category_names)
    return pd.DataFrame({"product_category_name": names, "product_category_name_english": names})
