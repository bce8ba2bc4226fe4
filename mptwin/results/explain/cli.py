"""`mptwin-explain <run folder> --order <id>`: why the twin did what it did with one order, in
plain words: each decision about it (the promise, routing, triage of its exceptions) with what
was chosen, what it was weighed against and why, and what followed, in time order. Reads the
run's decisions.parquet, written by a run with `decisions=true`:

    uv run mptwin scenario=smoke decisions=true
    uv run mptwin-explain outputs/smoke/automation/seed=1/<time> --order 1846

To find an order worth explaining, list them by final status (any run folder, decisions or not):
how many ended in each status, or the orders of one status (id, times, paid, seller, carrier):

    uv run mptwin-explain outputs/smoke/automation/seed=1/<time> --list
    uv run mptwin-explain outputs/smoke/automation/seed=1/<time> --list cancelled --limit 50
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mptwin.cli_args import HelpFormatter, int_at_least, one_of
from mptwin.results.explain.listing import DEFAULT_LIMIT, STATUSES, list_orders, status_counts
from mptwin.results.explain.run_folder import ExplainError, load
from mptwin.results.explain.story import story

COUNTS = object()  # --list with no status: how many orders ended in each


def explain(folder: Path, order_id: int) -> str:
    """The order's story as text (ExplainError if the folder cannot tell it)."""
    return "\n".join(story(load(folder, order_id)))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        prog="mptwin-explain", description=__doc__, formatter_class=HelpFormatter
    )
    ap.add_argument(
        "run",
        type=Path,
        help="a run folder (holding orders.parquet, and decisions.parquet for "
        "--order): one timestamped folder under "
        "outputs/<scenario>/<strategy>/seed=<n>/",
    )
    what = ap.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--order", type=int_at_least(0), help="the order id (orders are numbered from 0)"
    )
    what.add_argument(
        "--list",
        nargs="?",
        const=COUNTS,
        metavar="STATUS",
        type=one_of(STATUSES, "status"),
        help="list the orders that ended in STATUS, one of "
        f"{', '.join(STATUSES)}; with no STATUS, how many ended in "
        "each",
    )
    ap.add_argument(
        "--limit",
        type=int_at_least(1),
        default=DEFAULT_LIMIT,
        help=f"with --list STATUS: at most this many orders (default: {DEFAULT_LIMIT})",
    )
    args = ap.parse_args(argv)
    try:
        if args.list is COUNTS:
            print(status_counts(args.run))
        elif args.list is not None:
            print(list_orders(args.run, args.list, args.limit))
        else:
            print(explain(args.run, args.order))
    except ExplainError as e:
        print(f"mptwin-explain: {e}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
