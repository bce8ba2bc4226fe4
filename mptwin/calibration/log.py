"""Reading a real marketplace order log in the public Olist schema, for calibration.

A log is a folder of CSVs named as in the public Olist release, plus `zip_prefix_centroids.csv`
(one latitude/longitude per zip prefix). `read_log` checks every file and column before it builds
anything, so a bad log fails at once with a `LogError` that names the file, the column and the
first bad value with its row; pandas never gets to raise its own traceback. Every CSV is read as
text and converted here: "" is missing, any other value must parse.

Real-data quirks handled, each counted in `OrderLog.quirks` under the key in brackets:
- orders without a purchase time are dropped [missing_purchase], and so are orders without any
  item row [orders_without_items] (with them go their items and reviews);
- a missing approval time [missing_approved], carrier or delivery time of an order whose status
  is delivered [missing_carrier_delivered], or promise [missing_promise] leaves the durations that
  need it NaN;
- orders still in flight when the log stops (status not delivered, canceled or unavailable, and
  bought within `censor_days` of its end) are flagged `censored` [censored]: neither late nor on
  time, so delivery statistics leave them out;
- hand-over to the carrier before payment approval [carrier_before_approval]: the delivery still
  counts, but the handling time is undefined (`handling_ok` False);
- delivery before the carrier hand-over [delivered_before_carrier]: the transit time is undefined
  and the order is no usable delivery (`transit_ok` and `delivered_ok` False);
- promises at exactly 00:00:00 [midnight_promise] mean "by the end of that day": `promise_end` is
  the next midnight, so a delivery on the promised day is on time (compared by timestamp, a
  same-day delivery would look late);
- orders of several items [multi_item_orders] or sellers [multi_seller_orders] stay one order row
  (summed price, freight and weight; the first item's seller and category); `items` keeps them all;
- customers and sellers whose zip prefix has no centroid [unknown_zip] keep NaN coordinates.

A repeated order id, or a repeated key in a lookup table (customer, seller, product, zip prefix,
category), is an error rather than a quirk: which row is meant cannot be guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mptwin.calibration.log_files import (
    ITEMS,
    ORDER_TIMES,
    ORDERS,
    LogError,
    check_files,
    load_centroids,
    load_customers,
    load_items,
    load_orders,
    load_products,
    load_reviews,
    load_sellers,
)

__all__ = ["QUIRKS", "LogError", "OrderLog", "read_log"]

# Timestamps of things that happened; the promise is a forecast, so it does not end observation.
EVENT_TIMES = ("purchase", "approved", "carrier", "delivered")
CLOSED_STATUSES = frozenset({"delivered", "canceled", "unavailable"})

# The columns of OrderLog.orders, in order.
ORDER_COLUMNS = [
    "order_id",
    "customer_id",
    "status",
    *ORDER_TIMES,
    "promise_end",
    "zip_prefix",
    "state",
    "lat",
    "lng",
    "seller_id",
    "n_items",
    "n_sellers",
    "price",
    "freight",
    "weight_g",
    "category",
    "review_score",
    "delivered_ok",
    "censored",
    "late",
    "handling_ok",
    "transit_ok",
    "handling_h",
    "transit_h",
    "click_to_door_h",
    "promise_h",
]

QUIRKS = (
    "missing_purchase",
    "missing_approved",
    "missing_carrier_delivered",
    "missing_promise",
    "censored",
    "carrier_before_approval",
    "delivered_before_carrier",
    "midnight_promise",
    "multi_item_orders",
    "multi_seller_orders",
    "orders_without_items",
    "unknown_zip",
)

HOUR = pd.Timedelta(hours=1)
DAY = pd.Timedelta(days=1)


@dataclass(frozen=True, eq=False)
class OrderLog:
    """A read order log: one row per order, one per item, the seller table and the quirk counts.

    `orders.late` is a nullable boolean: True/False for `delivered_ok` orders with a promise
    (delivered after `promise_end`), <NA> for every other order (not delivered, censored, no
    promise), so `orders.late.mean()` is the late rate of judged deliveries only.
    `end` is the last purchase, approval, carrier or delivery time in the orders file (the
    promise, a forecast, is left out): the end of observation.
    """

    orders: pd.DataFrame
    items: pd.DataFrame
    sellers: pd.DataFrame
    quirks: dict[str, int]
    start: pd.Timestamp
    end: pd.Timestamp


def read_log(folder: str | Path, censor_days: float = 30.0) -> OrderLog:
    """Read and check an Olist-schema log folder; every file is checked before anything is built,
    so a bad log fails before any work is lost."""
    if censor_days < 0:
        raise ValueError(f"censor_days must be >= 0, got {censor_days}")
    folder = Path(folder)
    check_files(folder)
    orders = load_orders(folder)
    items = load_items(folder)
    products = load_products(folder)
    customers = load_customers(folder)
    sellers = load_sellers(folder)
    reviews = load_reviews(folder)
    centroids = load_centroids(folder)

    end = orders[list(EVENT_TIMES)].max().max()
    kept, dropped = _drop_unusable(orders, items)
    items = _items_of(kept, items, products)
    kept = _attach(kept, _item_summary(items), _with_coordinates(customers, centroids), reviews)
    kept = _derive(kept, end, censor_days)
    sellers = _with_coordinates(sellers, centroids)
    return OrderLog(
        orders=kept,
        items=items,
        sellers=sellers,
        quirks=_count_quirks(kept, sellers, dropped),
        start=kept["purchase"].min(),
        end=end,
    )


# --- building the tables -------------------------------------------------------------------------


def _with_coordinates(places: pd.DataFrame, centroids: pd.DataFrame) -> pd.DataFrame:
    """Add the centroid of each zip prefix (NaN where the prefix has none)."""
    return places.merge(centroids, on="zip_prefix", how="left", validate="many_to_one")


def _drop_unusable(orders: pd.DataFrame, items: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Drop orders that cannot be placed in time (no purchase) or have nothing in them (no
    item), and count both."""
    has_purchase = orders["purchase"].notna()
    has_items = orders["order_id"].isin(items["order_id"])
    kept = orders[has_purchase & has_items].reset_index(drop=True)
    if kept.empty:
        raise LogError(f"{ORDERS}: no order has both a purchase time and an item in {ITEMS}")
    dropped = {
        "missing_purchase": int((~has_purchase).sum()),
        "orders_without_items": int((has_purchase & ~has_items).sum()),
    }
    return kept, dropped


