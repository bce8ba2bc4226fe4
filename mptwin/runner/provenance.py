"""Where a run's world and arm came from, said when the run ends: a calibrated scenario's
line (what was fitted, what is the template's, the team it ran with, where the sidecar is). An
arm tuned on another scenario is said by `mptwin.results.report.load.tuned_elsewhere`, which the
sweep report uses too."""

from __future__ import annotations

import json
from pathlib import Path

import mptwin.runner.compose as composition


def calibrated_note(scenario: dict, headcount: int) -> str:
    """The line a calibrated scenario's run says: that it is calibrated, what is the template's,
    the reviewer team it ran with and where the sidecar is. `scenario` is the resolved scenario
    config; `headcount` the team the run had (its `reviewers.headcount`: a tuned arm's file or
    an override may have set it over the calibrated file's), said against the team the sidecar
    records as sized to the fitted volume."""
    made = scenario.get("calibrated") or {}
    name = made.get("sidecar") or f"{scenario.get('name')}.calibration.json"
    conf = composition.CONF_DIR  # where `mptwin scenario=<name>` finds the scenario
    sidecar = conf / "scenario" / name
    where = (
        str(sidecar.relative_to(conf.parent))
        if sidecar.is_file()
        else f"{name}, beside the scenario's file"
    )
    sized = _sized_team(sidecar)
    if sized is None:
        team = "scenario.reviewers.headcount"
    elif headcount == sized:
        team = "sized to the fitted volume"
    else:
        team = f"not the {sized} sized to the fitted volume: a tuned arm's team, or set by hand"
    people = f"{headcount} reviewer{'' if headcount == 1 else 's'}"
    return (
        f"Calibrated scenario {scenario.get('name')}: fitted to an order log by "
        f"{made.get('by', 'mptwin-calibrate')}, except the template's "
        f"({made.get('template_file', 'conf/scenario/baseline.yaml')}) "
        f"{', '.join(made.get('template') or ['what the log cannot identify'])}; "
        f"{people} ({team}). Sources: {where}"
    )


def _sized_team(sidecar: Path) -> int | None:
    """The team mptwin-calibrate sized to the fitted volume, as its sidecar records it."""
    if not sidecar.is_file():
        return None
    record = json.loads(sidecar.read_text()).get("parameters", {}).get("reviewers.headcount")
    return None if record is None else record.get("estimate")
