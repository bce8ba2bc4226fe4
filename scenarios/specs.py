"""From a scenario config to the world's specs, by keyword, in one place.

A spec field takes the config field of the same name, or, for a field in hours (`*_h`), the
config field in days (`*_days`) times 24: the one unit conversion between what people write
(days) and what the world runs on (hours). Anything else is given by name. A spec field that
neither names nor the config supply is a programming error, reported with both names.
"""

from __future__ import annotations

from dataclasses import fields

from sim.clock import HOURS_PER_DAY


def hours(days: float) -> float:
    """Days, as people configure them, in the world's hours."""
    return HOURS_PER_DAY * days


def days(hours_: float) -> float:
    """The world's hours back in days."""
    return hours_ / HOURS_PER_DAY


def spec_from(spec_type, config, **given):
    """Build `spec_type` by keyword from `config`'s fields of the same name (or in days), and
    the `given` values."""
    values = {}
    for f in fields(spec_type):
        if f.name in given:
            value = given.pop(f.name)
        elif hasattr(config, f.name):
            value = getattr(config, f.name)
        elif f.name.endswith("_h") and hasattr(config, f.name[:-2] + "_days"):
            value = hours(getattr(config, f.name[:-2] + "_days"))
        else:
            raise TypeError(
                f"{spec_type.__name__}.{f.name}: not in {type(config).__name__} and not given"
            )
        values[f.name] = float(value) if f.type == "float" and isinstance(value, int) else value
    if given:
        raise TypeError(f"{spec_type.__name__} has no fields {sorted(given)}")
    return spec_type(**values)
