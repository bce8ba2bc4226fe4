"""Unit tests for mptwin.results.measure.metrics: every KPI on tiny hand-made tables, checked against values
worked out by hand (window [24, 72) h, run end 96 h)."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from mptwin.results.measure.metrics import backlog_max, compute_kpis, kpi_table, reviewer_busy
from mptwin.results.measure.run_tables import (
    DAILY_COLUMNS,
    EXCEPTION_COLUMNS,
    MONEY_COLUMNS,
    ORDER_COLUMNS,
    SHIFT_COLUMNS,
    RunInfo,
)

NAN = math.nan
INFO = RunInfo(
    "tiny", "test", 0, "2024-01-01", warmup_h=24.0, window_end_h=72.0, end_h=96.0, currency="EUR"
)
DEFAULTS = {"float64": NAN, "int64": 0, "int32": 0, "string": "", "category": "", "bool": False}


def frame(columns: dict[str, str], fields: str, rows: list[tuple]) -> pd.DataFrame:
    """A table with exactly the contract's columns and dtypes; unnamed columns get defaults."""
    names = fields.split()
    assert set(names) <= set(columns), set(names) - set(columns)
    data = {
        c: [dict(zip(names, r, strict=True)).get(c, DEFAULTS[d]) for r in rows]
        for c, d in columns.items()
    }
    return pd.DataFrame({c: pd.Series(v, dtype=columns[c]) for c, v in data.items()})


def orders() -> pd.DataFrame:
    fields = "order_id placed_h price shipping_fee promise_h delivered_h handed_h ship_by_h status review_score human_tasks"
    return frame(
        ORDER_COLUMNS,
        fields,
        [
            (
                1,
                10,
                100,
                5,
                40,
                34,
                20,
                22,
                "delivered",
                3,
                0,
            ),  # warm-up order, delivered in window
            (2, 30, 50, 5, 60, 50, 35, 34, "delivered", 4, 0),  # handed late, delivered on time
            (3, 40, 20, 0, 70, 80, 45, 50, "delivered", 2, 1),  # delivered in the cool-down
            (4, 50, 30, 5, NAN, NAN, NAN, 55, "cancelled", NAN, 1),
            (5, 60, 10, 0, 90, NAN, 65, 70, "open", NAN, 0),  # not terminal at run end
            (6, 70, 40, 5, 70, 71, 70.5, 71, "returned", 5, 0),  # delivered late, then returned
            (7, 80, 99, 1, 99, NAN, NAN, 99, "open", NAN, 0),  # cool-down order
        ],
    )


def money() -> pd.DataFrame:
    return frame(
        MONEY_COLUMNS,
        "t_h order_id debit credit amount kind",
        [
            (10, 1, "escrow", "customers", 105, "payment"),
            (40, 1, "customers", "operator", 10, "refund"),  # warm-up order: out, though in window
            (30, 2, "escrow", "customers", 55, "payment"),
            (50, 2, "operator", "escrow", 5.5, "commission"),
            (50, 2, "sellers", "escrow", 49.5, "seller_payout"),
            (50, 2, "carriers", "operator", 4, "carrier_charge"),
            (45, 3, "operator", "escrow", 2, "commission"),
            (85, 3, "customers", "operator", 20, "chargeback"),  # cool-down, window order: in
            (71, 6, "operator", "escrow", 4, "commission"),
            (71, 6, "sellers", "escrow", 36, "seller_payout"),
            (72, 6, "customers", "operator", 2, "sla_credit"),
            (90, 6, "customers", "sellers", 40, "refund"),
            (90, 6, "sellers", "operator", 4, "commission_reversal"),
            (90, 6, "customers", "operator", 5, "fee_refund"),
            (10, -1, "reviewers", "operator", 80, "reviewer_wages"),  # before the window: out
            (48, -1, "reviewers", "operator", 80, "reviewer_wages"),
            (80, -1, "reviewers", "operator", 80, "reviewer_wages"),  # after the window: out
        ],
    )


