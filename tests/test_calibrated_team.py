"""A calibrated scenario's reviewer team follows the fitted volume, and what is fitted and what
is the template's is said where people look (issue 22): in the scenario's YAML and its sidecar,
on mptwin-calibrate's screen, and in one line of a calibrated run's summary.

The pilot runs that set visits per day are replaced by a fixed conversion (`no_pilot`): they set
the demand level, not the team, and would cost seconds a calibration."""

from __future__ import annotations

import json
import math
import shutil
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import yaml

from mptwin.calibration import cli, pilot
from mptwin.calibration import scenario as calibration
from mptwin.calibration.log import read_log
from mptwin.calibration.scenario import calibrate, size_team
from mptwin.calibration.scenario_file import write_calibration
from mptwin.runner.compose import CONF_DIR, compose
from mptwin.runner.job import run_job
from mptwin.runner.provenance import calibrated_note
from tests.helpers.commands import EXAMPLE
from tests.helpers.runs import run_sim

TEMPLATE_TEAM = 14  # conf/scenario/baseline.yaml's reviewers.headcount
TEMPLATE_ORDERS_PER_DAY = calibration.TEMPLATE_ORDERS_PER_DAY
TEMPLATE_PARTS = calibration.TEMPLATE_PARTS


def fixed_pilot(scenario, visits_per_day, pilot_days, observed):
    """A pilot run's answer without the run: conversion 0.6, each region its target share, no
    cancellations from the twin's own mechanisms."""
    sites = scenario["regions"]["sites"]
    return 0.6, np.array([s["weight"] for s in sites]), 0.0


@pytest.fixture(scope="module")
def example():
    """The shipped synthetic log (about 39 orders a day), calibrated without pilot runs."""
    log = read_log(EXAMPLE)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pilot, "_pilot", fixed_pilot)
        return log, calibrate(log, "mine")


def copies(log, k: int):
    """The log with every order bought k times (new order ids): k times its volume, the same
    days, products and sellers."""
    orders = pd.concat(
        [log.orders.assign(order_id=log.orders["order_id"] + f"-{i}") for i in range(k)],
        ignore_index=True,
    )
    items = pd.concat(
        [log.items.assign(order_id=log.items["order_id"] + f"-{i}") for i in range(k)],
        ignore_index=True,
    )
    return replace(log, orders=orders, items=items)


# --- the team follows the volume --------------------------------------------------------------


def test_the_team_scales_the_templates_and_rounds_up_to_whole_people():
    assert size_team(TEMPLATE_ORDERS_PER_DAY, TEMPLATE_TEAM)[0] == TEMPLATE_TEAM
    assert size_team(TEMPLATE_ORDERS_PER_DAY + 1, TEMPLATE_TEAM)[0] == TEMPLATE_TEAM + 1
    assert size_team(4 * TEMPLATE_ORDERS_PER_DAY, TEMPLATE_TEAM)[0] == 4 * TEMPLATE_TEAM
    assert size_team(0.0, TEMPLATE_TEAM)[0] == 1  # at least one person
    team, how = size_team(38.66, TEMPLATE_TEAM)
    assert team == 1
    assert how == (
        "sized to the fitted volume: the template's 14 x 38.7 / 1,070 orders a day "
        "= 0.51, rounded up to at least 1"
    )


def test_a_small_log_gets_a_small_team_and_a_bigger_volume_a_bigger_one(example, monkeypatch):
    log, small = example
    monkeypatch.setattr(pilot, "_pilot", fixed_pilot)
    big = calibrate(copies(log, 20), "big")
    volume = small.sidecar["targets"]["orders_per_day"]
    assert small.scenario["reviewers"]["headcount"] == 1
    assert big.sidecar["targets"]["orders_per_day"] == pytest.approx(20 * volume, rel=0.01)
    bigger = big.sidecar["targets"]["orders_per_day"]  # no trend in this log: the run's volume
    expected = math.ceil(TEMPLATE_TEAM * bigger / TEMPLATE_ORDERS_PER_DAY)
    assert big.scenario["reviewers"]["headcount"] == expected > 1


# --- said where people look -------------------------------------------------------------------


def test_the_yaml_and_the_sidecar_say_how_the_team_was_sized(example, tmp_path):
    _, cal = example
    path, sidecar = write_calibration(cal, tmp_path / "mine.yaml")
    lines = path.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("headcount:"))
    comment = " ".join(line.strip("# ") for line in lines[at - 2 : at])
    assert "sized to the fitted volume: the template's 14 x 38.7 / 1,070 orders a day" in comment
    data = yaml.safe_load(path.read_text())
    assert data["reviewers"]["headcount"] == 1
    made = data["calibrated"]
    assert made["sidecar"] == sidecar.name and made["template"] == list(TEMPLATE_PARTS.values())
    record = json.loads(sidecar.read_text())
    team = record["parameters"]["reviewers.headcount"]
    assert team["estimate"] == 1 and team["source"] == made["reviewers"]
    assert record["template"] == {
        "file": "conf/scenario/baseline.yaml",
        "reviewers.headcount": 14,
        "orders_per_day": TEMPLATE_ORDERS_PER_DAY,
    }
    assert "sized to the fitted volume" in record["not_identified"]["reviewers"]


