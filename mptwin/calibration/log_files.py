"""The files of an order log in the public Olist schema: their names, the columns each must
have, and each read as text and typed here, so a bad log fails at once with a `LogError` that
names the file, the column and the first bad value with its row (pandas never gets to raise
its own traceback). "" is missing; any other value must parse."""

from __future__ import annotations

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
# every file of a log, the optional translation last (what an export writes)
FILES = (*REQUIRED_COLUMNS, TRANSLATION)
TRANSLATION_COLUMNS = ("product_category_name", "product_category_name_english")

# The order's timestamps: our name -> the orders file's column.
ORDER_TIMES = {
    "purchase": "order_purchase_timestamp",
    "approved": "order_approved_at",
    "carrier": "order_delivered_carrier_date",
    "delivered": "order_delivered_customer_date",
    "promise": "order_estimated_delivery_date",
}


class LogError(ValueError):
    """A log that cannot be read: the message names the file and the column (and a bad value)."""


# --- files and text ------------------------------------------------------------------------------


def check_files(folder: Path) -> None:
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
        raw = pd.read_csv(path, **options)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise LogError(f"{path.name} is not a readable comma-separated file: {reason}") from exc
    except OSError as exc:
        raise LogError(f"{path.name} cannot be read: {exc}") from exc
    if not isinstance(raw.index, pd.RangeIndex):
        # a first row one field longer than the header: pandas takes every row's first field
        # for an index and shifts the columns one to the left, which must not pass for data
        raise LogError(
            f"{path.name}: the first row has {len(header) + 1} fields against the "
            f"header's {len(header)} (a comma at the end of each line?)"
        )
    return raw[list(columns)]


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
    outside = (parsed < pd.Timestamp.min) | (parsed > pd.Timestamp.max)
    _fail_at(
        name,
        column,
        raw[column],
        outside,
        f"a timestamp outside the years {pd.Timestamp.min.year + 1} to {pd.Timestamp.max.year - 1}",
    )
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
    bad = (raw[column] != "") & ~raw[column].str.fullmatch(r"\d{1,18}")
    _fail_at(name, column, raw[column], bad, "not a whole number (of at most 18 digits)")
    return pd.to_numeric(raw[column].mask(raw[column] == "")).astype("Int64")


def _require(raw: pd.DataFrame, name: str, column: str) -> None:
    """An id column every row needs (to join on it)."""
    _fail_at(name, column, raw[column], raw[column].isna() | (raw[column] == ""), "empty id")


def _unique(keys: pd.Series, name: str, column: str) -> None:
    """A key that must appear once: a repeat would make joins ambiguous."""
    repeat = keys.duplicated()
    if not repeat.any():
        return
    value = keys[repeat].iloc[0]
    same = keys.isna() if pd.isna(value) else keys == value
    rows = np.flatnonzero(same.to_numpy())[:2] + 1
    raise LogError(
        f"{name}, column '{column}': '{value}' appears more than once "
        f"(rows {rows[0]} and {rows[1]}, header excluded)"
    )


# --- the files, typed ----------------------------------------------------------------------------


def load_orders(folder: Path) -> pd.DataFrame:
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


def load_items(folder: Path) -> pd.DataFrame:
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


def load_products(folder: Path) -> pd.DataFrame:
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


def load_customers(folder: Path) -> pd.DataFrame:
    """Customers with zip prefix and state."""
    return _load_places(folder, CUSTOMERS, "customer")


def load_sellers(folder: Path) -> pd.DataFrame:
    """Sellers with zip prefix and state."""
    return _load_places(folder, SELLERS, "seller")


def _load_places(folder: Path, name: str, who: str) -> pd.DataFrame:
    """A table of `who`s (customer, seller) keyed by `<who>_id`, with zip prefix and state."""
    raw = _read_text(folder / name, REQUIRED_COLUMNS[name])
    key = f"{who}_id"
    _require(raw, name, key)
    _unique(raw[key], name, key)
    return pd.DataFrame(
        {
            key: raw[key],
            "zip_prefix": _ints(raw, name, f"{who}_zip_code_prefix"),
            "state": _text(raw, f"{who}_state"),
        }
    )


def load_reviews(folder: Path) -> pd.Series:
    """The mean review score per order (an order may have several reviews, or none)."""
    raw = _read_text(folder / REVIEWS, REQUIRED_COLUMNS[REVIEWS])
    _require(raw, REVIEWS, "order_id")
    scores = _floats(raw, REVIEWS, "review_score")
    return scores.groupby(raw["order_id"]).mean().rename("review_score")


def load_centroids(folder: Path) -> pd.DataFrame:
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
