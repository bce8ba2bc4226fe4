"""The report's figures, drawn from its tidy tables: KPI means with confidence-interval bars,
paired differences against the baseline, margin against on-time rate per run, the exception
backlog over time, click-to-door distributions and the cost of each exception type.

`figure_makers` is the entry point: {file name: (title, draw function)}; a figure with nothing
to show says so on its axes instead of failing.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from mptwin.results.report.kpis import HEADLINE, is_rate
from mptwin.results.report.load import Sweep, level_sort_key
from mptwin.results.report.sweep_tables import Details
from mptwin.results.report.tradeoff import has_onboarding, onboarding_tradeoff

if "matplotlib.pyplot" not in sys.modules:  # headless unless a live session chose otherwise
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

VERDICT_COLOURS = {"better": "tab:green", "worse": "tab:red"}


def _no_data(ax: Axes, text: str = "no data") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="grey")
    ax.set_xticks([])
    ax.set_yticks([])


def series_label(sweep: Sweep, group: str, arm: str) -> str:
    """How a (group, arm) pair is named in legends."""
    text = sweep.arm_label(arm)
    return text if len(sweep.groups) == 1 else f"{group} · {text}"


def _series(sweep: Sweep) -> list[tuple[str, str]]:
    return [
        (g, a)
        for g in sweep.groups
        for a in sweep.arms
        if ((sweep.runs["group"] == g) & (sweep.runs["arm"] == a)).any()
    ]


def _colours(n: int) -> list:
    cmap = plt.get_cmap("tab10" if n <= 10 else "tab20")
    return [cmap(i % cmap.N) for i in range(n)]


def _scale(key: str) -> tuple[float, str]:
    return (100.0, " (%)") if is_rate(key) else (1.0, "")


def headline(sweep: Sweep) -> list[str]:
    return [k for k in HEADLINE if k in sweep.kpis] or sweep.kpis[:12]


def _numeric_arms(sweep: Sweep) -> bool:
    return all(level_sort_key(a)[0] == 0 for a in sweep.arms)


def kpi_comparison(sweep: Sweep, summary: pd.DataFrame) -> Figure:
    """Each headline KPI: the mean per arm with its t interval, one series per group."""
    keys = headline(sweep)
    ncols = 4 if len(keys) > 6 else 3
    nrows = math.ceil(len(keys) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.2 * nrows), squeeze=False)
    numeric_x = _numeric_arms(sweep)
    pos = {a: (float(a) if numeric_x else i) for i, a in enumerate(sweep.arms)}
    colours = _colours(len(sweep.groups))
    width = 0.0 if numeric_x else 0.12
    for ax, key in zip(axes.flat, keys, strict=False):
        scale, unit = _scale(key)
        for gi, group in enumerate(sweep.groups):
            rows = summary[(summary["group"] == group) & (summary["kpi"] == key)]
            rows = rows.dropna(subset=["mean"])
            if rows.empty:
                continue
            x = np.array([pos[a] for a in rows["arm"]]) + width * (gi - (len(sweep.groups) - 1) / 2)
            y = rows["mean"].to_numpy(float) * scale
            half = rows["half_width"].to_numpy(float) * scale
            ax.errorbar(
                x,
                y,
                yerr=np.nan_to_num(half),
                fmt="o-" if numeric_x else "o",
                capsize=4,
                color=colours[gi],
                label=group,
            )
        ax.set_title(key + unit, fontsize=10)
        if not numeric_x:
            labels = [sweep.arm_label(a) for a in sweep.arms]
            ax.set_xticks(range(len(sweep.arms)), labels, rotation=20, ha="right")
            ax.set_xlim(-0.5, len(sweep.arms) - 0.5)
        elif sweep.compare:
            ax.set_xlabel(sweep.compare.split(".")[-1])
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(keys) :]:
        ax.set_visible(False)
    if len(sweep.groups) > 1:
        axes.flat[0].legend(fontsize=8)
    level = int(round(100 * sweep.settings.get("level", 0.95)))
    fig.suptitle(f"Mean per arm with {level}% t intervals over seeds")
    fig.tight_layout()
    return fig


def paired_differences(sweep: Sweep, paired: pd.DataFrame) -> Figure:
    """Each headline KPI: arm - baseline as a % of the baseline mean, with the paired interval;
    green when the arm is better, red when worse, grey when the interval straddles zero."""
    keys = headline(sweep)
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(keys) * max(1, len(sweep.arms) - 1) + 1.5))
    if paired.empty:
        _no_data(ax, "one arm only: nothing to pair")
        return fig
    rows = paired[paired["kpi"].isin(keys)].dropna(subset=["diff", "baseline_mean"])
    rows = rows[rows["baseline_mean"] != 0]
    combos = list(dict.fromkeys(zip(rows["group"], rows["arm"], strict=True)))
    step = 0.8 / max(len(combos), 1)
    for ci, (group, arm) in enumerate(combos):
        for ki, key in enumerate(keys):
            r = rows[(rows["group"] == group) & (rows["arm"] == arm) & (rows["kpi"] == key)]
            if r.empty:
                continue
            r = r.iloc[0]
            base = abs(r["baseline_mean"])
            y = ki + (ci - (len(combos) - 1) / 2) * step
            x = 100.0 * r["diff"] / base
            colour = VERDICT_COLOURS.get(r["verdict"], "grey")
            if pd.notna(r["lo"]):
                ax.plot([100 * r["lo"] / base, 100 * r["hi"] / base], [y, y], color=colour, lw=2)
            ax.plot(x, y, "o", color=colour)
            if len(combos) > 1:
                ax.annotate(
                    series_label(sweep, group, arm),
                    (x, y),
                    fontsize=7,
                    xytext=(4, 2),
                    textcoords="offset points",
                )
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(range(len(keys)), keys)
    ax.invert_yaxis()
    ax.set_xlabel(
        f"difference from {sweep.arm_label(sweep.baseline)}, % of its mean (paired by seed)"
    )
    ax.set_title("Paired differences: green better, red worse, grey not distinguishable")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def margin_vs_on_time(sweep: Sweep) -> Figure:
    """One point per run; a grey line joins the runs that share a seed (and a group)."""
    fig, ax = plt.subplots(figsize=(8, 5.5))
    runs = (
        sweep.runs.dropna(subset=["on_time_rate", "operator_margin"])
        if {"on_time_rate", "operator_margin"} <= set(sweep.runs.columns)
        else sweep.runs.iloc[:0]
    )
    if runs.empty:
        _no_data(ax)
        return fig
    for (_, _), pair in runs.groupby(["group", "seed"]):
        pair = pair.sort_values("arm", key=lambda s: s.map(sweep.arms.index))
        ax.plot(
            100 * pair["on_time_rate"], pair["operator_margin"], color="lightgrey", lw=1, zorder=1
        )
    series = _series(sweep)
    for (group, arm), colour in zip(series, _colours(len(series)), strict=True):
        r = runs[(runs["group"] == group) & (runs["arm"] == arm)]
        ax.scatter(
            100 * r["on_time_rate"],
            r["operator_margin"],
            color=colour,
            zorder=2,
            label=series_label(sweep, group, arm),
        )
        for row in r.itertuples():
            ax.annotate(
                str(row.seed),
                (100 * row.on_time_rate, row.operator_margin),
                fontsize=7,
                xytext=(3, 3),
                textcoords="offset points",
            )
    currency = "/".join(map(str, sweep.settings.get("currency", [])))
    ax.set(
        xlabel="on-time rate (%)",
        ylabel=f"operator margin ({currency})",
        title="Margin against on-time rate, one point per run (label: seed)",
    )
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def _shade_phases(ax: Axes, sweep: Sweep) -> None:
    warm, days = sweep.settings.get("warmup_days", []), sweep.settings.get("days", [])
    if len(warm) == 1 and len(days) == 1:
        ax.axvspan(0, warm[0], color="grey", alpha=0.15, label="warm-up (excluded)")
        ax.axvspan(
            warm[0], warm[0] + days[0], color="tab:green", alpha=0.07, label="measurement window"
        )


def backlog_over_time(sweep: Sweep, details: Details) -> Figure:
    """Human exceptions open at the end of each day: mean over seeds, band from min to max."""
    fig, ax = plt.subplots(figsize=(10, 4.5))
    if details.backlog.empty:
        _no_data(ax)
        return fig
    series = _series(sweep)
    for (group, arm), colour in zip(series, _colours(len(series)), strict=True):
        d = details.backlog[(details.backlog["group"] == group) & (details.backlog["arm"] == arm)]
        by_day = d.groupby("day")["backlog_end"].agg(["mean", "min", "max"])
        x = by_day.index.to_numpy(float) + 1.0  # the backlog at the end of day d
        ax.plot(x, by_day["mean"], color=colour, label=series_label(sweep, group, arm))
        ax.fill_between(x, by_day["min"], by_day["max"], color=colour, alpha=0.15)
    _shade_phases(ax, sweep)
    ax.set(
        xlabel="day of run",
        ylabel="open human exceptions at end of day",
        title="Exception backlog over time (line: mean over seeds; band: min to max)",
    )
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def click_to_door(sweep: Sweep, details: Details) -> Figure:
    """Distribution of click-to-door hours of orders delivered in the window, seeds pooled
    (each run by its percentiles, `GRID`, so every run weighs the same)."""
    fig, ax = plt.subplots(figsize=(9, 4.8))
    series = _series(sweep)
    drawn = False
    for (group, arm), colour in zip(series, _colours(len(series)), strict=True):
        ids = sweep.runs.loc[(sweep.runs["group"] == group) & (sweep.runs["arm"] == arm), "run"]
        values = np.concatenate([details.c2d_values[r] for r in ids]) if len(ids) else []
        if len(values) == 0:
            continue
        x = np.sort(values)
        p50, p90 = np.percentile(x, (50, 90))
        label = f"{series_label(sweep, group, arm)} (p50 {p50:.0f} h, p90 {p90:.0f} h)"
        ax.step(x, np.arange(1, x.size + 1) / x.size, where="post", color=colour, label=label)
        drawn = True
    if not drawn:
        _no_data(ax)
        return fig
    ax.axhline(0.9, color="grey", lw=0.8, ls=":")
    ax.set(
        xlabel="hours from order placed to delivered",
        ylabel="share of deliveries",
        title="Click-to-door distribution, orders delivered in the window (seeds pooled)",
    )
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3)
    return fig


def exception_costs(sweep: Sweep, details: Details) -> Figure:
    """Mean cost per run of each exception type: labour (solid) + ledger money (hatched)."""
    costs = details.costs
    series = _series(sweep)
    types = (
        costs.groupby("type")["cost"].mean().sort_values().index.tolist() if not costs.empty else []
    )
    fig, ax = plt.subplots(figsize=(10, 0.35 * max(len(types), 1) * max(len(series), 1) + 2))
    if not types or costs["cost"].sum() == 0:
        _no_data(ax, "no exception cost")
        return fig
    height = 0.8 / len(series)
    y0 = np.arange(len(types))
    for si, ((group, arm), colour) in enumerate(zip(series, _colours(len(series)), strict=True)):
        c = costs[(costs["group"] == group) & (costs["arm"] == arm)]
        mean = c.groupby("type")[["labour_cost", "ledger_cost"]].mean().reindex(types).fillna(0)
        y = y0 + (si - (len(series) - 1) / 2) * height
        ax.barh(
            y,
            mean["labour_cost"],
            height=height,
            color=colour,
            label=series_label(sweep, group, arm),
        )
        ax.barh(
            y,
            mean["ledger_cost"],
            left=mean["labour_cost"],
            height=height,
            color=colour,
            alpha=0.45,
            hatch="//",
        )
    ax.set_yticks(y0, types)
    currency = "/".join(map(str, sweep.settings.get("currency", [])))
    ax.set(
        xlabel=f"mean cost per run ({currency}): reviewer labour (solid) + ledger (hatched)",
        title="Cost of each exception type, exceptions raised in the window",
    )
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def figure_makers(
    sweep: Sweep, summary: pd.DataFrame, paired: pd.DataFrame, details: Details
) -> dict[str, tuple[str, Callable[[], Figure]]]:
    """{file name: (title, a function drawing it)}, in the order the page shows them."""
    return {
        "paired_differences.png": (
            "Paired differences against the baseline",
            lambda: paired_differences(sweep, paired),
        ),
        "kpi_comparison.png": ("KPI comparison", lambda: kpi_comparison(sweep, summary)),
        "margin_vs_on_time.png": (
            "Margin against on-time rate, per run",
            lambda: margin_vs_on_time(sweep),
        ),
        "backlog_over_time.png": (
            "Exception backlog over time",
            lambda: backlog_over_time(sweep, details),
        ),
        "click_to_door.png": ("Click-to-door distributions", lambda: click_to_door(sweep, details)),
        "exception_costs.png": (
            "Cost of each exception type",
            lambda: exception_costs(sweep, details),
        ),
        **(
            {
                "onboarding_tradeoff.png": (
                    "Onboarding trade-off: bad actors admitted and time to onboard against people's hours",
                    lambda: onboarding_tradeoff(sweep, plt, _colours, _no_data),
                )
            }
            if has_onboarding(sweep)
            else {}
        ),
    }
