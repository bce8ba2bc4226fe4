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
import math
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from hashlib import blake2b
from pathlib import Path

import numpy as np
import pandas as pd
from hydra.errors import HydraException
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException
from scipy.optimize import least_squares

from mptwin.analysis.columns import matches, numeric, table
from mptwin.analysis.metrics import window_orders
from mptwin.analysis.records import RunResult
from mptwin.calibration.log_files import (
    CENTROIDS,
    CUSTOMERS,
    ITEMS,
    ORDERS,
    PRODUCTS,
    REVIEWS,
    SELLERS,
    TIME_FORMAT,
    TRANSLATION,
)
from mptwin.progress import Progress
from mptwin.run import prepare, simulate
from mptwin.tuning.evaluate import compose_config
from sim.entities import ExceptionType
from sim.validate import ConfigError
from sim.world import World

ROAD_FACTOR = 1.25  # the synthetic scenarios' road km per straight-line km (regions.road_factor)
LAT0, LNG0 = -15.0, -50.0  # where the regions are put on the globe (central Brazil)
EARTH_KM = 6371.0  # mean radius, as in mptwin.calibration.fit
ZIP_BASE, ZIP_STEP = 10000, 100
WEIGHT_G = 1000
README = "README.md"
FILES = (ORDERS, ITEMS, CUSTOMERS, SELLERS, PRODUCTS, REVIEWS, CENTROIDS, TRANSLATION)
PRODUCT_EXTRA = ("product_name_lenght", "product_description_lenght", "product_photos_qty")
PRODUCT_SIZE = ("product_length_cm", "product_height_cm", "product_width_cm")


def export_log(result: RunResult, world: World, out_dir: Path, seed: int = 0, *,
               overwrite: bool = False, road_factor: float = ROAD_FACTOR,
               command: str | None = None) -> dict[str, int]:  # fmt: skip
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


def log_tables(result: RunResult, world: World, seed: int = 0,
               road_factor: float = ROAD_FACTOR) -> dict[str, pd.DataFrame]:  # fmt: skip
    """Every file of the log as a frame of text columns, by file name."""
    orders = window_orders(result.tables, result.info).reset_index(drop=True)
    if orders.empty:
        raise ValueError("the run placed no order in its measured window: nothing to export")
    approved = approval_hours(orders, table(result.tables, "exceptions"))
    start = world.start_date
    return {
        ORDERS: orders_frame(orders, approved, start, seed),
        ITEMS: items_frame(orders, start, seed),
        CUSTOMERS: customers_frame(orders, world, seed),
        SELLERS: sellers_frame(orders, world),
        PRODUCTS: products_frame(orders, world),
        REVIEWS: reviews_frame(orders, start, seed),
        CENTROIDS: centroids_frame(world, road_factor),
        TRANSLATION: translation_frame(world),
    }


# --- ids, times, places --------------------------------------------------------------------------


def hex_ids(kind: str, keys) -> np.ndarray:
    """Olist-looking ids (32 hex digits), one per key, the same on every run and machine."""
    return np.array([blake2b(f"{kind}-{k}".encode(), digest_size=16).hexdigest() for k in keys],
                    dtype=object)  # fmt: skip


def whole_seconds(hours) -> np.ndarray:
    """Run hours rounded up to the second, in seconds: a time after a midnight stays after it."""
    return np.ceil(np.asarray(hours, dtype=float) * 3600.0)


def stamps(hours: np.ndarray, start: date) -> np.ndarray:
    """Run hours as timestamps, rounded up to the second ("" where NaN)."""
    times = pd.Timestamp(start) + pd.to_timedelta(whole_seconds(hours), unit="s")
    return pd.Series(times).dt.strftime(TIME_FORMAT).fillna("").to_numpy(dtype=object)


def dates(hours: np.ndarray, start: date, days_after: int = 0) -> np.ndarray:
    """The calendar day of each run hour (plus `days_after`) at 00:00:00 ("" where NaN)."""
    day = np.floor(np.asarray(hours, dtype=float) / 24.0) + days_after
    times = pd.Timestamp(start) + pd.to_timedelta(day, unit="D")
    return pd.Series(times).dt.strftime(TIME_FORMAT).fillna("").to_numpy(dtype=object)


