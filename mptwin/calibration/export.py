"""A run of the model written as an order log in the public Olist schema (`mptwin-export-log`):
the same files and columns `mptwin.calibration.log.read_log` reads, so the calibration and its
validation can be tried on a log whose truth is known.

    mptwin-export-log --out DIR [--overwrite] [hydra overrides...]
    mptwin-export-log --out examples/synthetic-log scenario=smoke strategy=automation seed=3

The mapping, model -> Olist:

- Orders: those placed in the measured window, [warmup_h, window_end_h) (`window_orders`), one
  row each; the whole life of each is written, including what happens in the cool-down.
- Times: hour h of the run is `start_date` 00:00:00 + h hours, rounded *up* to the whole second
  and written "%Y-%m-%d %H:%M:%S". Rounding up keeps every "after midnight" after midnight, so a
  delivery is late in the log exactly when it is late in the model (except one within 3.6 ms
  after the promise, which the seconds cannot show).
  purchase = placed_h; carrier = handed_h; delivered = delivered_h (empty when it never came).
  approved = placed_h, except for an order held by the payment check (`fraud_flagged`): the
  moment a person or the system released the hold (the `payment_held` exception's resolved_h),
  empty when it was rejected or was still held at the end of the run. (Not routed_h: routing
  comes later, after the routing batch and any routing exception, and an order released and then
  cancelled as unroutable was approved but never routed.)
  estimated delivery = the calendar date of promise_h at 00:00:00: the model promises "by the
  end of that day" (end_of_day, a microsecond before midnight), Olist writes the date at
  midnight, and the reader turns a midnight promise back into the end of that day.
- order_status: delivered, and returned (it was delivered first) -> delivered; cancelled (for
  any reason: fraud, stockout, never shipped) -> canceled; anything else (a lost parcel, or not
  finished when the run ended) -> shipped when handed to a carrier, processing when routed to a
  warehouse, approved when the payment was approved, created otherwise (still held).
- Items: one per order (order_item_id 1; the model sells one unit an order); price = price,
  freight_value = shipping_fee (what the customer paid, as in Olist), shipping_limit_date =
  ship_by_h; both amounts with two decimals.
- Ids: 32 hex digits (blake2b, 16 bytes), like Olist's. Sellers ("seller-<i>") and products
  ("sku-<i>") depend on the world only, so logs of several seeds of one world share them;
  orders, customers and reviews are salted with `seed`, so such logs never share an order id.
- Customers: one per order, as in Olist (customer_id and customer_unique_id both per order: the
  model has no returning customers); zip prefix, city and state = the order's region.
- Geography: region i gets zip prefix 10000 + 100 i and one centroid; its name is the state and
  the city. Positions are recovered from `world.distance_km` alone (classical multidimensional
  scaling of the straight-line distances, distance_km / road_factor), so any world works, drawn
  or listed site by site, and nothing of the scenario generator is repeated here. They are put
  on the globe around (-15, -50) by an inverse azimuthal-equidistant projection, then adjusted
  by least squares so great-circle distances match the straight lines (an equirectangular
  projection is up to 5-9 % off on a 2,500 km square; this is within 1 %). Within a region
  everything sits on its centroid: local distances are not represented.
- Sellers: those with at least one exported order; zip prefix and state of the region of their
  home warehouse.
- Products: the SKUs of the exported orders; category = the world's category of the SKU, its
  translation file maps each category to itself; product_weight_g = 1000 for all (the model has
  no weights); the other product columns are empty.
- Reviews: one per exported order with a review score (delivered orders), no comment;
  review_creation_date = the day after delivery at 00:00:00 (Olist sends the survey then);
  review_answer_timestamp empty (the model does not say when the customer answered).
- No payments file (read_log does not need one).

Written atomically: into a temporary sibling folder, renamed into place at the end, so a failure
leaves nothing half-written. A README.md beside the CSVs says how the log was made.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from hydra.errors import HydraException
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from mptwin.calibration.export_tables import ROAD_FACTOR, log_tables
from mptwin.calibration.log_files import FILES
from mptwin.cli_args import one_line, unwritable
from mptwin.progress import Progress
from mptwin.results.measure.records import RunResult
from mptwin.runner.compose import build_run, compose
from mptwin.runner.job import simulate
from sim.config_bounds import ConfigError
from sim.world import World

README = "README.md"


def export_log(
    result: RunResult,
    world: World,
    out_dir: Path,
    seed: int = 0,
    *,
    overwrite: bool = False,
    road_factor: float = ROAD_FACTOR,
    command: str | None = None,
) -> dict[str, int]:
    """Write the window's orders of `result` (a run of `world`) into `out_dir` as an Olist log;
    returns the rows written per file. `seed` salts the order-level ids; `command`, if given, is
    named in the README as how the log was made."""
    out_dir = Path(out_dir)
    check_target(out_dir, overwrite)
    tables = log_tables(result, world, seed, road_factor)
    counts = {name: len(df) for name, df in tables.items()}
    with staged(out_dir) as stage:
        for name, df in tables.items():
            _write_csv(df, stage / name)
        (stage / README).write_text(readme_text(result, counts, command), encoding="utf-8")
    return counts


# --- writing -------------------------------------------------------------------------------------


def _write_csv(df: pd.DataFrame, path: Path) -> int:
    """One file of text columns, "\\n" line ends; returns its rows."""
    df.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
    return len(df)


def check_target(out_dir: Path, overwrite: bool) -> None:
    """Refuse a non-empty folder unless `overwrite`, and even then one holding anything but a
    previous export (`--overwrite` must never delete a folder of other files)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise FileExistsError(f"{out_dir} exists and is not a folder")
    if not out_dir.is_dir():
        return
    present = sorted(p.name for p in out_dir.iterdir())
    if present and not overwrite:
        raise FileExistsError(
            f"{out_dir} exists and is not empty ({len(present)} entries); "
            "pass overwrite=True (--overwrite) to replace it"
        )
    foreign = [name for name in present if name not in (*FILES, README)]
    if foreign:
        raise FileExistsError(
            f"{out_dir} holds files an export does not write "
            f"({', '.join(foreign[:5])}): not replacing it"
        )


