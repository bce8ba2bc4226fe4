"""The sweep report: a two-arm sweep on smoke ends with the paired comparison printed and a
report built; its tables agree with the runs; the page is self-contained and renders in a real
headless browser; bad folders get a clear error."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from mptwin.results.report.build import build_report, comparison_text, main
from mptwin.results.report.costs import COST_COLUMNS
from mptwin.results.report.html import (
    comparison_section,
    esc,
    replications_section,
    summary_section,
)
from mptwin.results.report.kpis import CUT_NOTE
from mptwin.results.report.load import ReportError, Sweep, load_sweep
from mptwin.results.report.sweep_tables import paired, summary
from mptwin.results.stats import MIN_REPLICATIONS, paired_ci
from tests.helpers.runs import ROOT
from tests.test_report_load import make_run

TEST_CONF = ROOT / "tests" / "conf"
SEEDS = (1, 2, 3)
TABLES = (
    "runs",
    "kpis_long",
    "summary",
    "paired",
    "backlog_daily",
    "click_to_door_quantiles",
    "exception_costs",
)
FIGURES = (
    "paired_differences",
    "kpi_comparison",
    "margin_vs_on_time",
    "backlog_over_time",
    "click_to_door",
    "exception_costs",
)
BROWSER_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """automation against automation_undercut (a tests-only strategy), 3 seeds, run the way the
    README runs compare_strategies: in parallel, with the report built at the end."""
    root = tmp_path_factory.mktemp("report") / "sweep"
    args = [
        "-m",
        "experiment=compare_strategies",
        "scenario=smoke",
        "strategy=automation,automation_undercut",
        f"hydra.searchpath=[file://{TEST_CONF}]",
        f"seed={','.join(map(str, SEEDS))}",
        "figures=false",
        "progress=false",
        f"hydra.sweep.dir={root}",
    ]
    proc = subprocess.run(
        [sys.executable, "-m", "mptwin.runner.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return root, proc


@pytest.mark.slow
def test_the_sweep_prints_the_paired_comparison_and_where_the_report_is(sweep):
    root, proc = sweep
    assert "Paired comparison: automation_undercut - automation" in proc.stdout
    for key in ("operator_margin", "on_time_rate", "backlog_max"):
        assert re.search(rf"^\s+{key}\s", proc.stdout, re.M), f"{key} missing from the table"
    assert f"Report: {root / 'report' / 'report.html'}" in proc.stdout


@pytest.mark.slow
def test_tables_are_written_as_csv_and_parquet(sweep):
    root, _ = sweep
    for name in TABLES:
        csv = pd.read_csv(root / "report" / "tables" / f"{name}.csv")
        parquet = pd.read_parquet(root / "report" / "tables" / f"{name}.parquet")
        assert len(csv) == len(parquet) > 0, name
    runs = pd.read_parquet(root / "report" / "tables" / "runs.parquet")
    assert sorted(runs["arm"].unique()) == ["automation", "automation_undercut"]
    assert sorted(runs["seed"]) == sorted(SEEDS * 2)
    costs = pd.read_parquet(root / "report" / "tables" / "exception_costs.parquet")
    assert set(COST_COLUMNS) <= set(costs.columns)


def _kpis_by_arm(root: Path, key: str) -> dict[str, list]:
    out: dict[str, dict[int, float]] = {}
    for path in root.rglob("kpis.json"):
        arm, seed = path.parent.parent.name, int(path.parent.name.split("=")[1])
        out.setdefault(arm, {})[seed] = json.loads(path.read_text())[key]
    return {arm: [v[s] for s in SEEDS] for arm, v in out.items()}


@pytest.mark.slow
@pytest.mark.parametrize("key", ["operator_margin", "on_time_rate", "orders"])
def test_paired_rows_match_the_runs(sweep, key):
    root, _ = sweep
    paired = pd.read_parquet(root / "report" / "tables" / "paired.parquet")
    row = paired[(paired["kpi"] == key) & (paired["arm"] == "automation_undercut")].iloc[0]
    values = _kpis_by_arm(root, key)
    ci = paired_ci(values["automation_undercut"], values["automation"])
    assert row["baseline"] == "automation" and row["n"] == len(SEEDS)
    assert row["diff"] == pytest.approx(ci.mean)
    assert (row["lo"], row["hi"]) == (pytest.approx(ci.lo), pytest.approx(ci.hi))


@pytest.mark.slow
def test_exception_labour_cost_is_hours_times_the_hourly_rate(sweep):
    root, _ = sweep
    costs = pd.read_parquet(root / "report" / "tables" / "exception_costs.parquet")
    run = costs["run"].iloc[0]
    mine = costs[costs["run"] == run]
    assert mine["labour_cost"].sum() == pytest.approx(30.0 * mine["reviewer_hours"].sum())
    assert (mine["cost"] >= mine["labour_cost"]).all()
    ledger = mine.set_index("type")["ledger_cost"]
    assert ledger["stockout_at_routing"] == 0.0 and ledger["late_delivery"] >= 0.0


@pytest.mark.slow
def test_the_page_is_self_contained(sweep):
    root, _ = sweep
    page = (root / "report" / "report.html").read_text()
    assert 'id="paired-comparison"' in page
    assert page.count('src="data:image/png;base64,') == len(FIGURES)
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:|//|file:)""", page)
    assert "<script" not in page and "<link" not in page
    assert "warm-up excluded from every KPI" in page and "2 day(s)" in page


