"""The typed root of the Hydra config (registered in the ConfigStore): a run is a scenario, a
strategy and a seed."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, DictConfig, ListConfig, OmegaConf

from scenarios.config import ScenarioConfig
from scenarios.ladder import register_resolvers
from sim.config_bounds import ConfigError, nonneg
from strategies.rules import RulesConfig


@dataclass
class StrategyConfig:
    """A bundle of policies, each a `_target_` entry instantiated by Hydra."""

    name: str = MISSING
    # conf/rules/: the operator's rules, checked here, once; the onboarding and governance
    # policies are handed their sections from here (mptwin.runner.policies.build_strategy)
    rules: RulesConfig = field(default_factory=RulesConfig)
    routing: Any = MISSING
    promise: Any = MISSING
    pricing: Any = MISSING
    exceptions: Any = MISSING
    onboarding: Any = MISSING
    governance: Any = MISSING
    uses_platform: bool = False  # pays scenario.money.platform_fee_per_order on every order
    # the team it pays is scenario.reviewers.headcount: a tuned arm's file sets it (conf/strategy/
    # *_tuned.yaml, a `_global_` package), after the scenario and before the command line
    tuned: Any = None  # where tuned parameters came from (mptwin-tune writes it); informative


@dataclass
class AppConfig:
    scenario: ScenarioConfig = MISSING
    strategy: StrategyConfig = MISSING
    seed: int = field(default=1, metadata=nonneg)
    progress: bool = True  # progress lines on long runs
    figures: bool = True  # write PNG figures
    # record every decision and why in decisions.parquet (`mptwin-explain`); only observes
    decisions: bool = False


def check_known_keys(node, path: str = "") -> None:
    """Reject keys a schema does not know. Hydra's `+key=value` opens a typed node to new keys;
    a misspelt `+scenario.demand.visits_per_dya=5` would otherwise be silently ignored."""
    if isinstance(node, DictConfig):
        schema = OmegaConf.get_type(node)
        known = {f.name for f in fields(schema)} if is_dataclass(schema) else None
        for key in node:
            where = f"{path}.{key}" if path else str(key)
            if known is not None and key not in known:
                raise ConfigError(
                    f"{where} is not a known key; {path or 'the config'} takes: {sorted(known)}"
                )
            check_known_keys(node._get_node(key), where)
    elif isinstance(node, ListConfig):
        for i in range(len(node)):
            check_known_keys(node._get_node(i), f"{path}[{i}]")


def register() -> None:
    """The schema Hydra checks configs against, and the resolvers a scenario may use."""
    ConfigStore.instance().store(name="mptwin_schema", node=AppConfig)
    register_resolvers()


__all__ = ["AppConfig", "ConfigError", "StrategyConfig", "check_known_keys", "register"]
