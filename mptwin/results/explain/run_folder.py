"""What `mptwin-explain` reads from a run folder: one order's rows of the run's tables, its
decisions, and the names the run's resolved config gives its carriers, regions and sellers."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import yaml

from mptwin.results.job_folder import CONFIG


class ExplainError(Exception):
    """Something the user can fix: a folder without what is needed, an unknown order."""


@dataclass
class Names:
    """Names from the run's resolved config where it has them; indices otherwise."""

    carriers: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    seller_profiles: list[tuple[str, int]] = field(default_factory=list)  # (name, count)
    start: date = date(2026, 1, 5)

    def carrier(self, c: int) -> str:
        return f"carrier {self.carriers[c]}" if 0 <= c < len(self.carriers) else f"carrier {c}"

    def warehouse(self, w: int) -> str:
        return f"warehouse {w}"  # a scenario gives warehouses a count, not names

    def region(self, r: int) -> str:
        return f"region {self.regions[r]}" if 0 <= r < len(self.regions) else f"region {r}"

    def seller(self, s: int) -> str:
        """`seller 12 (small)`: its index, and the profile it was made from."""
        first = 0
        for name, count in self.seller_profiles:
            if s < first + count:
                return f"seller {s} ({name})"
            first += count
        return f"seller {s}" + (" (an applicant)" if self.seller_profiles else "")

    def when(self, t_h: float) -> str:
        """`Tue 2026-01-06 14:05 (h 38.1)`: the calendar time of a simulation hour."""
        at = datetime.combine(self.start, datetime.min.time()) + timedelta(hours=float(t_h))
        return f"{at:%a %Y-%m-%d %H:%M} (h {t_h:.1f})"

    def short(self, t_h: float) -> str:
        """`01-06 14:05`: the same, for a table; `-` for no time (NaN)."""
        if t_h is None or math.isnan(t_h):
            return "-"
        at = datetime.combine(self.start, datetime.min.time()) + timedelta(hours=float(t_h))
        return f"{at:%m-%d %H:%M}"


@dataclass
class OrderStory:
    """An order's rows: its order row, shipment (or None), exceptions and decisions."""

    order: pd.Series
    shipment: pd.Series | None
    exceptions: pd.DataFrame
    decisions: pd.DataFrame
    names: Names
    run: str  # scenario / strategy / seed


def check_run(folder: Path) -> Path:
    """`folder` if it is a run folder (holding orders.parquet), else an ExplainError saying why
    not (and where the run folders inside it are, if it holds any)."""
    folder = Path(folder)
    if not folder.exists():
        raise ExplainError(f"{folder} does not exist")
    if not folder.is_dir():
        raise ExplainError(f"{folder} is a file; give a run folder (one holding orders.parquet)")
    if not (folder / "orders.parquet").is_file():
        raise ExplainError(_not_a_run(folder))
    return folder


def load(folder: Path, order_id: int) -> OrderStory:
    """An order's story from a run folder, or an ExplainError that says what is missing."""
    folder = check_run(folder)
    config = config_of(folder)
    if not (folder / "decisions.parquet").is_file():
        raise ExplainError(
            f"{folder} has no decisions.parquet: the run did not record its "
            f"decisions. Run it again with decisions=true, e.g.\n  mptwin "
            f"{overrides(config)} decisions=true"
        )
    orders = _rows(folder / "orders.parquet", order_id)
    if orders.empty:
        n = _count(folder / "orders.parquet")
        raise ExplainError(
            f"order {order_id} is not in this run: its orders are numbered 0 to {n - 1}"
        )
    shipments = _rows(folder / "shipments.parquet", order_id)
    return OrderStory(
        orders.iloc[0],
        None if shipments.empty else shipments.iloc[0],
        _rows(folder / "exceptions.parquet", order_id).sort_values("raised_h"),
        _rows(folder / "decisions.parquet", order_id).sort_values("decision_id"),
        names_of(config),
        overrides(config),
    )


def run_folders(folder: Path, depth: int = 4) -> list[Path]:
    """The run folders (holding orders.parquet) up to `depth` levels below `folder`, sorted: the
    timestamped folders of one seed sort oldest first."""
    found = []
    for here, dirs, files in os.walk(folder):
        level = len(Path(here).relative_to(folder).parts)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")) if level < depth else []
        if "orders.parquet" in files and Path(here) != folder:
            found.append(Path(here))
    return sorted(found)


def _not_a_run(folder: Path) -> str:
    """Why `folder` is not a run folder, pointing to the run folders inside it if it has any
    (`outputs/<scenario>/<strategy>/seed=1` holds one per run, named by its time)."""
    inner = run_folders(folder)
    if not inner:
        return f"{folder} is not a run folder: it has no orders.parquet (nor any folder in it)"
    with_decisions = [p for p in inner if (p / "decisions.parquet").is_file()]
    latest = (with_decisions or inner)[-1]
    said = "" if with_decisions else "; none has decisions.parquet (run with decisions=true)"
    return (
        f"{folder} is not a run folder but holds {len(inner)} run folder(s); the latest: "
        f"{latest}{said}"
    )


def _rows(path: Path, order_id: int) -> pd.DataFrame:
    if not path.is_file():
        raise ExplainError(f"{path.parent} has no {path.name}")
    return pd.read_parquet(path, filters=[("order_id", "==", order_id)])


def _count(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


def config_of(folder: Path) -> dict:
    path = folder / CONFIG
    try:
        return yaml.safe_load(path.read_text()) or {} if path.is_file() else {}
    except yaml.YAMLError:
        return {}


def overrides(config: dict) -> str:
    """The run's own overrides, as far as the config says: scenario, strategy and seed."""
    scenario = (config.get("scenario") or {}).get("name", "?")
    strategy = (config.get("strategy") or {}).get("name", "?")
    return f"scenario={scenario} strategy={strategy} seed={config.get('seed', '?')}"


def names_of(config: dict) -> Names:
    s = config.get("scenario") or {}
    sites = ((s.get("regions") or {}).get("sites")) or []
    try:
        start = date.fromisoformat(str(s.get("start_date", "2026-01-05")))
    except ValueError:
        start = date(2026, 1, 5)
    return Names(
        [c.get("name", str(i)) for i, c in enumerate(s.get("carriers") or [])],
        [x.get("name", str(i)) for i, x in enumerate(sites)],
        [(p.get("name", "?"), int(p.get("count", 1))) for p in s.get("sellers") or []],
        start,
    )


OPTION_COLUMNS = ("route_options", "promise_options", "alternatives")  # by option type


def alternatives(row: pd.Series) -> list[dict]:
    """A decision's alternatives, from the option column of its type (the others are null), as
    dicts; a term the policy does not estimate is None."""
    for name in OPTION_COLUMNS:
        options = row.get(name)
        if options is not None and not (isinstance(options, float) and math.isnan(options)):
            return [
                {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in o.items()}
                for o in options
            ]
    return []
