"""The gate file: its typed schema and every check it gets before any simulation runs.

A gate file is YAML validated like every config of the project: an unknown key, a wrong type or
a value out of range is a `ConfigError` naming the key; so are an unknown scenario, a KPI that
`compute_kpis` does not produce, and an arm override Hydra rejects (each arm is composed on
each scenario and its world and strategy built, as `mptwin` would).
"""

from __future__ import annotations

import difflib
import warnings
from dataclasses import dataclass, field, fields, is_dataclass
from enum import Enum
from functools import lru_cache
from pathlib import Path

import yaml
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from omegaconf import MISSING, DictConfig, OmegaConf
from omegaconf.errors import ConfigKeyError, OmegaConfBaseException

from mptwin.experiments.gate.sequential import Check
from mptwin.runner.compose import CONF_DIR, build_run, compose
from sim.config_bounds import ConfigError, check_config, nonneg

ARMS = ("current", "candidate")
# what the gate sets on every run itself: an arm may not override them
RESERVED = ("seed", "scenario", "figures", "progress", "hydra")
GATE_RUN = ["figures=false", "progress=false"]  # gate runs write no figures, print no progress


class Better(Enum):
    """Which way a KPI improves; the value is the sign of a gain."""

    higher = 1
    lower = -1


class Launcher(Enum):
    local = "local"  # a process pool on this machine (--workers)
    hydra = "hydra"  # `mptwin -m` through a Hydra launcher (hydra_launcher)


@dataclass
class Goal:
    kpi: str = MISSING
    better: Better = MISSING


@dataclass
class Guardrail:
    better: Better = MISSING
    max_loss: float = field(default=MISSING, metadata=nonneg)  # in the KPI's units, or a share
    relative: bool = False  # max_loss is a share of |the current arm's mean|


@dataclass
class Seeds:
    """The plan of paired seeds. `max` is the planned maximum: it fixes the looks and the alpha
    each one spends, so it stays put once results exist (mptwin.experiments.gate.plan). `spend` is how far
    to go in this run; a later run with more continues the same looks."""

    first: int = field(default=1, metadata=nonneg)
    max: int = field(default=20, metadata={"ge": 2})  # the planned maximum of paired seeds
    batch: int = field(default=5, metadata={"ge": 2})  # seeds per look (a t test needs 2)
    spend: int | None = field(default=None, metadata={"ge": 2})  # seeds to go to now (max)

    def check_rules(self, path: str) -> None:
        if self.batch > self.max:
            raise ConfigError(f"{path}.batch ({self.batch}) must be <= {path}.max ({self.max})")
        if self.spend is not None:
            check_spend(self.spend, self, f"{path}.spend")

    def looks(self) -> list[int]:
        """The paired seeds at each look of the plan: every `batch`, and `max`."""
        return [*range(self.batch, self.max, self.batch), self.max]


def check_spend(spend: int, seeds: Seeds, where: str) -> None:
    """A run stops at a look of the plan, so `spend` is one of `seeds.looks()`."""
    if spend not in seeds.looks():
        raise ConfigError(
            f"{where} ({spend}) must be a look of the plan: a multiple of seeds.batch "
            f"({seeds.batch}) up to seeds.max ({seeds.max}), or seeds.max itself"
        )


