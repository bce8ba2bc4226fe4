"""`mptwin-gate GATE_FILE`: run a rule change through the twin and exit with the decision, so a CI
job can stop a pull request.

    uv run mptwin-gate conf/gate/promise_buffer.yaml
    uv run mptwin-gate conf/gate/promise_buffer.yaml --workers 4 --out outputs/gates/pr-123
    uv run mptwin-gate GATE.yaml --seeds 20     # go to 20 paired seeds of the planned seeds.max

Exit codes: 0 GO, 1 NO-GO, 2 a bad gate file (nothing simulated; also a plan that differs from
the one the gate's folder was started with), 3 NOT YET (the seeds to spend ran out before
every verdict was decided), 4 a run failed.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

from mptwin.cli_args import int_at_least, one_line, unwritable
from mptwin.experiments.gate.decide import (
    EXIT_BAD_GATE,
    EXIT_RUN_FAILED,
    RunFailed,
    arm_configs,
    default_out,
    load_gate,
    run_gate,
    spend_of,
)
from mptwin.experiments.gate.plan import check_plan
from sim.config_bounds import ConfigError


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="mptwin-gate",
        description="Go/no-go on a rule change: paired seeds in batches, a sequential test, an "
        "exit code (0 GO, 1 NO-GO, 2 bad gate file, 3 NOT YET, 4 a run failed).",
    )
    p.add_argument("gate", type=Path, help="the gate file, e.g. conf/gate/promise_buffer.yaml")
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="the gate's folder (default: outputs/gates/<gate name>)",
    )
    p.add_argument(
        "--workers",
        type=int_at_least(1),
        default=2,
        help="runs in parallel on this machine (default: %(default)s)",
    )
    p.add_argument(
        "--seeds",
        type=int,
        default=None,
        metavar="N",
        help="paired seeds to go to in this run, a look of the plan (default: the "
        "gate file's seeds.spend, else seeds.max); after a NOT YET, run again with "
        "more: the same plan goes on",
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return gate(args)
    except Exception:  # never let a crash exit 1, which reads as NO-GO
        traceback.print_exc()
        print("mptwin-gate: the gate could not finish (exit 4)", file=sys.stderr)
        return EXIT_RUN_FAILED


def gate(args: argparse.Namespace) -> int:
    try:
        spec = load_gate(args.gate)
        out = args.out if args.out is not None else default_out(spec)
        spend = spend_of(spec, args.seeds)
        check_plan(spec, out)  # the folder's plan, if it has one, is this one
        configs = arm_configs(spec)  # every override composed and built before any run
    except ConfigError as e:
        print(f"mptwin-gate: bad gate file {args.gate}: {one_line(e)}", file=sys.stderr)
        return EXIT_BAD_GATE
    why = unwritable(out)
    if why:
        print(f"mptwin-gate: argument --out: cannot write in {out}: {why}", file=sys.stderr)
        return EXIT_BAD_GATE
    print(
        f"Gate {spec.name}: {len(spec.scenarios)} scenario(s), up to {spend} of {spec.seeds.max}"
        f" planned paired seeds in batches of {spec.seeds.batch}, runs in {out / 'runs'}"
    )
    try:
        result = run_gate(spec, out, args.workers, configs, spend=spend)
    except RunFailed as e:
        print(f"mptwin-gate: {e}", file=sys.stderr)
        return EXIT_RUN_FAILED
    from mptwin.experiments.gate.report import text

    print("\n" + text(result))
    print(f"Report: {result.out / 'gate.html'} (and gate.json)")
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
