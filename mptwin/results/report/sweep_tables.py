"""The report's tidy tables: KPIs per run (wide and long), per-arm summaries, paired
differences with confidence intervals, the replications a target precision needs, and the
per-run series behind the figures (backlog by day, click-to-door quantiles, exception costs)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mptwin.results.measure.columns import in_window, numeric
from mptwin.results.measure.run_tables import RunInfo
from mptwin.results.report.costs import exception_costs
from mptwin.results.report.kpis import direction, limits, verdict
from mptwin.results.report.load import Sweep, lookup
from mptwin.results.stats import clip, mean_ci, paired_ci, replications_needed

ID_COLUMNS = ["run", "group", "arm", "seed"]
QUANTILES = tuple(range(1, 100))
GRID = np.arange(1001) / 10.0  # the click-to-door percentiles a run's summary keeps: 0, 0.1, .. 100
SUMMARY = "summary"  # a job's folder of small tables the report reads instead of its order tables
DETAIL_COLUMNS = {
    "orders": ["order_id", "placed_h", "delivered_h", "status", "price", "commission_rate"],
    "exceptions": ["type", "order_id", "raised_h", "handler", "handling_h"],
    "money": ["order_id", "credit", "amount", "kind"],
    "shifts": ["hourly_cost"],
    "daily": ["day", "date", "backlog_end"],
}


def long_kpis(sweep: Sweep) -> pd.DataFrame:
    """One row per run and KPI: the tidy form of `sweep.runs`."""
    frame = sweep.runs[ID_COLUMNS + sweep.kpis].melt(
        id_vars=ID_COLUMNS, var_name="kpi", value_name="value"
    )
    return frame.sort_values(["group", "arm", "kpi", "seed"], kind="stable").reset_index(drop=True)


def summary(sweep: Sweep, level: float) -> pd.DataFrame:
    """Per group, arm and KPI: replications, mean, sd and the t interval of the mean, cut to
    what the KPI can take (`kpis.limits`: a rate's interval never shows a bound below 0%);
    `clipped` says which end was cut ('lo', 'hi', 'lo,hi' or ''), and mean +- half_width is
    the t interval before the cut."""
    rows = []
    for (group, arm), runs in sweep.runs.groupby(["group", "arm"], sort=False):
        for kpi in sweep.kpis:
            ci = mean_ci(runs[kpi].tolist(), level)
            lo, hi, cut = clip(ci.lo, ci.hi, *limits(kpi, sweep.runs[kpi].tolist()))
            rows.append(
                {
                    "group": group,
                    "arm": arm,
                    "kpi": kpi,
                    "n": ci.n,
                    "mean": ci.mean,
                    "sd": ci.sd,
                    "lo": lo,
                    "hi": hi,
                    "half_width": ci.half_width,
                    "clipped": cut,
                }
            )
    return pd.DataFrame(rows)


def seeds_behind(frame: pd.DataFrame) -> int | None:
    """The seeds the intervals of a `summary` or `paired` table rest on: per group and arm the
    most any KPI used (a KPI with no data in a run uses fewer), and the fewest of those."""
    if frame.empty:
        return None
    return int(frame.groupby(["group", "arm"], sort=False)["n"].max().min())


def _pair(base: pd.DataFrame, other: pd.DataFrame, kpi: str) -> tuple[list, list]:
    """Values of one KPI for the seeds both arms have, in seed order."""
    merged = base[["seed", kpi]].merge(other[["seed", kpi]], on="seed", suffixes=("_b", "_c"))
    merged = merged.sort_values("seed")
    return merged[f"{kpi}_c"].tolist(), merged[f"{kpi}_b"].tolist()


def _reps(sd, base_mean, target_rel: float, level: float) -> int | None:
    if sd is None or base_mean is None or not np.isfinite(base_mean) or base_mean == 0:
        return None
    try:
        return replications_needed(sd, target_rel * abs(base_mean), level)
    except ValueError:
        return None


def paired(sweep: Sweep, level: float, target_rel: float) -> pd.DataFrame:
    """Per group, arm (other than the baseline) and KPI: the paired difference arm - baseline
    over the seeds both ran, its t interval, and the replications that would bring the
    interval's half-width down to `target_rel` x |baseline mean|."""
    rows = []
    if sweep.baseline is None:
        return pd.DataFrame(rows)
    for group, runs in sweep.runs.groupby("group", sort=False):
        base = runs[runs["arm"] == sweep.baseline]
        for arm in sweep.arms[1:]:
            other = runs[runs["arm"] == arm]
            if other.empty or base.empty:
                continue
            for kpi in sweep.kpis:
                cand, ref = _pair(base, other, kpi)
                ci = paired_ci(cand, ref, level)
                bm, cm = mean_ci(ref).mean, mean_ci(cand).mean
                rows.append(
                    {
                        "group": group,
                        "arm": arm,
                        "baseline": sweep.baseline,
                        "kpi": kpi,
                        "n": ci.n,
                        "baseline_mean": bm,
                        "arm_mean": cm,
                        "diff": ci.mean,
                        "lo": ci.lo,
                        "hi": ci.hi,
                        "half_width": ci.half_width,
                        "sd_diff": ci.sd,
                        "p_value": ci.p_value,
                        "rel_diff": None if ci.mean is None or not bm else ci.mean / abs(bm),
                        "better_if": {1: "higher", -1: "lower", 0: ""}[direction(kpi)],
                        "verdict": verdict(kpi, ci.lo, ci.hi),
                        "target_half_width": None if bm is None else target_rel * abs(bm),
                        "replications_for_target": _reps(ci.sd, bm, target_rel, level),
                    }
                )
    return pd.DataFrame(rows)


def run_info(config: dict) -> RunInfo:
    """The run facts the metrics need, from a resolved config."""
    s = config["scenario"]
    warm, days, cool = (int(s[k]) for k in ("warmup_days", "days", "cooldown_days"))
    return RunInfo(
        s["name"],
        str(lookup(config, "strategy")),
        int(config.get("seed", 0)),
        str(s["start_date"]),
        24.0 * warm,
        24.0 * (warm + days),
        24.0 * (warm + days + cool),
        str(s["money"]["currency"]),
    )


def read_tables(job: Path) -> dict[str, pd.DataFrame]:
    """The columns of a run's tables that the report uses."""
    return {
        name: pd.read_parquet(job / f"{name}.parquet", columns=cols)
        for name, cols in DETAIL_COLUMNS.items()
    }


@dataclass
class Details:
    backlog: pd.DataFrame  # run ids + day, date, backlog_end, phase
    c2d_quantiles: pd.DataFrame  # run ids + q, hours
    c2d_values: dict[str, np.ndarray]  # run -> click-to-door percentiles (GRID) of deliveries
    costs: pd.DataFrame  # run ids + the exception cost columns


def _phase(day: np.ndarray, info: RunInfo) -> np.ndarray:
    start = day * 24.0
    return np.where(
        start < info.warmup_h, "warm-up", np.where(start < info.window_end_h, "window", "cool-down")
    )


def run_summary(tables: dict[str, pd.DataFrame], info: RunInfo) -> dict[str, pd.DataFrame]:
    """What the report needs of one run, small whatever the run's size: its daily backlog, the
    click-to-door percentiles (`GRID`) of window deliveries, and its exception costs. Each job
    writes these beside its tables (`write_summary`), so a report of a sweep of year-long runs
    never reloads their order tables."""
    daily = tables["daily"][DETAIL_COLUMNS["daily"]].reset_index(drop=True)
    orders = tables["orders"]
    done = in_window(numeric(orders, "delivered_h"), info)
    c2d = numeric(orders, "delivered_h")[done] - numeric(orders, "placed_h")[done]
    hours = np.percentile(c2d, GRID) if c2d.size else np.full(GRID.size, np.nan)
    return {
        "backlog": daily,
        "click_to_door": pd.DataFrame({"q": GRID, "hours": hours}),
        "exception_costs": exception_costs(tables, info),
    }


def write_summary(tables: dict[str, pd.DataFrame], info: RunInfo, job: Path) -> None:
    for name, frame in run_summary(tables, info).items():
        (job / SUMMARY).mkdir(parents=True, exist_ok=True)
        frame.to_parquet(job / SUMMARY / f"{name}.parquet", index=False)


def read_summary(job: Path, config: dict) -> dict[str, pd.DataFrame]:
    """A run's summary: from its `summary/` folder, or made from its tables (older runs)."""
    folder = job / SUMMARY
    names = ("backlog", "click_to_door", "exception_costs")
    if all((folder / f"{n}.parquet").is_file() for n in names):
        return {n: pd.read_parquet(folder / f"{n}.parquet") for n in names}
    return run_summary(read_tables(job), run_info(config))


def run_details(job: Path, config: dict) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """(daily backlog, click-to-door percentiles of window deliveries, exception costs)."""
    s, info = read_summary(job, config), run_info(config)
    daily = s["backlog"].copy()
    daily["phase"] = _phase(daily["day"].to_numpy(), info)
    return daily, s["click_to_door"]["hours"].to_numpy(), s["exception_costs"]


def details(sweep: Sweep) -> Details:
    backlog, quants, costs, values = [], [], [], {}
    for row in sweep.runs[ID_COLUMNS].itertuples(index=False):
        job = sweep.root / row.run
        daily, c2d, cost = run_details(job, sweep.configs[row.run])
        ids = dict(zip(ID_COLUMNS, row, strict=True))
        backlog.append(daily.assign(**ids))
        values[row.run] = c2d[~np.isnan(c2d)]
        q = c2d[np.searchsorted(GRID, QUANTILES)]  # the grid holds every whole percentile
        quants.append(pd.DataFrame({**ids, "q": QUANTILES, "hours": q}))
        costs.append(cost.assign(**ids))

    def cat(frames: list[pd.DataFrame]) -> pd.DataFrame:
        frame = pd.concat(frames, ignore_index=True)
        return frame[ID_COLUMNS + [c for c in frame.columns if c not in ID_COLUMNS]]

    return Details(cat(backlog), cat(quants), values, cat(costs))


def write_table(frame: pd.DataFrame, folder: Path, name: str) -> list[Path]:
    """The same table as CSV and Parquet."""
    folder.mkdir(parents=True, exist_ok=True)
    csv, parquet = folder / f"{name}.csv", folder / f"{name}.parquet"
    frame.to_csv(csv, index=False)
    frame.to_parquet(parquet, index=False)
    return [csv, parquet]
