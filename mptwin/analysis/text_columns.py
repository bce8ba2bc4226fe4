"""Text and JSON a column at a time, with pyarrow's string kernels (never a Python loop per row):
what `mptwin.analysis.decisions` builds the decisions table with. A baseline run records over a
million decisions, and making their text must stay a small part of the run."""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sim.decision_log import Options


@contextmanager
def system_memory():
    """Build with the system allocator: pyarrow's default pool (mimalloc) took about twice as
    long to grow by the few hundred MB a baseline run's decisions need (measured on this
    project's machine), and nothing else allocates meanwhile. The default comes back after."""
    default = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(default)


def text(*pieces) -> pa.Array:
    """Pieces (strings, or string arrays of one length) joined element by element; adjacent
    constants are merged first (each piece costs a pass)."""
    merged: list = []
    for p in pieces:
        if isinstance(p, str) and merged and isinstance(merged[-1], str):
            merged[-1] += p
        else:
            merged.append(p)
    return pc.binary_join_element_wise(*merged, "")


def integers(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())


def numbers(values: np.ndarray, digits: int, null: str = "null") -> pa.Array:
    """Numbers rounded to `digits` places, shortest form (14.2, not 14.20); `null` for NaN.
    Formatting a number is the dearest step of all; a column that repeats a few values (a
    lane's cost, a distance) has each value formatted once."""
    x = np.asarray(values, dtype=float)
    finite = np.isfinite(x)
    rounded = pa.array(np.round(np.where(finite, x, 0.0), digits))
    sample = np.asarray(rounded)[:: max(1, len(x) // 4096)]
    if len(x) > 4096 and len(np.unique(sample)) < len(sample) // 4:
        codes = pc.dictionary_encode(rounded)
        out = pc.cast(codes.dictionary, pa.string()).take(codes.indices)
    else:
        out = pc.cast(rounded, pa.string())
    return out if finite.all() else pc.if_else(pa.array(finite), out, null)


def json_values(values: np.ndarray) -> pa.Array:
    """A numpy column as JSON values: booleans, integers, numbers (4 places), strings."""
    if values.dtype == bool:
        return pc.if_else(pa.array(values), "true", "false")
    if values.dtype.kind in "iu":
        return integers(values)
    if values.dtype.kind == "f":
        return numbers(values, 4)
    labels = pa.array(values, pa.string()).dictionary_encode()  # few distinct: escape those
    quoted = labels.dictionary
    for raw, escaped in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n")):
        quoted = pc.replace_substring(quoted, raw, escaped)
    return pc.fill_null(text('"', quoted, '"').take(labels.indices), "null")


def json_object(fields: dict) -> list:
    """The pieces (for `text`) of a JSON object per index: {"field": value, ...}. A value is a
    numpy array (rendered here), a string array already rendered, or one rendered constant."""
    pieces = []
    for k, (name, values) in enumerate(fields.items()):
        pieces.append(f'{"{" if k == 0 else ","}"{name}":')
        pieces.append(json_values(values) if isinstance(values, np.ndarray) else values)
    return [*pieces, "}"]


def json_lists(owner: np.ndarray, objects: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Objects grouped by their owner (non-decreasing) into one comma-separated body per owner:
    (the owners, in order, and their bodies)."""
    first = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]]) if len(owner) else owner
    offsets = pa.array(np.r_[first, len(owner)].astype(np.int32))
    return owner[first], pc.binary_join(pa.ListArray.from_arrays(offsets, objects), ",")


def option_bodies(store: Options) -> tuple[np.ndarray, pa.Array]:
    """One store's options as JSON objects with `chosen`, one body per decision: (the
    decisions' indexes, bodies)."""
    cols = store.columns()
    fields = {name: cols[name] for name in store.fields}
    fields["chosen"] = cols["chosen"]
    return json_lists(cols["owner"], text(*json_object(fields)))


def bodies_for(ids: np.ndarray, parts: list[tuple[np.ndarray, pa.Array]]) -> pa.Array:
    """For each id, its body from the (ids, bodies) parts that has it (null where none)."""
    position, base, bodies = np.full(len(ids), -1, dtype=np.int64), 0, []
    for owners, part in parts:
        where = np.searchsorted(ids, owners)
        hit = where < len(ids)
        hit[hit] = ids[where[hit]] == owners[hit]
        position[where[hit]] = base + np.flatnonzero(hit)
        base += len(owners)
        bodies.append(part)
    if not bodies:
        return pa.nulls(len(ids), pa.string())
    taken = pa.concat_arrays(bodies).take(pa.array(np.where(position < 0, 0, position)))
    return pc.if_else(pa.array(position >= 0), taken, pa.scalar(None, pa.string()))


def labels(values: list[str], index: np.ndarray) -> pa.Array:
    """Per row `values[index]`, dictionary-encoded (a long text is stored once)."""
    names = list(dict.fromkeys(values))
    codes = np.array([names.index(v) for v in values], dtype=np.int32)
    return pa.DictionaryArray.from_arrays(pa.array(codes[index]), pa.array(names, pa.string()))
