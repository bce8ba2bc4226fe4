"""`mptwin-explain <run folder> --list [STATUS]`: the orders of a run by their final status, to
find one worth explaining (a cancelled order, a lost parcel) without opening orders.parquet.
With no status, how many orders ended in each; with one, the first of them by id, a line each."""

from __future__ import annotations

import math

import pandas as pd
import pyarrow.parquet as pq

from mptwin.results.explain.run_folder import Names, check_run, config_of, names_of, overrides
from sim.lifecycle import CANCELLED, DELIVERED, LOST, RETURNED

OPEN = "open"  # orders.parquet's status of an order still in flight when the run ended
STATUSES = (DELIVERED, RETURNED, CANCELLED, LOST, OPEN)  # in the order the counts are printed
MEANING = {
    DELIVERED: "reached the customer",
    RETURNED: "delivered, then sent back",
    CANCELLED: "cancelled (stockout, seller, fraud, unroutable)",
    LOST: "lost in transit",
    OPEN: "still in flight when the run ended",
}
DEFAULT_LIMIT = 20
COLUMNS = [
    "order_id",
    "status",
    "placed_h",
    "promise_h",
    "handed_h",
    "delivered_h",
    "returned_h",
    "price",
    "shipping_fee",
    "seller",
    "carrier",
    "cancel_reason",
    "routed_h",
    "packed_h",
]


def status_counts(folder) -> str:
    """How many of the run's orders ended in each status, with what each status means."""
    folder = check_run(folder)
    status = pd.read_parquet(folder / "orders.parquet", columns=["status"])["status"]
    counts = status.astype(str).value_counts()
    total = int(counts.sum())
    lines = [f"Orders of {overrides(config_of(folder))} by final status ({total:,} in all):"]
    for name in STATUSES:
        n = int(counts.get(name, 0))
        share = f"{100 * n / total:5.1f}%" if total else "    -"
        lines.append(f"  {name:<10}{n:>10,}  {share}  {MEANING[name]}")
    lines.append(f"List the orders of one: mptwin-explain {folder} --list {CANCELLED}")
    return "\n".join(lines)


def list_orders(folder, status: str, limit: int = DEFAULT_LIMIT) -> str:
    """The run's orders that ended in `status`, by id: the first `limit`, then how many more."""
    folder = check_run(folder)
    path = folder / "orders.parquet"
    have = set(pq.read_schema(path).names)
    orders = pd.read_parquet(path, columns=[c for c in COLUMNS if c in have])
    orders = orders[orders["status"].astype(str) == status].sort_values("order_id")
    config = config_of(folder)
    names, total = names_of(config), _count(path)
    lines = [f"Status {status}: {len(orders):,} of the {total:,} orders of {overrides(config)}"]
    if orders.empty:
        return "\n".join(lines)
    rows = [_row(o, names) for o in orders.head(limit).to_dict("records")]
    head = ("order", "placed", "promised by", "delivered", "paid", "seller", "carrier", "note")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    right = {0, 4}  # numbers
    for cells in [head, *rows]:
        text = "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )
        lines.append(f"  {text}".rstrip())
    more = len(orders) - limit
    if more > 0:
        lines.append(f"  … and {more:,} more; --limit {len(orders)} to see them all")
    first = int(orders["order_id"].iloc[0])
    if (folder / "decisions.parquet").is_file():
        lines.append(f"Explain one: mptwin-explain {folder} --order {first}")
    else:
        lines.append(
            f"To explain one, the run needs its decisions: mptwin {overrides(config)} "
            "decisions=true"
        )
    return "\n".join(lines)


def _row(o: dict, n: Names) -> tuple[str, ...]:
    carrier = int(o.get("carrier", -1))
    return (
        str(o["order_id"]),
        n.short(o["placed_h"]),
        n.short(o["promise_h"]),
        n.short(o.get("delivered_h", math.nan)),
        f"{o['price'] + o.get('shipping_fee', 0.0):,.2f}",
        n.seller(int(o["seller"])),
        n.carrier(carrier).removeprefix("carrier ") if carrier >= 0 else "-",
        _note(o, n),
    )


def _note(o: dict, n: Names) -> str:
    """A few words on how the order ended: the cancel reason, how late, where it stopped."""
    status = str(o["status"])
    if status == CANCELLED:
        return str(o.get("cancel_reason") or "")
    if status in (DELIVERED, RETURNED):
        late = o["delivered_h"] - o["promise_h"]
        said = f"late by {late:.1f} h" if late > 0 else "on time"
        return said + (f", returned {n.short(o['returned_h'])}" if status == RETURNED else "")
    if status == LOST:
        return f"handed over {n.short(o.get('handed_h', math.nan))}, never delivered"
    for column, what in (
        ("handed_h", "with the carrier"),
        ("packed_h", "packed"),
        ("routed_h", "routed"),
    ):
        if not _missing(o.get(column)):
            return what
    return "not routed yet"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _count(path) -> int:
    return pq.ParquetFile(path).metadata.num_rows
