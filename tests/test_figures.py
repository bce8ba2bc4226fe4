"""Tests for mptwin.results.measure.run_figures: every PNG is written, for a tiny run and for runs with nothing in
them, and no matplotlib figure is left open."""

import math

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from mptwin.results.measure.run_figures import (
    FIGURES,
    backlog_series,
    operator_flows,
    write_figures,
)
from mptwin.results.measure.run_tables import TABLE_COLUMNS, RunInfo

NAN = math.nan
INFO = RunInfo("tiny", "test", 0, "2024-01-01", 24.0, 72.0, 96.0, "EUR")
SCHEMAS = TABLE_COLUMNS
DEFAULTS = {"float64": NAN, "int64": 0, "int32": 0, "string": "", "category": "", "bool": False}


def frame(name: str, fields: str, rows: list[tuple]) -> pd.DataFrame:
    """A table with exactly the contract's columns and dtypes; unnamed columns get defaults."""
    columns, names = SCHEMAS[name], fields.split()
    assert set(names) <= set(columns)
    records = [dict(zip(names, r, strict=True)) for r in rows]
    return pd.DataFrame(
        {
            c: pd.Series([r.get(c, DEFAULTS[d]) for r in records], dtype=d)
            for c, d in columns.items()
        }
    )


def tiny_tables() -> dict[str, pd.DataFrame]:
    return {
        "orders": frame(
            "orders",
            "order_id placed_h price shipping_fee promise_h delivered_h status",
            [
                (1, 10, 100, 5, 40, 34, "delivered"),
                (2, 30, 50, 5, 60, 50, "delivered"),
                (3, 40, 20, 0, 70, 65, "delivered"),
                (4, 50, 30, 5, NAN, NAN, "cancelled"),
            ],
        ),
        "exceptions": frame(
            "exceptions",
            "exc_id type handler raised_h resolved_h",
            [
                (1, "payment_held", "human", 10, 30),
                (2, "late_delivery", "human", 30, NAN),
                (3, "late_delivery", "auto", 40, 40),
                (4, "parcel_lost", "human", 60, 62),
            ],
        ),
        "money": frame(
            "money",
            "t_h order_id debit credit amount kind",
            [
                (30, 2, "escrow", "customers", 55, "payment"),
                (50, 2, "operator", "escrow", 5, "commission"),
                (50, 2, "carriers", "operator", 4, "carrier_charge"),
                (65, 3, "operator", "escrow", 2, "commission"),
                (48, -1, "reviewers", "operator", 8, "reviewer_wages"),
            ],
        ),
        "shifts": frame("shifts", "day start_h end_h headcount", [(1, 32, 40, 2), (2, 56, 64, 2)]),
        "daily": frame(
            "daily",
            "day promo orders deliveries",
            [
                (0, False, 1, 0),
                (1, True, 1, 1),
                (2, False, 2, 2),
                (3, False, 0, 0),
            ],
        ),
        "shipments": frame("shipments", "order_id", []),
    }


def empty_tables() -> dict[str, pd.DataFrame]:
    return {name: frame(name, "", []) for name in SCHEMAS}


def nothing_happened() -> dict[str, pd.DataFrame]:
    """Orders placed but none delivered, no exceptions, no operator money."""
    tables = tiny_tables()
    tables["orders"] = tables["orders"].assign(delivered_h=NAN)
    tables["exceptions"] = frame("exceptions", "", [])
    tables["money"] = tables["money"].iloc[:1]
    return tables


@pytest.mark.parametrize(
    "make",
    [tiny_tables, empty_tables, nothing_happened, dict],
    ids=["tiny", "empty", "quiet", "none"],
)
def test_every_figure_is_written_as_png(tmp_path, make):
    paths = write_figures(make(), INFO, tmp_path / "figs")
    assert [p.name for p in paths] == list(FIGURES)
    for path in paths:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path.name
    assert plt.get_fignums() == []


def test_backlog_series_counts_open_human_exceptions_by_hour():
    exc = tiny_tables()["exceptions"]
    hours = [0.0, 10.0, 29.0, 30.0, 60.0, 62.0]
    assert list(backlog_series(exc, hours)) == [0, 1, 1, 1, 2, 1]


def test_operator_flows_match_window_money():
    flows = operator_flows(tiny_tables(), INFO).to_dict()
    assert flows == pytest.approx(
        {"commission": 7.0, "carrier_charge": -4.0, "reviewer_wages": -8.0}
    )
