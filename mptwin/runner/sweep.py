"""A job's results on disk: whether a job is already complete (so a re-run sweep skips it), and
writing its files so that a failed or killed job never leaves a result that looks complete.

A job's folder is complete when it holds `kpis.json`. Every file of a job is first written into
`<job folder>/.staging/`, then moved into the job folder by renames (atomic on one file system),
`kpis.json` last. A job that dies part-way leaves at most a `.staging/` folder or files without
`kpis.json`, which nothing reads and the next start of the same job clears.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml
from omegaconf import DictConfig, OmegaConf

from mptwin.results.job_folder import CONFIG, DONE, STAGING

# Keys that change how a job talks, not what it computes: a change in them is no reason to rerun.
COSMETIC_KEYS = ("progress",)


def comparable(config: dict) -> dict:
    """A resolved config as a plain dict without the cosmetic keys."""
    return {k: v for k, v in config.items() if k not in COSMETIC_KEYS}


def resolved(cfg: DictConfig) -> dict:
    """The job's resolved config exactly as `config.yaml` will read back."""
    text = OmegaConf.to_yaml(cfg, resolve=True)
    return comparable(OmegaConf.to_container(OmegaConf.create(text)))


def saved_config(job_dir: Path) -> dict | None:
    """The resolved config a job folder was written with, or None if unreadable or absent."""
    try:
        config = OmegaConf.to_container(OmegaConf.load(job_dir / CONFIG))
    except (OSError, ValueError, yaml.YAMLError):
        return None
    return comparable(config) if isinstance(config, dict) else None


def completed_kpis(cfg: DictConfig, job_dir: Path) -> dict | None:
    """The KPIs of a complete job in `job_dir` run with this resolved config, else None."""
    job_dir = Path(job_dir)
    if not (job_dir / DONE).is_file():
        return None
    saved = saved_config(job_dir)
    if saved is None or saved != resolved(cfg):
        return None
    try:
        return json.loads((job_dir / DONE).read_text())
    except (OSError, ValueError):
        return None


def invalidate(job_dir: Path) -> None:
    """Before a job (re)writes a folder: drop its completion mark and any stale staging, so a
    run that dies part-way never sits beside an older `kpis.json`."""
    job_dir = Path(job_dir)
    (job_dir / DONE).unlink(missing_ok=True)
    shutil.rmtree(job_dir / STAGING, ignore_errors=True)


def commit(stage: Path, job_dir: Path) -> None:
    """Move every staged file into the job folder, `kpis.json` last."""
    if not (stage / DONE).is_file():
        raise RuntimeError(f"{stage} has no {DONE}: refusing to mark the job complete")
    for item in sorted(stage.iterdir()):
        if item.name == DONE:
            continue
        target = job_dir / item.name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        item.replace(target)
    (stage / DONE).replace(job_dir / DONE)
    stage.rmdir()


@contextmanager
def staged(job_dir: Path) -> Iterator[Path]:
    """A fresh staging folder to write a job's files into; committed when the block succeeds,
    removed when it raises."""
    job_dir = Path(job_dir)
    job_dir.mkdir(parents=True, exist_ok=True)
    invalidate(job_dir)
    stage = job_dir / STAGING
    stage.mkdir()
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    commit(stage, job_dir)


def hydra_quote(value: str) -> str:
    """A value as a single-quoted Hydra override string (a path, `seed=${seed}`)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
