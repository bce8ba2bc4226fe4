"""Range checks for typed configs: dataclass fields carry their bounds in metadata, and one walk
reports the first value out of range by its full key (e.g. `scenario.demand.visits_per_day`)."""

from __future__ import annotations

import math
from dataclasses import fields, is_dataclass


class ConfigError(ValueError):
    """A config value that cannot be simulated; the message names the key."""


positive = {"gt": 0}
nonneg = {"ge": 0}
unit = {"ge": 0, "le": 1}


def between(lo: float, hi: float) -> dict:
    return {"ge": lo, "le": hi}


def check_ranges(obj, path: str) -> None:
    """Walk a dataclass tree (lists and dicts included) and raise on the first bad value."""
    if is_dataclass(obj):
        for f in fields(obj):
            value = getattr(obj, f.name)
            key = f"{path}.{f.name}" if path else f.name
            _check_value(value, f.metadata, key)
            check_ranges(value, key)
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            check_ranges(item, f"{path}[{i}]")
    elif isinstance(obj, dict):
        for k, item in obj.items():
            check_ranges(item, f"{path}.{k}")


def _check_value(value, bounds, key: str) -> None:
    if not bounds or isinstance(value, bool) or not isinstance(value, int | float):
        return
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{key} must be a finite number, got {value}")
    if "gt" in bounds and not value > bounds["gt"]:
        raise ConfigError(f"{key} must be > {bounds['gt']}, got {value}")
    if "ge" in bounds and not value >= bounds["ge"]:
        raise ConfigError(f"{key} must be >= {bounds['ge']}, got {value}")
    if "le" in bounds and not value <= bounds["le"]:
        raise ConfigError(f"{key} must be <= {bounds['le']}, got {value}")
