"""Records that retire into typed columns: orders and exceptions live as slotted objects while
anything in the world still refers to them, and move into numpy columns (8 bytes a time, 4 an
index, 1 a flag, 2 a string's code) once nothing does. A year of millions of orders then holds
columns, not millions of objects.

Why reference counts: every later touch of a record goes through a reference to it (a queue,
a heap entry, a scheduled continuation, an exception's handler); the world never looks a record
up by id. So a record that only the archive still refers to can never change again, and its
row is final.
"""

from __future__ import annotations

import operator
import sys

import numpy as np

# field kinds: a float ("d"), an index or count ("i", 32 bits), an id ("q", 64 bits),
# a flag ("b"), a short string from a small vocabulary ("s", stored as a code)
_STORED = {"d": np.float64, "i": np.int32, "q": np.int64, "b": np.bool_, "s": np.int16}


class Archive:
    """Records with an id field numbered 0, 1, 2, ... in the order they are added. Retired rows
    wait as tuples in a small batch, then go into the columns a batch (a numpy chunk per
    column) at a time."""

    BATCH = 1 << 15

    def __init__(self, id_field: str, fields: dict[str, str]):
        if id_field not in fields:
            raise ValueError(f"the id field {id_field!r} must be one of the fields")
        self.id_field = id_field
        self.fields = fields
        self.live: dict[int, object] = {}  # id -> record still referred to (or not yet swept)
        self.count = 0
        self.chunks: dict[str, list[np.ndarray]] = {name: [] for name in fields}
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
        """The batch's rows into the columns: one numpy chunk per column."""
        if not self._batch:
            return
        for (name, kind), values in zip(
            self.fields.items(), zip(*self._batch, strict=True), strict=True
        ):
            if kind == "s":
                values = self._encode(name, values)
            self.chunks[name].append(np.array(values, dtype=_STORED[kind]))
        self._batch = []

    def _encode(self, name: str, values) -> list[int]:
        codes, labels = self._codes[name], self.labels[name]
        for v in dict.fromkeys(values):  # in order of first use: the same codes every run
            if v not in codes:
                codes[v] = len(labels)
                labels.append(v)
        return [codes[v] for v in values]

    def columns(self, release: bool = False) -> dict[str, np.ndarray]:
        """Every record's fields, retired and live, as numpy columns in id order: numbers in
        their stored width (int32 indexes, int64 ids), string fields as codes into
        `labels[name]`. Live records stay live; the retired rows are kept as one chunk, or
        dropped with `release` (the end of a run: the caller keeps the columns)."""
        self._flush()
        rows = [self._row(r) for r in self.live.values()]
        tail = dict(zip(self.fields, zip(*rows, strict=True), strict=True)) if rows else {}
        ids = np.concatenate(
            [self._retired(self.id_field), np.asarray(tail.get(self.id_field, ()), dtype=np.int64)]
        )
        order = None if _ascending(ids) else np.argsort(ids, kind="stable")
        out = {}
        for name, kind in self.fields.items():
            last = tail.get(name, ())
            if kind == "s":
                last = self._encode(name, last)
            values = np.concatenate([self._retired(name), np.asarray(last, dtype=_STORED[kind])])
            if release:
                self.chunks[name] = []
            out[name] = values if order is None else values[order]
        return out

    def _retired(self, name: str) -> np.ndarray:
        """A column's retired rows, its chunks joined into one (kept so, to free the chunks)."""
        chunks = self.chunks[name]
        if len(chunks) > 1:
            chunks[:] = [np.concatenate(chunks)]
        return chunks[0] if chunks else np.empty(0, dtype=_STORED[self.fields[name]])


def _ascending(ids: np.ndarray) -> bool:
    return bool(ids.size < 2 or (ids[1:] > ids[:-1]).all())


class _Probe:
    __slots__ = ()


def _idle_refcount() -> int:
    """The reference count `retire_idle` sees for a record only the archive holds (measured the
    same way, so it is right on any Python build)."""
    held = {0: _Probe()}
    return max(sys.getrefcount(r) for r in held.values())
