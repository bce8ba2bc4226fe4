"""The typed root of the Hydra config (registered in the ConfigStore): a run is a scenario, a
strategy and a seed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING

from scenarios.config import ScenarioConfig
from sim.validate import ConfigError, nonneg


@dataclass
class StrategyConfig:
    """A bundle of policies, each a `_target_` entry instantiated by Hydra."""

    name: str = MISSING
    routing: Any = MISSING
    promise: Any = MISSING
    pricing: Any = MISSING
    exceptions: Any = MISSING


@dataclass
class AppConfig:
    scenario: ScenarioConfig = MISSING
    strategy: StrategyConfig = MISSING
    seed: int = field(default=1, metadata=nonneg)
    progress: bool = True  # progress lines on long runs
    figures: bool = True  # write PNG figures


def register() -> None:
    ConfigStore.instance().store(name="mptwin_schema", node=AppConfig)


__all__ = ["AppConfig", "ConfigError", "StrategyConfig", "register"]
