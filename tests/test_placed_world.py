"""Worlds placed by hand (or by calibration): listed region sites with their own distances,
warehouses in given regions, a demand trend and review parameters. Each key changes exactly
what it says, and a scenario without them is the world it always was (the golden back-test)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from omegaconf import OmegaConf

from mptwin.runner.compose import build_run, compose
from scenarios.synthetic import build_world
from sim.clock import Environment
from sim.config_bounds import ConfigError
from sim.processes.carry_parcel import review_score
from sim.processes.customer_arrivals import hourly_rates
from sim.state import State
from sim.streams import Streams
from sim.world_parts import ReviewSpec
from tests.helpers.runs import run_sim

SITES = (
    "scenario.regions.count=3",
    "scenario.regions.sites=[{name: A, x_km: 0, y_km: 0, weight: 3, local_km: 25},"
    "{name: B, x_km: 300, y_km: 400, weight: 1, local_km: 30},"
    "{name: C, x_km: 0, y_km: 1000, weight: 1}]",
)


def world_of(*overrides: str):
    cfg = OmegaConf.to_object(compose("scenario=smoke", *overrides)).scenario
    return build_world(cfg)


def test_listed_sites_give_names_weights_and_road_distances():
    w = world_of(*SITES, "scenario.regions.road_factor=1.2")
    assert w.region_names == ("A", "B", "C")
    np.testing.assert_allclose(w.region_weight, [0.6, 0.2, 0.2])
    assert w.distance_km[0, 1] == pytest.approx(1.2 * 500.0)  # a 3-4-5 triangle
    assert w.distance_km[1, 2] == pytest.approx(1.2 * math.hypot(300, 600))
    np.testing.assert_allclose(np.diag(w.distance_km), [25.0, 30.0, 40.0])  # C: the default
    np.testing.assert_allclose(w.distance_km, w.distance_km.T)


def test_warehouses_sit_in_the_listed_regions():
    w = world_of(*SITES, "scenario.warehouses.count=3", "scenario.warehouses.regions=[2,2,0]")
    assert [wh.region for wh in w.warehouses] == [2, 2, 0]


def test_demand_trend_grows_visits_by_its_log_rate_a_year():
    flat = world_of()
    grown = world_of("scenario.demand.trend_per_year=0.5")
    rates = []
    for world in (flat, grown):
        state = State.create(Environment(), world, *_strategy_and_streams())
        per_day = world.demand.visits_per_day
        rates.append(hourly_rates(state, 73, per_day).sum())
        assert hourly_rates(state, 73, per_day, trend=False).sum() == rates[0]  # new listings
    assert rates[1] / rates[0] == pytest.approx(math.exp(0.5 * 73 / 365.0))


def test_a_run_sees_the_trend_in_its_visits():
    daily = run_sim(
        "scenario=smoke", "scenario.demand.trend_per_year=3.0", "scenario.demand.promo_dates=[]"
    ).tables["daily"]
    first, last = daily["visits"].iloc[:14].sum(), daily["visits"].iloc[-14:].sum()
    gap = daily["day"].iloc[-14:].mean() - daily["day"].iloc[:14].mean()
    assert last / first == pytest.approx(math.exp(3.0 * gap / 365.0), rel=0.1)


def _strategy_and_streams():
    _, strategy = build_run(compose("scenario=smoke"))
    return strategy, Streams(1)


def test_review_parameters_set_the_stars():
    lenient = ReviewSpec(on_time_mean=4.0, late_drop=0.0, late_drop_per_day=0.0, sd=0.0)
    assert review_score(0.5, 0.0, lenient) == 4.0
    assert review_score(0.5, 10.0, lenient) == 4.0  # lateness costs nothing here
    harsh = ReviewSpec(on_time_mean=5.0, late_drop=1.0, late_drop_per_day=1.0, max_drop=2.5, sd=0.0)
    assert review_score(0.5, 0.5, harsh) == round(5.0 - 1.5)
    assert review_score(0.5, 30.0, harsh) == round(5.0 - 2.5)  # capped at max_drop
    assert review_score(0.3, 2.0) == review_score(0.3, 2.0, ReviewSpec())  # defaults as before


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ((*SITES[1:], "scenario.regions.count=4"), ("scenario.regions.count", "sites")),
        (("scenario.warehouses.regions=[0,1]",), ("scenario.warehouses.regions", "one per")),
        (
            ("scenario.warehouses.count=2", "scenario.warehouses.regions=[0,99]"),
            ("scenario.warehouses.regions", "unknown regions [99]"),
        ),
        (("scenario.reviews.on_time_mean=6",), ("scenario.reviews.on_time_mean",)),
        (("scenario.regions.road_factor=-1",), ("scenario.regions.road_factor",)),
    ],
)
def test_bad_placement_is_rejected_naming_the_key(overrides, words):
    with pytest.raises(ConfigError) as err:
        build_run(compose("scenario=smoke", *overrides))
    for word in words:
        assert word in str(err.value)


def test_a_regions_transit_factor_slows_only_its_parcels():
    """Region C's parcels take twice their contract's time (hidden truth); the others not."""
    slow = (
        SITES[0],
        SITES[1].replace(
            "{name: C, x_km: 0, y_km: 1000, weight: 1}",
            "{name: C, x_km: 0, y_km: 1000, weight: 1, transit_factor: 2}",
        ),
    )
    ratios = []
    for sites in (SITES, slow):
        s = run_sim("scenario=smoke", *sites).tables["shipments"].dropna(subset=["delivered_h"])
        ratio = (s["delivered_h"] - s["handed_h"]) / s["nominal_transit_h"]
        ratios.append(ratio.groupby(s["dest_region"]).median())
    assert ratios[1][2] / ratios[0][2] == pytest.approx(2.0, rel=0.1)
    assert ratios[1][0] / ratios[0][0] == pytest.approx(1.0, rel=0.1)


def test_customers_cancel_at_their_rate_before_routing():
    """A tenth of the customers cancel before their order is routed (the visit's own luck, a
    stream drawn only where customers cancel): refunded, never given a warehouse."""
    orders = run_sim("scenario=smoke", "scenario.risk.customer_cancel_rate=0.1").tables["orders"]
    mine = orders["cancel_reason"] == "customer_cancelled"
    assert mine.mean() == pytest.approx(0.1, abs=0.02)
    assert (orders.loc[mine, "warehouse"] < 0).all()
    none = run_sim("scenario=smoke").tables["orders"]
    assert not (none["cancel_reason"] == "customer_cancelled").any()
