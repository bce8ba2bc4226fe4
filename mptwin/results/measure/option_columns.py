"""The alternatives of the decisions table as typed nested columns, one list<struct> column per
option type of `sim.decisions`, built by pyarrow in C from the log's numpy option columns (no
number is formatted, no row object made: a baseline run lists millions of options). A struct
has the option type's fields and `chosen` (the option the world applied); NaN, a term the
policy does not estimate, is stored as null."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from sim.decisions import Alternative, PromiseOption, RouteOption
from sim.recording.decision_log import Options

COLUMNS = {
    RouteOption: "route_options",
    PromiseOption: "promise_options",
    Alternative: "alternatives",
}
_ARROW = {np.int64: pa.int64(), np.float64: pa.float64(), np.bool_: pa.bool_(), object: pa.string()}


def _list_type(kind: type) -> pa.ListType:
    members = [pa.field(name, _ARROW[dtype]) for name, dtype in Options(kind).fields.items()]
    return pa.list_(pa.struct([*members, pa.field("chosen", pa.bool_())]))


TYPES = {name: _list_type(kind) for kind, name in COLUMNS.items()}


def structs(kind: type, cols: dict[str, np.ndarray]) -> pa.StructArray:
    """Options of `kind` as structs, from their columns (its fields and `chosen`)."""
    members = list(TYPES[COLUMNS[kind]].value_type)
    arrays = [pa.array(cols[f.name], f.type, from_pandas=f.type == pa.float64()) for f in members]
    return pa.StructArray.from_arrays(arrays, fields=members)


def store_lists(store: Options, n: int) -> pa.ListArray:
    """Per owner 0..n-1 of `store`, the list of its options (empty where it has none)."""
    return lists(store.kind, store.columns(), n)


def lists(kind: type, cols: dict[str, np.ndarray], n: int) -> pa.ListArray:
    """Per owner 0..n-1, the list of its options (`cols`: of `kind`, by `owner`)."""
    offsets = np.searchsorted(cols["owner"], np.arange(n + 1)).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), structs(kind, cols))


def family(stores: dict[type, Options], n: int) -> dict[str, pa.Array]:
    """The option columns of n decisions whose options are in `stores` (by type): a list per
    decision in its type's column, null in the others."""
    out = {name: pa.nulls(n, t) for name, t in TYPES.items()}
    for kind, store in stores.items():
        out[COLUMNS[kind]] = store_lists(store, n)
    return out


def spread(
    lists: pa.ListArray,
    which: np.ndarray,
    extra: pa.StructArray | None = None,
    needs: np.ndarray | None = None,
) -> pa.ListArray:
    """Per row, the list `lists[which]` (empty where which < 0), followed, where `needs`, by
    the row's own `extra` option: rows that share an explanation get a copy of its list."""
    n = len(which)
    lo = np.asarray(lists.offsets)
    has = which >= 0
    if len(lo) > 1:
        safe = np.where(has, which, 0)
        start, lens = np.where(has, lo[:-1][safe], 0), np.where(has, np.diff(lo)[safe], 0)
    else:  # no list at all (a policy that never explained): every row gets only its own
        start = lens = np.zeros(n, dtype=np.int64)
    add = np.zeros(n, dtype=np.int64) if needs is None else needs.astype(np.int64)
    offsets = np.r_[0, np.cumsum(lens + add)]
    index = np.empty(offsets[-1], dtype=np.int64)
    within = np.arange(lens.sum()) - np.repeat(np.cumsum(lens) - lens, lens)
    index[np.repeat(offsets[:-1], lens) + within] = np.repeat(start, lens) + within
    values = lists.values
    if needs is not None and needs.any():
        index[(offsets[:-1] + lens)[needs]] = len(values) + np.flatnonzero(needs)
        values = pa.concat_arrays([values, extra])
    return pa.ListArray.from_arrays(
        pa.array(offsets.astype(np.int32)), values.take(pa.array(index))
    )
