"""Text a column at a time, with pyarrow's string kernels (never a Python loop per row): what
`mptwin.results.measure.decisions` builds the decisions table's short texts with. A baseline run
records over a million decisions, and making their text must stay a small part of the run."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


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


def labels(values: list[str], index: np.ndarray) -> pa.Array:
    """Per row `values[index]`, dictionary-encoded (a long text is stored once)."""
    names = list(dict.fromkeys(values))
    codes = np.array([names.index(v) for v in values], dtype=np.int32)
    return pa.DictionaryArray.from_arrays(pa.array(codes[index]), pa.array(names, pa.string()))
