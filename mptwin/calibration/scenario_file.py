"""Writing a calibration: the scenario YAML, each fitted key with its source as a comment, and
the sidecar `<name>.calibration.json` beside it (`mptwin.calibration.scenario` makes them)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np

from mptwin.calibration.scenario import Calibration

COMMENT_KEYS = {  # which fit sources annotate which scenario key
    "regions": ["regions.sites", "regions.road_factor", "regions.transit_factor"],
    "demand.hour_profile": ["demand.hour_profile"],
    "demand.weekday_profile": ["demand.weekday_profile"],
    "demand.promo_dates": ["demand.peak_days"],
    "demand.promo_multiplier": ["demand.promo_multiplier"],
    "demand.trend_per_year": ["demand.trend_per_year"],
    "demand.visits_per_day": ["orders_per_day"],
    "catalogue.skus": ["catalogue.skus"],
    "demand.zipf_exponent": ["demand.zipf_exponent"],
    "catalogue.categories": ["catalogue.categories"],
    "sellers": ["sellers", "handling"],
    "warehouses.regions": ["warehouses.regions"],
    "carriers": ["transit"],
    "money.fee_base": ["money.fee_base"],
    "money.fee_per_km": ["money.fee_per_km"],
    "reviews": ["reviews"],
    "reviewers.headcount": ["reviewers.headcount"],
}


def write_calibration(cal: Calibration, out: Path) -> tuple[Path, Path]:
    """The scenario YAML (each fitted key with its source as a comment) and the sidecar
    `<name>.calibration.json` beside it; each written to a temporary file and renamed, so a
    failure leaves no half-written file."""
    out = Path(out)
    sidecar = sidecar_path(out)
    sources = {
        key: "; ".join(
            f"{cal.sidecar['parameters'][k]['source']}"
            for k in ks
            if k in cal.sidecar["parameters"]
        )
        for key, ks in COMMENT_KEYS.items()
    }
    sources["demand.visits_per_day"] = (
        f"set by a pilot run so orders per day = {cal.sidecar['targets']['orders_per_day']} "
        "(mean of ordinary days, last 8 weeks of the fit period)"
    )
    sources["risk.customer_cancel_rate"] = cal.sidecar["parameters"]["risk.customer_cancel_rate"][
        "source"
    ]
    sources["regions"] += (
        "; weight: the share of visits that gives each state its share of "
        "orders in a pilot run (far customers buy less often)"
    )
    sources["calibrated"] = (
        "what was fitted and what is the template's, for people (mptwin's "
        "summary says it; the model never reads it)"
    )
    made = cal.scenario["calibrated"]  # the sidecar is named by the file, so known only here
    scenario = {**cal.scenario, "calibrated": {"by": made["by"], "sidecar": sidecar.name, **made}}
    head = [
        f"# {cal.scenario['name']}: calibrated by mptwin-calibrate from an order log.",
        f"# Fitted on purchases {cal.sidecar['fit_period'][0][:10]} .. "
        f"{cal.sidecar['fit_period'][1][:10]}; simulates the hold-out "
        f"{cal.sidecar['holdout_period'][0][:10]} .. {cal.sidecar['holdout_period'][1][:10]}.",
        f"# Sources of every value and what the log cannot identify: {sidecar.name}.",
        "# Keys without a comment are the template's (conf/scenario/baseline.yaml).",
    ]
    text = "\n".join(head + _yaml(scenario, sources)) + "\n"
    _atomic_write(out, text)
    _atomic_write(sidecar, json.dumps(cal.sidecar, indent=1, default=str) + "\n")
    return out, sidecar


def sidecar_path(scenario: Path) -> Path:
    """The sidecar beside a scenario file: `<name>.calibration.json`."""
    return Path(scenario).with_name(Path(scenario).stem + ".calibration.json")


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _yaml(node: dict, sources: dict, path: str = "", indent: int = 0) -> list[str]:
    """Block YAML for mappings, flow style for lists of scalars and of small mappings."""
    pad = " " * indent
    lines = []
    for key, value in node.items():
        where = f"{path}.{key}" if path else key
        if sources.get(where):
            lines += [f"{pad}# {line}" for line in _wrap(sources[where], 96 - indent)]
        if isinstance(value, dict):
            lines.append(f"{pad}{key}:")
            lines += _yaml(value, sources, where, indent + 2)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            lines.append(f"{pad}{key}:")
            lines += [f"{pad}  - {_flow(v)}" for v in value]
        else:
            lines.append(f"{pad}{key}: {_flow(value)}")
    return lines


def _flow(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float | np.integer | np.floating):
        return repr(float(value)) if isinstance(value, float | np.floating) else str(int(value))
    return json.dumps(str(value))


def _wrap(text: str, width: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}" if line else w
    return [*lines, line] if line else lines
