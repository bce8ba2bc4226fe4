"""The `decisions` table of a run that recorded them (`sim.recording.decision_log.DecisionLog`):
one row per decision in decision order, its alternatives as typed nested columns (one list of
structs per option type, `mptwin.results.measure.option_columns`) and a price change's terms as plain
columns.
What the log leaves out comes from the run's other tables: when a promise was made, for which
offer and region, the hours shown (orders); what an exception is and how it was triaged
(exceptions). The short texts are built a column at a time (`mptwin.results.measure.text_columns`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from mptwin.memory import memory_for_big_tables
from mptwin.results.measure.decision_orders import _promise_part, _routing_part, _triage_part
from mptwin.results.measure.decision_parts import _OrderFacts, _part, _reasons
from mptwin.results.measure.decision_prices import _prices_part
from mptwin.results.measure.option_columns import family
from sim.recording.decision_log import DecisionLog
from sim.recording.decision_log import numbers as array_columns


def decisions_table(
    log: DecisionLog, tables: dict[str, pd.DataFrame], offer_seller: np.ndarray
) -> pd.DataFrame:
    """Every decision of the run (`tables`: the run's orders and exceptions; `offer_seller`:
    each offer's seller), numbered in time order: within an instant the points come in
    `POINTS` order, each point's decisions in the order they were made. Rows come by point
    (sort by decision_id for the run's order): putting a million rows of text in time order
    would cost more than all the rest."""
    with memory_for_big_tables():
        order = _OrderFacts(tables["orders"])
        parts = [
            _routing_part(log, order),
            _promise_part(log, order),
            _triage_part(log, tables["exceptions"], order),
            _rare_part(log),
        ]
        if log.prices:
            parts.append(_prices_part(log, offer_seller))
        table = pa.concat_tables(parts)
        point = table["point"].combine_chunks().indices.to_numpy()
        seq, t = table["decision_id"].to_numpy(), table["t_h"].to_numpy()
        rank = np.empty(len(t), dtype=np.int64)
        rank[np.lexsort([seq, point, t])] = np.arange(len(t))  # time, point, then as made
        table = table.set_column(0, "decision_id", pa.array(rank))
        return table.unify_dictionaries().to_pandas(types_mapper=_nested)


def _nested(kind: pa.DataType):
    """Option lists stay Arrow in pandas: made into Python objects, they would cost more than
    everything else."""
    return pd.ArrowDtype(kind) if pa.types.is_list(kind) else None


# --- the rare points ------------------------------------------------------------------------------


def _rare_part(log: DecisionLog) -> pa.Table:
    r = array_columns(log.rare)
    t = log.rare_text
    return _part(
        np.arange(len(r["t_h"])),
        r["t_h"],
        r["point"],
        r["order_id"],
        r["offer"],
        r["seller"],
        None,
        r["app_id"],
        pa.array(t["asked"], pa.string()),
        pa.array(t["chosen"], pa.string()),
        log,
        _reasons(t["reason"]),
        family(log.options["rare"], len(r["t_h"])),
    )
