"""The Olist-schema log reader on good logs: each real-data quirk is handled on a tiny hand-made
log, and the real 15,000-order sample (read from ../shared, never copied here) reads fast with the
quirks its README describes. Bad logs are in tests/test_calibration_log_errors.py."""

from __future__ import annotations

import time

import pandas as pd
import pytest

from mptwin.calibration.log import QUIRKS, read_log
from mptwin.calibration.log_files import (
    ORDERS,
    TRANSLATION,
)
from tests.helpers.olist_log import broken, tiny_log, write_log
from tests.helpers.runs import OLIST

SAMPLE = OLIST


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
