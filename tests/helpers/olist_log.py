"""A tiny hand-made log in the Olist schema, written as CSVs (whole or with one cell broken):
shared by the log reader's error tests and its quirk tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mptwin.calibration.log_files import (
    CENTROIDS,
    CUSTOMERS,
    ITEMS,
    ORDERS,
    PRODUCTS,
    REVIEWS,
    SELLERS,
    TRANSLATION,
)


def tiny_log() -> dict[str, pd.DataFrame]:
    """A minimal valid log, one order per quirk (times in January 2018):

    o1 delivered on its promised (midnight) day: on time; o2 handed to the carrier before
    approval, promise at a real time of day; o3 two items from two sellers, delivered a day late;
    o4 shipped near the end of the log: censored; o5 no purchase time: dropped; o6 canceled near
    the end: closed, not censored; o7 no item row: dropped.
    """
    orders = pd.DataFrame(
        [
            (
                "o1",
                "c1",
                "delivered",
                "2018-01-01 10:00:00",
                "2018-01-01 11:00:00",
                "2018-01-02 09:00:00",
                "2018-01-10 15:00:00",
                "2018-01-10 00:00:00",
            ),
            (
                "o2",
                "c2",
                "delivered",
                "2018-01-02 08:00:00",
                "2018-01-02 12:00:00",
                "2018-01-02 09:00:00",
                "2018-01-05 10:00:00",
                "2018-01-20 14:00:00",
            ),
            (
                "o3",
                "c3",
                "delivered",
                "2018-01-03 08:00:00",
                "2018-01-03 09:00:00",
                "2018-01-04 09:00:00",
                "2018-01-09 10:00:00",
                "2018-01-08 00:00:00",
            ),
            (
                "o4",
                "c4",
                "shipped",
                "2018-01-25 08:00:00",
                "2018-01-25 09:00:00",
                "2018-01-26 09:00:00",
                "",
                "2018-02-10 00:00:00",
            ),
            (
                "o5",
                "c5",
                "delivered",
                "",
                "2018-01-04 09:00:00",
                "2018-01-05 09:00:00",
                "2018-01-08 09:00:00",
                "2018-01-20 00:00:00",
            ),
            ("o6", "c6", "canceled", "2018-01-26 08:00:00", "", "", "", "2018-02-12 00:00:00"),
            (
                "o7",
                "c7",
                "unavailable",
                "2018-01-05 08:00:00",
                "2018-01-05 09:00:00",
                "",
                "",
                "2018-01-30 00:00:00",
            ),
        ],
        columns=[
            "order_id",
            "customer_id",
            "order_status",
            "order_purchase_timestamp",
            "order_approved_at",
            "order_delivered_carrier_date",
            "order_delivered_customer_date",
            "order_estimated_delivery_date",
        ],
    )
    items = pd.DataFrame(
        [
            ("o1", "1", "p1", "s1", "2018-01-03 10:00:00", "10.0", "2.0"),
            ("o2", "1", "p1", "s1", "2018-01-04 08:00:00", "10.0", "2.0"),
            ("o3", "2", "p2", "s2", "2018-01-05 08:00:00", "20.5", "3.5"),
            ("o3", "1", "p1", "s1", "2018-01-05 08:00:00", "10.0", "2.0"),
            ("o4", "1", "p2", "s2", "2018-01-27 08:00:00", "20.5", "3.5"),
            ("o5", "1", "p1", "s1", "2018-01-06 08:00:00", "10.0", "2.0"),
            ("o6", "1", "p1", "s1", "2018-01-28 08:00:00", "10.0", "2.0"),
        ],
        columns=[
            "order_id",
            "order_item_id",
            "product_id",
            "seller_id",
            "shipping_limit_date",
            "price",
            "freight_value",
        ],
    )
    customers = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(1, 8)],
            "customer_unique_id": [f"u{i}" for i in range(1, 8)],  # extra columns are ignored
            "customer_zip_code_prefix": ["01001", "1001", "20031", "1001", "1001", "1001", "1001"],
            "customer_state": ["SP", "SP", "RJ", "SP", "SP", "SP", "SP"],
        }
    )
    sellers = pd.DataFrame(
        {
            "seller_id": ["s1", "s2", "s3"],
            "seller_zip_code_prefix": ["1001", "20031", "99999"],  # 99999 has no centroid
            "seller_state": ["SP", "RJ", "RS"],
        }
    )
    products = pd.DataFrame(
        {
            "product_id": ["p1", "p2"],
            "product_category_name": ["beleza_saude", "moveis_decoracao"],
            "product_weight_g": ["200", "1500.0"],
        }
    )
    reviews = pd.DataFrame({"order_id": ["o1", "o3", "o3"], "review_score": ["5", "2", "3"]})
    centroids = pd.DataFrame(
        {
            "geolocation_zip_code_prefix": ["1001", "20031"],
            "geolocation_lat": ["-23.55", "-22.91"],
            "geolocation_lng": ["-46.63", "-43.18"],
        }
    )
    translation = pd.DataFrame(
        {"product_category_name": ["beleza_saude"], "product_category_name_english": ["health"]}
    )
    return {
        ORDERS: orders,
        ITEMS: items,
        CUSTOMERS: customers,
        SELLERS: sellers,
        PRODUCTS: products,
        REVIEWS: reviews,
        CENTROIDS: centroids,
        TRANSLATION: translation,
    }


def write_log(folder: Path, tables: dict[str, pd.DataFrame] | None = None) -> Path:
    """Write a log's tables as CSVs into folder (the tiny log unless told otherwise)."""
    for name, table in (tiny_log() if tables is None else tables).items():
        table.to_csv(folder / name, index=False)
    return folder


def broken(folder: Path, name: str, row: int, column: str, value: str) -> Path:
    """The tiny log with one cell of one file replaced."""
    tables = tiny_log()
    tables[name].loc[row, column] = value
    return write_log(folder, tables)
