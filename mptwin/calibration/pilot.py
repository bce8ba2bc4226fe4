"""Demand matching by pilot runs: short runs of the twin under the observed operation that set a
calibrated scenario's visits per day, each region's share of visits and the customers' own
cancellation rate (`mptwin.calibration.scenario` calls it), and the config a scenario not yet
written composes to."""

from __future__ import annotations

import copy

import numpy as np
from omegaconf import OmegaConf, open_dict

import mptwin.runner.compose as composition

PILOT_ORDERS = 15_000  # orders a pilot run aims at: enough for every region's share


def _match_demand(
    scenario: dict,
    orders_per_day: float,
    cancel_rate: float,
    observed: list[str],
    pilot_days: int,
    rounds: int = 2,
) -> None:
    """Visits per day and each region's share of visits such that the twin's orders per day and
    orders by region come out as the log's. Far customers see later promises and buy less
    often, so a region's share of orders is not its share of visits: a pilot run under the
    observed operation measures conversion overall and by region, and the visit shares are
    corrected by target / simulated (twice). Volume is the pilot's, scaled back at the end
    (stock and capacity follow volume, so conversion does not depend on it). Customers'
    own cancellations make up what the twin's mechanisms (stock-outs, fraud, sellers who never
    ship) leave short of the log's cancellation rate."""
    sites = scenario["regions"]["sites"]
    target = np.array([site["weight"] for site in sites])
    weight = target.copy()
    conversion = 0.6
    risk = scenario["risk"]
    risk["customer_cancel_rate"] = 0.0
    for _ in range(rounds):
        for site, w in zip(sites, weight, strict=True):
            site["weight"] = round(float(w), 6)
        visits = PILOT_ORDERS / (pilot_days * conversion)
        conversion, shares, cancelled = _pilot(scenario, visits, pilot_days, observed)
        rate = risk["customer_cancel_rate"] + cancel_rate - cancelled
        risk["customer_cancel_rate"] = round(min(max(rate, 0.0), 1.0), 5)
        weight = weight * target / np.maximum(shares, 1e-4)
        weight = weight / weight.sum()
    for site, w in zip(sites, weight, strict=True):
        site["weight"] = round(float(w), 6)
    scenario["demand"]["visits_per_day"] = round(orders_per_day / max(conversion, 1e-3), 2)


def _pilot(scenario: dict, visits_per_day: float, pilot_days: int, observed: list[str]):
    """Conversion (orders / visits) and each region's share of orders, measured by a short
    run of the world at `visits_per_day` with no trend and no peaks."""
    from mptwin.runner.job import simulate  # the pilot needs the whole twin

    pilot = copy.deepcopy(scenario)
    pilot.update(days=pilot_days, cooldown_days=0, warmup_days=7)
    pilot["demand"].update(visits_per_day=visits_per_day, trend_per_year=0.0, promo_dates=[])
    world, strategy = composition.build_run(compose_with(pilot, *observed, "progress=false"))
    tables = simulate(world, strategy, 1).tables
    daily, orders = tables["daily"], tables["orders"]
    window = daily[daily["day"] >= pilot["warmup_days"]]
    conversion = float(window["orders"].sum()) / max(float(window["visits"].sum()), 1.0)
    placed = orders[orders["placed_h"] >= 24.0 * pilot["warmup_days"]]
    counts = np.bincount(placed["region"].to_numpy(), minlength=len(world.region_names))
    cancelled = float((placed["status"] == "cancelled").mean()) if len(placed) else 0.0
    return conversion, counts / max(counts.sum(), 1), cancelled


def compose_with(scenario: dict, *overrides: str):
    """The config `mptwin <overrides>` would run with `scenario` in place of a file's (a
    calibration not written yet; checked as a file would be by `mptwin.runner.compose.build_run`)."""
    from scenarios.config import ScenarioConfig

    cfg = composition.compose("scenario=baseline", *overrides)
    with open_dict(cfg):
        cfg.scenario = OmegaConf.merge(OmegaConf.structured(ScenarioConfig), scenario)
    return cfg
