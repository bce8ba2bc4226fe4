"""Days, as people configure them, and the world's hours: the generator's one unit conversion
(a world part converts its own `*_days` keys through `*_h` properties,
`sim/world_parts.py`)."""

from __future__ import annotations

from sim.clock import HOURS_PER_DAY


def hours(days: float) -> float:
    """Days, as people configure them, in the world's hours."""
    return HOURS_PER_DAY * days


def days(hours_: float) -> float:
    """The world's hours back in days."""
    return hours_ / HOURS_PER_DAY
