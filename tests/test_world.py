"""The synthetic world generator: deterministic for a `world_seed`, different for another, the
baseline at its documented size; and a smoke run whose headline rates are plausible."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from omegaconf import OmegaConf

from mptwin.results.measure.metrics import compute_kpis
from mptwin.runner.compose import compose
from scenarios.synthetic import build_world
from sim.world import World


def scenario_config(*overrides: str):
    """The typed scenario config `mptwin` would build its world from."""
    return OmegaConf.to_object(compose(*overrides)).scenario


def assert_worlds_equal(a: World, b: World) -> None:
    for f in dataclasses.fields(World):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype, f.name
            np.testing.assert_array_equal(x, y, err_msg=f.name)
        else:
            assert x == y, f.name


def differing_arrays(a: World, b: World) -> list[str]:
    return [
        f.name
        for f in dataclasses.fields(World)
        if isinstance(getattr(a, f.name), np.ndarray)
        and not np.array_equal(getattr(a, f.name), getattr(b, f.name))
    ]


@pytest.fixture(scope="module")
def smoke_world() -> World:
    return build_world(scenario_config("scenario=smoke"))


def test_generator_is_deterministic(smoke_world):
    again = build_world(scenario_config("scenario=smoke"))
    assert_worlds_equal(smoke_world, again)
    arrays = [
        f.name for f in dataclasses.fields(World) if isinstance(getattr(again, f.name), np.ndarray)
    ]
    assert len(arrays) >= 10, arrays  # the comparison did look at the generated arrays


def test_world_seed_changes_the_world(smoke_world):
    cfg = scenario_config("scenario=smoke")
    other = build_world(
        scenario_config("scenario=smoke", f"scenario.world_seed={cfg.world_seed + 1}")
    )
    changed = differing_arrays(smoke_world, other)
    for name in ("distance_km", "sku_cost", "sku_popularity"):
        assert name in changed, f"{name} did not change with the world seed"
    assert not np.array_equal(smoke_world.competitor_feed.matrix(), other.competitor_feed.matrix())


def test_run_seed_does_not_change_the_world():
    """The world is the scenario's; the replication seed only drives the run."""
    a = build_world(scenario_config("scenario=smoke", "seed=1"))
    b = build_world(scenario_config("scenario=smoke", "seed=2"))
    assert_worlds_equal(a, b)


def test_smoke_world_is_consistent(smoke_world):
    w = smoke_world
    n_skus, n_offers = len(w.sku_popularity), w.n_offers
    assert w.distance_km.shape == (len(w.region_names),) * 2
    assert np.isclose(w.region_weight.sum(), 1.0) and np.isclose(w.sku_popularity.sum(), 1.0)
    assert w.sku_cost.shape == (n_skus,) and (w.sku_cost > 0).all()
    assert ((w.offer_sku >= 0) & (w.offer_sku < n_skus)).all()
    assert ((w.offer_seller >= 0) & (w.offer_seller < len(w.sellers))).all()
    assert w.offer_price.shape == (n_offers,) and (w.offer_price > 0).all()
    assert w.stock_initial.shape == (n_offers, w.n_warehouses) and (w.stock_initial >= 0).all()
    assert w.reorder_point.shape == w.order_qty.shape == w.stock_initial.shape
    feed = w.competitor_feed.matrix()
    assert feed.shape[1] == n_skus and (feed > 0).all()
    assert feed.shape[0] * 24.0 >= w.end_h
    assert 0.0 <= w.warmup_h < w.window_end_h < w.end_h
    assert all(0 <= s.home_warehouse < w.n_warehouses for s in w.sellers)
    assert all(0 <= s.carrier < len(w.carriers) for s in w.sellers)
    assert all(0 <= wh.region < len(w.region_names) for wh in w.warehouses)


def test_baseline_world_has_its_documented_size():
    w = build_world(scenario_config("scenario=baseline"))
    assert w.name == "baseline"
    assert w.first_new_seller == 50  # founding sellers; applicants' slots come after them
    assert w.first_new_sku == 5000
    assert (
        len(w.sku_popularity) == len(w.sku_cost) == w.first_new_sku + w.n_offers - w.first_new_offer
    )
    assert w.sku_popularity[w.first_new_sku :].sum() == 0  # applicants' SKUs: their own demand
    assert w.n_warehouses == 10
    assert len(w.carriers) == 4
    assert w.window_end_h - w.warmup_h == 90 * 24
    assert w.warmup_h > 0 and w.end_h > w.window_end_h  # a warm-up and a cool-down


def test_smoke_run_headline_rates_are_plausible(smoke_result):
    kpis = compute_kpis(smoke_result.tables, smoke_result.info)
    assert kpis["orders"] > 0
    assert 0.3 <= kpis["conversion_rate"] <= 0.95, kpis["conversion_rate"]
    assert 0.5 <= kpis["on_time_rate"] <= 1.0, kpis["on_time_rate"]