def test_the_short_template_parts_are_the_sidecars_not_identified_parts():
    assert TEMPLATE_PARTS.keys() == calibration.NOT_IDENTIFIED.keys()


def test_calibrate_says_what_was_fitted_and_what_is_the_templates(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(pilot, "_pilot", fixed_pilot)
    assert cli.main([str(EXAMPLE), "--out", str(tmp_path / "mine.yaml")]) == 0
    out = capsys.readouterr().out
    fitted = next(line for line in out.splitlines() if line.startswith("fitted to the log:"))
    assert "38.7 orders a day" in fitted and "sellers and their handling" in fitted
    template = next(line for line in out.splitlines() if line.startswith("the template's"))
    assert all(part in template for part in TEMPLATE_PARTS.values())
    assert "reviewer team: 1, sized to the fitted volume" in out


@pytest.fixture
def calibrated_conf(example, tmp_path, monkeypatch):
    """A conf/ copy holding the example's calibrated scenario `mine` (a week, no cool-down) and its
    sidecar; returns the scenario as a dict."""
    conf = tmp_path / "conf"
    shutil.copytree(CONF_DIR, conf, ignore=shutil.ignore_patterns("*.calibration.json"))
    monkeypatch.setattr("mptwin.runner.compose.CONF_DIR", conf)  # every composition reads it
    _, cal = example
    short = {**cal.scenario, "days": 7, "warmup_days": 2, "cooldown_days": 0}
    write_calibration(replace(cal, scenario=short), conf / "scenario" / "mine.yaml")
    return yaml.safe_load((conf / "scenario" / "mine.yaml").read_text())


def test_a_calibrated_run_says_so_in_its_summary(calibrated_conf, tmp_path, capsys):
    # composed from the file, as `mptwin scenario=mine` would
    cfg = compose("scenario=mine", "progress=false", "figures=false")
    run_job(cfg, tmp_path / "run")
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("Calibrated scenario"))
    assert line.startswith("Calibrated scenario mine: fitted to an order log by mptwin-calibrate")
    assert all(part in line for part in TEMPLATE_PARTS.values())
    assert "1 reviewer (sized to the fitted volume)" in line
    assert line.endswith("Sources: conf/scenario/mine.calibration.json")


def test_the_summary_names_the_team_an_arm_brings_instead(calibrated_conf):
    line = calibrated_note(calibrated_conf, 4)
    assert (
        "4 reviewers (not the 1 sized to the fitted volume: a tuned arm's team, or set by hand)"
        in line
    )


def test_a_tuned_arms_team_wins_over_the_calibrated_files_and_an_override_over_both(
    calibrated_conf,
):
    """The team's one key, scenario.reviewers.headcount: the calibrated file sizes it, a tuned
    arm's file sets it after the scenario's, the command line after both."""
    assert calibrated_conf["reviewers"]["headcount"] == 1
    tuned = compose("scenario=mine", "strategy=automation_tuned")
    assert tuned.scenario.reviewers.headcount == 4  # conf/strategy/automation_tuned.yaml
    plain = compose("scenario=mine", "strategy=automation")
    assert plain.scenario.reviewers.headcount == 1
    cfg = compose("scenario=mine", "strategy=automation_tuned", "scenario.reviewers.headcount=6")
    assert cfg.scenario.reviewers.headcount == 6


def test_a_template_run_says_nothing_of_calibration(tmp_path, capsys):
    cfg = compose(
        "scenario=baseline",
        "scenario.days=2",
        "scenario.cooldown_days=0",
        "scenario.demand.visits_per_day=100",
        "progress=false",
        "figures=false",
    )
    assert cfg.scenario.calibrated is None
    run_job(cfg, tmp_path / "run")
    out = capsys.readouterr().out
    assert "Results in" in out and "alibrated" not in out


@pytest.mark.slow
def test_the_templates_volume_is_still_what_its_team_was_sized_for():
    """TEMPLATE_ORDERS_PER_DAY is measured: baseline's orders per ordinary day (peaks left out)
    under automation, over its measured days. A change to the template's demand moves it."""
    result = run_sim("scenario=baseline", "strategy=automation", "seed=1", "progress=false")
    daily = result.tables["daily"]
    cfg = compose("scenario=baseline")
    measured = daily["day"].between(
        cfg.scenario.warmup_days, cfg.scenario.warmup_days + cfg.scenario.days - 1
    )
    ordinary = daily.loc[measured & ~daily["promo"].astype(bool), "orders"].mean()
    assert ordinary == pytest.approx(TEMPLATE_ORDERS_PER_DAY, rel=0.03)
