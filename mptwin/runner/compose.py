"""How a run is composed, in one place: the config `mptwin <overrides>` would run (`compose`) and
the world and strategy it runs (`build_run`). The tuning, the gate, calibration, the decision
service, `mptwin-export-log`, the benchmarks, the notebooks and the tests all go through these
two; the `mptwin` command is Hydra's entry point (`hydra.main`, for its sweeps, launchers and
run folders) on the same folder, config name and schema (`CONF_DIR`, `CONFIG_NAME`, `register`)
and then calls `build_run` too (`mptwin.runner.job.run_job`). `tests/test_configs.py` checks that no
other module composes with Hydra's API.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import InterpolationResolutionError

from mptwin.runner.config import check_known_keys, register
from mptwin.runner.policies import build_strategy
from sim.config_bounds import ConfigError, check_config

if TYPE_CHECKING:
    from sim.decisions import Strategy
    from sim.world import World

# The project's conf/ folder, by absolute path: Hydra then searches the file system, not a Python
# package, whether mptwin is run from the repo or from another folder. Read when composing, so a
# test may point it at a copy of conf/ (monkeypatch `mptwin.runner.compose.CONF_DIR`).
CONF_DIR = Path(__file__).resolve().parents[2] / "conf"
CONFIG_NAME = "config"  # conf/config.yaml: the defaults list and the run's own keys
VERSION_BASE = "1.3"


def compose(*overrides: str, hydra: bool = False) -> DictConfig:
    """The config `mptwin <overrides>` would run. With `hydra`, Hydra's own config comes too
    (`cfg.hydra`: launcher, sweep folder, help), as `mptwin --cfg hydra` shows it. More config
    folders are an override, as on the command line: `hydra.searchpath=[file:///some/conf]`.

    Hydra's global state is set up for this call only (`initialize_config_dir` as a context) and
    cleared after it, so composing twice, or from a test, leaves nothing behind."""
    register()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base=VERSION_BASE):
        return hydra_compose(CONFIG_NAME, overrides=list(overrides), return_hydra_config=hydra)


def build_run(cfg: DictConfig) -> tuple[World, Strategy]:
    """The world and the strategy a composed config runs, after everything that can fail on bad
    input and before any simulation: unknown keys, every value and rule of the scenario and of
    the strategy's rules file (checked once, here, by one walk), then each policy of the
    strategy, those that apply rules handed their section of `strategy.rules`."""
    from scenarios.synthetic import build_world  # the world generator: only to build a run

    check_known_keys(cfg)
    try:
        app = OmegaConf.to_object(cfg)
    except InterpolationResolutionError as e:  # a resolver refused (a ladder rule, say)
        said = str(e.msg).split("\n")[0].split("while resolving interpolation: ")[-1]
        raise ConfigError(f"{said} (resolving {e.full_key})") from None
    check_config(app, "")
    world = build_world(app.scenario)
    world = apply_commission(world, app.strategy.rules.commission)
    strategy = build_strategy(cfg.strategy, app.strategy.rules)
    return world, strategy


def apply_commission(world: World, rules) -> World:
    """The rules file's commission table and promotional cut, on the scenario's categories."""
    rules.check_categories("strategy.rules.commission", list(world.category_names))
    rates = world.commission_rate.copy()
    for name, rate in rules.rates.items():
        rates[world.category_names.index(name)] = rate
    return replace(world, commission_rate=rates, promo_commission_cut=rules.promo_cut)


__all__ = ["CONFIG_NAME", "CONF_DIR", "VERSION_BASE", "apply_commission", "build_run", "compose"]
