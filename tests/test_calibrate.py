"""Calibration from an order log, and the twin's validation against it.

- Round trip: a log exported from a known world is calibrated, and the fitted scenario gives
  back that world's parameters within stated tolerances.
- Real data: on the shared Olist sample (skipped when absent), calibration and validation run
  end to end, and the late rate and click-to-door median land within the validation's
  tolerances (in-sample; the hold-out result is reported, not asserted: see the README).
- The command lines fail clearly, writing nothing, on bad input.
"""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pytest
import yaml

from mptwin.calibration import backtest, cli
from mptwin.calibration.export import export_log
from mptwin.calibration.log import read_log
from mptwin.calibration.scenario import calibrate
from mptwin.calibration.scenario_file import write_calibration
from mptwin.runner.compose import CONF_DIR, build_run, compose
from sim.processes.carry_parcel import review_score
from sim.world_parts import ReviewSpec
from tests.helpers.runs import OLIST, ROOT, run_sim

needs_olist = pytest.mark.skipif(not OLIST.is_dir(), reason="../shared/data/olist-sample absent")
EXAMPLE = ROOT / "examples" / "synthetic-log"

# a known world: baseline's regions, demand and sellers, 3 % of customers cancelling, one
# carrier with a known contract and spread, no applicants or new listings; 150 days at about
# 85 orders a day (about 12.7k orders, some 470 of them late: enough to pin the review rule)
ONE_CARRIER = (
    "scenario.carriers=[{name: only, share: 1, fixed_cost: 6, cost_per_km: 0.004, "
    "base_days: 1.5, km_per_day: 600, coverage: 1.0, daily_capacity: 5000, "
    "transit_bias: 0.0, transit_sigma: 0.3}]"
)
KNOWN = (
    "scenario=baseline",
    "strategy=automation",
    "seed=5",
    "scenario.days=150",
    "scenario.demand.visits_per_day=120",
    "scenario.catalogue.new_listings_per_day=0",
    "scenario.applications.per_day=0",
    "scenario.risk.customer_cancel_rate=0.03",
    ONE_CARRIER,
)


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory):
    """(the known world, the calibration fitted to its exported log, the log)."""
    world, _ = _prepared(*KNOWN)
    folder = tmp_path_factory.mktemp("known") / "log"
    export_log(run_sim(*KNOWN), world, folder, seed=5)
    log = read_log(folder)
    return world, calibrate(log, "known"), log


def _prepared(*overrides):
    return build_run(compose(*overrides))


@pytest.mark.slow
def test_round_trip_recovers_regions_and_their_distances(round_trip):
    world, cal, _ = round_trip
    sites = cal.sidecar["parameters"]["regions.sites"]["estimate"]  # order shares, as fitted
    assert [s["name"] for s in sites] == list(world.region_names)
    shares = np.array([s["weight"] for s in sites])
    # orders by region, not visits: far regions buy a little less, so within 3 points
    assert np.abs(shares - world.region_weight).max() < 0.03
    xy = np.array([[s["x_km"], s["y_km"]] for s in sites])
    straight = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    off = ~np.eye(len(xy), dtype=bool)
    # the log's geography is the world's road distance / 1.25, through lat/lng and back
    np.testing.assert_allclose(straight[off] * 1.25, world.distance_km[off], rtol=0.03)


@pytest.mark.slow
def test_round_trip_recovers_the_carriers_contract_and_spread(round_trip):
    """Nominal transit between every pair of regions within 10 %, the spread within 0.05."""
    world, cal, _ = round_trip
    t = cal.sidecar["parameters"]["transit"]["estimate"]
    sites = cal.sidecar["parameters"]["regions.sites"]["estimate"]
    xy = np.array([[s["x_km"], s["y_km"]] for s in sites])
    straight = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    off = ~np.eye(len(xy), dtype=bool)
    fitted = 24.0 * (t["base_days"] + straight[off] / t["km_per_day"])
    true = 24.0 * (1.5 + world.distance_km[off] / 600.0)
    np.testing.assert_allclose(fitted, true, rtol=0.10)
    assert t["transit_sigma"] == pytest.approx(0.3, abs=0.05)


@pytest.mark.slow
def test_round_trip_recovers_freight_reviews_and_profiles(round_trip):
    world, cal, _ = round_trip
    p = {k: v["estimate"] for k, v in cal.sidecar["parameters"].items()}
    # the shipping fee: 9 + 0.005 x road km in the world, per straight km in the log
    for km in (100.0, 1000.0, 2500.0):
        fitted = p["money.fee_base"] + p["money.fee_per_km"] * km / 1.25
        assert fitted == pytest.approx(9.0 + 0.005 * km, rel=0.05)
    r = ReviewSpec(**p["reviews"])
    for late in (0.0, 1.0, 3.0, 10.0):  # the mean star the fitted rule gives, against the world's
        u = np.linspace(0.005, 0.995, 199)
        fitted = np.mean([review_score(x, late, r) for x in u])
        true = np.mean([review_score(x, late) for x in u])
        assert fitted == pytest.approx(true, abs=0.25), late
    # the customers' own cancellations: what the log's rate leaves over the twin's mechanisms
    assert p["risk.customer_cancel_rate"] == pytest.approx(0.03, abs=0.01)
    hours = np.array(p["demand.hour_profile"])
    assert np.corrcoef(hours, world.hour_weight)[0, 1] > 0.95
    np.testing.assert_allclose(p["demand.weekday_profile"], world.weekday_weight, atol=0.12)