def exceptions() -> pd.DataFrame:
    fields = "exc_id type handler raised_h started_h handling_h resolved_h"
    return frame(
        EXCEPTION_COLUMNS,
        fields,
        [
            (
                1,
                "payment_held",
                "human",
                10,
                20,
                6,
                26,
            ),  # carried into the window, busy 24-26 inside
            (2, "stockout_at_routing", "human", 20, NAN, NAN, NAN),  # never picked up, open forever
            (3, "late_delivery", "human", 25, 25, 2, 27),
            (4, "late_delivery", "auto", 40, NAN, NAN, 40),
            (5, "parcel_lost", "human", 70, 70, 5, 75),  # busy 70-75, 2 h inside
            (6, "return_request", "auto", 5, NAN, NAN, 6),  # type seen only in the warm-up
            (7, "late_delivery", "human", 80, 90, 10, NAN),  # after the window
        ],
    )


def shifts() -> pd.DataFrame:
    return frame(
        SHIFT_COLUMNS,
        "day start_h end_h headcount",
        [
            (0, 8, 16, 2),
            (1, 32, 40, 2),
            (2, 56, 64, 3),
            (2, 70, 78, 1),
        ],
    )


def daily() -> pd.DataFrame:
    return frame(DAILY_COLUMNS, "day visits", [(0, 100), (1, 200), (2, 300), (3, 400)])


def tables(**override) -> dict[str, pd.DataFrame]:
    base = {"orders": orders(), "money": money(), "exceptions": exceptions()}
    base |= {"shifts": shifts(), "daily": daily()}
    return base | override


@pytest.fixture(scope="module")
def kpis() -> dict:
    return compute_kpis(tables(), INFO)


def test_volume_counts_orders_placed_in_window(kpis):
    assert kpis["orders"] == 5
    assert kpis["gmv"] == pytest.approx(165.0)
    assert kpis["visits"] == 500  # days 1 and 2 start inside [24, 72)
    assert kpis["conversion_rate"] == pytest.approx(0.01)
    assert kpis["orders_open_at_end"] == 1


def test_money_is_attributed_through_window_orders_and_dated_wages(kpis):
    assert kpis["commission_revenue"] == pytest.approx(5.5 + 2 + 4 - 4)
    assert kpis["operator_margin"] == pytest.approx(11.5 - 4 - 20 - 2 - 4 - 5 - 80)
    assert kpis["operator_margin_pct"] == pytest.approx(-103.5 / 165)
    assert kpis["seller_margin"] == pytest.approx(49.5 + 36 + 4 - 40)
    assert kpis["carrier_cost"] == pytest.approx(4)
    assert kpis["sla_credits"] == pytest.approx(2)
    assert kpis["fraud_losses"] == pytest.approx(20)
    assert kpis["reviewer_cost"] == pytest.approx(80)
    assert kpis["refunds"] == pytest.approx(45)  # the warm-up order's refund of 10 is out


def test_sla_over_deliveries_and_handovers_in_window(kpis):
    assert kpis["on_time_rate"] == pytest.approx(2 / 3)  # orders 1, 2 on time; 6 late; 3 later
    assert kpis["click_to_door_p50_h"] == pytest.approx(20.0)  # of [1, 20, 24]
    assert kpis["click_to_door_p90_h"] == pytest.approx(23.2)
    assert kpis["click_to_door_p95_h"] == pytest.approx(23.6)
    assert kpis["ship_on_time_rate"] == pytest.approx(3 / 4)
    assert kpis["cancellation_rate"] == pytest.approx(1 / 5)
    assert kpis["fill_rate"] == pytest.approx(4 / 5)
    assert kpis["return_rate"] == pytest.approx(1 / 3)
    assert kpis["review_score_mean"] == pytest.approx(4.0)


def test_touchless_rate_ignores_orders_still_open(kpis):
    assert kpis["touchless_rate"] == pytest.approx(2 / 4)  # 3/5 if the open order counted


def test_exception_load(kpis):
    assert kpis["exceptions"] == 3
    assert kpis["exceptions_human"] == 2
    assert kpis["exceptions_per_1k_orders"] == pytest.approx(600.0)
    assert kpis["reviewer_hours"] == pytest.approx(2 + 2 + 2)
    assert kpis["reviewer_utilisation"] == pytest.approx(6 / (16 + 24 + 2))
    assert kpis["backlog_max"] == 3  # exceptions 1, 2 (raised before) and 3, at 25 h
    assert kpis["resolution_p50_h"] == pytest.approx(2.0)  # of [0, 2, 5]
    assert kpis["resolution_p95_h"] == pytest.approx(4.7)


