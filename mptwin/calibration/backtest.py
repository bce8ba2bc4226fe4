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
import html
import json
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from hydra.errors import HydraException  # noqa: E402
from omegaconf.errors import OmegaConfBaseException  # noqa: E402

from mptwin.calibration.log import LogError, OrderLog, read_log  # noqa: E402
from mptwin.cli_args import HelpFormatter, int_at_least, one_line, unwritable  # noqa: E402
from sim.config_bounds import ConfigError  # noqa: E402

MIN_REGION_ORDERS = 300  # judged deliveries a region needs in the hold-out for its own row


@dataclass(frozen=True)
class Row:
    """One validated quantity: how to compute it and how close the twin must come."""

    name: str
    tolerance: float
    relative: bool  # tolerance as a share of the observed value, else absolute
    fitted: str  # "directly" (fitted on the fit period) or "emerges"


ROWS = [
    Row("late_rate", 0.03, False, "emerges"),
    Row("click_to_door_p50_h", 0.15, True, "emerges"),
    Row("click_to_door_p90_h", 0.15, True, "emerges"),
    Row("handling_p50_h", 0.20, True, "directly"),
    Row("handling_p90_h", 0.20, True, "directly"),
    Row("transit_p50_h", 0.20, True, "directly"),
    Row("transit_p90_h", 0.20, True, "directly"),
    Row("orders_per_seller", 0.25, True, "emerges"),
    Row("top10_seller_share", 0.10, False, "emerges"),
    Row("freight_to_price", 0.15, True, "emerges"),
    Row("review_on_time", 0.25, False, "directly"),
    Row("review_late", 0.50, False, "directly"),
    Row("cancellation_rate", 0.005, False, "directly"),
    Row("ks_click_to_door", 0.15, False, "emerges"),
    Row("ks_handling", 0.15, False, "directly"),
    Row("ks_transit", 0.15, False, "directly"),
]
REGION_TOLERANCE = 0.05  # late rate by region, absolute
DISTRIBUTIONS = {
    "click_to_door": "click_to_door_h",
    "handling": "handling_h",
    "transit": "transit_h",
}


def judged(orders: pd.DataFrame) -> pd.DataFrame:
    """Deliveries the statistics judge: delivered in a possible order, not censored."""
    ok = orders["delivered_ok"].fillna(False).astype(bool) & ~orders["censored"].astype(bool)
    return orders[ok]


def statistics(orders: pd.DataFrame) -> dict[str, float]:
    """Every validated number of one log (observed or simulated), one definition for both."""
    d = judged(orders)
    late = d["late"].astype("float")
    per_seller = orders["seller_id"].value_counts()
    top = max(1, round(0.1 * len(per_seller)))
    handed = d[d["handling_ok"].fillna(False).astype(bool)]
    carried = d[d["transit_ok"].fillna(False).astype(bool)]
    scored = d[d["review_score"].notna()]
    out = {
        "late_rate": float(late.mean()),
        "click_to_door_p50_h": float(d["click_to_door_h"].quantile(0.5)),
        "click_to_door_p90_h": float(d["click_to_door_h"].quantile(0.9)),
        "handling_p50_h": float(handed["handling_h"].quantile(0.5)),
        "handling_p90_h": float(handed["handling_h"].quantile(0.9)),
        "transit_p50_h": float(carried["transit_h"].quantile(0.5)),
        "transit_p90_h": float(carried["transit_h"].quantile(0.9)),
        "orders_per_seller": float(per_seller.mean()),
        "top10_seller_share": float(per_seller.iloc[:top].sum() / per_seller.sum()),
        "freight_to_price": float((orders["freight"] / orders["price"]).median()),
        "review_on_time": float(scored.loc[~scored["late"].astype(bool), "review_score"].mean()),
        "review_late": float(scored.loc[scored["late"].astype(bool), "review_score"].mean()),
        "cancellation_rate": float(orders["status"].isin(["canceled", "unavailable"]).mean()),
    }
    for state, group in d.groupby("state", observed=True):
        out[f"late_rate[{state}]"] = float(group["late"].astype("float").mean())
    return out


