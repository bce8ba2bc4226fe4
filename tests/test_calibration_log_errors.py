"""The Olist-schema log reader on bad logs: a missing folder, file or column, a bad timestamp or
number, a malformed CSV or a duplicate id fails with a LogError naming the file and column.
The quirks of real data are in tests/test_calibration_log_quirks.py."""

from __future__ import annotations

import pytest

from mptwin.calibration.log import LogError, read_log
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
from tests.helpers.olist_log import broken, tiny_log, write_log

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
