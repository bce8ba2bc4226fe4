"""Turning a finished run's records into the result tables (DataFrames) and writing them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from mptwin.memory import memory_for_big_tables
from mptwin.results.measure.decisions import decisions_table
from mptwin.results.measure.run_tables import (
    APPLICATION_COLUMNS,
    DAILY_COLUMNS,
    EXCEPTION_COLUMNS,
    LISTING_COLUMNS,
    MONEY_COLUMNS,
    ORDER_COLUMNS,
    SELLER_ACTION_COLUMNS,
    SHIFT_COLUMNS,
    SHIPMENT_COLUMNS,
    SUSPENSION_COLUMNS,
    RunInfo,
)
from mptwin.results.measure.service_calls import service_calls_table
from sim.lifecycle import TERMINAL
from sim.state import State

LABELS = ("regime",)  # the string columns of a nested table with a few values each
KEYS = ("decision_id", "t_h", "point", "order_id", "offer", "seller", "exc_id", "app_id")


@dataclass
class RunResult:
    tables: dict[str, pd.DataFrame]
    info: RunInfo


def _frame(columns: dict[str, list], schema: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({k: pd.Series(columns[k], dtype=t) for k, t in schema.items()})


def _from_objects(objs: list, schema: dict[str, str]) -> pd.DataFrame:
    return _frame({k: [getattr(o, k) for o in objs] for k in schema}, schema)


def _from_rows(rows: list[dict], schema: dict[str, str]) -> pd.DataFrame:
    return _frame({k: [r[k] for r in rows] for k in schema}, schema)


def archive_frame(
    cols: dict[str, np.ndarray],
    labels: dict[str, list],
    schema: dict[str, str],
    rename: dict | None = None,
) -> pd.DataFrame:
    """A table from an archive's columns (`sim.archive.Archive.columns`): string fields from
    their codes, as categoricals (`rename[field]` maps a label to the one the table shows)."""
    data = {}
    for name, dtype in schema.items():
        values = cols.pop(name)  # each column leaves the dict as the table takes it
        if name in labels:
            values = _categorical(values, [str(x) for x in labels[name]], (rename or {}).get(name))
        data[name] = pd.Series(values, dtype=dtype, copy=False)
    return pd.DataFrame(data, copy=False)


def _categorical(codes: np.ndarray, labels: list[str], rename=None) -> pd.Categorical:
    if rename is not None:  # several labels may become one (every in-flight status: open)
        shown = [rename(x) for x in labels]
        categories = list(dict.fromkeys(shown))
        codes = np.asarray([categories.index(x) for x in shown], dtype=np.int16)[codes]
        labels = categories
    return pd.Categorical.from_codes(codes, categories=labels)


def _open_if_in_flight(status: str) -> str:
    return status if status in TERMINAL else "open"


def shipments_table(state: State, orders: pd.DataFrame, lost: np.ndarray) -> pd.DataFrame:
    w, look = state.world, state.lookup
    handed = orders["handed_h"].notna().to_numpy()
    s = orders[handed]
    lost = lost[handed]
    origin = np.asarray(look.warehouse_region, dtype=np.int64)[s["warehouse"].to_numpy()]
    dest = s["region"].to_numpy()
    carrier = s["carrier"].to_numpy()
    cols = {
        "order_id": s["order_id"].to_numpy(),
        "warehouse": s["warehouse"].to_numpy(),
        "carrier": carrier,
        "origin_region": origin,
        "dest_region": dest,
        "distance_km": w.distance_km[origin, dest],
        "handed_h": s["handed_h"].to_numpy(),
        "nominal_transit_h": np.asarray(look.lane_nominal_h)[carrier, origin, dest],
        "delivered_h": s["delivered_h"].to_numpy(),
        "lost": lost,
        "carrier_cost": np.asarray(look.lane_cost)[carrier, origin, dest],
    }
    return _frame(cols, SHIPMENT_COLUMNS)


def money_table(state: State, release: bool = False) -> pd.DataFrame:
    """The ledger's columns, its account and kind codes as categoricals."""
    ledger = state.records.money
    return archive_frame(ledger.columns(release), ledger.labels(), MONEY_COLUMNS)


