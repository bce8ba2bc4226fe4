"""Rules a scenario config checks across fields, with errors that name the key."""

from __future__ import annotations

from datetime import date

from sim.entities import EXCEPTION_TYPES
from sim.validate import ConfigError


def known_types(types, key: str) -> None:
    unknown = sorted(set(types) - set(EXCEPTION_TYPES))
    if unknown:
        raise ConfigError(
            f"{key} has unknown exception types {unknown}; known: {list(EXCEPTION_TYPES)}"
        )


def nonempty(items: list, key: str, why: str) -> None:
    if not items:
        raise ConfigError(f"{key} is empty: {why}")


def length(items: list, n: int, key: str) -> None:
    if len(items) != n:
        raise ConfigError(f"{key} needs {n} values, got {len(items)}")


def shift(start: float, end: float, path: str) -> None:
    if start >= end:
        raise ConfigError(f"{path}.shift_start ({start}) must be before shift_end ({end})")


def iso_date(text: str, key: str) -> None:
    try:
        date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{key} must be an ISO date like 2026-01-05, got {text!r}") from None
