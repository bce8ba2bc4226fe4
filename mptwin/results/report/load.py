"""Reading a sweep folder: find its complete runs (a `kpis.json` beside `config.yaml`), tell
what varies between them, and decide what is compared with what.

A run's factors come from its Hydra overrides (`.hydra/overrides.yaml`), looked up in its
resolved config so a run that did not override a key still has a value for it; a config group
choice (`strategy=automation`) reads as the group's `name`. Factors equal in every run are
dropped; `seed` is the replication, never a factor. One factor is compared (the *arm*), the
others split the runs into groups; inside a group, arms are paired by seed.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from mptwin.results.job_folder import CONFIG, DONE

NOT_FACTORS = {"seed", "experiment", "progress", "figures", "decisions"}
ALWAYS_CANDIDATES = ("strategy", "scenario")


class ReportError(Exception):
    """A sweep folder the report cannot use; the message names the problem."""


@dataclass
class Run:
    path: Path  # the job folder
    kpis: dict
    config: dict
    overrides: list[str]

    @property
    def seed(self) -> int:
        return int(self.config.get("seed", 0))


@dataclass
class Sweep:
    """The complete runs of a sweep folder and how they are compared."""

    root: Path
    runs: pd.DataFrame  # one row per run: run, seed, group, arm, factor columns, KPI columns
    kpis: list[str]  # KPI keys, in kpis.json order
    compare: str | None  # the factor whose levels are the arms (None: a single arm)
    baseline: str | None  # the arm every other arm is compared with
    arms: list[str]
    groups: list[str]
    factors: list[str]  # every varying factor, compare first
    incomplete: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    settings: dict = field(default_factory=dict)  # warm-up, window, levels: what the page shows
    configs: dict[str, dict] = field(default_factory=dict)  # run -> its resolved config

    def arm_label(self, arm: str) -> str:
        """An arm as people read it: `automation`, or `headcount=10` for a numeric factor."""
        if self.compare in (None, "strategy", "scenario"):
            return arm
        return f"{self.compare.split('.')[-1]}={arm}"


def _is_job_dir(names: set[str]) -> bool:
    return bool({".hydra", CONFIG, DONE, ".staging"} & names)


def scan(root: Path) -> tuple[list[Path], list[Path]]:
    """(complete, incomplete) job folders under `root`, sorted; dot-folders are not entered."""
    complete, incomplete = [], []
    for here, dirs, files in os.walk(root):
        names = set(dirs) | set(files)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        if DONE in files and CONFIG in files:
            complete.append(Path(here))
        elif _is_job_dir(names) and Path(here) != root:
            incomplete.append(Path(here))
    return sorted(complete), sorted(incomplete)


def _read_overrides(job: Path) -> list[str]:
    path = job / ".hydra" / "overrides.yaml"
    if not path.is_file():
        return []
    items = yaml.safe_load(path.read_text()) or []
    return [str(x) for x in items]


def load_run(job: Path) -> Run:
    try:
        kpis = json.loads((job / DONE).read_text())
        config = yaml.safe_load((job / CONFIG).read_text())
    except (OSError, ValueError, yaml.YAMLError) as e:
        raise ReportError(f"{job}: unreadable result ({e})") from None
    if not isinstance(kpis, dict) or not isinstance(config, dict):
        raise ReportError(f"{job}: {DONE} and {CONFIG} must each hold one mapping")
    return Run(job, kpis, config, _read_overrides(job))


def override_keys(overrides: list[str]) -> list[str]:
    """Config keys set by overrides, in order: `+a.b=1` -> `a.b`, `strategy/routing=x` ->
    `strategy.routing`; hydra's own keys and non-factors left out."""
    keys = []
    for item in overrides:
        if "=" not in item:
            continue
        key = item.split("=", 1)[0].lstrip("+~").replace("/", ".")
        if key.startswith("hydra.") or key.split(".")[0] in NOT_FACTORS or key in keys:
            continue
        keys.append(key)
    return keys


def lookup(config: dict, key: str):
    """A factor's value in a resolved config: a scalar as is, a config group by its `name` (a
    policy by its class), anything else as compact YAML; None when the key is absent."""
    node = config
    for part in key.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    if isinstance(node, dict) and "name" in node:
        return node["name"]
    if isinstance(node, dict) and "_target_" in node:  # a policy: its class, e.g. StaticRouting
        return str(node["_target_"]).rsplit(".", 1)[-1]
    if isinstance(node, dict | list):
        return yaml.safe_dump(node, default_flow_style=True, width=10_000).strip()
    return node


