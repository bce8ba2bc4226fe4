"""Compose configs with Hydra's compose API, as `mptwin` would, and run small scenarios."""

from __future__ import annotations

from pathlib import Path

from hydra import compose, initialize_config_dir

from mptwin.config import register
from mptwin.run import prepare, simulate

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "conf"
OLIST = ROOT.parent / "shared" / "data" / "olist-sample"

register()

# the smoke world with a seller network busy enough to exercise every mechanism: applications,
# bad actors among them (late, never-shipped and counterfeit orders, fraud waves), governance
NETWORK = (
    "scenario.applications.per_day=3",
    "scenario.applications.bad_share=0.3",
    "scenario.applications.visits_per_listing_day=0.05",
    "scenario.applications.wave_share=1",
    "scenario.catalogue.new_listings_per_day=2",
)


def compose_cfg(*overrides: str):
    """The config `mptwin` would run with these command-line overrides."""
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose("config", overrides=list(overrides))


def run_sim(*overrides: str):
    """Compose, build and simulate; returns the RunResult (tables + info)."""
    cfg = compose_cfg(*overrides)
    world, strategy = prepare(cfg)
    return simulate(world, strategy, int(cfg.seed))