def test_per_type_keys_cover_every_type_in_the_table(kpis):
    types = {
        "payment_held",
        "stockout_at_routing",
        "late_delivery",
        "parcel_lost",
        "return_request",
    }
    per_type = {k: v for k, v in kpis.items() if k.removeprefix("exceptions_") in types}
    assert per_type == {
        "exceptions_late_delivery": 2,
        "exceptions_parcel_lost": 1,
        "exceptions_payment_held": 0,
        "exceptions_return_request": 0,  # raised only in the warm-up
        "exceptions_stockout_at_routing": 0,  # raised before the window, still open
    }


def test_key_set_does_not_depend_on_window_contents(kpis):
    quiet = RunInfo("tiny", "test", 0, "2024-01-01", 200.0, 300.0, 400.0, "EUR")
    other = compute_kpis(tables(), quiet)
    assert other.keys() == kpis.keys()
    assert other["exceptions_late_delivery"] == 0
    assert other["orders"] == 0 and other["conversion_rate"] is None


def test_no_deliveries_gives_none_not_zero():
    undelivered = orders().assign(delivered_h=NAN, review_score=NAN)
    kpis = compute_kpis(tables(orders=undelivered), INFO)
    for key in ("on_time_rate", "review_score_mean", "click_to_door_p50_h", "click_to_door_p95_h"):
        assert kpis[key] is None, key


def test_empty_and_missing_tables_give_zero_counts_and_none_rates():
    kpis = compute_kpis({}, INFO)
    assert kpis["orders"] == 0 and kpis["gmv"] == 0.0 and kpis["exceptions"] == 0
    assert kpis["backlog_max"] == 0 and kpis["reviewer_hours"] == 0.0
    for key in (
        "operator_margin_pct",
        "on_time_rate",
        "cancellation_rate",
        "touchless_rate",
        "exceptions_per_1k_orders",
        "reviewer_utilisation",
        "resolution_p50_h",
    ):
        assert kpis[key] is None, key


def test_result_is_plain_json():
    for kpis in (compute_kpis(tables(), INFO), compute_kpis({}, INFO)):
        json.dumps(kpis, allow_nan=False)
        assert all(v is None or type(v) in (int, float, bool) for v in kpis.values())


def test_backlog_counts_what_is_open_at_window_start():
    exc = frame(
        EXCEPTION_COLUMNS,
        "handler raised_h resolved_h",
        [
            ("human", 0, 30),
            ("human", 5, NAN),
            ("human", 10, 24),  # 2 open at 24 h
            ("human", 40, 50),
            ("auto", 41, 42),
            ("auto", 41, 42),
        ],
    )
    assert backlog_max(exc, INFO) == 2


def test_backlog_resolve_and_raise_at_one_instant_do_not_overlap():
    exc = frame(
        EXCEPTION_COLUMNS,
        "handler raised_h resolved_h",
        [
            ("human", 30, 40),
            ("human", 40, 50),
            ("human", 50, 50),
            ("human", 72, NAN),
        ],
    )
    assert backlog_max(exc, INFO) == 1


def test_reviewer_busy_ends_at_run_end_for_unfinished_tasks():
    exc = frame(
        EXCEPTION_COLUMNS,
        "handler started_h handling_h resolved_h",
        [
            ("human", 90, 10, NAN),
            ("human", 94, NAN, NAN),
            ("auto", 30, 3, 33),
            ("human", NAN, 1, NAN),
        ],
    )
    start, end = reviewer_busy(exc, INFO)
    np.testing.assert_allclose(start, [90, 94])
    np.testing.assert_allclose(end, [96, 96])


def test_reviewer_hours_clip_at_both_window_edges():
    exc = frame(
        EXCEPTION_COLUMNS,
        "handler raised_h started_h handling_h resolved_h",
        [
            ("human", 0, 20, 10, 30),
            ("human", 60, 60, 100, NAN),
            ("human", 30, 30, 1, 31),
        ],
    )
    kpis = compute_kpis(tables(exceptions=exc), INFO)
    assert kpis["reviewer_hours"] == pytest.approx(6 + 12 + 1)


def test_kpi_table_formats_money_rates_and_missing(kpis):
    text = kpi_table(kpis | {"gmv": 1234567.891, "on_time_rate": None})
    assert "1,234,567.89" in text
    assert "n/a" in text
    assert "80.0%" in text  # fill_rate 0.8 as a percentage
    headings = ["Volume", "Margin", "SLA", "Exception load", "Exception types"]
    positions = [text.index(f"{h}\n") for h in headings]
    assert positions == sorted(positions)
    assert "exceptions_parcel_lost" in text.split("Exception types")[1]