@dataclass
class GateSpec:
    """A rule change to test: two arms, the scenarios, the goal, the guardrails, the budget."""

    name: str | None = None  # default: the gate file's name
    description: str = ""
    scenarios: list[str] = MISSING  # conf/scenario names
    current: list[str] = MISSING  # Hydra overrides of today's rules
    candidate: list[str] = MISSING  # Hydra overrides of the change
    goal: Goal = MISSING
    guardrails: dict[str, Guardrail] = field(default_factory=dict)  # KPI -> tolerated loss
    confidence: float = field(default=0.95, metadata={"gt": 0.0, "lt": 1.0})
    seeds: Seeds = field(default_factory=Seeds)
    launcher: Launcher = Launcher.local
    hydra_launcher: str = "cores"  # conf/hydra/launcher or a Hydra plugin's launcher
    hydra_overrides: list[str] = field(default_factory=list)  # e.g. hydra.launcher.partition=cpu

    @property
    def alpha(self) -> float:
        """The one-sided error of a false GO: 1 - confidence."""
        return 1.0 - self.confidence

    def arm(self, name: str) -> list[str]:
        return list(getattr(self, name))

    def checks(self) -> list[Check]:
        """The goal first, then the guardrails in file order."""
        goal = Check(self.goal.kpi, self.goal.better.value)
        return [
            goal,
            *(Check(k, g.better.value, g.max_loss, g.relative) for k, g in self.guardrails.items()),
        ]

    def check_rules(self, path: str) -> None:
        if not self.name or "/" in self.name or self.name.startswith("."):
            raise ConfigError(f"name: {self.name!r} must be a plain folder name")
        if not self.scenarios:
            raise ConfigError("scenarios: name at least one scenario (conf/scenario/*.yaml)")
        known = scenario_names()
        for i, name in enumerate(self.scenarios):
            if name not in known:
                raise ConfigError(
                    f"scenarios[{i}]: unknown scenario {name!r}{_close(name, known)};"
                    f" known: {known}"
                )
        _check_kpi("goal.kpi", self.goal.kpi)
        for key in self.guardrails:
            _check_kpi(f"guardrails.{key}", key)
        for arm in ARMS:
            _check_overrides(arm, self.arm(arm))
        _check_overrides("hydra_overrides", self.hydra_overrides, hydra_only=True)
        if self.launcher == Launcher.hydra and not self.hydra_launcher:
            raise ConfigError("hydra_launcher: name the Hydra launcher, e.g. cores")


@lru_cache(maxsize=1)
def kpi_keys() -> tuple[str, ...]:
    """Every key `compute_kpis` produces (docs/KPIS.md), from a run with no rows at all."""
    from mptwin.results.measure.metrics import compute_kpis
    from mptwin.results.measure.run_tables import RunInfo

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kpis = compute_kpis({}, RunInfo("none", "none", 0, "2026-01-01", 0.0, 24.0, 48.0, "EUR"))
    return tuple(sorted(kpis))


def scenario_names() -> list[str]:
    return sorted(p.stem for p in (CONF_DIR / "scenario").glob("*.yaml"))


def _close(name: str, known) -> str:
    near = difflib.get_close_matches(name, list(known), n=3)
    return f" (did you mean {', '.join(near)}?)" if near else ""


def _check_kpi(where: str, key: str) -> None:
    if key not in kpi_keys():
        raise ConfigError(
            f"{where}: unknown KPI {key!r}{_close(key, kpi_keys())}; the KPIs are "
            "the keys of kpis.json, defined in docs/KPIS.md"
        )


def _check_overrides(where: str, overrides: list[str], hydra_only: bool = False) -> None:
    """Each override parses and sets one value (no sweep); an arm's leave the gate's own keys
    (seed, scenario, figures, progress, hydra) alone, `hydra_overrides` set only hydra keys."""
    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
    except HydraException as e:
        raise ConfigError(f"{where}: Hydra rejects an override: {e}") from None
    for i, o in enumerate(parsed):
        key = o.key_or_group
        if o.is_sweep_override():
            raise ConfigError(f"{where}[{i}]: {overrides[i]!r} is a sweep; an arm is one config")
        is_hydra = key == "hydra" or key.startswith(("hydra.", "hydra/"))
        if hydra_only and not is_hydra:
            raise ConfigError(f"{where}[{i}]: {overrides[i]!r} is not a hydra.* override")
        if not hydra_only and (is_hydra or key in RESERVED):
            raise ConfigError(
                f"{where}[{i}]: {overrides[i]!r} sets {key}, which the gate sets "
                f"itself ({', '.join(RESERVED)}); scenario.* values are allowed"
            )


