"""`mptwin-explain <run folder> --order <id>`: why the twin did what it did with one order, in
plain words: each decision about it (the promise, routing, triage of its exceptions) with what
was chosen, what it was weighed against and why, and what followed, in time order. Reads the
run's decisions.parquet, written by a run with `decisions=true`:

    uv run mptwin scenario=smoke decisions=true
    uv run mptwin-explain outputs/smoke/automation/seed=1/<time> --order 1846
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mptwin.cli_args import HelpFormatter, int_at_least
from mptwin.explain.run_folder import ExplainError, load
from mptwin.explain.story import story


def explain(folder: Path, order_id: int) -> str:
    """The order's story as text (ExplainError if the folder cannot tell it)."""
    return "\n".join(story(load(folder, order_id)))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="mptwin-explain", description=__doc__,
                                 formatter_class=HelpFormatter)  # fmt: skip
    ap.add_argument("run", type=Path,
                    help="a run folder (holding decisions.parquet): one timestamped folder "
                         "under outputs/<scenario>/<strategy>/seed=<n>/")  # fmt: skip
    ap.add_argument("--order", type=int_at_least(0), required=True,
                    help="the order id (orders are numbered from 0)")  # fmt: skip
    args = ap.parse_args(argv)
    try:
        print(explain(args.run, args.order))
    except ExplainError as e:
        print(f"mptwin-explain: {e}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