def zip_prefix(region) -> np.ndarray:
    return ZIP_BASE + ZIP_STEP * np.asarray(region, dtype=np.int64)


def _money(values) -> np.ndarray:
    return np.array([f"{v:.2f}" for v in np.asarray(values, dtype=float)], dtype=object)


def _names(names: tuple[str, ...], index) -> np.ndarray:
    return np.asarray(names, dtype=object)[np.asarray(index, dtype=np.int64)]


# --- the files -----------------------------------------------------------------------------------


def approval_hours(orders: pd.DataFrame, exceptions: pd.DataFrame) -> np.ndarray:
    """When each order's payment was approved: at purchase, or for a held payment when the
    hold was released (NaN: rejected, or still held when the run ended)."""
    released = exceptions[matches(exceptions["type"], ExceptionType.PAYMENT_HELD.value)
                          & matches(exceptions["outcome"], "released")]  # fmt: skip
    at = pd.Series(numeric(released, "resolved_h"), index=released["order_id"].to_numpy())
    release = orders["order_id"].map(at[~at.index.duplicated()]).to_numpy(dtype=float)
    held = orders["fraud_flagged"].to_numpy(dtype=bool)
    return np.where(held, release, numeric(orders, "placed_h"))


def olist_status(orders: pd.DataFrame, approved: np.ndarray) -> np.ndarray:
    """The model's status in Olist's words (see the module docstring)."""
    status = orders["status"]
    in_flight = np.select(
        [~np.isnan(numeric(orders, "handed_h")), ~np.isnan(numeric(orders, "routed_h")),
         ~np.isnan(approved)],
        ["shipped", "processing", "approved"], "created",
    )  # fmt: skip
    return np.select([matches(status, ("delivered", "returned")), matches(status, "cancelled")],
                     ["delivered", "canceled"], in_flight).astype(object)  # fmt: skip


def orders_frame(orders: pd.DataFrame, approved: np.ndarray, start: date, seed: int):
    ids = orders["order_id"].to_numpy()
    return pd.DataFrame({
        "order_id": hex_ids(f"order-{seed}", ids),
        "customer_id": hex_ids(f"customer-{seed}", ids),
        "order_status": olist_status(orders, approved),
        "order_purchase_timestamp": stamps(numeric(orders, "placed_h"), start),
        "order_approved_at": stamps(approved, start),
        "order_delivered_carrier_date": stamps(numeric(orders, "handed_h"), start),
        "order_delivered_customer_date": stamps(numeric(orders, "delivered_h"), start),
        "order_estimated_delivery_date": dates(numeric(orders, "promise_h"), start),
    })  # fmt: skip


def items_frame(orders: pd.DataFrame, start: date, seed: int) -> pd.DataFrame:
    return pd.DataFrame({
        "order_id": hex_ids(f"order-{seed}", orders["order_id"].to_numpy()),
        "order_item_id": "1",
        "product_id": hex_ids("sku", orders["sku"].to_numpy()),
        "seller_id": hex_ids("seller", orders["seller"].to_numpy()),
        "shipping_limit_date": stamps(numeric(orders, "ship_by_h"), start),
        "price": _money(orders["price"]),
        "freight_value": _money(orders["shipping_fee"]),
    })  # fmt: skip


def customers_frame(orders: pd.DataFrame, world: World, seed: int) -> pd.DataFrame:
    ids, region = orders["order_id"].to_numpy(), orders["region"].to_numpy()
    name = _names(world.region_names, region)
    return pd.DataFrame({
        "customer_id": hex_ids(f"customer-{seed}", ids),
        "customer_unique_id": hex_ids(f"person-{seed}", ids),
        "customer_zip_code_prefix": zip_prefix(region).astype(str),
        "customer_city": name,
        "customer_state": name,
    })  # fmt: skip


