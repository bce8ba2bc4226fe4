"""Calibration from an order log: on the shared Olist sample (skipped when absent) the fitted
scenario runs as is and lands on the log's headline numbers; the command line fails clearly,
writing nothing, on bad input; the file it writes carries its sources."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

from mptwin.analysis.metrics import compute_kpis
from mptwin.calibration import cli
from mptwin.calibration.log import read_log
from mptwin.calibration.scenario import calibrate, compose_with, write_calibration
from mptwin.run import prepare, simulate
from tests.helpers.runs import OLIST

needs_olist = pytest.mark.skipif(not OLIST.is_dir(), reason="../shared/data/olist-sample absent")


@pytest.fixture(scope="module")
def olist_calibration():
    return calibrate(read_log(OLIST), "olist_test")


@needs_olist
@pytest.mark.slow
def test_olist_calibration_runs_and_lands_on_the_logs_late_rate_and_median(olist_calibration):
    """Late rate within 3 points and click-to-door median within 15 % of the hold-out's, under
    the observed operation (the twin's own KPIs, one seed: a smoke test of the whole chain;
    mptwin-validate does the full comparison)."""
    cal = olist_calibration
    log = read_log(OLIST)
    start, end = (pd.Timestamp(t) for t in cal.sidecar["holdout_period"])
    o = log.orders[(log.orders["purchase"] >= start) & (log.orders["purchase"] < end)]
    judged = o[o["delivered_ok"] & ~o["censored"]]
    observed_late = float(judged["late"].astype(float).mean())
    observed_p50 = float(judged["click_to_door_h"].median())
    op = cal.sidecar["observed_operation"]
    cfg = compose_with(cal.scenario, f"strategy={op['strategy']}", *op["overrides"])
    world, strategy = prepare(cfg)
    result = simulate(world, strategy, 1)
    kpis = compute_kpis(result.tables, result.info)
    assert abs((1.0 - kpis["on_time_rate"]) - observed_late) < 0.03
    assert kpis["click_to_door_p50_h"] == pytest.approx(observed_p50, rel=0.15)


@needs_olist
@pytest.mark.slow
def test_written_scenario_names_its_sources(olist_calibration, tmp_path):
    path, sidecar = write_calibration(olist_calibration, tmp_path / "olist_test.yaml")
    text = path.read_text()
    data = yaml.safe_load(text)
    assert data["name"] == "olist_test" and data["regions"]["count"] == 27
    assert "# customer states" in text and "median within-state" in text
    record = json.loads(sidecar.read_text())
    assert {
        "fit_period",
        "holdout_period",
        "parameters",
        "not_identified",
        "observed_operation",
    } <= set(record)
    assert record["fit_period"][1] == record["holdout_period"][0]  # no overlap
    for key, entry in record["parameters"].items():
        assert entry["source"], key
    assert "carriers" in record["not_identified"]


def test_calibrate_cli_missing_folder_fails_clearly_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "x.yaml"
    assert cli.main([str(tmp_path / "nowhere"), "--out", str(out)]) == 2
    assert "nowhere" in capsys.readouterr().err
    assert not out.exists()


def test_calibrate_cli_missing_column_names_file_and_column(tmp_path, capsys):
    log = tmp_path / "log"
    log.mkdir()
    for name in ("olist_orders_dataset.csv", "olist_order_items_dataset.csv",
                 "olist_customers_dataset.csv", "olist_sellers_dataset.csv",
                 "olist_products_dataset.csv", "olist_order_reviews_dataset.csv",
                 "zip_prefix_centroids.csv"):  # fmt: skip
        (log / name).write_text("order_id\nx\n")
    out = tmp_path / "x.yaml"
    assert cli.main([str(log), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "olist_orders_dataset.csv" in err and "customer_id" in err
    assert not out.exists() and not list(tmp_path.glob("*.json"))


def test_calibrate_cli_wants_a_yaml_file(tmp_path, capsys):
    assert cli.main([str(tmp_path), "--out", str(tmp_path / "x.txt")]) == 2
    assert ".yaml" in capsys.readouterr().err
