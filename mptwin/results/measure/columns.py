"""Reading result tables for KPIs: a table by name (empty with the contract's columns when a
run produced none), the measurement window as a mask, numeric and string columns without
surprises, and the small statistics every KPI family shares."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mptwin.results.measure.run_tables import TABLE_COLUMNS, RunInfo


def table(tables: dict[str, pd.DataFrame], name: str) -> pd.DataFrame:
    """The named table, or an empty one with the contract's columns when the run produced none."""
    df = tables.get(name)
    if df is None:
        return pd.DataFrame({c: pd.Series(dtype=d) for c, d in TABLE_COLUMNS[name].items()})
    return df


def in_window(values, info: RunInfo) -> np.ndarray:
    """Boolean mask of times in [warmup_h, window_end_h); NaN (never happened) is outside."""
    x = np.asarray(values, dtype=float)
    return (x >= info.warmup_h) & (x < info.window_end_h)


def numeric(df: pd.DataFrame, name: str) -> np.ndarray:
    """A numeric column as a float array (NaN for missing), whatever its storage."""
    return df[name].to_numpy(dtype=float, na_value=np.nan)


def matches(series: pd.Series, values) -> np.ndarray:
    """Boolean mask of a string column matching one value or any of a tuple; NA never matches."""
    hit = series.isin(values) if isinstance(values, tuple) else series.eq(values)
    return hit.to_numpy(dtype=bool, na_value=False)


def ratio(num: float, den: float) -> float | None:
    return None if den == 0 else num / den


def share(mask: np.ndarray) -> float | None:
    """Share of True in a mask; None when the mask is empty (no data, not zero)."""
    return None if mask.size == 0 else float(mask.mean())


def percentiles(values: np.ndarray, qs: tuple[float, ...]) -> list[float | None]:
    v = values[~np.isnan(values)]
    if v.size == 0:
        return [None] * len(qs)
    return [float(p) for p in np.percentile(v, qs)]


def overlap_hours(start: np.ndarray, end: np.ndarray, info: RunInfo) -> np.ndarray:
    """Per interval, how many of its hours fall inside the window."""
    lo, hi = info.warmup_h, info.window_end_h
    return np.clip(np.minimum(end, hi) - np.maximum(start, lo), 0.0, None)


def max_open(opened: np.ndarray, closed: np.ndarray, info: RunInfo) -> int:
    """Most items open at once in the window (open: opened <= t < closed; never closed: open to
    the end), by an event sweep that starts from what was carried into the window."""
    keep = ~np.isnan(opened)
    raised, resolved = opened[keep], np.nan_to_num(closed[keep], nan=np.inf)
    lo, hi = info.warmup_h, info.window_end_h
    base = int(np.count_nonzero((raised <= lo) & (resolved > lo)))
    times = np.concatenate([raised, resolved])
    steps = np.concatenate([np.ones(raised.size, np.int64), -np.ones(resolved.size, np.int64)])
    inside = (times > lo) & (times < hi)
    if not inside.any():
        return base
    times, steps = times[inside], steps[inside]
    order = np.lexsort((steps, times))  # by time; at one instant, closes before opens
    return int(max(base, base + np.cumsum(steps[order]).max()))


def sums_by(money: pd.DataFrame, column: str) -> dict[str, float]:
    return money.groupby(column, observed=True, sort=False)["amount"].sum().to_dict()