@pytest.mark.slow
def test_round_trip_scenario_runs_and_validates_against_its_own_log(round_trip, tmp_path):
    """The fitted scenario runs as is and, against the log it came from, passes the headline
    rows: late rate and click-to-door median (one seed)."""
    _, cal, log = round_trip
    observed = backtest.holdout_orders(log, cal.sidecar)
    op = cal.sidecar["observed_operation"]
    sims = backtest.simulated_logs(
        cal.scenario, [f"strategy={op['strategy']}", *op["overrides"]], [1], tmp_path
    )
    table = backtest.compare(observed, sims).set_index("quantity")
    assert table.loc["late_rate", "pass"] and table.loc["click_to_door_p50_h", "pass"], table


@needs_olist
@pytest.mark.slow
def test_olist_calibration_and_validation_run_end_to_end(tmp_path, monkeypatch):
    """In-sample: the late rate within 3 points and the click-to-door median within 15 %."""
    conf = tmp_path / "conf"
    shutil.copytree(CONF_DIR, conf)
    monkeypatch.setattr("mptwin.runner.compose.CONF_DIR", conf)  # every composition reads it
    assert (
        cli.main([str(OLIST), "--out", str(conf / "scenario" / "olist_t.yaml"), "--fit-share", "1"])
        == 0
    )
    out = tmp_path / "validation"
    code = backtest.main([str(OLIST), "scenario=olist_t", "--seeds", "2", "--out", str(out)])
    table = __import__("pandas").read_csv(out / "validation.csv").set_index("quantity")
    assert table.loc["late_rate", "pass"] and table.loc["click_to_door_p50_h", "pass"], table
    assert code == (0 if table["pass"].all() else 1)
    assert (out / "validation.html").exists() and len(list(out.glob("overlay_*.png"))) == 3
    assert "midnight_promise" in (out / "quirks.csv").read_text()


@pytest.mark.slow
def test_written_scenario_names_its_sources(round_trip, tmp_path):
    _, cal, _ = round_trip
    path, sidecar = write_calibration(cal, tmp_path / "known.yaml")
    text = path.read_text()
    data = yaml.safe_load(text)
    assert data["name"] == "known" and data["regions"]["count"] == 12
    assert "# customer states" in text and "pilot run" in text
    record = json.loads(sidecar.read_text())
    keys = {"fit_period", "holdout_period", "parameters", "not_identified", "observed_operation"}
    assert keys <= set(record)
    assert record["fit_period"][1] == record["holdout_period"][0]  # no overlap
    assert all(entry["source"] for entry in record["parameters"].values())
    assert "carriers" in record["not_identified"]
    assert math.isfinite(data["demand"]["visits_per_day"])


@pytest.mark.slow
def test_the_shipped_log_calibrates(tmp_path):
    """The README's example: the synthetic log in examples/ calibrates into a scenario."""
    out = tmp_path / "example.yaml"
    assert cli.main([str(EXAMPLE), "--out", str(out)]) == 0
    assert yaml.safe_load(out.read_text())["regions"]["count"] == 12


def test_calibrate_cli_missing_folder_fails_clearly_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "x.yaml"
    assert cli.main([str(tmp_path / "nowhere"), "--out", str(out)]) == 2
    assert "nowhere" in capsys.readouterr().err
    assert not out.exists()


def test_calibrate_cli_missing_column_names_file_and_column(tmp_path, capsys):
    log = tmp_path / "log"
    log.mkdir()
    for name in (
        "olist_orders_dataset.csv",
        "olist_order_items_dataset.csv",
        "olist_customers_dataset.csv",
        "olist_sellers_dataset.csv",
        "olist_products_dataset.csv",
        "olist_order_reviews_dataset.csv",
        "zip_prefix_centroids.csv",
    ):
        (log / name).write_text("order_id\nx\n")
    out = tmp_path / "x.yaml"
    assert cli.main([str(log), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "olist_orders_dataset.csv" in err and "customer_id" in err
    assert not out.exists() and not list(tmp_path.glob("*.json"))


def test_calibrate_cli_wants_a_yaml_file(tmp_path, capsys):
    assert cli.main([str(tmp_path), "--out", str(tmp_path / "x.txt")]) == 2
    assert ".yaml" in capsys.readouterr().err


def test_validate_cli_needs_a_calibrated_scenario(tmp_path, capsys):
    assert backtest.main([str(EXAMPLE), "scenario=baseline"]) == 2
    assert "calibration.json" in capsys.readouterr().err
    assert backtest.main([str(EXAMPLE), "seed=3"]) == 2
    assert "scenario=" in capsys.readouterr().err
