"""`mptwin-calibrate`: fit a scenario to an order log in the public Olist schema.

    mptwin-calibrate path/to/log --out conf/scenario/my_market.yaml
    mptwin scenario=my_market                       # runs as is
    mptwin-validate path/to/log scenario=my_market  # the twin against the log's hold-out

Writes the scenario and its sidecar (<name>.calibration.json: the hold-out period, the observed
operation and where every value came from); an existing one is replaced only with --overwrite.
Says what was fitted and what is the template's (conf/scenario/baseline.yaml), and the reviewer
team: the template's, sized to the fitted volume.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from mptwin.calibration.log import LogError, read_log
from mptwin.calibration.scenario import calibrate, summary
from mptwin.calibration.scenario_file import sidecar_path, write_calibration
from mptwin.cli_args import HelpFormatter, float_in, unwritable

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")  # a scenario name is also a folder name


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="mptwin-calibrate", description=__doc__, formatter_class=HelpFormatter
    )
    ap.add_argument("log", type=Path, help="folder with the log's CSVs (Olist schema)")
    ap.add_argument(
        "--out",
        type=Path,
        required=True,
        help="the scenario file to write, e.g. conf/scenario/my_market.yaml",
    )
    ap.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the scenario and its sidecar if they exist",
    )
    ap.add_argument("--name", help="scenario name (default: the file's stem)")
    ap.add_argument(
        "--fit-share",
        default=0.7,
        type=float_in(0.1, 1.0, what="a share of the log's active days"),
        help="share of the log's active days to fit on; the rest is the hold-out "
        "(1: fit on all of it and simulate it too, in-sample) "
        "(default: %(default)s)",
    )
    ap.add_argument(
        "--censor-days",
        default=30.0,
        type=float_in(0.0, 36500.0, what="days"),
        help="orders still open this close to the log's end are censored (default: %(default)s)",
    )
    return ap.parse_args(argv)


def check_out(args: argparse.Namespace) -> str | None:
    """What is wrong with --out and --name, if anything, before the log is read."""
    if args.out.suffix != ".yaml" or args.out.stem == "":
        return f"argument --out: must be a .yaml file, got {args.out}"
    name = args.name if args.name is not None else args.out.stem
    if not NAME.fullmatch(name):
        which = "--name" if args.name is not None else "--out (its stem names the scenario)"
        return f"argument {which}: a scenario name is letters, digits, '_' and '-', got {name!r}"
    present = [p for p in (args.out, sidecar_path(args.out)) if p.exists()]
    if present and not args.overwrite:
        return (
            f"argument --out: {present[0]} exists; pass --overwrite to replace it (and its sidecar)"
        )
    if any(p.is_dir() for p in present):
        return f"argument --out: {next(p for p in present if p.is_dir())} is a folder"
    why = unwritable(args.out.parent)
    return f"argument --out: cannot write in {args.out.parent}: {why}" if why else None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    problem = check_out(args)
    if problem:
        print(f"mptwin-calibrate: error: {problem}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    try:
        log = read_log(args.log, args.censor_days)
        t1 = time.perf_counter()
        cal = calibrate(log, args.name or args.out.stem, args.fit_share)
    except LogError as e:
        print(f"mptwin-calibrate: {e}", file=sys.stderr)
        return 2
    t2 = time.perf_counter()
    try:
        scenario, sidecar = write_calibration(cal, args.out)
    except OSError as e:
        print(f"mptwin-calibrate: cannot write {args.out}: {e.strerror or e}", file=sys.stderr)
        return 2
    s = cal.sidecar
    print(f"read {len(log.orders):,} orders in {t1 - t0:.1f} s; fitted in {t2 - t1:.1f} s")
    print(
        f"fit period {s['fit_period'][0][:10]} .. {s['fit_period'][1][:10]}, "
        f"hold-out {s['holdout_period'][0][:10]} .. {s['holdout_period'][1][:10]}"
    )
    print("quirks: " + ", ".join(f"{k} {v}" for k, v in log.quirks.items() if v))
    print(f"wrote {scenario} and {sidecar}")
    print("\n".join(summary(cal)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
