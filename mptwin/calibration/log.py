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

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

ORDERS = "olist_orders_dataset.csv"
ITEMS = "olist_order_items_dataset.csv"
CUSTOMERS = "olist_customers_dataset.csv"
SELLERS = "olist_sellers_dataset.csv"
PRODUCTS = "olist_products_dataset.csv"
REVIEWS = "olist_order_reviews_dataset.csv"
CENTROIDS = "zip_prefix_centroids.csv"
TRANSLATION = "product_category_name_translation.csv"

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    ORDERS: (
        "order_id",
        "customer_id",
        "order_status",
        "order_purchase_timestamp",
        "order_approved_at",
        "order_delivered_carrier_date",
        "order_delivered_customer_date",
        "order_estimated_delivery_date",
    ),
    ITEMS: (
        "order_id",
        "order_item_id",
        "product_id",
        "seller_id",
        "shipping_limit_date",
        "price",
        "freight_value",
    ),
    CUSTOMERS: ("customer_id", "customer_zip_code_prefix", "customer_state"),
    SELLERS: ("seller_id", "seller_zip_code_prefix", "seller_state"),
    PRODUCTS: ("product_id", "product_category_name", "product_weight_g"),
    REVIEWS: ("order_id", "review_score"),
    CENTROIDS: ("geolocation_zip_code_prefix", "geolocation_lat", "geolocation_lng"),
}
TRANSLATION_COLUMNS = ("product_category_name", "product_category_name_english")

# The order's timestamps: our name -> the orders file's column.
ORDER_TIMES = {
    "purchase": "order_purchase_timestamp",
    "approved": "order_approved_at",
    "carrier": "order_delivered_carrier_date",
    "delivered": "order_delivered_customer_date",
    "promise": "order_estimated_delivery_date",
}
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


class LogError(ValueError):
    """A log that cannot be read: the message names the file and the column (and a bad value)."""


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
    _check_files(folder)
    orders = _load_orders(folder)
    items = _load_items(folder)
    products = _load_products(folder)
    customers = _load_customers(folder)
    sellers = _load_sellers(folder)
    reviews = _load_reviews(folder)
    centroids = _load_centroids(folder)

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


# --- files and text ------------------------------------------------------------------------------


def _check_files(folder: Path) -> None:
    """Name every missing file at once, so a user fixes the folder in one go."""
    if not folder.is_dir():
        raise LogError(f"log folder {folder} does not exist (or is not a folder)")
    missing = [name for name in REQUIRED_COLUMNS if not (folder / name).is_file()]
    if missing:
        raise LogError(f"required file(s) {', '.join(missing)} not found in {folder}")


