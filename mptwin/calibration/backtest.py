"""`mptwin-validate`: the calibrated twin against the log it was calibrated on.

    mptwin-validate path/to/log scenario=my_market [--seeds 5] [--out DIR] [overrides...]

The twin runs as it is, with the observed operation (automation-only with the operator's fitted
promise padding, from the scenario's sidecar), on several seeds. Each run is exported as an order
log in the same schema (`mptwin.calibration.export`) and read back by the same reader, so the
simulated and the observed numbers come from one definition of every statistic. Observed orders
are those bought in the hold-out (not fitted); each row says whether its quantity was fitted
directly (on the fit period) or only emerges from the mechanisms.

Writes validation.csv, one PNG per overlay, validation.html; prints the table; exits 1 on fail.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

import pandas as pd
from hydra.errors import HydraException
from omegaconf.errors import OmegaConfBaseException

from mptwin.calibration.backtest_compare import compare, holdout_orders, simulated_logs
from mptwin.calibration.backtest_report import print_table, write_outputs
from mptwin.calibration.log import LogError, OrderLog, read_log
from mptwin.cli_args import HelpFormatter, int_at_least, one_line, unwritable
from sim.config_bounds import ConfigError


class Refused(Exception):
    """Something the user can fix before anything runs: the message says what."""


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="mptwin-validate", description=__doc__, formatter_class=HelpFormatter
    )
    ap.add_argument("log", type=Path, help="folder with the log's CSVs (Olist schema)")
    ap.add_argument("overrides", nargs="+", help="scenario=<name> and any other mptwin overrides")
    ap.add_argument(
        "--seeds",
        type=int_at_least(1),
        default=5,
        help="replications, seeds 1 to N (default: %(default)s)",
    )
    ap.add_argument(
        "--out",
        type=Path,
        default=None,
        help="folder for the results (default: outputs/<scenario>/validation)",
    )
    return ap.parse_args(argv)


def calibrated_scenario(overrides: list[str]) -> tuple[str, dict]:
    """The scenario named by `scenario=<name>` and its sidecar, or Refused saying which of the
    two is missing (a misspelt name is named as such, with the calibrated ones there are)."""
    import mptwin.runner.compose as composition

    scenario = next((o.split("=", 1)[1] for o in overrides if o.startswith("scenario=")), "")
    if not scenario:
        raise Refused("say which scenario: scenario=<name>")
    folder = composition.CONF_DIR / "scenario"
    if not (folder / f"{scenario}.yaml").is_file():
        made = sorted(
            p.name.removesuffix(".calibration.json") for p in folder.glob("*.calibration.json")
        )
        raise Refused(
            f"no scenario {scenario!r}: {folder / scenario}.yaml does not exist "
            f"(calibrated scenarios: {', '.join(made) or 'none yet'}; "
            "mptwin-calibrate makes one)"
        )
    sidecar_path = folder / f"{scenario}.calibration.json"
    if not sidecar_path.exists():
        raise Refused(
            f"{sidecar_path} not found: validate a scenario mptwin-calibrate wrote (its "
            "sidecar holds the hold-out period and the observed operation)"
        )
    return scenario, json.loads(sidecar_path.read_text())


def observed_holdout(folder: Path, sidecar: dict) -> tuple[OrderLog, pd.DataFrame]:
    """The log and its orders in the scenario's hold-out; Refused if it has none there (another
    log than the one calibrated on)."""
    log = read_log(folder)
    observed = holdout_orders(log, sidecar)
    if observed.empty:
        start, end = (t[:10] for t in sidecar["holdout_period"])
        raise Refused(
            f"{folder} has no orders bought in the scenario's hold-out ({start} .. "
            f"{end}; the log runs {log.start:%Y-%m-%d} .. {log.end:%Y-%m-%d}): is it "
            "the log the scenario was calibrated on?"
        )
    return log, observed


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        scenario, sidecar = calibrated_scenario(args.overrides)
        out = args.out or Path("outputs") / scenario / "validation"
        why = unwritable(out)
        if why:
            raise Refused(f"argument --out: cannot write in {out}: {why}")
        log, observed = observed_holdout(args.log, sidecar)
    except (Refused, LogError) as e:
        print(f"mptwin-validate: {e}", file=sys.stderr)
        return 2
    others = [o for o in args.overrides if not o.startswith("scenario=")]
    overrides = [
        f"strategy={sidecar['observed_operation']['strategy']}",
        *sidecar["observed_operation"]["overrides"],
        *others,
    ]
    print(
        f"validating {scenario} on {len(observed):,} hold-out orders "
        f"({sidecar['holdout_period'][0][:10]} .. {sidecar['holdout_period'][1][:10]}), "
        f"{args.seeds} seeds, {' '.join(overrides)}"
    )
    work = Path(tempfile.mkdtemp(prefix="mptwin-validate-"))
    try:  # a bad override fails at the first seed's config, before it simulates
        simulated = simulated_logs(scenario, overrides, list(range(1, args.seeds + 1)), work)
    except (ConfigError, HydraException, OmegaConfBaseException) as e:
        print(f"mptwin-validate: config error: {one_line(e)}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(work, ignore_errors=True)
    table = compare(observed, simulated, sidecar.get("in_sample", False))
    table = table.rename(columns={"pass": "pass_"})
    print_table(table)
    table = table.rename(columns={"pass_": "pass"})
    print(
        "quirks handled in the log: " + ", ".join(f"{k} {v:,}" for k, v in log.quirks.items() if v)
    )
    write_outputs(table, observed, simulated, out, f"{scenario} against the log", log.quirks)
    ok = bool(table["pass"].all())
    print(
        f"{'PASS' if ok else 'FAIL'}: {int(table['pass'].sum())} of {len(table)} rows within "
        f"tolerance; written to {out}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
