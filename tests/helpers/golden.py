"""The golden back-test's cases, and the command that regenerates them after a deliberate model
change (tests/golden/kpis.json):

    uv run python -m tests.helpers.golden            # every case, about 20 s
    uv run python -m tests.helpers.golden --check    # compare only, write nothing

Commit the new file with a message that says why the KPIs moved. A refactor never needs this.
"""

from __future__ import annotations

import argparse
import json
import sys

from mptwin.results.measure.metrics import compute_kpis
from tests.helpers.runs import ROOT, run_sim

GOLDEN = ROOT / "tests" / "golden" / "kpis.json"
# (scenario, strategy, seed); the baseline cases take about 10 s each, the smoke ones 1 s. The
# baseline cases are the tuned arms of the headline comparison (tests/test_outcome.py runs them)
CASES = [("smoke", st, seed) for st in ("automation", "orchestration") for seed in (1, 2)] + [
    ("baseline", st, 1) for st in ("automation_tuned", "orchestration_tuned")
]


def case_key(scenario: str, strategy: str, seed: int) -> str:
    return f"{scenario}/{strategy}/seed={seed}"


def case_kpis(scenario: str, strategy: str, seed: int) -> dict:
    """The KPIs of one case, through the same path as `mptwin`, without writing files."""
    result = run_sim(f"scenario={scenario}", f"strategy={strategy}", f"seed={seed}")
    # through JSON, as kpis.json is written, so stored and fresh values compare exactly
    return json.loads(json.dumps(compute_kpis(result.tables, result.info), allow_nan=False))


def moved_kpis(scenario: str, strategy: str, seed: int, fresh: dict) -> dict:
    """The KPIs of a case that differ from the stored ones: {key: (stored, now)}."""
    stored = json.loads(GOLDEN.read_text())[case_key(scenario, strategy, seed)]
    keys = stored.keys() | fresh.keys()
    return {k: (stored.get(k), fresh.get(k)) for k in keys if stored.get(k) != fresh.get(k)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the stored file only")
    args = ap.parse_args()
    fresh = {}
    for case in CASES:
        print(f"running {case_key(*case)}", file=sys.stderr)
        fresh[case_key(*case)] = case_kpis(*case)
    if args.check:
        stored = json.loads(GOLDEN.read_text())
        moved = {k for k in fresh if fresh[k] != stored.get(k)}
        print("unchanged" if not moved else f"moved: {sorted(moved)}")
        sys.exit(1 if moved else 0)
    GOLDEN.write_text(json.dumps(fresh, indent=1, sort_keys=True, allow_nan=False) + "\n")
    print(f"wrote {GOLDEN}")


if __name__ == "__main__":
    main()