def ks_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Largest gap between two empirical CDFs."""
    a, b = np.sort(a[np.isfinite(a)]), np.sort(b[np.isfinite(b)])
    if not len(a) or not len(b):
        return float("nan")
    grid = np.concatenate([a, b])
    return float(
        np.max(
            np.abs(
                np.searchsorted(a, grid, "right") / len(a)
                - np.searchsorted(b, grid, "right") / len(b)
            )
        )
    )


def compare(
    observed: pd.DataFrame, simulated: list[pd.DataFrame], in_sample: bool = False
) -> pd.DataFrame:
    """The validation table: per row the observed value, the simulated mean and its range over
    seeds (min..max), the tolerance, whether it was fitted, and whether the twin is within it.
    `in_sample`: the observed orders are the ones fitted on (no hold-out)."""
    obs = statistics(observed)
    sims = [statistics(s) for s in simulated]
    for key, col in DISTRIBUTIONS.items():
        o = judged(observed)[col].to_numpy(dtype=float)
        obs[f"ks_{key}"] = 0.0
        for stats, s in zip(sims, simulated, strict=True):
            stats[f"ks_{key}"] = ks_distance(o, judged(s)[col].to_numpy(dtype=float))
    rows = list(ROWS)
    counts = judged(observed)["state"].value_counts()
    for state in sorted(counts[counts >= MIN_REGION_ORDERS].index):
        rows.append(Row(f"late_rate[{state}]", REGION_TOLERANCE, False, "emerges"))
    table = []
    for row in rows:
        values = np.array([s.get(row.name, np.nan) for s in sims], dtype=float)
        o = obs.get(row.name, np.nan)
        mean = float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")
        tol = row.tolerance * abs(o) if row.relative else row.tolerance
        # a distance passes below its tolerance; a value within it of the observed one
        ok = bool(mean <= tol if row.name.startswith("ks_") else abs(mean - o) <= tol)
        table.append(
            {
                "quantity": row.name,
                "observed": o,
                "simulated": mean,
                "sim_min": float(np.nanmin(values)),
                "sim_max": float(np.nanmax(values)),
                "tolerance": tol,
                "fitted": "in-sample" if in_sample else row.fitted,
                "pass": ok,
            }
        )
    return pd.DataFrame(table)


# --- running the twin ------------------------------------------------------------------------


def simulated_logs(
    scenario: str | dict, overrides: list[str], seeds: list[int], work: Path
) -> list[pd.DataFrame]:
    """Each seed's run, exported as a log and read back with the observed log's reader.
    `scenario`: a scenario's name in conf/scenario, or its content (a calibration not written
    yet)."""
    from mptwin.calibration.export import export_log
    from mptwin.calibration.scenario import compose_with
    from mptwin.runner.compose import build_run, compose
    from mptwin.runner.job import simulate

    out = []
    for seed in seeds:
        rest = [*overrides, f"seed={seed}", "progress=false"]
        if isinstance(scenario, dict):
            cfg = compose_with(scenario, *rest)
        else:
            cfg = compose(f"scenario={scenario}", *rest)
        world, strategy = build_run(cfg)
        result = simulate(world, strategy, seed)
        folder = work / f"seed={seed}"
        export_log(
            result, world, folder, seed=seed, road_factor=float(cfg.scenario.regions.road_factor)
        )
        out.append(read_log(folder).orders)
        print(f"  seed {seed}: {len(out[-1]):,} orders", flush=True)
    return out


def holdout_orders(log: OrderLog, sidecar: dict) -> pd.DataFrame:
    start, end = (pd.Timestamp(t) for t in sidecar["holdout_period"])
    o = log.orders
    return o[(o["purchase"] >= start) & (o["purchase"] < end)]


# --- output ----------------------------------------------------------------------------------


def write_outputs(
    table: pd.DataFrame,
    observed: pd.DataFrame,
    simulated: list[pd.DataFrame],
    out: Path,
    title: str,
    quirks: dict | None = None,
) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "validation.csv"]
    table.to_csv(paths[0], index=False)
    for key, col in DISTRIBUTIONS.items():
        fig, ax = plt.subplots(figsize=(6, 4))
        o = np.sort(judged(observed)[col].dropna().to_numpy() / 24.0)
        ax.plot(o, np.arange(1, len(o) + 1) / len(o), color="black", lw=2, label="observed")
        for i, s in enumerate(simulated):
            x = np.sort(judged(s)[col].dropna().to_numpy() / 24.0)
            ax.plot(
                x,
                np.arange(1, len(x) + 1) / len(x),
                color="tab:blue",
                alpha=0.5,
                lw=1,
                label="simulated (each seed)" if i == 0 else None,
            )
        ax.set_xlabel(f"{key.replace('_', ' ')} (days)")
        ax.set_ylabel("share of orders")
        ax.set_xlim(0, np.quantile(o, 0.99) if len(o) else 1)
        ax.legend()
        ax.set_title(f"{title}: {key.replace('_', ' ')}")
        path = out / f"overlay_{key}.png"
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    paths.append(out / "validation.html")
    paths[-1].write_text(
        _html(table, [p.name for p in paths if p.suffix == ".png"], title, quirks or {})
    )
    if quirks:
        paths.append(out / "quirks.csv")
        pd.Series(quirks, name="orders").rename_axis("quirk").to_csv(paths[-1])
    return paths


def _html(table: pd.DataFrame, figures: list[str], title: str, quirks: dict) -> str:
    verdict = "PASS" if table["pass"].all() else "FAIL"
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in r) + "</tr>"
        for r in table.itertuples(index=False)
    )
    imgs = "".join(f'<img src="{f}" alt="{f}">' for f in figures)
    handled = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{v:,}</td></tr>" for k, v in quirks.items()
    )
    if handled:
        imgs += f"<h2>Real-data quirks handled in the observed log</h2><table>{handled}</table>"
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
        "</title><style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 8px;"
        "border-bottom:1px solid #ddd;text-align:right}img{max-width:32%}</style></head>"
        f"<body><h1>{html.escape(title)}: {verdict}</h1><table><tr>{head}</tr>{body}"
        f"</table>{imgs}</body></html>"
    )


def _fmt(v) -> str:
    if isinstance(v, bool | np.bool_):
        return "pass" if v else "FAIL"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def print_table(table: pd.DataFrame) -> None:
    print(
        f"{'quantity':28s} {'observed':>10s} {'simulated':>10s} {'seeds min..max':>21s} "
        f"{'tolerance':>9s} {'fitted':>9s}  result"
    )
    for r in table.itertuples(index=False):
        print(
            f"{r.quantity:28s} {r.observed:10.4g} {r.simulated:10.4g} "
            f"{r.sim_min:10.4g}..{r.sim_max:<10.4g} {r.tolerance:9.3g} {r.fitted:>9s}  "
            f"{'pass' if r.pass_ else 'FAIL'}"
        )


# --- command line ----------------------------------------------------------------------------


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
