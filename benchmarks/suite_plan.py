"""The benchmark suite's plans: which cases each section runs, full and --quick
(`benchmarks/suite.py` runs them)."""

from __future__ import annotations

from dataclasses import dataclass

from omegaconf import OmegaConf

from mptwin.runner.compose import CONF_DIR

STRATEGIES = ("automation", "orchestration")
ROUTING_TIME_LIMIT_S = 1.0  # as conf/strategy/routing/optimised.yaml


@dataclass(frozen=True)
class Plan:
    """What the suite runs: scenario cases, the scaling base and factors, routing batch sizes."""

    scenarios: list[tuple[str, dict]]  # (label, overrides)
    scaling_base: dict  # overrides of the scaling base
    scaling_factors: dict[str, list[tuple[int, dict]]]  # factor -> [(value, overrides)], base first
    routing_sizes: list[int]
    mmc_customers: int  # customers in each child's bare M/M/c


def seller_profiles(scenario: str) -> list[dict]:
    """The founding seller profiles a scenario file lists (baseline and smoke list their own)."""
    return OmegaConf.to_container(
        OmegaConf.load(CONF_DIR / "scenario" / f"{scenario}.yaml").sellers
    )


def sellers_override(profiles: list[dict], times: int) -> str:
    """A Hydra value for scenario.sellers: the same profiles, each count multiplied."""
    items = []
    for p in profiles:
        fields = {**p, "count": p["count"] * times}
        items.append("{" + ", ".join(f"{k}: {v}" for k, v in fields.items()) + "}")
    return "[" + ", ".join(items) + "]"


def scaling_plan(scenario: str, skus: list[int], seller_times: list[int], days: list[int]):
    """The base (first value of each factor, no seller applications or new listings) and the
    factors, each value with the overrides that change the base."""
    profiles = seller_profiles(scenario)
    founding = sum(p["count"] for p in profiles)
    base = {
        "scenario": scenario,
        "scenario.applications.per_day": 0,
        "scenario.catalogue.new_listings_per_day": 0,
        "scenario.catalogue.skus": skus[0],
        "scenario.days": days[0],
    }
    factors = {
        "skus": [(n, {"scenario.catalogue.skus": n}) for n in skus],
        "sellers": [
            (founding * t, {"scenario.sellers": sellers_override(profiles, t)} if t != 1 else {})
            for t in seller_times
        ],
        "days": [(d, {"scenario.days": d}) for d in days],
    }
    return base, factors


def full_plan(year_days: int | None) -> Plan:
    year = {"scenario": "growth_year"}
    if year_days is not None:
        year["scenario.days"] = year_days
    base, factors = scaling_plan("baseline", [5_000, 50_000, 200_000], [1, 14], [90, 365])
    return Plan(
        scenarios=[("baseline", {"scenario": "baseline"}), ("growth_year", year)],
        scaling_base=base,
        scaling_factors=factors,
        routing_sizes=[10, 100, 1000],
        mmc_customers=200_000,
    )


def quick_plan() -> Plan:
    base, factors = scaling_plan("smoke", [300, 3_000], [1, 4], [14, 28])
    return Plan(
        scenarios=[("smoke", {"scenario": "smoke"})],
        scaling_base=base,
        scaling_factors=factors,
        routing_sizes=[10, 100],
        mmc_customers=50_000,
    )
