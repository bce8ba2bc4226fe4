"""Records that retire into typed columns: orders and exceptions live as slotted objects while
anything in the world still refers to them, and move into `array.array` columns (8 bytes a
time, 4 an index, 1 a flag or a string code) once nothing does. A year of millions of orders
then holds columns, not millions of objects.

Why reference counts: every later touch of a record goes through a reference to it (a queue,
a heap entry, a scheduled continuation, an exception's handler); the world never looks a record
up by id. So a record that only the archive still refers to can never change again, and its
row is final.
"""

from __future__ import annotations

import operator
import sys
from array import array

import numpy as np

# field kinds: a float ("d"), an index or count ("i", 32 bits), an id ("q", 64 bits),
# a flag ("b"), a short string from a small vocabulary ("s", stored as a code)
_TYPECODE = {"d": "d", "i": "i", "q": "q", "b": "b", "s": "H"}
_NUMPY = {"d": np.float64, "i": np.int64, "q": np.int64, "b": np.bool_, "s": np.int64}


class Archive:
    """Records with an id field numbered 0, 1, 2, ... in the order they are added. Retired rows
    wait as tuples in a small batch, then go into the columns a batch at a time."""

    BATCH = 1 << 15

    def __init__(self, id_field: str, fields: dict[str, str]):
        if id_field not in fields:
            raise ValueError(f"the id field {id_field!r} must be one of the fields")
        self.id_field = id_field
        self.fields = fields
        self.live: dict[int, object] = {}  # id -> record still referred to (or not yet swept)
        self.count = 0
        self.cols = {name: array(_TYPECODE[kind]) for name, kind in fields.items()}
        self.labels = {name: [] for name, kind in fields.items() if kind == "s"}
        self._codes = {name: {} for name in self.labels}
        self._row = operator.attrgetter(*fields)  # one C call reads a record's fields
        self._batch: list[tuple] = []
        self._idle_refs = _idle_refcount()

    def __len__(self) -> int:
        return self.count

    def next_id(self) -> int:
        return self.count

    def add(self, record) -> None:
        """Keep a new record (its id must be `next_id()`)."""
        self.live[self.count] = record
        self.count += 1

    def get(self, record_id: int):
        """A record still held as an object, or None once it has retired into the columns."""
        return self.live.get(record_id)

    def retire_idle(self) -> int:
        """Move every record nothing else refers to into the columns; returns how many."""
        idle = [r for r in self.live.values() if sys.getrefcount(r) <= self._idle_refs]
        live, row, batch, key = self.live, self._row, self._batch, self.id_field
        for record in idle:
            batch.append(row(record))
            del live[getattr(record, key)]
        if len(batch) >= self.BATCH:
            self._flush()
        return len(idle)

    def _flush(self) -> None:
        """The batch's rows into the columns, a column at a time."""
        if not self._batch:
            return
        for (name, col), values in zip(
            self.cols.items(), zip(*self._batch, strict=True), strict=True
        ):
            if name in self._codes:
                values = self._encode(name, values)
            col.extend(values)
        self._batch = []

    def _encode(self, name: str, values) -> list[int]:
        codes, labels = self._codes[name], self.labels[name]
        for v in dict.fromkeys(values):  # in order of first use: the same codes every run
            if v not in codes:
                codes[v] = len(labels)
                labels.append(v)
        return [codes[v] for v in values]

    def columns(self) -> dict[str, np.ndarray]:
        """Every record's fields, retired and live, as numpy columns in id order; string fields
        as object arrays of their values. Live records stay live."""
        self._flush()
        rows = [self._row(r) for r in self.live.values()]
        live_cols = dict(zip(self.fields, zip(*rows, strict=True), strict=True)) if rows else {}
        ids = np.concatenate([_np(self.cols[self.id_field], "q"),
                              np.asarray(live_cols.get(self.id_field, ()), dtype=np.int64)])  # fmt: skip
        order = np.argsort(ids, kind="stable")
        out = {}
        for name, kind in self.fields.items():
            tail = live_cols.get(name, ())
            if kind == "s":
                labels = np.asarray(self.labels[name] + [None], dtype=object)
                retired = labels[_np(self.cols[name], kind)]
                values = np.concatenate([retired, np.asarray(tail, dtype=object)])
            else:
                values = np.concatenate([_np(self.cols[name], kind),
                                         np.asarray(tail, dtype=_NUMPY[kind])])  # fmt: skip
            out[name] = values[order]
        return out


def _np(col: array, kind: str) -> np.ndarray:
    return (
        np.frombuffer(col, dtype=col.typecode).astype(_NUMPY[kind])
        if len(col)
        else np.empty(0, dtype=_NUMPY[kind])
    )


class _Probe:
    __slots__ = ()


def _idle_refcount() -> int:
    """The reference count `retire_idle` sees for a record only the archive holds (measured the
    same way, so it is right on any Python build)."""
    held = {0: _Probe()}
    return max(sys.getrefcount(r) for r in held.values())
