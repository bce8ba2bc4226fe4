"""The report as one self-contained HTML page: inline CSS, figures embedded as base64 PNG, no
scripts and no external assets, so it opens offline and survives being forwarded."""

from __future__ import annotations

import base64
import html
from datetime import datetime

import pandas as pd

from mptwin.results.report import costs as report_costs
from mptwin.results.report.kpis import (
    CUT_NOTE,
    few_seeds,
    format_diff,
    format_interval,
    format_range,
    format_value,
)
from mptwin.results.report.load import Sweep
from mptwin.results.report.sweep_figures import headline
from mptwin.results.report.sweep_tables import seeds_behind
from mptwin.results.stats import MIN_REPLICATIONS, few

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto;
       max-width: 1150px; color: #222; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: right; }
th { background: #f4f4f4; } td:first-child, th:first-child { text-align: left; }
tr.better td.verdict { color: #1a7f37; font-weight: 600; }
tr.worse td.verdict { color: #c62828; font-weight: 600; }
.meta td, .meta th { text-align: left; } .note { background: #fff8e1; padding: 0.5em 1em; }
figure { margin: 1.5em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; } code { background: #f4f4f4; padding: 0 3px; }
"""


def esc(value) -> str:
    return html.escape(str(value))


def _table(
    header: list[str] | None,
    rows: list[list[str]],
    attrs: str = "",
    row_classes: list[str] | None = None,
) -> str:
    """An HTML table; with no header, each row's first cell is its heading."""
    if header is None:
        body = "".join(
            f"<tr><th>{esc(r[0])}</th>" + "".join(f"<td>{esc(c)}</td>" for c in r[1:]) + "</tr>"
            for r in rows
        )
        return f"<table {attrs}><tbody>{body}</tbody></table>"
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = []
    for i, row in enumerate(rows):
        cls = f' class="{row_classes[i]}"' if row_classes else ""
        cells = "".join(
            f'<td class="verdict">{esc(c)}</td>' if header[j] == "verdict" else f"<td>{esc(c)}</td>"
            for j, c in enumerate(row)
        )
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table {attrs}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _one(values: list) -> str:
    return ", ".join(map(str, values)) if values else "n/a"


def meta_section(sweep: Sweep, level: float) -> str:
    s = sweep.settings
    warm = _one(s.get("warmup_days", []))
    rows = [
        ["sweep folder", str(sweep.root)],
        ["complete runs used", f"{len(sweep.runs)} (incomplete left out: {len(sweep.incomplete)})"],
        ["scenario", _one(s.get("scenario", []))],
        ["compared", f"{sweep.compare or 'nothing (one arm)'}: {', '.join(sweep.arms)}"],
        ["baseline", sweep.arm_label(sweep.baseline) if sweep.baseline else "n/a"],
        ["groups", "; ".join(sweep.groups)],
        ["seeds compared (replications)", f"{_one(s.get('seeds', []))}"],
        *[[f"arm {arm}", how] for arm, how in sorted(s.get("tuning", {}).items())],
        ["warm-up excluded from every KPI", f"{warm} day(s) (scenario.warmup_days)"],
        ["measurement window", f"{_one(s.get('days', []))} day(s) after the warm-up"],
        ["cool-down (orders of the window finish)", f"{_one(s.get('cooldown_days', []))} day(s)"],
        ["calendar start", _one(s.get("start_date", []))],
        ["intervals", f"{round(100 * level)}% t intervals; differences paired by seed"],
    ]
    return _table(None, rows, 'class="meta"')


def _comparison_rows(paired: pd.DataFrame, keys: list[str]) -> tuple[list, list]:
    rows, classes = [], []
    for key in keys:
        r = paired[paired["kpi"] == key]
        if r.empty:
            continue
        r = r.iloc[0]
        rows.append(
            [
                key,
                format_value(key, r["baseline_mean"]),
                format_value(key, r["arm_mean"]),
                format_diff(key, r["diff"]),
                format_interval(key, r["lo"], r["hi"]),
                int(r["n"]),
                r["verdict"],
            ]
        )
        classes.append(r["verdict"].replace(" ", "-"))
    return rows, classes


def comparison_section(sweep: Sweep, paired: pd.DataFrame, level: float) -> str:
    """One table per group and arm: headline KPIs, then every KPI in a collapsible block."""
    if paired.empty:
        return (
            '<p class="note">One arm only: there is nothing to pair. The summary below gives '
            "each KPI's mean and interval.</p>"
        )
    keys, out, first = headline(sweep), [few_note(paired, level)], True
    pct = round(100 * level)
    for (group, arm), block in paired.groupby(["group", "arm"], sort=False):
        block = block.replace({float("nan"): None})
        base, cand = sweep.arm_label(sweep.baseline), sweep.arm_label(arm)
        header = [
            "KPI",
            f"{base} (mean)",
            f"{cand} (mean)",
            "difference",
            f"{pct}% CI of difference",
            "n",
            "verdict",
        ]
        title = f"{cand} against {base}" + ("" if group == "all" else f", {group}")
        attrs = 'id="paired-comparison" class="comparison"' if first else 'class="comparison"'
        rows, classes = _comparison_rows(block, keys)
        all_rows, all_classes = _comparison_rows(block, sweep.kpis)
        out.append(
            f"<h3>{esc(title)}</h3>"
            + _table(header, rows, attrs, classes)
            + "<details><summary>every KPI</summary>"
            + _table(header, all_rows, 'class="comparison-all"', all_classes)
            + "</details>"
        )
        first = False
    return "".join(out)


def few_note(frame: pd.DataFrame, level: float) -> str:
    """A note that the intervals of a summary or paired table rest on too few seeds, if so."""
    n = seeds_behind(frame)
    return f'<p class="note few-seeds">{esc(few_seeds(n, level))}</p>' if n and few(n) else ""


def summary_section(sweep: Sweep, summary: pd.DataFrame, level: float = 0.95) -> str:
    keys = headline(sweep)
    rows, cut = [], False
    shown = summary[summary["kpi"].isin(keys)].replace({float("nan"): None})
    for r in shown.itertuples():
        ci = format_range(r.kpi, r.lo, r.hi, r.clipped)
        cut = cut or bool(r.clipped)
        rows.append([r.kpi, r.group, r.arm, r.n, format_value(r.kpi, r.mean), ci])
    rows.sort(key=lambda row: keys.index(row[0]))
    return (
        few_note(summary, level)
        + _table(
            ["KPI", "group", "arm", "n", "mean", "interval of the mean"], rows, 'id="arm-summary"'
        )
        + (f'<p class="cut-note">{esc(CUT_NOTE)}</p>' if cut else "")
    )


def replications_section(sweep: Sweep, paired: pd.DataFrame, target_rel: float) -> str:
    if paired.empty:
        return ""
    rows, rough = [], set()
    for r in paired[paired["kpi"].isin(headline(sweep))].replace({float("nan"): None}).itertuples():
        need = r.replications_for_target
        if need is not None and few(r.n):
            rough.add(r.n)
        rows.append(
            [
                r.kpi,
                r.arm,
                r.group,
                r.n,
                "n/a" if r.half_width is None else format_diff(r.kpi, r.half_width).lstrip("+"),
                "n/a"
                if r.target_half_width is None
                else format_diff(r.kpi, r.target_half_width).lstrip("+"),
                "n/a" if need is None else f"{'~' * few(r.n)}{int(need):,}",
            ]
        )
    text = (
        f"<p>Replications that would bring the interval of each difference down to "
        f"&plusmn;{100 * target_rel:g}% of the baseline mean, estimated from the spread of "
        "the paired differences seen here (<code>mptwin.results.stats.replications_needed</code>). "
        "Add seeds to the sweep and run it again: complete runs are skipped.</p>"
    )
    if rough:
        seeds = " or ".join(map(str, sorted(rough)))
        text += (
            f'<p class="note rough">Estimated from {seeds} seeds: a rough guide; run at least '
            f"{MIN_REPLICATIONS} before reading this. The spread of so few runs is itself "
            "uncertain, and the replications needed grow with its square, so a number "
            "marked ~ may be off many-fold either way.</p>"
        )
    return text + _table(
        [
            "KPI",
            "arm",
            "group",
            "n now",
            "half-width now",
            "target half-width",
            "replications needed",
        ],
        rows,
        'id="replications"',
    )


def text_html(text: str) -> str:
    """Plain text with blank-line paragraphs and "- " bullet items as HTML; `code` kept."""
    out = []
    for block in text.strip().split("\n\n"):
        lines = block.split("\n")
        if lines[0].startswith("- "):
            items, current = [], []
            for line in lines:
                if line.startswith("- ") and current:
                    items.append(" ".join(current))
                    current = []
                current.append(line.removeprefix("- ").strip())
            items.append(" ".join(current))
            out.append("<ul>" + "".join(f"<li>{_code(i)}</li>" for i in items) + "</ul>")
        else:
            out.append(f"<p>{_code(' '.join(x.strip() for x in lines))}</p>")
    return "".join(out)


def _code(text: str) -> str:
    parts = esc(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def costs_section(costs: pd.DataFrame, sweep: Sweep) -> str:
    paras = text_html(report_costs.DEFINITION)
    if costs.empty:
        return paras
    mean = (
        costs.groupby(["group", "arm", "type"], sort=False)[
            [
                "exceptions",
                "reviewer_hours",
                "labour_cost",
                "ledger_cost",
                "cost",
                "forgone_commission",
            ]
        ]
        .mean()
        .reset_index()
    )
    mean = mean[mean["exceptions"] > 0]
    rows = [
        [
            r.type,
            r.arm,
            r.group,
            f"{r.exceptions:,.1f}",
            f"{r.reviewer_hours:,.1f}",
            f"{r.labour_cost:,.2f}",
            f"{r.ledger_cost:,.2f}",
            f"{r.cost:,.2f}",
            f"{r.forgone_commission:,.2f}",
        ]
        for r in mean.itertuples()
    ]
    header = [
        "type",
        "arm",
        "group",
        "exceptions",
        "reviewer hours",
        "labour cost",
        "ledger cost",
        "cost",
        "forgone commission",
    ]
    return paras + "<p>Means per run:</p>" + _table(header, rows, 'id="exception-costs"')


def figure_html(title: str, png: bytes) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img alt="{esc(title)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{esc(title)}</figcaption></figure>"
    )


def page(
    sweep: Sweep,
    summary: pd.DataFrame,
    paired: pd.DataFrame,
    costs: pd.DataFrame,
    figures: dict[str, tuple[str, bytes]],
    level: float,
    target_rel: float,
    tables: list[str],
) -> str:
    """The whole page as a string."""
    name = sweep.root.resolve().name
    notes = "".join(f"<li>{esc(n)}</li>" for n in sweep.notes)
    incomplete = "".join(f"<li><code>{esc(p)}</code></li>" for p in sweep.incomplete)
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>mptwin report: {esc(name)}</title><style>{CSS}</style></head><body>",
        f"<h1>mptwin sweep report: {esc(name)}</h1>",
        f"<p>Generated {esc(datetime.now().strftime('%Y-%m-%d %H:%M'))}.</p>",
        meta_section(sweep, level),
        f"<ul class='note'>{notes}</ul>" if notes else "",
        "<h2>Paired comparison</h2>",
        "<p>Each difference is candidate minus baseline, run by run on the same seed (common "
        "random numbers: both saw the same customers and the same luck), averaged over seeds "
        "with a t interval. A verdict is given only when the interval excludes zero.</p>",
        comparison_section(sweep, paired, level),
        "<h2>Figures</h2>",
        "".join(figure_html(title, png) for title, png in figures.values()),
        "<h2>Means per arm</h2>",
        summary_section(sweep, summary, level),
        "<h2>How many replications</h2>" if not paired.empty else "",
        replications_section(sweep, paired, target_rel),
        "<h2>The cost of each exception type</h2>",
        costs_section(costs, sweep),
        f"<h2>Incomplete runs</h2><ul>{incomplete}</ul>" if incomplete else "",
        "<h2>Tables</h2><p>Beside this page, as CSV and Parquet: "
        + ", ".join(f"<code>{esc(t)}</code>" for t in tables)
        + ".</p>",
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p)