def collect(state: State, release: bool = False) -> RunResult:
    """The result tables of a finished run (see `sim.engine.run`), and its run facts. With
    `release`, the run's record columns are handed over to the tables, not copied (the end of
    a run: a year's records would otherwise be held twice)."""
    w, seed, rec = state.world, state.streams.seed, state.records
    order_cols = rec.orders.columns(release)
    lost = order_cols.pop("lost")
    orders = archive_frame(
        order_cols, rec.orders.labels, ORDER_COLUMNS, {"status": _open_if_in_flight}
    )
    tables = {
        "orders": orders,
        "shipments": shipments_table(state, orders, lost),
        "exceptions": archive_frame(
            rec.exceptions.columns(release), rec.exceptions.labels, EXCEPTION_COLUMNS
        ),
        "money": money_table(state, release),
        "shifts": _frame(
            {k: [r[k] for r in state.records.shift_rows] for k in SHIFT_COLUMNS}, SHIFT_COLUMNS
        ),
        "daily": _frame(
            {k: [r[k] for r in state.records.daily_rows] for k in DAILY_COLUMNS}, DAILY_COLUMNS
        ),
        "applications": _from_objects(state.records.applications, APPLICATION_COLUMNS),
        "listings": _from_objects(state.records.listings, LISTING_COLUMNS),
        "seller_actions": _from_rows(state.records.seller_actions, SELLER_ACTION_COLUMNS),
        "suspensions": _from_rows(state.records.suspensions, SUSPENSION_COLUMNS),
    }
    calls = service_calls_table(state.strategy)
    if calls is not None:  # the strategy forwards decisions to a service (strategies.remote)
        tables["service_calls"] = calls
    if rec.decisions is not None:  # the run recorded its decisions (decisions=true)
        tables["decisions"] = decisions_table(rec.decisions, tables, w.offer_seller)
    info = RunInfo(
        w.name,
        state.strategy.name,
        seed,
        w.start_date.isoformat(),
        w.warmup_h,
        w.window_end_h,
        w.end_h,
        w.money.currency,
    )
    return RunResult(tables, info)


def write_tables(result: RunResult, out_dir: Path) -> list[Path]:
    """One Parquet file per table, written to a temporary name and renamed (no half files)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, df in result.tables.items():
        path = out_dir / f"{name}.parquet"
        tmp = path.with_suffix(".parquet.tmp")
        _write(df, tmp)
        tmp.replace(path)
        paths.append(path)
    return paths


def _write(df: pd.DataFrame, path: Path) -> None:
    """A table as Parquet. One with nested Arrow columns (the decisions' options) is written
    without pandas' metadata (pandas writes their type in words it cannot read back), with
    statistics on the columns a reader looks a decision up by only, dictionaries on its
    labels only, and in batches of 64 Ki rows (each of these cut its write time, measured;
    statistics and dictionaries on everything took half as long again)."""
    if not any(
        isinstance(t, pd.ArrowDtype) and pa.types.is_nested(t.pyarrow_dtype) for t in df.dtypes
    ):
        df.to_parquet(path, index=False)
        return
    table = pa.Table.from_pandas(df, preserve_index=False).replace_schema_metadata(None)
    words = []  # dictionary pages for labels only
    for f in table.schema:
        if pa.types.is_list(f.type):
            words += [
                f"{f.name}.list.element.{g.name}"
                for g in f.type.value_type
                if pa.types.is_string(g.type)
            ]
        elif pa.types.is_dictionary(f.type) or f.name in LABELS:
            words.append(f.name)
    keys = [name for name in KEYS if name in table.column_names]
    with memory_for_big_tables():
        pq.write_table(
            table, path, use_dictionary=words, write_statistics=keys, write_batch_size=1 << 16
        )
