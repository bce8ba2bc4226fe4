"""The plan a gate's folder was started with, kept in `<out>/plan.json`, and the check that a
later run keeps it.

The looks and the alpha each one spends follow from `confidence` and `seeds` (`first`, `max`,
`batch`), fixed before any run. A NOT YET goes on by spending more of the same plan
(`seeds.spend`, `--seeds`): the looks already taken give the same verdicts (the same seeds,
read back from disk) and the later ones come with the boundaries planned for them, so the
whole sequence is the one planned and its error stays within alpha. Raising `seeds.max`
instead would make a new plan that judges the same seeds again, spending alpha afresh at every
rerun (simulated in tests/test_gate.py: 20 -> 40 -> 80 seeds, each rerun re-planned, gives a
false GO 8.5 % of the time against 5 %). So a folder remembers its plan, and a gate file whose
plan differs from it is refused with the key named (exit 2), never silently re-planned.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from mptwin.experiments.gate.sequential import Look
from mptwin.experiments.gate.spec import GateSpec
from sim.config_bounds import ConfigError

PLAN_FILE = "plan.json"
KEYS = ("confidence", "seeds.first", "seeds.max", "seeds.batch")  # what fixes the plan


def plan_of(spec: GateSpec) -> dict:
    """The keys that fix the looks and the alpha spent at each."""
    s = spec.seeds
    return {
        "confidence": spec.confidence,
        "seeds.first": s.first,
        "seeds.max": s.max,
        "seeds.batch": s.batch,
    }


def recorded_plan(out: Path) -> tuple[dict, Path] | None:
    """The plan the folder was started with: plan.json, or for a folder from before plan.json
    the gate file kept in gate.json; None for a new folder."""
    path = Path(out) / PLAN_FILE
    if path.is_file():
        return json.loads(path.read_text())["plan"], path
    report = Path(out) / "gate.json"
    if report.is_file():
        spec = json.loads(report.read_text()).get("spec", {})
        seeds = spec.get("seeds", {})
        plan = {
            "confidence": spec.get("confidence"),
            **{f"seeds.{k}": seeds.get(k) for k in ("first", "max", "batch")},
        }
        return plan, report
    return None


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(a, b, rel_tol=0, abs_tol=1e-12)
    return a == b


def check_plan(spec: GateSpec, out: Path) -> None:
    """Refuse (ConfigError naming the key) a gate whose plan differs from its folder's."""
    found = recorded_plan(out)
    if found is None:
        return
    old, where = found
    new = plan_of(spec)
    for key in KEYS:
        if not _same(new[key], old.get(key)):
            last = old["seeds.first"] + old["seeds.max"] - 1
            raise ConfigError(
                f"{key} is {new[key]}, but the gate's folder {out} holds results planned with "
                f"{key} = {old.get(key)} ({where.name}): a new plan would judge the same seeds "
                "again and spend alpha afresh, so the gate does not re-plan. To go on after a "
                f"NOT YET, keep {key}: {old.get(key)} and raise seeds.spend (or --seeds) up to "
                f"seeds.max; to start a new experiment, use a new --out and fresh seeds "
                f"(seeds.first > {last})"
            )


def write_plan(spec: GateSpec, out: Path, looks: list[Look]) -> Path:
    """plan.json: the plan's keys and every look's seeds, boundary and level."""
    path = Path(out) / PLAN_FILE
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {
        "plan": plan_of(spec),
        "looks": [
            {"n": lk.n, "z": lk.z, "level": lk.level, "increment": lk.increment} for lk in looks
        ],
    }
    path.write_text(json.dumps(body, indent=2) + "\n")
    return path