def _browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def _render(browser: str, url: str, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    return subprocess.run(
        [browser, *BROWSER_FLAGS, f"--user-data-dir={profile}", *extra, url],
        capture_output=True,
        text=True,
        timeout=120,
    )


IMAGE_PROBE = """<script>window.addEventListener("load", () => {
  const ok = [...document.images].filter(i => i.complete && i.naturalWidth > 0).length;
  document.body.dataset.imagesOk = ok;
});</script>"""


@pytest.mark.slow
def test_the_page_renders_in_a_headless_browser(sweep, tmp_path):
    browser = _browser()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("no Chromium in CI: .ci/run should have installed Debian's chromium")
        pytest.skip("no Chromium on this machine (`apt-get install chromium`; .ci/run does it)")
    root, _ = sweep
    page = root / "report" / "report.html"
    # a copy with a probe that counts the images the browser actually decoded
    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text().replace("</body>", IMAGE_PROBE + "</body>"))
    dom = _render(browser, probe.as_uri(), tmp_path, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert f'data-images-ok="{len(FIGURES)}"' in dom.stdout, "not every figure decoded"
    table = re.search(r'<table id="paired-comparison".*?</table>', dom.stdout, re.S)
    assert table, "the comparison table is not in the rendered page"
    for key in ("operator_margin", "on_time_rate", "touchless_rate"):
        assert f"<td>{key}</td>" in table.group(0)
    assert dom.stdout.count("<figcaption>") == len(FIGURES)
    shot = tmp_path / "page.png"
    done = _render(
        browser,
        page.as_uri(),
        tmp_path,
        f"--screenshot={shot}",
        "--window-size=1200,2000",
        "--hide-scrollbars",
    )
    assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
    assert shot.stat().st_size > 50_000, "the screenshot looks blank"


@pytest.mark.slow
def test_the_report_command_rebuilds_the_report(sweep, tmp_path, capsys):
    root, _ = sweep
    out = tmp_path / "again"
    assert main([str(root), "--out", str(out), "--level", "0.9"]) == 0
    text = capsys.readouterr().out
    assert "90% t intervals" in text and f"Report: {out / 'report.html'}" in text
    assert (out / "tables" / "paired.csv").exists()


@pytest.mark.slow
def test_the_report_reads_each_runs_summary_not_its_big_tables(sweep, tmp_path):
    """Every job writes summary/; the report of a sweep needs only that and kpis.json, so
    deleting the order, exception and money tables changes nothing in it (a sweep of year-long
    runs reports in seconds). Without summary/, the report makes it from the tables."""
    root, _ = sweep
    lean, old = tmp_path / "lean", tmp_path / "old"
    shutil.copytree(root, lean, ignore=shutil.ignore_patterns("report"))
    shutil.copytree(root, old, ignore=shutil.ignore_patterns("report", "summary"))
    for big in ("orders", "exceptions", "money", "shipments"):
        for path in lean.rglob(f"{big}.parquet"):
            path.unlink()
    assert len(list(lean.rglob("summary/click_to_door.parquet"))) == 2 * len(SEEDS)
    tables = ("paired", "backlog_daily", "click_to_door_quantiles", "exception_costs")
    for folder in (lean, old):
        build_report(folder, out=folder / "report")
        for name in tables:
            pd.testing.assert_frame_equal(
                pd.read_parquet(folder / "report" / "tables" / f"{name}.parquet"),
                pd.read_parquet(root / "report" / "tables" / f"{name}.parquet"),
                obj=name,
            )


@pytest.mark.slow
def test_a_single_arm_folder_gets_means_not_pairs(sweep, tmp_path):
    root, _ = sweep
    report = build_report(root / "smoke" / "automation", out=tmp_path / "one")
    assert report.paired.empty and report.sweep.arms == ["all runs"]
    said = [line for line in report.text.splitlines() if not line.startswith("Note: ")]
    assert said[0].startswith("One arm only")
    assert 'id="arm-summary"' in report.html.read_text()


@pytest.mark.slow
def test_incomplete_runs_are_left_out_and_listed(sweep, tmp_path):
    root, _ = sweep
    copy = tmp_path / "copy"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("report"))
    victim = next(copy.rglob("kpis.json"))
    victim.unlink()
    loaded = load_sweep(copy)
    assert len(loaded.runs) == 2 * len(SEEDS) - 1
    assert loaded.incomplete == [victim.parent.relative_to(copy)]
    assert any("left out" in note for note in loaded.notes)