def level_label(value) -> str:
    return "null" if value is None else str(value)


def level_sort_key(label: str):
    """Numbers in numeric order, before words in alphabetical order."""
    try:
        return (0, float(label), "")
    except ValueError:
        return (1, 0.0, label)


def varying_factors(runs: list[Run]) -> tuple[list[str], dict[str, list[str]]]:
    """Factor keys whose value differs between runs (in first-seen order) and each run's
    labels for them."""
    candidates: list[str] = []
    for run in runs:
        for key in override_keys(run.overrides):
            if key not in candidates:
                candidates.append(key)
    for key in ALWAYS_CANDIDATES:
        if key not in candidates:
            candidates.append(key)
    labels = {k: [level_label(lookup(r.config, k)) for r in runs] for k in candidates}
    varying = [k for k in candidates if len(set(labels[k])) > 1]
    return varying, {k: labels[k] for k in varying}


def choose_compare(
    varying: list[str], wanted: str | None, notes: list[str], strict: bool = False
) -> str | None:
    """The factor to compare: the wanted one if it varies, else the first that does (`strict`:
    else a ReportError, for a factor the user named)."""
    if wanted and wanted in varying:
        return wanted
    if strict and wanted:
        raise ReportError(
            f"--compare {wanted}: not a factor that varies between the runs ("
            f"{'varying: ' + ', '.join(varying) if varying else 'nothing varies'})"
        )
    if not varying:
        if wanted:
            notes.append(
                f"Nothing varies between the runs, so no arms are compared ({wanted} "
                "has one value)."
            )
        return None
    if wanted:
        notes.append(
            f"{wanted} has one value in this sweep; comparing across {varying[0]} instead."
        )
    return varying[0]


def _same_level(label: str, wanted) -> bool:
    """`14` matches 14, `1` matches 1.0: numbers compare as numbers, anything else as text."""
    a, b = level_sort_key(label), level_sort_key(level_label(wanted))
    return a == b if a[0] == b[0] == 0 else label == level_label(wanted)


def choose_baseline(
    levels: list[str], wanted, compare: str | None, notes: list[str], strict: bool = False
) -> str:
    """The level the others are compared with: the wanted one if there is one, else automation
    or the first (`strict`: else a ReportError, for a level the user named)."""
    found = [lv for lv in levels if wanted is not None and _same_level(lv, wanted)]
    if found:
        return found[0]
    if strict and wanted is not None:
        raise ReportError(
            f"--baseline {wanted}: not a level of {compare} in these runs (levels: "
            f"{', '.join(levels)})"
        )
    if wanted is not None:
        notes.append(
            f"Baseline {wanted!r} is not among the levels of {compare} {levels}; "
            f"using {levels[0]!r}."
        )
    if compare == "strategy" and "automation" in levels:
        return "automation"
    return levels[0]


def _kpi_keys(runs: list[Run]) -> list[str]:
    keys: list[str] = []
    for run in runs:
        for key, value in run.kpis.items():
            if key not in keys and (value is None or isinstance(value, int | float)):
                keys.append(key)
    return keys


