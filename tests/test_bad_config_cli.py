"""Bad inputs through the real command line, in a subprocess: the run stops with an error that
names the key, without a traceback, and writes no results."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.bad_config import names_key

# --- through the real command line ---------------------------------------------------------

SLOW = pytest.mark.slow  # a subprocess each: one case in the quick loop, the rest in CI
CLI_CASES = [
    ("scenario.demand.visits_per_dya=5", "scenario.demand.visits_per_dya"),
    pytest.param("+scenario.demand.visits_per_dya=5", "scenario.demand.visits_per_dya", marks=SLOW),
    pytest.param("scenario.demand.visits_per_day=-5", "scenario.demand.visits_per_day", marks=SLOW),
    pytest.param("scenario.sellers=[]", "scenario.sellers", marks=SLOW),
    pytest.param("strategy.pricing.undercut=abc", "strategy.pricing.undercut", marks=SLOW),
    pytest.param("scenario.risk.hold_threshold=nan", "scenario.risk.hold_threshold", marks=SLOW),
    pytest.param(
        "strategy.rules.onboarding.approve_below=9",
        "strategy.rules.onboarding.approve_below",
        marks=SLOW,
    ),
]


@pytest.mark.parametrize(("override", "key"), CLI_CASES)
def test_cli_stops_with_an_error_naming_the_key_and_writes_nothing(tmp_path: Path, override, key):
    proc = subprocess.run(
        [sys.executable, "-m", "mptwin.runner.cli", "scenario=smoke", "progress=false", override],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, f"exit 0 with a bad config ({override}):\n{output[-2000:]}"
    assert names_key(output, key), output[-2000:]
    assert "Traceback" not in output, output[-2000:]
    assert "orders simulated" not in output, "the run simulated before failing"
    written = [p for p in tmp_path.rglob("*") if p.name == "kpis.json" or p.suffix == ".parquet"]
    assert not written, f"a failed run wrote results: {written}"
