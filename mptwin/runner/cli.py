"""The `mptwin` command: Hydra composes the config (its entry point, for sweeps, launchers and run
folders, on the folder, config name and schema of `mptwin.runner.compose`), `run_job` does the work."""

from __future__ import annotations

import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from mptwin.runner.compose import CONF_DIR, CONFIG_NAME, VERSION_BASE
from mptwin.runner.config import register
from mptwin.runner.job import run_job
from sim.config_bounds import ConfigError
from strategies.remote.client import DecisionServiceError

register()


@hydra.main(version_base=VERSION_BASE, config_path=str(CONF_DIR), config_name=CONFIG_NAME)
def _app(cfg: DictConfig) -> None:
    try:
        run_job(cfg, Path(HydraConfig.get().runtime.output_dir))
    except ConfigError as e:
        print(f"mptwin: config error: {e}", file=sys.stderr)
        if HydraConfig.get().mode == RunMode.MULTIRUN:
            raise  # this job fails; the sweep's other jobs still run
        sys.exit(2)
    except DecisionServiceError as e:  # required=true and the service left a decision undone
        print(f"mptwin: {e}", file=sys.stderr)
        if HydraConfig.get().mode == RunMode.MULTIRUN:
            raise
        sys.exit(3)


def main() -> None:
    _app()


if __name__ == "__main__":
    main()