def sellers_frame(orders: pd.DataFrame, world: World) -> pd.DataFrame:
    sellers = np.unique(orders["seller"].to_numpy())
    region = [world.warehouses[world.sellers[s].home_warehouse].region for s in sellers]
    name = _names(world.region_names, region)
    return pd.DataFrame({
        "seller_id": hex_ids("seller", sellers),
        "seller_zip_code_prefix": zip_prefix(region).astype(str),
        "seller_city": name,
        "seller_state": name,
    })  # fmt: skip


def products_frame(orders: pd.DataFrame, world: World) -> pd.DataFrame:
    skus = np.unique(orders["sku"].to_numpy())
    frame = pd.DataFrame({
        "product_id": hex_ids("sku", skus),
        "product_category_name": _names(world.category_names, world.sku_category[skus]),
    })  # fmt: skip
    for column in PRODUCT_EXTRA:
        frame[column] = ""
    frame["product_weight_g"] = str(WEIGHT_G)
    for column in PRODUCT_SIZE:
        frame[column] = ""
    return frame


def reviews_frame(orders: pd.DataFrame, start: date, seed: int) -> pd.DataFrame:
    scored = orders[~np.isnan(numeric(orders, "review_score"))]
    ids = scored["order_id"].to_numpy()
    delivered_h = whole_seconds(numeric(scored, "delivered_h")) / 3600.0  # the day as written
    return pd.DataFrame({
        "review_id": hex_ids(f"review-{seed}", ids),
        "order_id": hex_ids(f"order-{seed}", ids),
        "review_score": numeric(scored, "review_score").astype(np.int64).astype(str),
        "review_comment_title": "",
        "review_comment_message": "",
        "review_creation_date": dates(delivered_h, start, days_after=1),
        "review_answer_timestamp": "",
    })  # fmt: skip


def centroids_frame(world: World, road_factor: float = ROAD_FACTOR) -> pd.DataFrame:
    lat, lng = region_centroids(world.distance_km, road_factor)
    n = len(world.region_names)
    if zip_prefix(n - 1) > 99999:
        raise ValueError(f"{n} regions do not fit in 5-digit zip prefixes (at most 900)")
    name = np.asarray(world.region_names, dtype=object)
    return pd.DataFrame({
        "geolocation_zip_code_prefix": zip_prefix(np.arange(n)).astype(str),
        "geolocation_lat": [f"{v:.6f}" for v in lat],
        "geolocation_lng": [f"{v:.6f}" for v in lng],
        "geolocation_city": name,
        "geolocation_state": name,
    })  # fmt: skip


def translation_frame(world: World) -> pd.DataFrame:
    names = list(world.category_names)
    return pd.DataFrame({"product_category_name": names, "product_category_name_english": names})


# --- geography -----------------------------------------------------------------------------------


def region_centroids(distance_km: np.ndarray, road_factor: float = ROAD_FACTOR):
    """Latitude and longitude of each region whose great-circle distances are the straight
    lines between regions (road distance / road_factor, off the diagonal)."""
    straight = np.asarray(distance_km, dtype=float) / road_factor
    np.fill_diagonal(straight, 0.0)
    lat, lng = azimuthal_inverse(mds_positions(straight))
    return fit_on_sphere(lat, lng, straight)


def mds_positions(straight: np.ndarray) -> np.ndarray:
    """Classical multidimensional scaling to 2-D (east, north km around their centre): exact
    for points on a plane, the best plane fit otherwise. Axes in order of spread, each signed
    so its largest coordinate is positive (one answer, whatever the eigen-solver's signs)."""
    n = len(straight)
    centre = np.eye(n) - 1.0 / n
    gram = -0.5 * centre @ (straight**2) @ centre
    values, vectors = np.linalg.eigh(gram)
    top = np.argsort(values)[::-1][:2]
    xy = np.zeros((n, 2))
    xy[:, : len(top)] = vectors[:, top] * np.sqrt(np.clip(values[top], 0.0, None))
    sign = np.sign(xy[np.argmax(np.abs(xy), axis=0), [0, 1]])
    return xy * np.where(sign == 0, 1.0, sign)


