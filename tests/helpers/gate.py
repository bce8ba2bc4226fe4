"""A small valid gate file on the smoke world, to change one key at a time: shared by the gate
file tests and the gate runs."""

from __future__ import annotations

from pathlib import Path

import yaml

ALPHA = 0.05  # the error rate the statistics and plan tests use


def gate_dict(**changes) -> dict:
    """A small valid gate on smoke, with `changes` merged in."""
    raw = {
        "name": "test",
        "scenarios": ["smoke"],
        "current": ["strategy/promise=contract"],
        "candidate": ["strategy/promise=contract", "strategy.promise.buffer_days=0.5"],
        "goal": {"kpi": "orders", "better": "higher"},
        "guardrails": {
            "on_time_rate": {"better": "higher", "max_loss": 0.2},
            "operator_margin": {"better": "higher", "max_loss": 0.25, "relative": True},
        },
        "seeds": {"first": 1, "max": 3, "batch": 3},
    }
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(raw.get(key), dict):
            raw[key] = {**raw[key], **value}
        else:
            raw[key] = value
    return raw


def write_gate(tmp_path: Path, raw: dict, name: str = "gate") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path
