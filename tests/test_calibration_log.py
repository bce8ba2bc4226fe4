"""The Olist-schema log reader: each kind of bad log fails with a LogError naming the file and
column, each real-data quirk is handled on a tiny hand-made log, and the real 15,000-order
sample (read from ../shared, never copied here) reads fast with the quirks its README describes."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest

from mptwin.calibration.log import QUIRKS, LogError, read_log
from mptwin.calibration.log_files import (
    CENTROIDS,
    CUSTOMERS,
    ITEMS,
    ORDERS,
    PRODUCTS,
    REQUIRED_COLUMNS,
    REVIEWS,
    SELLERS,
    TRANSLATION,
)

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "data" / "olist-sample"


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


# --- errors --------------------------------------------------------------------------------------


def test_missing_folder_names_it(tmp_path):
    with pytest.raises(LogError, match="no-such-log"):
        read_log(tmp_path / "no-such-log")


def test_missing_file_names_file_and_folder(tmp_path):
    write_log(tmp_path)
    (tmp_path / ITEMS).unlink()
    (tmp_path / TRANSLATION).unlink()  # optional: not reported
    with pytest.raises(LogError) as error:
        read_log(tmp_path)
    assert ITEMS in str(error.value) and str(tmp_path) in str(error.value)
    assert TRANSLATION not in str(error.value)


def test_missing_columns_are_all_named(tmp_path):
    tables = tiny_log()
    tables[ORDERS] = tables[ORDERS].drop(columns=["order_status", "order_approved_at"])
    write_log(tmp_path, tables)
    with pytest.raises(LogError) as error:
        read_log(tmp_path)
    message = str(error.value)
    assert ORDERS in message and "order_status" in message and "order_approved_at" in message


def test_bad_timestamp_names_file_column_value_and_row(tmp_path):
    broken(tmp_path, ORDERS, 1, "order_approved_at", "2018-01-02T12:00")
    with pytest.raises(LogError) as error:
        read_log(tmp_path)
    message = str(error.value)
    assert ORDERS in message and "order_approved_at" in message
    assert "'2018-01-02T12:00'" in message and "row 2" in message


@pytest.mark.parametrize(
    ("name", "column", "value"),
    [
        (ITEMS, "price", "12,50"),
        (ITEMS, "freight_value", "free"),
        (PRODUCTS, "product_weight_g", "1kg"),
        (REVIEWS, "review_score", "five"),
        (CENTROIDS, "geolocation_lat", "inf"),
        (CUSTOMERS, "customer_zip_code_prefix", "0100-1"),
    ],
)
def test_bad_number_names_file_column_value_and_row(tmp_path, name, column, value):
    broken(tmp_path, name, 1, column, value)
    with pytest.raises(LogError) as error:
        read_log(tmp_path)
    message = str(error.value)
    assert name in message and column in message and repr(value) in message and "row 2" in message


def test_empty_orders_file(tmp_path):
    tables = tiny_log()
    tables[ORDERS] = tables[ORDERS].iloc[:0]
    write_log(tmp_path, tables)
    with pytest.raises(LogError, match=ORDERS):
        read_log(tmp_path)


@pytest.mark.parametrize(
    "content",
    [
        bytes(range(256)) * 8,  # binary garbage
        b"",  # zero bytes
        b"order_id;customer_id;order_status\no1;c1;delivered\n",  # another delimiter
        (",".join(REQUIRED_COLUMNS[ORDERS]) + "\n" + ",".join("x" * 10) + "\n").encode(),  # ragged
    ],
    ids=["binary", "empty", "semicolons", "ragged"],
)
def test_not_a_csv_is_a_log_error(tmp_path, content):
    write_log(tmp_path)
    (tmp_path / ORDERS).write_bytes(content)
    with pytest.raises(LogError, match=ORDERS):
        read_log(tmp_path)


def test_other_delimiter_hints_at_it(tmp_path):
    write_log(tmp_path)
    (tmp_path / SELLERS).write_text("seller_id;seller_zip_code_prefix;seller_state\ns1;1001;SP\n")
    with pytest.raises(LogError, match="comma-separated") as error:
        read_log(tmp_path)
    assert SELLERS in str(error.value) and "seller_state" in str(error.value)


def test_duplicate_order_id(tmp_path):
    broken(tmp_path, ORDERS, 2, "order_id", "o1")
    with pytest.raises(LogError) as error:
        read_log(tmp_path)
    message = str(error.value)
    assert ORDERS in message and "order_id" in message and "'o1'" in message


def test_zip_prefix_written_twice_in_centroids(tmp_path):
    broken(tmp_path, CENTROIDS, 1, "geolocation_zip_code_prefix", "01001")
    with pytest.raises(LogError, match="geolocation_zip_code_prefix"):
        read_log(tmp_path)


# --- quirks on the tiny log ----------------------------------------------------------------------


@pytest.fixture
def tiny(tmp_path):
    """The tiny log read back, with orders indexed by id."""
    log = read_log(write_log(tmp_path))
    return log, log.orders.set_index("order_id")


def test_quirk_counts_have_the_documented_keys(tiny):
    log, _ = tiny
    assert tuple(log.quirks) == QUIRKS
    assert all(type(count) is int for count in log.quirks.values())


def test_midnight_promise_ends_the_next_day_and_same_day_is_on_time(tiny):
    log, orders = tiny
    assert orders.loc["o1", "promise_end"] == pd.Timestamp("2018-01-11 00:00:00")
    assert pd.notna(orders.loc["o1", "late"]) and not orders.loc["o1", "late"]
    assert orders.loc["o3", "late"]  # promised the 8th, delivered the 9th
    # A promise with a real time of day is kept as is.
    assert orders.loc["o2", "promise_end"] == pd.Timestamp("2018-01-20 14:00:00")
    assert log.quirks["midnight_promise"] == 4  # o1, o3, o4, o6
    assert orders.loc["o1", "promise_h"] == pytest.approx(9 * 24 + 14)


def test_carrier_before_approval_keeps_the_delivery(tiny):
    log, orders = tiny
    assert log.quirks["carrier_before_approval"] == 1
    o2 = orders.loc["o2"]
    assert not o2["handling_ok"] and pd.isna(o2["handling_h"])
    assert o2["delivered_ok"] and o2["transit_ok"] and o2["transit_h"] == pytest.approx(73.0)
    assert orders.loc["o1", "handling_h"] == pytest.approx(22.0)


def test_order_in_flight_at_the_end_is_censored(tiny):
    log, orders = tiny
    assert log.end == pd.Timestamp("2018-01-26 09:00:00")  # o4's carrier time, not a promise
    assert log.start == pd.Timestamp("2018-01-01 10:00:00")
    assert orders["censored"].tolist() == [False, False, False, True, False]
    assert log.quirks["censored"] == 1
    assert pd.isna(orders.loc["o4", "late"]) and not orders.loc["o4", "delivered_ok"]
    assert pd.isna(orders.loc["o6", "late"])  # canceled: closed, not censored, not judged
    assert pd.isna(orders.loc["o6", "handling_h"]) and log.quirks["missing_approved"] == 1


def test_two_seller_order_is_one_summed_row(tiny):
    log, orders = tiny
    o3 = orders.loc["o3"]
    assert (o3["n_items"], o3["n_sellers"]) == (2, 2)
    assert o3["price"] == pytest.approx(30.5) and o3["freight"] == pytest.approx(5.5)
    assert o3["weight_g"] == pytest.approx(1700.0)
    assert o3["seller_id"] == "s1" and o3["category"] == "health"  # item 1, though listed second
    assert o3["review_score"] == pytest.approx(2.5)
    assert pd.isna(orders.loc["o2", "review_score"])
    assert (log.quirks["multi_item_orders"], log.quirks["multi_seller_orders"]) == (1, 1)
    assert len(log.items[log.items["order_id"] == "o3"]) == 2
    assert set(log.items["order_id"]) == set(orders.index)  # o5's item went with o5


def test_orders_without_purchase_or_items_are_dropped(tiny):
    log, orders = tiny
    assert "o5" not in orders.index and "o7" not in orders.index
    assert log.quirks["missing_purchase"] == 1 and log.quirks["orders_without_items"] == 1
    assert len(orders) == 5


def test_places_and_categories(tiny):
    log, orders = tiny
    assert orders.loc["o1", "lat"] == pytest.approx(-23.55)  # "01001" is prefix 1001
    assert orders.loc["o4", "category"] == "moveis_decoracao"  # untranslated: kept as is
    sellers = log.sellers.set_index("seller_id")
    assert pd.isna(sellers.loc["s3", "lat"]) and log.quirks["unknown_zip"] == 1


def test_categories_stay_portuguese_without_translation(tmp_path):
    tables = tiny_log()
    del tables[TRANSLATION]
    orders = read_log(write_log(tmp_path, tables)).orders.set_index("order_id")
    assert orders.loc["o1", "category"] == "beleza_saude"


def test_delivered_before_carrier_is_no_usable_delivery(tmp_path):
    log = read_log(
        broken(tmp_path, ORDERS, 0, "order_delivered_carrier_date", "2018-01-11 09:00:00")
    )
    o1 = log.orders.set_index("order_id").loc["o1"]
    assert not o1["delivered_ok"] and not o1["transit_ok"] and pd.isna(o1["late"])
    assert pd.isna(o1["transit_h"]) and log.quirks["delivered_before_carrier"] == 1


def test_delivered_without_carrier_time_is_counted(tmp_path):
    log = read_log(broken(tmp_path, ORDERS, 1, "order_delivered_carrier_date", ""))
    o2 = log.orders.set_index("order_id").loc["o2"]
    assert not o2["delivered_ok"] and pd.isna(o2["transit_h"])
    assert o2["click_to_door_h"] == pytest.approx(74.0)
    assert log.quirks["missing_carrier_delivered"] == 1


# --- the real sample -----------------------------------------------------------------------------


def test_real_sample_reads_with_its_quirks():
    if not SAMPLE.is_dir():
        pytest.skip(f"the Olist sample is not at {SAMPLE}")
    began = time.perf_counter()
    log = read_log(SAMPLE)
    seconds = time.perf_counter() - began
    assert seconds < 5.0

    orders, quirks = log.orders, log.quirks
    assert 14_000 <= len(orders) <= 15_000
    assert quirks["missing_purchase"] + quirks["orders_without_items"] + len(orders) == 15_000
    assert quirks["midnight_promise"] >= 0.99 * len(orders)
    delivered = orders["delivered_ok"] & ~orders["censored"]
    assert 0.01 <= quirks["carrier_before_approval"] / delivered.sum() <= 0.02
    assert 0.04 <= orders.loc[delivered, "late"].astype(float).mean() <= 0.10
    assert 0.05 <= quirks["multi_item_orders"] / len(orders) <= 0.2
    assert 0 < quirks["multi_seller_orders"] < quirks["multi_item_orders"]
    assert 0 < quirks["unknown_zip"] < 0.01 * len(orders)
    assert orders["order_id"].is_unique and len(log.items) > len(orders)
    assert log.start < pd.Timestamp("2016-12-31") and log.end > pd.Timestamp("2018-08-01")
    # Promises are padded: about 24 days promised against about 12.5 taken.
    days = orders.loc[delivered, ["promise_h", "click_to_door_h"]].mean() / 24
    assert 20 < days["promise_h"] < 28 and 10 < days["click_to_door_h"] < 15
