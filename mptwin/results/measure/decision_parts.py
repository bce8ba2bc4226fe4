"""What the parts of the decisions table (`mptwin.results.measure.decisions`) share: the
answer's note, the price columns, the orders' facts by order id, and one part's columns in the
contract's order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from mptwin.results.measure.option_columns import TYPES
from mptwin.results.measure.run_tables import DECISION_COLUMNS
from mptwin.results.measure.text_columns import labels
from sim.recording.decision_log import POINTS, DecisionLog

ANSWERED = "the policy's answer (it listed no alternatives)"
_POINTS = pa.array(POINTS, pa.string())
PRICE_COLUMNS = {
    name: pa.string() if DECISION_COLUMNS[name] == "string" else pa.float64()
    for name in list(DECISION_COLUMNS)[-7:]
}


class _OrderFacts:
    """Columns of the orders table, looked up by order id."""

    def __init__(self, orders: pd.DataFrame):
        self.ids = orders["order_id"].to_numpy()
        self.cols = {
            k: orders[k].to_numpy() for k in ("offer", "seller", "region", "placed_h", "promise_h")
        }

    def of(self, order_ids: np.ndarray, name: str) -> np.ndarray:
        """Per order id, its value of column `name` (-1 for id -1: no order)."""
        col, known = self.cols[name], order_ids >= 0
        out = np.full(len(order_ids), -1, dtype=col.dtype)
        out[known] = col[np.searchsorted(self.ids, order_ids[known])]
        return out


def _strings(column: pd.Series) -> pa.Array:
    return pa.array(column.to_numpy(dtype=object), pa.string())


def _reasons(values: list[str]) -> pa.Array:
    return pa.array(values, pa.string()).dictionary_encode()


# --- one part of the table ------------------------------------------------------------------------


def _part(
    ids,
    t_h,
    point,
    order_id,
    offer,
    seller,
    exc_id,
    app_id,
    asked,
    chosen,
    log: DecisionLog,
    reason,
    options: dict,
    prices: dict | None = None,
) -> pa.Table:
    """A part's columns in the contract's order; a constant point, and None for a column of
    -1s, are spread over its rows; price columns are null but in the pricing part."""
    n = len(ids)
    point = np.full(n, point, np.int8) if np.isscalar(point) else np.asarray(point, np.int8)
    names = [log.policy[p] for p in range(len(POINTS))]
    cols = [
        pa.array(ids, pa.int64()),
        pa.array(t_h, pa.float64()),
        pa.DictionaryArray.from_arrays(pa.array(point), _POINTS),
    ]
    for values, kind in (
        (order_id, pa.int64()),
        (offer, pa.int32()),
        (seller, pa.int32()),
        (exc_id, pa.int64()),
        (app_id, pa.int64()),
    ):
        cols.append(pa.array(np.full(n, -1) if values is None else values, kind))
    cols += [asked, chosen, labels(names, point), reason, *(options[k] for k in TYPES)]
    prices = prices or {}
    cols += [prices[k] if k in prices else pa.nulls(n, kind) for k, kind in PRICE_COLUMNS.items()]
    return pa.table(cols, names=list(DECISION_COLUMNS))
