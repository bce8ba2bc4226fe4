"""Runs for tuning: compose a config as `mptwin` would, apply the trial's values, simulate, and
return the KPIs (and, for calibration, the promise overrun samples). Seeds run in parallel."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig, OmegaConf

from mptwin.analysis.metrics import compute_kpis
from mptwin.config import register
from mptwin.run import prepare, simulate
from mptwin.tuning.calibrate import overrun_samples

CONF_DIR = Path(__file__).resolve().parents[2] / "conf"


def compose_config(overrides: list[str], values: dict | None = None) -> DictConfig:
    """The config `mptwin <overrides>` would run, with `values` ({dotted key: value}) set on it."""
    register()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", overrides=list(overrides))
    for key, value in (values or {}).items():
        OmegaConf.update(cfg, key, value, merge=False)
    return cfg


def run_one(overrides: list[str], values: dict, samples: bool = False):
    """One run: (KPIs, overrun samples per contracted carrier or None)."""
    cfg = compose_config(overrides, values)
    world, strategy = prepare(cfg)
    result = simulate(world, strategy, int(cfg.seed))
    kpis = compute_kpis(result.tables, result.info)
    return kpis, (overrun_samples(result, world) if samples else None)


def run_seeds(base: list[str], values: dict, seeds: list[int], workers: int,
              samples: bool = False) -> list:  # fmt: skip
    """`run_one` for each seed, in `workers` processes; results in seed order."""
    jobs = [([*base, f"seed={s}"], values, samples) for s in seeds]
    if workers <= 1 or len(jobs) == 1:
        return [run_one(*j) for j in jobs]
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
        return list(pool.map(run_one, *zip(*jobs, strict=True)))


def mean_of(kpis: list[dict], key: str) -> float:
    values = [k[key] for k in kpis]
    if any(v is None for v in values):
        raise ValueError(f"{key} has no data in a tuning run: {values}")
    return float(np.mean(values))
