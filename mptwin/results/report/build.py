"""`mptwin-report <sweep folder>`: aggregate a sweep's complete runs into tidy tables (CSV and
Parquet), figures and one self-contained HTML page, and print the paired comparison.

    mptwin-report multirun/compare_strategies
    mptwin-report multirun/reviewer_staffing --compare scenario.reviewers.headcount --baseline 14

Defaults for `--compare`, `--baseline`, `--level` and `--target` come from the sweep's own
`multirun.yaml` (the `hydra.callbacks.report` entry its experiment set), then from the flags.
The report goes to `<sweep folder>/report/`, replaced whole (built aside, then renamed).
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
import time
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from mptwin.cli_args import HelpFormatter, float_in, positive_float
from mptwin.results.report.html import page
from mptwin.results.report.kpis import (
    CUT_NOTE,
    few_seeds,
    format_diff,
    format_interval,
    format_range,
    format_value,
)
from mptwin.results.report.load import ReportError, Sweep, load_sweep
from mptwin.results.report.sweep_figures import figure_makers, headline
from mptwin.results.report.sweep_tables import (
    details,
    long_kpis,
    paired,
    seeds_behind,
    summary,
    write_table,
)
from mptwin.results.stats import DEFAULT_LEVEL, few

DEFAULT_TARGET = 0.01  # replications for a half-width of 1% of the baseline mean
OPTIONS = ("compare", "baseline", "level", "target_rel")


@dataclass
class Report:
    sweep: Sweep
    out_dir: Path
    html: Path | None
    summary: pd.DataFrame
    paired: pd.DataFrame
    text: str  # the comparison as printed
    seconds: float


def sweep_defaults(root: Path) -> dict:
    """The report options the sweep's experiment chose (hydra.callbacks.report in the sweep's
    multirun.yaml), if any."""
    path = Path(root) / "multirun.yaml"
    try:
        config = yaml.safe_load(path.read_text()) if path.is_file() else None
    except (OSError, yaml.YAMLError):
        return {}
    entry = (((config or {}).get("hydra") or {}).get("callbacks") or {}).get("report") or {}
    return {k: entry[k] for k in OPTIONS if entry.get(k) is not None}


def comparison_text(sweep: Sweep, pair: pd.DataFrame, summ: pd.DataFrame, level: float) -> str:
    """The terminal table: headline KPIs, baseline and arm means, paired difference, interval."""
    keys, pct = headline(sweep), round(100 * level)
    lines = [f"Note: {n}" for n in sweep.notes]  # said where the numbers are, not only on the page
    if pair.empty:
        lines.append(
            f"One arm only ({', '.join(sweep.arms)}): means over seeds, {pct}% t intervals"
        )
        cut = False
        for key in keys:
            for r in summ[summ["kpi"] == key].replace({float("nan"): None}).itertuples():
                ci = format_range(key, r.lo, r.hi, r.clipped)
                cut = cut or bool(r.clipped)
                lines.append(f"  {key:<26}{format_value(key, r.mean):>16}  {ci:<30} n={r.n}")
        return "\n".join(lines + [CUT_NOTE] * cut + _few(summ, level))
    for (group, arm), block in pair.groupby(["group", "arm"], sort=False):
        block = block.replace({float("nan"): None}).set_index("kpi")
        where = "" if group == "all" else f" [{group}]"
        base, cand = sweep.arm_label(sweep.baseline), sweep.arm_label(arm)
        # each arm's column as wide as its name, so two tuned arms are not both `automation_tune`
        wb, wc = max(16, len(base) + 2), max(16, len(cand) + 2)
        lines += [
            "",
            f"Paired comparison{where}: {cand} - {base}, "
            f"{pct}% t intervals over seeds (common random numbers)",
            f"  {'KPI':<26}{base:>{wb}}{cand:>{wc}}{'difference':>16}"
            f"  {f'{pct}% CI':<32}{'n':>3}  verdict",
        ]
        for key in keys:
            if key not in block.index:
                continue
            r = block.loc[key]
            lines.append(
                f"  {key:<26}{format_value(key, r['baseline_mean']):>{wb}}"
                f"{format_value(key, r['arm_mean']):>{wc}}"
                f"{format_diff(key, r['diff']):>16}"
                f"  {format_interval(key, r['lo'], r['hi']):<32}{int(r['n']):>3}"
                f"  {r['verdict']}"
            )
    return "\n".join(lines + _few(pair, level)).lstrip("\n")


def _few(frame: pd.DataFrame, level: float) -> list[str]:
    """The line that says the intervals above rest on too few seeds, if they do."""
    n = seeds_behind(frame)
    return [few_seeds(n, level)] if n is not None and few(n) else []


def _write_tables(sweep, summ, pair, det, folder: Path) -> list[str]:
    tables = {
        "runs": sweep.runs,
        "kpis_long": long_kpis(sweep),
        "summary": summ,
        "paired": pair,
        "backlog_daily": det.backlog,
        "click_to_door_quantiles": det.c2d_quantiles,
        "exception_costs": det.costs,
    }
    for name, frame in tables.items():
        write_table(frame, folder, name)
    return [f"tables/{n}.csv" for n in tables]


def _write_figures(makers, folder: Path) -> dict[str, tuple[str, bytes]]:
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, (title, draw) in makers.items():
        fig = draw()
        try:
            fig.savefig(folder / name, dpi=90, bbox_inches="tight")
        finally:
            plt.close(fig)
        out[name] = (title, (folder / name).read_bytes())
    return out


def _swap_in(tmp: Path, out: Path) -> None:
    """Replace `out` by `tmp` (both folders), never leaving a half-built report in place."""
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        out.replace(old)
    tmp.replace(out)
    shutil.rmtree(old, ignore_errors=True)


def build_report(
    root: Path,
    out: Path | None = None,
    compare: str | None = "strategy",
    baseline=None,
    level: float = DEFAULT_LEVEL,
    target_rel: float = DEFAULT_TARGET,
    html: bool = True,
    strict: Collection[str] = (),
) -> Report:
    """Read the sweep, write tables, figures and the page; return what was built. `strict`: the
    options the user named (see `load_sweep`)."""
    t0 = time.perf_counter()
    if not 0.0 < target_rel < math.inf:
        raise ReportError(f"--target must be > 0, got {target_rel}")
    root = Path(root)
    out = Path(out) if out is not None else root / "report"
    check_out(root, out)
    sweep = load_sweep(root, compare, baseline, strict)
    sweep.settings["level"] = level
    summ, pair, det = summary(sweep, level), paired(sweep, level, target_rel), details(sweep)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tables = _write_tables(sweep, summ, pair, det, tmp / "tables")
        figures = _write_figures(figure_makers(sweep, summ, pair, det), tmp / "figures")
        if html:
            text = page(sweep, summ, pair, det.costs, figures, level, target_rel, tables)
            (tmp / "report.html").write_text(text, encoding="utf-8")
        _swap_in(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return Report(
        sweep,
        out,
        out / "report.html" if html else None,
        summ,
        pair,
        comparison_text(sweep, pair, summ, level),
        time.perf_counter() - t0,
    )


def check_out(root: Path, out: Path) -> None:
    """Refuse a report folder whose replacing would lose something: a file, the sweep itself or
    a folder holding it, a folder of other files (the report replaces its folder whole)."""
    if out.exists() and not out.is_dir():
        raise ReportError(f"--out {out} is a file, not a folder")
    if out.resolve() == root.resolve() or out.resolve() in root.resolve().parents:
        raise ReportError(
            f"--out {out} holds the sweep itself; the report replaces its folder "
            f"whole (default: {root / 'report'})"
        )
    if out.is_dir() and any(out.iterdir()) and not (out / "tables").is_dir():
        raise ReportError(
            f"--out {out} holds other files than a report (no tables/): not "
            "replacing it; name a new folder"
        )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="mptwin-report", description=__doc__, formatter_class=HelpFormatter
    )
    p.add_argument("sweep", type=Path, help="a sweep folder (multirun/<experiment>) or run folder")
    p.add_argument("--out", type=Path, help="report folder (default: <sweep>/report)")
    p.add_argument("--compare", help="the factor whose levels are compared (default: strategy)")
    p.add_argument("--baseline", help="the level every other level is compared with")
    p.add_argument(
        "--level",
        type=float_in(0.0, 1.0, open_low=True, open_high=True),
        help=f"confidence level (default: {DEFAULT_LEVEL})",
    )
    p.add_argument(
        "--target",
        dest="target_rel",
        type=positive_float,
        help=f"target half-width as a fraction of the baseline mean (default: {DEFAULT_TARGET})",
    )
    p.add_argument("--no-html", dest="html", action="store_false", help="tables and figures only")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    options = {
        "compare": "strategy",
        "level": DEFAULT_LEVEL,
        "target_rel": DEFAULT_TARGET,
        **sweep_defaults(args.sweep),
    }
    options.update({k: getattr(args, k) for k in OPTIONS if getattr(args, k) is not None})
    named = [k for k in ("compare", "baseline") if getattr(args, k) is not None]
    try:
        report = build_report(args.sweep, args.out, html=args.html, strict=named, **options)
    except (ReportError, ValueError) as e:
        print(f"mptwin-report: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:  # a run's table gone, or a report folder that cannot be written
        print(
            f"mptwin-report: error: {e.filename or args.sweep}: {e.strerror or e}", file=sys.stderr
        )
        return 2
    print(report.text)
    print(f"\n{len(report.sweep.runs)} runs, report built in {report.seconds:.1f} s")
    print(f"Tables and figures in {report.out_dir}")
    if report.html:
        print(f"Report: {report.html}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