def azimuthal_inverse(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverse azimuthal-equidistant projection around (LAT0, LNG0): each point lies at its km
    distance from the centre along its bearing."""
    rho = np.hypot(xy[:, 0], xy[:, 1]) / EARTH_KM
    bearing = np.arctan2(xy[:, 0], xy[:, 1])
    p0, l0 = math.radians(LAT0), math.radians(LNG0)
    lat = np.arcsin(math.sin(p0) * np.cos(rho) + math.cos(p0) * np.sin(rho) * np.cos(bearing))
    lng = l0 + np.arctan2(np.sin(bearing) * np.sin(rho) * math.cos(p0),
                          np.cos(rho) - math.sin(p0) * np.sin(lat))  # fmt: skip
    return np.degrees(lat), np.degrees(lng)


def great_circle_km(lat: np.ndarray, lng: np.ndarray) -> np.ndarray:
    """Haversine distances between every pair of points (a square matrix)."""
    p, lam = np.radians(np.asarray(lat, dtype=float)), np.radians(np.asarray(lng, dtype=float))
    h = (np.sin((p[:, None] - p[None, :]) / 2) ** 2
         + np.cos(p[:, None]) * np.cos(p[None, :]) * np.sin((lam[:, None] - lam[None, :]) / 2) ** 2)  # fmt: skip
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def fit_on_sphere(lat: np.ndarray, lng: np.ndarray, straight: np.ndarray):
    """Nudge the projected points so great-circle distances match the plane's in relative terms
    (a plane does not fit on a sphere; least squares spreads the misfit over all pairs)."""
    n = len(lat)
    i, j = np.triu_indices(n, 1)
    keep = straight[i, j] > 0
    i, j, target = i[keep], j[keep], straight[i, j][keep]
    if target.size == 0:
        return lat, lng

    def misfit(z: np.ndarray) -> np.ndarray:
        return great_circle_km(z[:n], z[n:])[i, j] / target - 1.0

    z = least_squares(misfit, np.concatenate([lat, lng]), xtol=1e-12, ftol=1e-12).x
    return z[:n], z[n:]


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
        raise FileExistsError(f"{out_dir} exists and is not empty ({len(present)} entries); "
                              "pass overwrite=True (--overwrite) to replace it")  # fmt: skip
    foreign = [name for name in present if name not in (*FILES, README)]
    if foreign:
        raise FileExistsError(f"{out_dir} holds files an export does not write "
                              f"({', '.join(foreign[:5])}): not replacing it")  # fmt: skip


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
    ap = argparse.ArgumentParser(prog="mptwin-export-log",
                                 description="Run one replication and write it as an order log "
                                             "in the Olist schema.")  # fmt: skip
    ap.add_argument("--out", type=Path, required=True, help="the folder to write (must be empty)")
    ap.add_argument("--overwrite", action="store_true", help="replace a previous export there")
    ap.add_argument("overrides", nargs="*", help="hydra overrides, as for mptwin: scenario=smoke")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        check_target(args.out, args.overwrite)  # before minutes of simulation, not after
        cfg = compose_config(args.overrides)
        world, strategy = prepare(cfg)
    except FileExistsError as e:
        print(f"mptwin-export-log: {e}", file=sys.stderr)
        return 2
    except (ConfigError, HydraException, OmegaConfBaseException) as e:
        print(f"mptwin-export-log: config error: {e}", file=sys.stderr)
        return 2
    progress = Progress(f"{world.name}/{strategy.name}/seed={cfg.seed}") if cfg.progress else None
    result = simulate(world, strategy, int(cfg.seed), progress)
    road = OmegaConf.select(cfg, "scenario.regions.road_factor", default=ROAD_FACTOR)
    command = " ".join(["uv run mptwin-export-log --out", str(args.out), *args.overrides])
    counts = export_log(result, world, args.out, int(cfg.seed), overwrite=args.overwrite,
                        road_factor=float(road), command=command)  # fmt: skip
    width = max(map(len, counts))
    for name, n in counts.items():
        print(f"{name:<{width}}  {n:>8,}")
    print(f"\nOrder log in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
