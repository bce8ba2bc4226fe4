"""PNG figures of one run, drawn from its result tables: daily volume, the human exception
backlog, click-to-door times, exceptions by type and the operator's margin waterfall.

`write_figures` is the entry point. Window-only figures use the same window and money
attribution as `mptwin.results.measure.metrics`; time-series figures shade the measurement window. An empty table
gives an empty axes saying "no data", never an error.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from mptwin.results.measure.columns import in_window, matches, numeric, table
from mptwin.results.measure.metrics import window_money
from mptwin.results.measure.run_tables import RunInfo

if "matplotlib.pyplot" not in sys.modules:  # headless by default; never hijack a live session
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

Tables = dict[str, pd.DataFrame]
WINDOW_STYLE = {"color": "tab:green", "alpha": 0.08, "label": "measurement window"}


def _no_data(ax: Axes, title: str) -> None:
    """Mark an axes as deliberately empty, so a missing panel reads as 'nothing happened'."""
    ax.set_title(title)
    ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes, color="grey")
    ax.set_xticks([])
    ax.set_yticks([])


def _window_days(ax: Axes, info: RunInfo) -> None:
    ax.axvspan(info.warmup_h / 24.0, info.window_end_h / 24.0, **WINDOW_STYLE)


def _window_label(info: RunInfo) -> str:
    return f"window {info.warmup_h:g}-{info.window_end_h:g} h"


def daily_figure(tables: Tables, info: RunInfo) -> Figure:
    """Orders and deliveries per day, promo days shaded, to see ramp-up and promo peaks."""
    daily = table(tables, "daily").sort_values("day")
    fig, ax = plt.subplots(figsize=(10, 4.5))
    title = "Daily orders and deliveries"
    if daily.empty:
        _no_data(ax, title)
        return fig
    x = daily["day"].to_numpy(dtype=float) + 0.5
    ax.plot(x, numeric(daily, "orders"), marker=".", label="orders placed")
    ax.plot(x, numeric(daily, "deliveries"), marker=".", label="deliveries")
    promo = daily["day"].to_numpy()[daily["promo"].to_numpy(dtype=bool, na_value=False)]
    for i, day in enumerate(promo):
        ax.axvspan(
            day, day + 1, color="tab:orange", alpha=0.2, label="promo day" if i == 0 else None
        )
    _window_days(ax, info)
    ax.set(title=title, xlabel="day of run", ylabel="count per day")
    ax.legend(loc="best", framealpha=0.9)
    return fig


def backlog_series(exc: pd.DataFrame, hours: np.ndarray) -> np.ndarray:
    """Human exceptions open at each given hour (raised <= t < resolved; unresolved stay open)."""
    human = matches(exc["handler"], "human")
    raised = np.sort(numeric(exc, "raised_h")[human])
    resolved = np.sort(np.nan_to_num(numeric(exc, "resolved_h")[human], nan=np.inf))
    return np.searchsorted(raised, hours, "right") - np.searchsorted(resolved, hours, "right")


def backlog_figure(tables: Tables, info: RunInfo) -> Figure:
    """The human backlog hour by hour above the exceptions raised per day, by handler."""
    exc = table(tables, "exceptions")
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 6), sharex=True)
    raised = numeric(exc, "raised_h")
    if exc.empty or np.isnan(raised).all():
        _no_data(top, "Human exception backlog")
        _no_data(bottom, "Exceptions raised per day")
        return fig
    hours = np.arange(0.0, np.ceil(max(info.end_h, np.nanmax(raised))) + 1.0)
    top.step(hours / 24.0, backlog_series(exc, hours), where="post", color="tab:red")
    top.set(title="Human exception backlog (hourly)", ylabel="open human exceptions")
    n_days = int(hours[-1] // 24) + 1
    bottom_edge = np.zeros(n_days)
    for handler in ("human", "auto"):
        when = raised[matches(exc["handler"], handler) & ~np.isnan(raised)]
        counts = np.bincount((when // 24).astype(int), minlength=n_days)[:n_days]
        bottom.bar(np.arange(n_days) + 0.5, counts, width=0.9, bottom=bottom_edge, label=handler)
        bottom_edge += counts
    bottom.set(title="Exceptions raised per day", xlabel="day of run", ylabel="exceptions per day")
    for ax in (top, bottom):
        _window_days(ax, info)
    bottom.legend(loc="upper right", framealpha=0.9)
    return fig


def click_to_door_figure(tables: Tables, info: RunInfo) -> Figure:
    """How long delivered orders took against how long they were promised, same bins."""
    orders = table(tables, "orders")
    done = in_window(numeric(orders, "delivered_h"), info)
    placed = numeric(orders, "placed_h")[done]
    c2d = numeric(orders, "delivered_h")[done] - placed
    promise = numeric(orders, "promise_h")[done] - placed
    promise = promise[~np.isnan(promise)]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    title = f"Click-to-door, orders delivered in {_window_label(info)}"
    if c2d.size == 0:
        _no_data(ax, title)
        return fig
    bins = np.histogram_bin_edges(np.concatenate([c2d, promise]), bins=40)
    ax.hist(c2d, bins=bins, alpha=0.6, label=f"click-to-door (n={c2d.size:,})")
    if promise.size:
        ax.hist(promise, bins=bins, histtype="step", linewidth=2, label="promised at purchase")
    ax.axvline(np.percentile(c2d, 95), color="black", linestyle="--", label="click-to-door p95")
    ax.set(title=title, xlabel="hours since order placed", ylabel="orders")
    ax.legend()
    return fig


def exceptions_by_type_figure(tables: Tables, info: RunInfo) -> Figure:
    """Which exception types the window raised, and how long each took to resolve."""
    exc = table(tables, "exceptions")
    win = exc[in_window(numeric(exc, "raised_h"), info)]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True)
    if win.empty:
        _no_data(left, f"Exceptions raised in {_window_label(info)}")
        _no_data(right, "Mean resolution time")
        return fig
    hours = pd.Series(numeric(win, "resolved_h") - numeric(win, "raised_h"), index=win.index)
    stats = pd.DataFrame({"type": win["type"].fillna("?").astype(str), "hours": hours})
    by_type = stats.groupby("type")["hours"].agg(["size", "mean"]).sort_values("size")
    y = np.arange(len(by_type))
    left.barh(y, by_type["size"], color="tab:blue")
    left.set(title=f"Exceptions raised in {_window_label(info)}", xlabel="exceptions")
    left.set_yticks(y, by_type.index)
    right.barh(y, by_type["mean"].fillna(0.0), color="tab:purple")
    right.set(title="Mean resolution time (resolved only)", xlabel="hours raised to resolved")
    fig.tight_layout()
    return fig


def operator_flows(tables: Tables, info: RunInfo) -> pd.Series:
    """Signed contribution of each ledger kind to the operator's net over the window's money."""
    money = window_money(tables, info)
    sign = matches(money["debit"], "operator").astype(float) - matches(money["credit"], "operator")
    signed = pd.Series(numeric(money, "amount") * sign, index=money.index)
    flows = signed.groupby(money["kind"].fillna("?").astype(str)).sum()
    return flows[flows != 0].sort_values(ascending=False)


def margin_waterfall_figure(tables: Tables, info: RunInfo) -> Figure:
    """From gross inflows down to operator margin: each kind's signed step, then the total."""
    flows = operator_flows(tables, info)
    fig, ax = plt.subplots(figsize=(10, 5))
    title = f"Operator margin by money flow, orders and wages of {_window_label(info)}"
    if flows.empty:
        _no_data(ax, title)
        return fig
    values = flows.to_numpy()
    starts = np.concatenate([[0.0], np.cumsum(values)[:-1]])
    colors = np.where(values >= 0, "tab:green", "tab:red")
    x = np.arange(len(values) + 1)
    ax.bar(x[:-1], values, bottom=starts, color=colors)
    ax.bar(x[-1], values.sum(), color="tab:blue")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(x, [*flows.index, "operator margin"], rotation=30, ha="right")
    ax.set(title=title, ylabel=f"amount ({info.currency})")
    fig.tight_layout()
    return fig


FIGURES: dict[str, Callable[[Tables, RunInfo], Figure]] = {
    "daily.png": daily_figure,
    "backlog.png": backlog_figure,
    "click_to_door.png": click_to_door_figure,
    "exceptions_by_type.png": exceptions_by_type_figure,
    "margin_waterfall.png": margin_waterfall_figure,
}


def write_figures(tables: Tables, info: RunInfo, out_dir: Path) -> list[Path]:
    """Draw every figure into out_dir (created if needed) and return the PNG paths written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, draw in FIGURES.items():
        before = set(plt.get_fignums())
        try:
            draw(tables, info).savefig(out_dir / name, dpi=100, bbox_inches="tight")
        finally:  # close what this figure opened, even if drawing failed half-way
            for num in set(plt.get_fignums()) - before:
                plt.close(num)
        paths.append(out_dir / name)
    return paths
