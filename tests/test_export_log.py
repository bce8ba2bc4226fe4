"""`mptwin-export-log`: a run written as an Olist-schema log reads back with `read_log` and says
what the model did (orders, lateness, handling and transit to the second); the folder is
written whole or not at all; the shipped example reads and has the counts its README states;
the exported centroids keep the model's distances."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mptwin.calibration import export
from mptwin.calibration.export import FILES, README, export_log, main
from mptwin.calibration.export_tables import approval_hours, centroids_frame, hex_ids
from mptwin.calibration.geo import pairwise_km
from mptwin.calibration.log import read_log
from mptwin.calibration.log_files import CENTROIDS, ORDERS
from mptwin.results.measure.columns import numeric
from mptwin.results.measure.metrics import window_orders
from mptwin.runner.compose import build_run, compose
from tests.helpers.runs import ROOT, run_sim

SEED = 3
SHORT = ("scenario=smoke", "scenario.days=10", f"seed={SEED}", "progress=false")
EXAMPLE = ROOT / "examples" / "synthetic-log"
SECOND_H = 1.0 / 3600.0


@pytest.fixture(scope="module")
def run():
    """A short smoke run and its world (built once: the world is deterministic)."""
    world, _ = build_run(compose(*SHORT))
    return run_sim(*SHORT), world


@pytest.fixture(scope="module")
def exported(run, tmp_path_factory):
    """The short run exported and read back, with the model's window orders in the log's order."""
    result, world = run
    out = tmp_path_factory.mktemp("export") / "log"
    counts = export_log(result, world, out, seed=SEED)
    log = read_log(out)
    win = window_orders(result.tables, result.info).reset_index(drop=True)
    win["log_id"] = hex_ids(f"order-{SEED}", win["order_id"].to_numpy())
    win["approved_h"] = approval_hours(win, result.tables["exceptions"])
    got = log.orders.set_index("order_id").loc[win["log_id"]].reset_index()
    return out, counts, log, win, got


def test_the_log_holds_the_window_orders(exported, run):
    out, counts, log, win, got = exported
    _, world = run
    assert sorted(p.name for p in out.iterdir()) == sorted([*FILES, README])
    assert counts[ORDERS] == len(win) == len(log.orders) == len(log.items)
    assert log.orders["order_id"].is_unique and len(got) == len(win)
    for quirk in (
        "missing_purchase",
        "orders_without_items",
        "carrier_before_approval",
        "delivered_before_carrier",
        "multi_item_orders",
        "unknown_zip",
    ):
        assert log.quirks[quirk] == 0, quirk
    assert win["fraud_flagged"].any(), "the run should hold some payments for the approval mapping"
    assert log.quirks["midnight_promise"] == len(win)
    placed = pd.Timestamp(world.start_date) + pd.to_timedelta(win["placed_h"], unit="h")
    assert ((got["purchase"] - placed).abs() <= pd.Timedelta(seconds=1)).all()


def test_statuses_follow_the_model(exported):
    *_, win, got = exported
    status = win["status"].astype(str).to_numpy()
    delivered = np.isin(status, ["delivered", "returned"])
    assert (got["status"][delivered] == "delivered").all()
    assert (got["status"][status == "cancelled"] == "canceled").all()
    lost = status == "lost"
    assert (got["status"][lost] == "shipped").all()
    assert set(got["status"]) <= {
        "delivered",
        "canceled",
        "shipped",
        "processing",
        "approved",
        "created",
    }


def test_late_rate_is_the_models_exactly(exported):
    *_, log, win, got = exported
    delivered = ~np.isnan(numeric(win, "delivered_h"))
    model_late = numeric(win, "delivered_h")[delivered] > numeric(win, "promise_h")[delivered]
    judged = got["late"].notna().to_numpy()
    assert (judged == delivered).all()
    assert (got["late"].to_numpy(dtype=bool, na_value=False)[delivered] == model_late).all()
    assert log.orders["late"].mean() == model_late.mean()
    assert 0 < model_late.sum() < model_late.size  # both kinds present: the check has teeth


def test_handling_and_transit_match_to_the_second(exported):
    *_, win, got = exported
    handling = numeric(win, "handed_h") - win["approved_h"].to_numpy()
    transit = numeric(win, "delivered_h") - numeric(win, "handed_h")
    ok = ~np.isnan(handling)
    assert (got["handling_ok"].to_numpy() == ok).all()
    assert np.abs(got["handling_h"].to_numpy()[ok] - handling[ok]).max() <= SECOND_H
    ok = ~np.isnan(transit)
    assert (got["transit_ok"].to_numpy() == ok).all()
    assert np.abs(got["transit_h"].to_numpy()[ok] - transit[ok]).max() <= SECOND_H
    held = win["fraud_flagged"].to_numpy() & ~np.isnan(numeric(win, "handed_h"))
    assert held.any() and (got["approved"][held] > got["purchase"][held]).all()


def test_delivered_at_the_promise_is_on_time_and_a_second_later_is_late(run, tmp_path):
    """The round trip of a promise: the model's end of the promised day, written as that date at
    midnight, read back as the end of that day."""
    result, world = run
    orders = result.tables["orders"].copy()
    promise = numeric(orders, "promise_h")
    done = np.flatnonzero(numeric(orders, "handed_h") < promise - SECOND_H)  # NaN: never
    done = done[~np.isnan(numeric(orders, "delivered_h")[done])]
    at, after = done[::2], done[1::2]
    delivered = numeric(orders, "delivered_h").copy()
    delivered[at], delivered[after] = promise[at], promise[after] + SECOND_H
    orders["delivered_h"] = delivered
    edited = replace(result, tables={**result.tables, "orders": orders})
    export_log(edited, world, tmp_path / "log", seed=SEED)
    late = read_log(tmp_path / "log").orders.set_index("order_id")["late"]
    win = window_orders(edited.tables, edited.info)
    ids = pd.Series(hex_ids(f"order-{SEED}", win["order_id"].to_numpy()), index=win.index)
    on_promise = ids[ids.index.isin(at)]
    a_second_late = ids[ids.index.isin(after)]
    assert len(on_promise) and late[on_promise].notna().all() and not late[on_promise].any()
    assert len(a_second_late) and late[a_second_late].notna().all() and late[a_second_late].all()


def test_same_seed_same_bytes(run, tmp_path):
    """A second simulation of the same config exports byte-identical files."""
    _, world = run
    for name in ("a", "b"):
        export_log(run_sim(*SHORT), world, tmp_path / name, seed=SEED)
    for name in (*FILES, README):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_refuses_a_non_empty_folder_without_overwrite(run, tmp_path):
    result, world = run
    out = tmp_path / "log"
    export_log(result, world, out, seed=SEED)
    with pytest.raises(FileExistsError, match="not empty.*overwrite"):
        export_log(result, world, out, seed=SEED)
    export_log(result, world, out, seed=SEED + 1, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log"]
    other = tmp_path / "notes"
    other.mkdir()
    (other / "mine.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="does not write"):
        export_log(result, world, other, seed=SEED, overwrite=True)
    assert (other / "mine.txt").read_text() == "keep me"


def test_a_failure_leaves_nothing_half_written(run, tmp_path, monkeypatch):
    result, world = run
    out = tmp_path / "log"
    write = export._write_csv
    written = []

    def fail_on_third(df, path):
        if len(written) == 2:
            raise OSError("disk full (simulated)")
        written.append(path.name)
        return write(df, path)

    monkeypatch.setattr(export, "_write_csv", fail_on_third)
    with pytest.raises(OSError, match="simulated"):
        export_log(result, world, out, seed=SEED)
    assert list(tmp_path.iterdir()) == []  # no log, no temporary folder

    monkeypatch.setattr(export, "_write_csv", write)
    export_log(result, world, out, seed=SEED)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    written.clear()
    monkeypatch.setattr(export, "_write_csv", fail_on_third)
    with pytest.raises(OSError, match="simulated"):
        export_log(result, world, out, seed=SEED + 1, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log"]  # the old log, untouched
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_centroid_distances_are_the_models(exported, run):
    """Great-circle km between the written centroids x the road factor (1.25) is the world's
    road distance off the diagonal, within 1 %: on the exported smoke log (5 regions) and on the
    baseline world (12 regions in 2,500 km)."""
    out, *_ = exported
    _, smoke = run
    written = pd.read_csv(out / CENTROIDS)
    baseline, _ = build_run(compose("scenario=baseline"))
    for world, centroids in ((smoke, written), (baseline, centroids_frame(baseline))):
        lat = centroids["geolocation_lat"].astype(float).to_numpy()
        lng = centroids["geolocation_lng"].astype(float).to_numpy()
        road = pairwise_km(lat, lng) * 1.25
        off = ~np.eye(len(lat), dtype=bool)
        assert np.abs(road[off] / world.distance_km[off] - 1).max() < 0.01, world.name


def test_the_command_exports_and_refuses_bad_input(tmp_path, capsys):
    out = tmp_path / "log"
    assert main(["--out", str(out), "scenario=smoke", "scenario.days=3", "progress=false"]) == 0
    printed = capsys.readouterr().out
    assert ORDERS in printed and str(out) in printed
    assert len(read_log(out).orders) > 0
    assert main(["--out", str(out), "scenario=smoke"]) == 2  # not empty: refused at once
    assert "not empty" in capsys.readouterr().err
    assert main(["--out", str(tmp_path / "x"), "scenario.days=abc"]) == 2
    assert "config error" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def readme_counts(readme: Path) -> dict[str, int]:
    """The `| file | rows |` table of a log's README."""
    rows = re.findall(r"^\| (\S+\.csv) \| ([\d,]+) \|$", readme.read_text(), flags=re.M)
    return {name: int(n.replace(",", "")) for name, n in rows}


def test_the_shipped_example_reads_and_has_the_counts_its_readme_states():
    stated = readme_counts(EXAMPLE / README)
    assert sorted(stated) == sorted(FILES)
    for name, n in stated.items():
        assert len(pd.read_csv(EXAMPLE / name, dtype=str, keep_default_na=False)) == n, name
    log = read_log(EXAMPLE)
    assert len(log.orders) == stated[ORDERS]
    assert "synthetic" in (EXAMPLE / README).read_text().lower()
    # small enough to ship, long enough to calibrate on (150 days: a fit period and a hold-out)
    assert sum(p.stat().st_size for p in EXAMPLE.iterdir()) < 3_000_000
