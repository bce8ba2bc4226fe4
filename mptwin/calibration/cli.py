"""`mptwin-calibrate`: fit a scenario to an order log in the public Olist schema.

mptwin-calibrate path/to/log --out conf/scenario/my_market.yaml
mptwin scenario=my_market                       # runs as is
mptwin-validate path/to/log scenario=my_market  # the twin against the log's hold-out
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from mptwin.calibration.log import LogError, read_log
from mptwin.calibration.scenario import calibrate, write_calibration


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="mptwin-calibrate", description=__doc__.splitlines()[0])
    ap.add_argument("log", type=Path, help="folder with the log's CSVs (Olist schema)")
    ap.add_argument("--out", type=Path, required=True,
                    help="the scenario file to write, e.g. conf/scenario/my_market.yaml")  # fmt: skip
    ap.add_argument("--name", help="scenario name (default: the file's stem)")
    ap.add_argument("--fit-share", type=float, default=0.7,
                    help="share of the log's active days to fit on; the rest is the hold-out "
                         "(1: fit on all of it and simulate it too, in-sample)")  # fmt: skip
    ap.add_argument("--censor-days", type=float, default=30.0,
                    help="orders still open this close to the log's end are censored")  # fmt: skip
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.out.suffix != ".yaml":
        print(f"mptwin-calibrate: --out must be a .yaml file, got {args.out}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    try:
        log = read_log(args.log, args.censor_days)
    except LogError as e:
        print(f"mptwin-calibrate: {e}", file=sys.stderr)
        return 2
    t1 = time.perf_counter()
    cal = calibrate(log, args.name or args.out.stem, args.fit_share)
    t2 = time.perf_counter()
    scenario, sidecar = write_calibration(cal, args.out)
    s = cal.sidecar
    print(f"read {len(log.orders):,} orders in {t1 - t0:.1f} s; fitted in {t2 - t1:.1f} s")
    print(f"fit period {s['fit_period'][0][:10]} .. {s['fit_period'][1][:10]}, "
          f"hold-out {s['holdout_period'][0][:10]} .. {s['holdout_period'][1][:10]}")  # fmt: skip
    print("quirks: " + ", ".join(f"{k} {v}" for k, v in log.quirks.items() if v))
    print(f"wrote {scenario} and {sidecar}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