def _drop_duplicates(frame: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    dup = frame.duplicated(["group", "arm", "seed"], keep="first")
    if dup.any():
        notes.append(
            "Runs with the same factors and seed were found more than once; the first "
            f"of each was used, these were ignored: {sorted(frame.loc[dup, 'run'])}"
        )
    return frame[~dup].reset_index(drop=True)


def _settings(runs: list[Run]) -> dict:
    """Measurement settings as the page shows them: one value, or the distinct values."""

    def values(key: str) -> list:
        return sorted({lookup(r.config, key) for r in runs}, key=lambda v: level_sort_key(str(v)))

    return {
        "scenario": values("scenario.name"),
        "warmup_days": values("scenario.warmup_days"),
        "days": values("scenario.days"),
        "cooldown_days": values("scenario.cooldown_days"),
        "start_date": values("scenario.start_date"),
        "currency": values("scenario.money.currency"),
        "seeds": sorted({r.seed for r in runs}),
        "tuning": {lookup(r.config, "strategy.name"): _tuning(r.config) for r in runs},
    }


def _tuning(config: dict) -> str:
    """How an arm was tuned and staffed, from its `strategy.tuned` block (mptwin-tune) and the
    team it ran with (`scenario.reviewers.headcount`, which a tuned arm's file sets)."""
    strategy = config.get("strategy") or {}
    team = lookup(config, "scenario.reviewers.headcount")
    t = strategy.get("tuned")
    if not t:
        return f"not tuned; {team} reviewers"
    return (
        f"tuned on {t.get('scenario')} seeds {t.get('seeds')}, {t.get('trials')} trials, "
        f"{t.get('optimiser')}; {t.get('objective')}; {team} reviewers "
        f"({t.get('staffing')})"
    )


def tuned_elsewhere(config: dict) -> str | None:
    """A warning when the run's arm was tuned on another scenario: its parameters and team fit
    that world, so its numbers here show the machinery at work, not the finding."""
    strategy = config.get("strategy") or {}
    tuned_on = (strategy.get("tuned") or {}).get("scenario")
    here = lookup(config, "scenario.name")
    if tuned_on is None or tuned_on == here:
        return None
    team = lookup(config, "scenario.reviewers.headcount")
    return (
        f"{strategy.get('name')} was tuned on scenario {tuned_on}, not {here}: its parameters and team "
        f"({team} reviewers) fit {tuned_on}, so these numbers demonstrate the "
        f"machinery, not the finding. A fair fight here needs arms tuned on {here} "
        f"(mptwin-tune ARM --scenario {here})."
    )


def load_sweep(
    root: Path, compare: str | None = "strategy", baseline=None, strict: Collection[str] = ()
) -> Sweep:
    """Read every complete run under `root`; raise ReportError when there is nothing to read.
    `strict` names the options ("compare", "baseline") the user gave: one that does not fit the
    runs is an error rather than replaced (a misspelt level must not pass unnoticed)."""
    root = Path(root)
    if not root.is_dir():
        raise ReportError(f"{root} is not a folder")
    complete, incomplete = scan(root)
    if not complete:
        raise ReportError(
            f"no complete runs under {root}: a complete run is a folder holding {DONE} and "
            f"{CONFIG}; found {len(incomplete)} incomplete job folder(s)"
            + (f" such as {incomplete[0]}" if incomplete else "")
        )
    runs = [load_run(p) for p in complete]
    notes: list[str] = []
    varying, labels = varying_factors(runs)
    comp = choose_compare(varying, compare, notes, "compare" in strict)
    factors = ([comp] if comp else []) + [k for k in varying if k != comp]
    frame = pd.DataFrame(
        {"run": [_rel(r.path, root) for r in runs], "seed": [r.seed for r in runs]}
    )
    for key in factors:
        frame[key] = labels[key]
    frame["arm"] = labels[comp] if comp else "all runs"
    others = [k for k in factors if k != comp]
    frame["group"] = [
        ", ".join(f"{k}={frame.at[i, k]}" for k in others) or "all" for i in frame.index
    ]
    kpis = _kpi_keys(runs)
    values = pd.DataFrame([[r.kpis.get(k) for k in kpis] for r in runs], columns=kpis, dtype=float)
    frame = _drop_duplicates(pd.concat([frame, values], axis=1), notes)
    arms = sorted(frame["arm"].unique(), key=level_sort_key)
    if comp is None and baseline is not None and "baseline" in strict:
        raise ReportError(f"--baseline {baseline}: nothing varies between the runs to compare")
    base = choose_baseline(arms, baseline, comp, notes, "baseline" in strict) if comp else None
    if base is not None:
        arms = [base] + [a for a in arms if a != base]
    groups = sorted(frame["group"].unique(), key=level_sort_key)
    if incomplete:
        notes.append(
            f"{len(incomplete)} job folder(s) have no {DONE} (failed, killed or still "
            "running) and were left out."
        )
    notes[:0] = sorted({w for r in runs if (w := tuned_elsewhere(r.config))})
    configs = {_rel(r.path, root): r.config for r in runs}
    return Sweep(
        root,
        frame,
        kpis,
        comp,
        base,
        arms,
        groups,
        factors,
        [Path(_rel(p, root)) for p in incomplete],
        notes,
        _settings(runs),
        configs,
    )


def _rel(path: Path, root: Path) -> str:
    rel = path.relative_to(root).as_posix()
    return rel if rel != "." else "."


def safe_name(text: str) -> str:
    """A label turned into a file-name-safe slug."""
    return re.sub(r"[^A-Za-z0-9_.=-]+", "_", text).strip("_") or "x"
