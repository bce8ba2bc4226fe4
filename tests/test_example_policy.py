"""The README's "Write your own policy" example is the policy that ships, and it runs: the code
block in the README is the class in strategies/nearest_warehouse.py, registered as
`strategy/routing=nearest_warehouse`, and, since it reads live stock, it sends far fewer orders
to a stockout than static home-warehouse routing on the same seed."""

from __future__ import annotations

import re

from mptwin.runner.compose import build_run, compose
from mptwin.runner.job import simulate
from strategies.nearest_warehouse import NearestWarehouseRouting
from tests.helpers.runs import ROOT


def readme_policy_block() -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Write your own policy", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```python\n(.*?)^```", section, flags=re.M | re.S)
    assert blocks, "the README's policy section has no python block"
    return blocks[0]


def test_the_readme_shows_the_policy_that_ships():
    source = (ROOT / "strategies" / "nearest_warehouse.py").read_text()
    assert readme_policy_block() in source


def stockouts_and_shipped(*overrides: str) -> tuple[int, float]:
    cfg = compose("scenario=smoke", *overrides)
    world, strategy = build_run(cfg)
    tables = simulate(world, strategy, int(cfg.seed)).tables
    exc, orders = tables["exceptions"], tables["orders"]
    return int((exc["type"] == "stockout_at_routing").sum()), orders["handed_h"].notna().mean()


def test_the_example_policy_runs_and_avoids_stockouts():
    cfg = compose("scenario=smoke", "strategy/routing=nearest_warehouse")
    assert isinstance(build_run(cfg)[1].routing, NearestWarehouseRouting)
    static_stockouts, _ = stockouts_and_shipped("strategy/routing=static")
    nearest_stockouts, shipped = stockouts_and_shipped("strategy/routing=nearest_warehouse")
    assert shipped > 0.8, f"only {shipped:.0%} of orders shipped"
    assert nearest_stockouts < 0.2 * static_stockouts, (nearest_stockouts, static_stockouts)
