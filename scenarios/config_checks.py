"""Rules a scenario config checks across fields, with errors that name the key."""

from __future__ import annotations

from datetime import date

from sim.config_bounds import ConfigError


def nonempty(items: list, key: str, why: str) -> None:
    if not items:
        raise ConfigError(f"{key} is empty: {why}")


def iso_date(text: str, key: str) -> None:
    try:
        date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{key} must be an ISO date like 2026-01-05, got {text!r}") from None