@contextmanager
def staged(out_dir: Path) -> Iterator[Path]:
    """A temporary sibling folder to write into, renamed to `out_dir` (replacing it) when the
    block ends; removed, leaving `out_dir` as it was, when the block fails."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    try:
        os.chmod(stage, 0o755)  # mkdtemp makes it private; the log is an ordinary folder
        yield stage
        _swap(stage, out_dir)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def _swap(stage: Path, out_dir: Path) -> None:
    """Put `stage` where `out_dir` is; the old folder is kept aside until the rename succeeded."""
    if not out_dir.exists():
        stage.rename(out_dir)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".old", dir=out_dir.parent))
    out_dir.replace(old / out_dir.name)
    try:
        stage.rename(out_dir)
    except BaseException:
        (old / out_dir.name).replace(out_dir)  # if even this fails, the old log stays in `old`
        old.rmdir()
        raise
    shutil.rmtree(old, ignore_errors=True)


def readme_text(result: RunResult, counts: dict[str, int], command: str | None) -> str:
    """What the log is, how it was made, its counts and licence; nothing that changes between
    two runs of the same command (no dates, no absolute paths)."""
    info = result.info
    made = command or "mptwin.calibration.export.export_log(...)"
    rows = "\n".join(f"| {name} | {n} |" for name, n in counts.items())
    return f"""# A synthetic order log in the Olist schema

**Synthetic**: made by the mptwin model, not real data. Every order, seller and date is
simulated; nothing here comes from Olist or any marketplace.

Made by this command, from the repository root (`--overwrite` regenerates it in place; the
same command writes the same bytes; `uv run python -m mptwin.calibration.export` is the same
program):

    {made}

Scenario `{info.scenario}`, strategy `{info.strategy}`, seed {info.seed}, calendar start
{info.start_date}. The log holds the orders placed in the measured window, hours
{info.warmup_h:g} to {info.window_end_h:g} of the run (the warm-up excluded), with everything
that happened to them until the run ended at hour {info.end_h:g}.

The files and columns are those of the public Olist release, plus `zip_prefix_centroids.csv`,
and `mptwin.calibration.log.read_log` reads them. How each model field maps to a column (one
item per order, one customer per order, one zip prefix per region, weights all 1000 g, ...)
is in the docstring of `mptwin/calibration/export.py`.

| file | rows |
|---|---|
{rows}

Licence: MIT, the licence of the mptwin project that generated it (see its `LICENSE`).
"""


# --- the command ---------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="mptwin-export-log",
        description="Run one replication and write it as an order log in the Olist schema.",
    )
    ap.add_argument(
        "--out",
        type=Path,
        required=True,
        help="the folder to write (new or empty; see --overwrite)",
    )
    ap.add_argument(
        "--overwrite",
        action="store_true",
        help="replace a previous export there (never a folder of other files)",
    )
    ap.add_argument("overrides", nargs="*", help="hydra overrides, as for mptwin: scenario=smoke")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        check_target(args.out, args.overwrite)  # before minutes of simulation, not after
        cfg = compose(*args.overrides)
        world, strategy = build_run(cfg)
    except FileExistsError as e:
        print(f"mptwin-export-log: {e}", file=sys.stderr)
        return 2
    except (ConfigError, HydraException, OmegaConfBaseException) as e:
        print(f"mptwin-export-log: config error: {one_line(e)}", file=sys.stderr)
        return 2
    why = unwritable(args.out.parent)
    if why:
        print(
            f"mptwin-export-log: argument --out: cannot write in {args.out.parent}: {why}",
            file=sys.stderr,
        )
        return 2
    progress = Progress(f"{world.name}/{strategy.name}/seed={cfg.seed}") if cfg.progress else None
    result = simulate(world, strategy, int(cfg.seed), progress)
    road = OmegaConf.select(cfg, "scenario.regions.road_factor", default=ROAD_FACTOR)
    command = " ".join(["uv run mptwin-export-log --out", str(args.out), *args.overrides])
    counts = export_log(
        result,
        world,
        args.out,
        int(cfg.seed),
        overwrite=args.overwrite,
        road_factor=float(road),
        command=command,
    )
    width = max(map(len, counts))
    for name, n in counts.items():
        print(f"{name:<{width}}  {n:>8,}")
    print(f"\nOrder log in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
