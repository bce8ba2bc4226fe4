"""Bounds on a typed config, scenario or policy alike, and the one walk that checks them:
dataclass fields carry their bounds in metadata (`positive`, `nonneg`, `unit`, ...), and
`check_config` reports the first bad value by its full key (e.g.
`scenario.demand.visits_per_day` or `strategy.pricing.undercut`) as a `ConfigError`.

The walk rejects NaN and infinity in every number it meets, bounded or not, then checks the
field's bounds, then, once a dataclass's own fields pass, calls its `check_rules(path)` if it
has one: the rules that span several fields (a warning below a suspension, a shift that starts
before it ends).
"""

from __future__ import annotations

import math
from dataclasses import fields, is_dataclass


class ConfigError(ValueError):
    """A config value that cannot be simulated; the message names the key."""


positive = {"gt": 0}
nonneg = {"ge": 0}
unit = {"ge": 0, "le": 1}
fraction = {"ge": 0, "lt": 1}  # a share that must leave something: a discount, an undercut


def between(lo: float, hi: float) -> dict:
    return {"ge": lo, "le": hi}


# A field no config entry writes: whoever builds the object hands it over, and it is checked
# where it is written, not again here. A policy's `rules` (its decision's section of
# `strategy.rules`, handed over by `mptwin.runner.policies.build_strategy`) is one. OmegaConf leaves a
# field so marked out of the object's schema.
handed_over = {"handed_over": True, "omegaconf_ignore": True}


def check_config(obj, path: str) -> None:
    """Walk a dataclass tree (lists and dicts included) and raise on the first bad value."""
    if is_dataclass(obj):
        for f in fields(obj):
            if f.metadata.get("handed_over"):
                continue  # checked where it is written
            value = getattr(obj, f.name)
            key = f"{path}.{f.name}" if path else f.name
            _check_value(value, f.metadata, key)
            check_config(value, key)
        rules = getattr(obj, "check_rules", None)
        if rules is not None:
            rules(path)
    elif isinstance(obj, list | tuple):
        for i, item in enumerate(obj):
            _check_value(item, {}, f"{path}[{i}]")
            check_config(item, f"{path}[{i}]")
    elif isinstance(obj, dict):
        for k, item in obj.items():
            _check_value(item, {}, f"{path}.{k}")
            check_config(item, f"{path}.{k}")


def _check_value(value, bounds, key: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{key} must be a finite number, got {value}")
    if "gt" in bounds and not value > bounds["gt"]:
        raise ConfigError(f"{key} must be > {bounds['gt']}, got {value}")
    if "ge" in bounds and not value >= bounds["ge"]:
        raise ConfigError(f"{key} must be >= {bounds['ge']}, got {value}")
    if "lt" in bounds and not value < bounds["lt"]:
        raise ConfigError(f"{key} must be < {bounds['lt']}, got {value}")
    if "le" in bounds and not value <= bounds["le"]:
        raise ConfigError(f"{key} must be <= {bounds['le']}, got {value}")