def _read_text(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    """Read the required columns of a CSV as text ("" = missing), turning any parser failure
    into a LogError that names the file. The whole file is parsed (no `usecols`), so a row with
    more fields than the header is an error rather than silently cut short."""
    options = {"dtype": str, "keep_default_na": False, "encoding": "utf-8-sig"}
    try:
        header = pd.read_csv(path, nrows=0, **options).columns
        missing = [column for column in columns if column not in header]
        if missing:
            raise LogError(_missing_columns_message(path.name, missing, header))
        return pd.read_csv(path, **options)[list(columns)]
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise LogError(f"{path.name} is not a readable comma-separated file: {reason}") from exc
    except OSError as exc:
        raise LogError(f"{path.name} cannot be read: {exc}") from exc


def _missing_columns_message(name: str, missing: list[str], header: pd.Index) -> str:
    """List every missing column; a one-column header usually means another delimiter."""
    found = ", ".join(repr(str(column))[:60] for column in header[:12])
    message = f"{name}: missing column(s) {', '.join(map(repr, missing))} (found: {found})"
    if len(header) == 1:
        message += "; the header has a single column: is the file comma-separated?"
    return message


def _fail_at(name: str, column: str, raw: pd.Series, bad: pd.Series, what: str) -> None:
    """Raise on the first bad value, with its row (1 = first row after the header)."""
    if not bad.any():
        return
    row = int(np.flatnonzero(bad.to_numpy())[0])
    value = str(raw.iloc[row])[:80]
    count = int(bad.sum())
    more = f" ({count} bad values in all)" if count > 1 else ""
    raise LogError(
        f"{name}, column '{column}': {what}; first at row {row + 1} (header excluded): "
        f"{value!r}{more}"
    )


def _text(raw: pd.DataFrame, column: str) -> pd.Series:
    """A text column with "" as missing (NaN), so joins never match on an empty id."""
    return raw[column].mask(raw[column] == "")


def _times(raw: pd.DataFrame, name: str, column: str) -> pd.Series:
    """Parse a timestamp column strictly; a non-empty value that does not parse is an error."""
    parsed = pd.to_datetime(raw[column], format=TIME_FORMAT, errors="coerce")
    bad = (raw[column] != "") & parsed.isna()
    _fail_at(name, column, raw[column], bad, f"not a timestamp in the form {TIME_FORMAT}")
    return parsed.astype("datetime64[ns]")


def _floats(raw: pd.DataFrame, name: str, column: str) -> pd.Series:
    """Parse a numeric column; a non-empty value that is not a finite number is an error."""
    parsed = pd.to_numeric(raw[column].mask(raw[column] == ""), errors="coerce").astype(float)
    bad = (raw[column] != "") & ~np.isfinite(parsed)
    _fail_at(name, column, raw[column], bad, "not a number")
    return parsed


def _ints(raw: pd.DataFrame, name: str, column: str) -> pd.Series:
    """Parse a column of non-negative integers (zip prefixes, item numbers) as Int64; leading
    zeros are accepted, so 01001 and 1001 are the same prefix."""
    bad = (raw[column] != "") & ~raw[column].str.fullmatch(r"\d+")
    _fail_at(name, column, raw[column], bad, "not a whole number")
    return pd.to_numeric(raw[column].mask(raw[column] == "")).astype("Int64")


def _require(raw: pd.DataFrame, name: str, column: str) -> None:
    """An id column every row needs (to join on it)."""
    _fail_at(name, column, raw[column], raw[column] == "", "empty id")


def _unique(keys: pd.Series, name: str, column: str) -> None:
    """A key that must appear once: a repeat would make joins ambiguous."""
    repeat = keys.duplicated()
    if not repeat.any():
        return
    value = keys[repeat].iloc[0]
    rows = np.flatnonzero((keys == value).to_numpy())[:2] + 1
    raise LogError(
        f"{name}, column '{column}': '{value}' appears more than once "
        f"(rows {rows[0]} and {rows[1]}, header excluded)"
    )


# --- the files, typed ----------------------------------------------------------------------------


def _load_orders(folder: Path) -> pd.DataFrame:
    """Orders with their timestamps; an empty file or a repeated order id is an error."""
    raw = _read_text(folder / ORDERS, REQUIRED_COLUMNS[ORDERS])
    if raw.empty:
        raise LogError(f"{ORDERS} in {folder} has no orders (a header only)")
    _require(raw, ORDERS, "order_id")
    _unique(raw["order_id"], ORDERS, "order_id")
    orders = pd.DataFrame(
        {
            "order_id": raw["order_id"],
            "customer_id": _text(raw, "customer_id"),
            "status": _text(raw, "order_status"),
        }
    )
    for ours, column in ORDER_TIMES.items():
        orders[ours] = _times(raw, ORDERS, column)
    return orders


def _load_items(folder: Path) -> pd.DataFrame:
    """Items sorted by order and item number, so the first row of an order is its first item."""
    raw = _read_text(folder / ITEMS, REQUIRED_COLUMNS[ITEMS])
    _require(raw, ITEMS, "order_id")
    _require(raw, ITEMS, "order_item_id")
    item_number = _ints(raw, ITEMS, "order_item_id")
    _unique(raw["order_id"] + " item " + item_number.astype(str), ITEMS, "order_item_id")
    items = pd.DataFrame(
        {
            "order_id": raw["order_id"],
            "order_item_id": item_number,
            "seller_id": _text(raw, "seller_id"),
            "product_id": _text(raw, "product_id"),
            "shipping_limit": _times(raw, ITEMS, "shipping_limit_date"),
            "price": _floats(raw, ITEMS, "price"),
            "freight_value": _floats(raw, ITEMS, "freight_value"),
        }
    )
    return items.sort_values(["order_id", "order_item_id"], kind="stable", ignore_index=True)


def _load_products(folder: Path) -> pd.DataFrame:
    """Products with category (in English where the optional translation has it) and weight."""
    raw = _read_text(folder / PRODUCTS, REQUIRED_COLUMNS[PRODUCTS])
    _require(raw, PRODUCTS, "product_id")
    _unique(raw["product_id"], PRODUCTS, "product_id")
    category = _text(raw, "product_category_name")
    english = _load_translation(folder)
    if english is not None:
        category = category.map(english).fillna(category)
    return pd.DataFrame(
        {
            "product_id": raw["product_id"],
            "category": category,
            "weight_g": _floats(raw, PRODUCTS, "product_weight_g"),
        }
    )


def _load_translation(folder: Path) -> pd.Series | None:
    """Portuguese -> English category names, or None when the optional file is absent; a
    category it lacks keeps its Portuguese name."""
    if not (folder / TRANSLATION).is_file():
        return None
    raw = _read_text(folder / TRANSLATION, TRANSLATION_COLUMNS)
    _require(raw, TRANSLATION, "product_category_name")
    _unique(raw["product_category_name"], TRANSLATION, "product_category_name")
    english = _text(raw, "product_category_name_english")
    return pd.Series(english.to_numpy(), index=raw["product_category_name"]).dropna()


def _load_customers(folder: Path) -> pd.DataFrame:
    """Customers with zip prefix and state."""
    raw = _read_text(folder / CUSTOMERS, REQUIRED_COLUMNS[CUSTOMERS])
    _require(raw, CUSTOMERS, "customer_id")
    _unique(raw["customer_id"], CUSTOMERS, "customer_id")
    return pd.DataFrame(
        {
            "customer_id": raw["customer_id"],
            "zip_prefix": _ints(raw, CUSTOMERS, "customer_zip_code_prefix"),
            "state": _text(raw, "customer_state"),
        }
    )


def _load_sellers(folder: Path) -> pd.DataFrame:
    """Sellers with zip prefix and state."""
    raw = _read_text(folder / SELLERS, REQUIRED_COLUMNS[SELLERS])
    _require(raw, SELLERS, "seller_id")
    _unique(raw["seller_id"], SELLERS, "seller_id")
    return pd.DataFrame(
        {
            "seller_id": raw["seller_id"],
            "zip_prefix": _ints(raw, SELLERS, "seller_zip_code_prefix"),
            "state": _text(raw, "seller_state"),
        }
    )


def _load_reviews(folder: Path) -> pd.Series:
    """The mean review score per order (an order may have several reviews, or none)."""
    raw = _read_text(folder / REVIEWS, REQUIRED_COLUMNS[REVIEWS])
    _require(raw, REVIEWS, "order_id")
    scores = _floats(raw, REVIEWS, "review_score")
    return scores.groupby(raw["order_id"]).mean().rename("review_score")


def _load_centroids(folder: Path) -> pd.DataFrame:
    """Latitude/longitude per zip prefix; a prefix written twice (even as 01001 and 1001) is an
    error."""
    raw = _read_text(folder / CENTROIDS, REQUIRED_COLUMNS[CENTROIDS])
    _require(raw, CENTROIDS, "geolocation_zip_code_prefix")
    zip_prefix = _ints(raw, CENTROIDS, "geolocation_zip_code_prefix")
    _unique(zip_prefix, CENTROIDS, "geolocation_zip_code_prefix")
    return pd.DataFrame(
        {
            "zip_prefix": zip_prefix,
            "lat": _floats(raw, CENTROIDS, "geolocation_lat"),
            "lng": _floats(raw, CENTROIDS, "geolocation_lng"),
        }
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