def test_a_folder_with_no_complete_runs_is_a_clear_error(tmp_path):
    (tmp_path / "job" / ".hydra").mkdir(parents=True)
    with pytest.raises(ReportError, match=r"no complete runs under .*1 incomplete"):
        load_sweep(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "mptwin.results.report.build", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "mptwin-report: error: no complete runs" in proc.stderr


def test_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ReportError, match="is not a folder"):
        load_sweep(tmp_path / "nope")


# --- intervals from few seeds (hand-made runs, no simulation) ---------------------------------

# per seed: (cancellation_rate, on_time_rate, operator_margin_pct, backlog_max) of each arm; two
# seeds take a t interval (t = 12.7 on 1 df) past 0% and 100%, and a count's below 0
FEW = {
    "automation": [(0.001, 0.97, -0.01, 3), (0.012, 0.995, 0.03, 20)],
    "orchestration": [(0.002, 0.975, 0.00, 5), (0.010, 0.999, 0.02, 18)],
}


def hand_made_sweep(root: Path, seeds: int) -> Sweep:
    """automation against orchestration: the FEW values, repeated with a little spread beyond
    two seeds."""
    for arm, values in FEW.items():
        for seed in range(1, seeds + 1):
            cancel, on_time, pct, backlog = values[(seed - 1) % 2]
            wiggle = 1.0 + 0.01 * (seed % 3)
            make_run(
                root,
                f"{arm}/seed={seed}",
                seed,
                arm,
                3,
                100.0 * wiggle,
                [f"strategy={arm}", f"seed={seed}"],
            )
            kpis = {
                "operator_margin": 1000.0 * wiggle,
                "operator_margin_pct": pct * wiggle,
                "orders": 100 + seed,
                "on_time_rate": on_time,
                "cancellation_rate": cancel * wiggle,
                "backlog_max": backlog + seed % 2,
            }
            (root / arm / f"seed={seed}" / "kpis.json").write_text(json.dumps(kpis))
    return load_sweep(root, baseline="automation")


def test_an_arm_mean_s_interval_stays_within_what_the_kpi_can_take(tmp_path):
    sweep = hand_made_sweep(tmp_path, 2)
    summ = summary(sweep, 0.95).set_index(["arm", "kpi"])
    rate = summ.loc[("automation", "cancellation_rate")]
    assert rate["mean"] - rate["half_width"] < 0  # the t interval itself goes below 0 ...
    assert rate["lo"] == 0.0 and rate["clipped"] == "lo"  # ... the one reported does not
    assert summ.loc[("orchestration", "on_time_rate"), "hi"] == 1.0
    assert summ.loc[("automation", "backlog_max"), "lo"] == 0.0  # a count (whole numbers)
    assert summ.loc[("automation", "operator_margin_pct"), "lo"] < 0  # a margin: no limit
    assert summ.loc[("automation", "operator_margin_pct"), "clipped"] == ""
    page = summary_section(sweep, summary(sweep, 0.95))
    for key in ("cancellation_rate", "on_time_rate", "backlog_max"):
        rows = re.findall(rf"<tr><td>{key}</td>.*?</tr>", page)
        assert len(rows) == 2 and not any("[-" in r for r in rows), rows
    assert "[0.0%*, " in page and "100.0%*]" in page and esc(CUT_NOTE) in page
    # a paired difference can be negative and is never cut
    pair = paired(sweep, 0.95, 0.01).set_index("kpi")
    assert pair.loc["cancellation_rate", "lo"] < 0


@pytest.mark.parametrize("seeds", [2, 10])
def test_few_seeds_are_said_in_the_console_and_the_page(tmp_path, seeds):
    sweep = hand_made_sweep(tmp_path, seeds)
    summ, pair = summary(sweep, 0.95), paired(sweep, 0.95, 0.01)
    text = comparison_text(sweep, pair, summ, 0.95)
    replications = replications_section(sweep, pair, 0.01)
    comparison = comparison_section(sweep, pair, 0.95)
    needed = re.findall(r"<td>(~?[\d,]+)</td></tr>", replications)  # the last column
    assert needed
    if seeds == 2:
        assert "These intervals rest on 2 seeds and are wide (t = 12.71 on 1 df)" in text
        assert f"run at least {MIN_REPLICATIONS}" in text.splitlines()[-1]
        assert "Estimated from 2 seeds: a rough guide; run at least 5" in replications
        assert all(n.startswith("~") for n in needed)  # marked, and still given
        assert "rest on 2 seeds" in comparison
    else:
        assert "rest on" not in text and "rest on" not in comparison
        assert "rough guide" not in replications
        assert not any(n.startswith("~") for n in needed)
