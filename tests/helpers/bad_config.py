"""Shared by the bad-config tests: composing and building a smoke run that must refuse a bad value
before anything is simulated, and reading the error a user sees."""

from __future__ import annotations

import re

import pytest
import simpy

from mptwin.runner.compose import build_run, compose


@pytest.fixture(autouse=True)
def no_simulation(monkeypatch):
    """Fail loudly if anything tries to simulate: every error here must come first."""

    def forbidden(*args, **kwargs):
        raise AssertionError("a simulation started although the config is bad")

    monkeypatch.setattr(simpy.Environment, "run", forbidden)


def compose_and_build(*overrides: str):
    cfg = compose("scenario=smoke", *overrides)
    return build_run(cfg)


def full_message(exc: BaseException) -> str:
    """The exception's message and those of its causes: what a user sees printed."""
    parts = []
    while exc is not None:
        parts.append(str(exc))
        exc = exc.__cause__ or exc.__context__
    return "\n".join(parts)


def names_key(message: str, key: str) -> bool:
    """Whether `message` mentions `key`; a list index may be written `.0` or `[0]`."""
    bracketed = re.sub(r"\.(\d+)(?=\.|$)", r"[\1]", key)  # carriers.0 -> carriers[0]
    return key in message or bracketed in message
