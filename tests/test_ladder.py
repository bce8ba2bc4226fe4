"""The scale ladder's scenarios (conf/scenario/ladder.yaml, scenarios/ladder.py): each point
composes, every size grows with the volume as its rule says and reaches both ends of the path,
a one-factor axis holds one size while the rest follow the volume, and the smallest point runs."""

from __future__ import annotations

import re

import pytest
from omegaconf import OmegaConf

from mptwin.runner.compose import build_run, compose
from sim.config_bounds import ConfigError
from tests.helpers.runs import run_sim

POINTS = (25, 60, 150, 400, 1000, 2500, 6000, 12000)  # orders a day, about x2.4 apart


def sizes(orders_per_day: float, *more: str) -> dict:
    cfg = compose("scenario=ladder", f"scenario.ladder.orders_per_day={orders_per_day}", *more)
    s = OmegaConf.to_container(cfg.scenario, resolve=True)
    return {
        "visits": s["demand"]["visits_per_day"],
        "skus": s["catalogue"]["skus"],
        "sellers": sum(p["count"] for p in s["sellers"]),
        "warehouses": s["warehouses"]["count"],
        "regions": s["regions"]["count"],
        "carriers": len(s["carriers"]),
        "capacity": sum(c["daily_capacity"] for c in s["carriers"]),
        "applications": s["applications"]["per_day"],
    }


@pytest.fixture(scope="module")
def ladder():
    return {v: sizes(v) for v in POINTS}


def test_every_size_grows_with_the_volume(ladder):
    for key in ladder[POINTS[0]]:
        series = [ladder[v][key] for v in POINTS]
        assert series == sorted(series) and series[-1] > series[0], f"{key}: {series}"
    assert all(ladder[v]["visits"] == pytest.approx(1.495 * v) for v in POINTS)  # linear


def test_the_path_runs_from_olist_size_to_growth_years_end(ladder):
    small, large = ladder[POINTS[0]], ladder[POINTS[-1]]
    assert small["warehouses"] == 2 and small["carriers"] == 2 and 15 <= small["sellers"] <= 25
    assert large["warehouses"] == 50 and large["carriers"] == 8
    assert 650 <= large["sellers"] <= 750 and 180_000 <= large["skus"] <= 220_000
    # the carriers contracted carry the volume with room to spare at every point
    assert all(ladder[v]["capacity"] >= 1.5 * v for v in POINTS)


def test_a_one_factor_axis_holds_one_size_and_lets_the_volume_stay():
    held = sizes(1000, "scenario.ladder.fixed.warehouses=40")
    free = sizes(1000)
    assert held["warehouses"] == 40 and free["warehouses"] != 40
    assert {k: v for k, v in held.items() if k != "warehouses"} == {
        k: v for k, v in free.items() if k != "warehouses"
    }


def test_each_point_builds_a_world_with_its_sizes():
    world, _ = build_run(compose("scenario=ladder", "scenario.ladder.orders_per_day=2500"))
    expect = sizes(2500)
    assert len(world.carriers) == expect["carriers"]
    assert len(world.warehouses) == expect["warehouses"]


def test_the_smallest_point_runs_and_sells_about_its_volume():
    days = 20
    result = run_sim(
        "scenario=ladder",
        f"scenario.ladder.orders_per_day={POINTS[0]}",
        f"scenario.days={days}",
        "scenario.cooldown_days=5",
        "seed=1",
    )
    orders = result.tables["orders"]
    per_day = len(orders) / (days + 7 + 5)  # warm-up, window and cool-down all take orders
    assert 0.5 * POINTS[0] < per_day < 2.0 * POINTS[0], per_day


@pytest.mark.parametrize(
    ("override", "said"),
    [
        ("scenario.ladder.orders_per_day=0", "scenario.ladder.orders_per_day must be a number > 0"),
        (
            "scenario.ladder.orders_per_day=nan",
            "scenario.ladder.orders_per_day must be a number > 0",
        ),
        (
            "scenario.ladder.grow.sellers.exponent=abc",
            "scenario.ladder.grow.sellers needs a numeric",
        ),
        ("scenario.ladder.fixed.carriers=12", "the point has 12 carriers; its carrier_menu has 8"),
    ],
)
def test_a_bad_ladder_setting_is_a_config_error_naming_it(override, said):
    with pytest.raises(ConfigError, match=re.escape(said)):
        build_run(compose("scenario=ladder", override))
