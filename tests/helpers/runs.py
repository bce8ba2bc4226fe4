"""Run small scenarios as `mptwin` would: composed and built by `mptwin.runner.compose`."""

from __future__ import annotations

from pathlib import Path

from mptwin.runner.compose import CONF_DIR, build_run, compose
from mptwin.runner.job import simulate

ROOT = Path(__file__).resolve().parents[2]
CONF = CONF_DIR  # conf/: its files, listed by the tests that run each one
OLIST = ROOT.parent / "shared" / "data" / "olist-sample"

# the smoke world with a seller network busy enough to exercise every mechanism: applications,
# bad actors among them (late, never-shipped and counterfeit orders, fraud waves), governance
NETWORK = (
    "scenario.applications.per_day=3",
    "scenario.applications.bad_share=0.3",
    "scenario.applications.visits_per_listing_day=0.05",
    "scenario.applications.wave_share=1",
    "scenario.catalogue.new_listings_per_day=2",
)


def run_sim(*overrides: str):
    """Compose, build and simulate; returns the RunResult (tables + info)."""
    cfg = compose(*overrides)
    world, strategy = build_run(cfg)
    return simulate(world, strategy, int(cfg.seed))
