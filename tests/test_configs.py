"""Every config file composes: each scenario with the default strategy, each strategy (and each
policy option) on the smoke scenario, each experiment. A YAML that no test runs cannot rot."""

from __future__ import annotations

import pytest

from mptwin.run import prepare
from tests.helpers.runs import CONF, compose_cfg


def names(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF / group).glob("*.yaml"))


@pytest.mark.parametrize("scenario", names("scenario"))
def test_every_scenario_composes_and_builds(scenario):
    world, strategy = prepare(compose_cfg(f"scenario={scenario}"))
    assert world.name == scenario and strategy.name == "automation"


@pytest.mark.parametrize("strategy", names("strategy"))
def test_every_strategy_composes_and_builds(strategy):
    _, built = prepare(compose_cfg("scenario=smoke", f"strategy={strategy}"))
    assert built.name.startswith(strategy.removesuffix("_tuned").removesuffix("_naive"))


@pytest.mark.parametrize("group", ["routing", "promise", "pricing", "exceptions", "onboarding"])
def test_every_policy_option_composes_and_builds(group):
    for option in names(f"strategy/{group}"):
        prepare(compose_cfg("scenario=smoke", f"strategy/{group}={option}"))


@pytest.mark.parametrize("rules", names("rules"))
def test_every_rules_file_composes_and_builds(rules):
    for strategy in ("automation", "orchestration"):
        _, built = prepare(
            compose_cfg("scenario=smoke", f"strategy={strategy}", f"rules@strategy.rules={rules}")
        )
        assert built.onboarding.rules.approve_below <= built.onboarding.rules.reject_above


@pytest.mark.parametrize("experiment", names("experiment"))
def test_every_experiment_composes(experiment):
    cfg = compose_cfg(f"experiment={experiment}")
    assert cfg.scenario.name and cfg.strategy.name