def _items_of(orders: pd.DataFrame, items: pd.DataFrame, products: pd.DataFrame) -> pd.DataFrame:
    """The items of the kept orders, with their product's category and weight."""
    items = items[items["order_id"].isin(orders["order_id"])]
    items = items.merge(products, on="product_id", how="left", validate="many_to_one")
    columns = ["order_id", "order_item_id", "seller_id", "product_id", "shipping_limit"]
    return items[[*columns, "price", "freight_value", "category", "weight_g"]]


def _item_summary(items: pd.DataFrame) -> pd.DataFrame:
    """One row per order: the first item's seller and category, counts, and sums that are NaN
    when any item's value is missing (a partial sum would pass for a whole one)."""
    by_order = items.groupby("order_id", sort=False)
    first = items.drop_duplicates("order_id").set_index("order_id")
    summary = pd.DataFrame(
        {
            "seller_id": first["seller_id"],
            "n_items": by_order.size(),
            "n_sellers": by_order["seller_id"].nunique(),
        }
    )
    for ours, column in (
        ("price", "price"),
        ("freight", "freight_value"),
        ("weight_g", "weight_g"),
    ):
        incomplete = items[column].isna().groupby(items["order_id"], sort=False).any()
        summary[ours] = by_order[column].sum().mask(incomplete)
    summary["category"] = first["category"]
    return summary


def _attach(
    orders: pd.DataFrame,
    summary: pd.DataFrame,
    customers: pd.DataFrame,
    reviews: pd.Series,
) -> pd.DataFrame:
    """Join the customer's place, the item summary and the mean review onto each order."""
    orders = orders.merge(customers, on="customer_id", how="left", validate="many_to_one")
    orders = orders.join(summary, on="order_id")
    return orders.join(reviews, on="order_id")


def _derive(orders: pd.DataFrame, end: pd.Timestamp, censor_days: float) -> pd.DataFrame:
    """Add promise_end, the flags and the durations (hours) the calibration reads."""
    orders = orders.copy()
    promise = orders["promise"]
    midnight = promise.notna() & (promise == promise.dt.normalize())
    orders["promise_end"] = promise.mask(midnight, promise + DAY)

    approved, carrier, delivered = orders["approved"], orders["carrier"], orders["delivered"]
    in_flight = ~orders["status"].isin(CLOSED_STATUSES)
    orders["censored"] = in_flight & (orders["purchase"] >= end - pd.Timedelta(days=censor_days))
    orders["handling_ok"] = approved.notna() & carrier.notna() & (carrier >= approved)
    orders["transit_ok"] = carrier.notna() & delivered.notna() & (delivered >= carrier)
    orders["delivered_ok"] = (orders["status"] == "delivered") & orders["transit_ok"]
    judged = orders["delivered_ok"] & orders["promise_end"].notna()
    orders["late"] = (delivered > orders["promise_end"]).astype("boolean").where(judged)

    orders["handling_h"] = ((carrier - approved) / HOUR).where(orders["handling_ok"])
    orders["transit_h"] = ((delivered - carrier) / HOUR).where(orders["transit_ok"])
    click_to_door = (delivered - orders["purchase"]) / HOUR
    orders["click_to_door_h"] = click_to_door.where(click_to_door >= 0)
    orders["promise_h"] = (orders["promise_end"] - orders["purchase"]) / HOUR
    return orders[ORDER_COLUMNS]


def _count_quirks(orders: pd.DataFrame, sellers: pd.DataFrame, dropped: dict) -> dict[str, int]:
    """How often each quirk occurred: the dropped orders, then the kept orders' flags (customers
    are counted per order, sellers over the whole seller table)."""
    promise = orders["promise"]
    delivered_status = orders["status"] == "delivered"
    counts = {
        **dropped,
        "missing_approved": orders["approved"].isna(),
        "missing_carrier_delivered": delivered_status
        & (orders["carrier"].isna() | orders["delivered"].isna()),
        "missing_promise": promise.isna(),
        "censored": orders["censored"],
        "carrier_before_approval": orders["carrier"] < orders["approved"],
        "delivered_before_carrier": orders["delivered"] < orders["carrier"],
        "midnight_promise": promise.notna() & (promise == promise.dt.normalize()),
        "multi_item_orders": orders["n_items"] > 1,
        "multi_seller_orders": orders["n_sellers"] > 1,
        "unknown_zip": int(orders["lat"].isna().sum() + sellers["lat"].isna().sum()),
    }
    return {key: int(np.sum(counts[key])) for key in QUIRKS}
