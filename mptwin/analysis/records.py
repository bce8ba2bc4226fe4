"""Turning a finished run's records into the result tables (DataFrames) and writing them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mptwin.analysis.tables import (
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
from sim.entities import TERMINAL
from sim.state import State


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


def orders_table(cols: dict[str, np.ndarray]) -> pd.DataFrame:
    """The orders' columns (`sim.archive.Archive.columns`); an order still in flight at the end
    is reported as open."""
    status = cols["status"].copy()
    status[~np.isin(status, list(TERMINAL))] = "open"
    return _frame({**cols, "status": status}, ORDER_COLUMNS)


def shipments_table(state: State, orders: pd.DataFrame, lost: np.ndarray) -> pd.DataFrame:
    w, look = state.world, state.lookup
    handed = orders["handed_h"].notna().to_numpy()
    s = orders[handed]
    lost = lost[handed]
    origin = np.asarray(look.warehouse_region, dtype=np.int64)[s["warehouse"].to_numpy()]
    dest = s["region"].to_numpy()
    carrier = s["carrier"].to_numpy()
    cols = {
        "order_id": s["order_id"].to_numpy(), "warehouse": s["warehouse"].to_numpy(),
        "carrier": carrier, "origin_region": origin, "dest_region": dest,
        "distance_km": w.distance_km[origin, dest], "handed_h": s["handed_h"].to_numpy(),
        "nominal_transit_h": np.asarray(look.lane_nominal_h)[carrier, origin, dest],
        "delivered_h": s["delivered_h"].to_numpy(), "lost": lost,
        "carrier_cost": np.asarray(look.lane_cost)[carrier, origin, dest],
    }  # fmt: skip
    return _frame(cols, SHIPMENT_COLUMNS)


def money_table(state: State) -> pd.DataFrame:
    """The ledger's columns, its account and kind codes as categoricals."""
    ledger = state.records.money
    cols, labels = ledger.columns(), ledger.labels()
    for name, names in labels.items():
        cols[name] = pd.Categorical.from_codes(cols[name], categories=list(names))
    return pd.DataFrame({k: cols[k] for k in MONEY_COLUMNS})


def collect(state: State) -> RunResult:
    """The result tables of a finished run (see `sim.model.run`), and its run facts."""
    w, seed = state.world, state.streams.seed
    order_cols = state.records.orders.columns()
    orders = orders_table(order_cols)
    tables = {
        "orders": orders,
        "shipments": shipments_table(state, orders, order_cols["lost"]),
        "exceptions": _frame(state.records.exceptions.columns(), EXCEPTION_COLUMNS),
        "money": money_table(state),
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
    info = RunInfo(w.name, state.strategy.name, seed, w.start_date.isoformat(), w.warmup_h,
                   w.window_end_h, w.end_h, w.money.currency)  # fmt: skip
    return RunResult(tables, info)


def write_tables(result: RunResult, out_dir: Path) -> list[Path]:
    """One Parquet file per table, written to a temporary name and renamed (no half files)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, df in result.tables.items():
        path = out_dir / f"{name}.parquet"
        tmp = path.with_suffix(".parquet.tmp")
        df.to_parquet(tmp, index=False)
        tmp.replace(path)
        paths.append(path)
    return paths