def parse_gate(raw, name: str) -> GateSpec:
    """A gate spec from a plain mapping (a loaded YAML file), validated; `name` is the gate's
    name when the mapping gives none."""
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{name}: a gate file is a mapping of keys (name, scenarios, current, "
            f"candidate, goal, guardrails, ...), got {type(raw).__name__}"
        )
    raw = dict(raw)
    for key in ("scenarios", "current", "candidate", "hydra_overrides"):
        if isinstance(raw.get(key), str):  # one scenario or one override needs no list
            raw[key] = [raw[key]]
    try:
        cfg = OmegaConf.merge(OmegaConf.structured(GateSpec), OmegaConf.create(raw))
        _check_strings(cfg)
        spec = OmegaConf.to_object(cfg)
    except ConfigKeyError as e:
        raise ConfigError(_unknown_key(e)) from None
    except OmegaConfBaseException as e:
        msg = str(e.msg or e).splitlines()[0]
        raise ConfigError(f"{e.full_key or 'the gate file'}: {msg}") from None
    spec.name = spec.name or name
    check_config(spec, "")
    return spec


def _check_strings(cfg: DictConfig) -> None:
    """OmegaConf lets a mapping sit in a list of strings: each item must be a plain string."""
    for key in ("scenarios", *ARMS, "hydra_overrides"):
        for i, item in enumerate(cfg[key]):
            if not isinstance(item, str) or not item:
                raise ConfigError(f"{key}[{i}] must be a non-empty string, got {item!r}")


def _unknown_key(e: ConfigKeyError) -> str:
    schema = e.object_type if is_dataclass(e.object_type) else None
    takes = f"; it takes: {[f.name for f in fields(schema)]}" if schema else ""
    return f"{e.full_key} is not a known key{takes}"


def load_gate(path: Path | str) -> GateSpec:
    """Read and validate a gate file (the gate's name defaults to the file's name)."""
    path = Path(path)
    if path.is_dir():
        raise ConfigError(
            f"{path} is a folder; name a gate file, e.g. conf/gate/promise_buffer.yaml"
        )
    if not path.is_file():
        raise ConfigError(f"gate file {path} not found")
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as e:
        raise ConfigError(f"not valid YAML: {_yaml_problem(e)}") from None
    return parse_gate(raw, path.stem)


def _yaml_problem(error: yaml.YAMLError) -> str:
    """PyYAML's complaint in one line: what and where (its own text quotes the line, drawn)."""
    mark = getattr(error, "problem_mark", None)
    what = getattr(error, "problem", None) or str(error).splitlines()[0]
    return f"{what} (line {mark.line + 1}, column {mark.column + 1})" if mark else what


def arm_configs(spec: GateSpec) -> dict[tuple[str, str], DictConfig]:
    """Each arm composed on each scenario as `mptwin` would, its world and strategy built once
    so a bad override fails now; {(scenario, arm): config} with seed = the first seed."""
    configs = {}
    for scenario in spec.scenarios:
        for arm in ARMS:
            where = f"{arm} on scenario {scenario}"
            overrides = [
                f"scenario={scenario}",
                *spec.arm(arm),
                *GATE_RUN,
                f"seed={spec.seeds.first}",
            ]
            try:
                cfg = compose(*overrides)
                build_run(cfg)
            except (HydraException, OmegaConfBaseException, ValueError) as e:
                raise ConfigError(f"{where}: {_hydra_message(e)}") from None
            configs[(scenario, arm)] = cfg
    if spec.launcher == Launcher.hydra:
        _check_launcher(spec)
    return configs


def _hydra_message(e: Exception) -> str:
    """Hydra's message without its config search path listing."""
    return str(e).split("\nConfig search path:")[0].strip()


def _check_launcher(spec: GateSpec) -> None:
    try:
        compose(f"hydra/launcher={spec.hydra_launcher}", *spec.hydra_overrides, hydra=True)
    except (HydraException, OmegaConfBaseException) as e:
        raise ConfigError(
            f"hydra_launcher {spec.hydra_launcher!r} or hydra_overrides: {_hydra_message(e)}"
        ) from None
