"""The protocol's codec: protocol values (dataclasses of `strategies.remote.protocol`) to and from
JSON-ready Python, by their type hints. A list of records travels as a table ({field: [values]}),
which is several times cheaper to write and read than an object per record; NaN and infinities
travel as null. Decoding checks every field, so a malformed answer is refused with a reason that
names the field, never guessed at."""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from functools import cache

import numpy as np

from strategies.remote.protocol import Events


def to_wire(obj):
    """A protocol value as JSON-ready Python: a dataclass as an object, a list of dataclasses as
    a table (an array per field); NaN and infinities as None, frozensets as sorted lists."""
    if dataclasses.is_dataclass(obj):
        return {name: enc(getattr(obj, name)) for name, enc in _encoders(type(obj))}
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, list | tuple):
        return [to_wire(x) for x in obj]
    if isinstance(obj, frozenset | set):
        return sorted(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def from_wire(cls, data):
    """The dataclass `cls` from its wire form; a missing, unknown or mistyped field is a
    ValueError that names it (an answer the twin must refuse, not guess at)."""
    if not isinstance(data, dict):
        raise ValueError(f"{cls.__name__}: expected an object, got {type(data).__name__}")
    decoders = _decoders(cls)
    unknown = data.keys() - decoders.keys()
    if unknown:
        raise ValueError(f"{cls.__name__}: unknown field(s) {sorted(unknown)}")
    kwargs = {}
    for name, (decode, required) in decoders.items():
        if name in data:
            try:
                kwargs[name] = decode(data[name])
            except ValueError as e:
                raise ValueError(f"{cls.__name__}.{name}: {e}") from None
        elif required:
            raise ValueError(f"{cls.__name__}: missing field {name!r}")
    return cls(**kwargs)


def to_table(rows: list, cls) -> dict:
    """Records of type `cls` as a table on the wire: {field: [values]}."""
    return _table_of(cls)(rows)


def events_to_wire(queue: list[tuple[str, object]]) -> dict:
    """(topic, event) pairs, in order, as an `Events` on the wire."""
    rows: dict[str, list] = {}
    for topic, event in queue:
        rows.setdefault(topic, []).append(event)
    out = {"topic": [t for t, _ in queue]}
    for topic, events in rows.items():
        out[topic] = _table_of(type(events[0]))(events)
    return out


def events_in_order(events: Events) -> list[tuple[str, object]]:
    """The (topic, event) pairs an `Events` carries, in the order they happened."""
    tables = {t: iter(getattr(events, t)) for t in set(events.topic)}
    try:
        return [(t, next(tables[t])) for t in events.topic]
    except KeyError as e:
        raise ValueError(f"unknown event topic {e.args[0]!r}") from None
    except StopIteration:
        raise ValueError("more topics than events") from None


# --- per-type codecs, built once per class ----------------------------------------------------


def _is_record_list(tp) -> bool:
    return typing.get_origin(tp) is list and dataclasses.is_dataclass(typing.get_args(tp)[0])


@cache
def _encoders(cls) -> tuple:
    hints = typing.get_type_hints(cls)
    return tuple(
        (
            f.name,
            _table_of(typing.get_args(hints[f.name])[0])
            if _is_record_list(hints[f.name])
            else to_wire,
        )
        for f in dataclasses.fields(cls)
    )


@cache
def _table_of(cls):
    """A function from a list of `cls` records to its table: {field: [values]}."""
    hints = typing.get_type_hints(cls)
    plain = {f.name: hints[f.name] in _PLAIN for f in dataclasses.fields(cls)}
    floats = {f.name: hints[f.name] is float for f in dataclasses.fields(cls)}
    defaults = {
        f.name: f.default for f in dataclasses.fields(cls) if f.default is not dataclasses.MISSING
    }

    def encode(rows: list) -> dict:
        out = {}
        for name, is_plain in plain.items():
            column = [getattr(r, name) for r in rows]
            if name in defaults and all(v == defaults[name] for v in column):
                continue  # a column of defaults (no reasons, no options) stays off the wire
            if floats[name]:
                column = [v if v - v == 0 else None for v in column]  # NaN, inf: null
            elif not is_plain:
                column = [to_wire(v) for v in column]
            out[name] = column
        return out

    return encode


@cache
def _decoders(cls) -> dict:
    hints = typing.get_type_hints(cls)
    return {
        f.name: (
            _decoder(hints[f.name]),
            f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
        )
        for f in dataclasses.fields(cls)
    }


def _decoder(tp):
    """A function from the wire form of type `tp` to its Python value."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp in _SCALARS:
        return _SCALARS[tp]
    if dataclasses.is_dataclass(tp):
        return lambda v, tp=tp: from_wire(tp, v)
    if origin in (typing.Union, types.UnionType):
        inner = _decoder(next(a for a in args if a is not type(None)))
        return lambda v: None if v is None else inner(v)
    if _is_record_list(tp):
        return _rows_of(args[0])
    if origin is list and args[0] is int:
        return _int_list
    if origin in (list, tuple, frozenset):
        inner = _decoder(args[0])
        return lambda v: origin(inner(x) for x in _list(v))
    if origin is dict:
        return _dict
    return lambda v: v


@cache
def _rows_of(cls):
    """A function from a table ({field: [values]}) to the list of `cls` records it holds."""
    decoders = _decoders(cls)
    names = list(decoders)
    column_of = {name: _column(typing.get_type_hints(cls)[name]) for name in names}
    defaults = {
        f.name: f.default if f.default is not dataclasses.MISSING else f.default_factory()
        for f in dataclasses.fields(cls)
        if not decoders[f.name][1]
    }

    def decode(table) -> list:
        table = _dict(table)
        unknown = table.keys() - decoders.keys()
        if unknown:
            raise ValueError(f"{cls.__name__} table: unknown column(s) {sorted(unknown)}")
        lengths = {len(_list(c)) for c in table.values()}
        if len(lengths) > 1:
            raise ValueError(f"{cls.__name__} table: columns of unequal lengths {sorted(lengths)}")
        n = lengths.pop() if lengths else 0
        columns = []
        for name in names:
            if name in table:
                columns.append(column_of[name](table[name], name))
            elif name in defaults:
                columns.append([defaults[name]] * n)
            else:
                raise ValueError(f"{cls.__name__} table: missing column {name!r}")
        return list(map(cls, *columns))

    return decode


def _column(tp):
    """A function checking and converting one column of a table of type-`tp` values."""
    if tp is int:

        def ints(col, name):
            if _only(col, int):
                return col
            raise ValueError(f"column {name!r}: expected integers, got {_first_bad(col, int)!r}")

        return ints
    if tp is float:

        def floats(col, name):
            if _only(col, float):
                return col
            try:
                return [_float(v) for v in col]
            except ValueError as e:
                raise ValueError(f"column {name!r}: {e}") from None

        return floats
    decode = _decoder(tp)
    return lambda col, name: [decode(v) for v in col]


def _only(values: list, tp) -> bool:
    """Every value is exactly of type `tp` (not a bool for int): the types are collected in C."""
    return set(map(type, values)) <= {tp}


def _int_list(v) -> list[int]:
    if _only(_list(v), int):
        return v
    raise ValueError(f"expected integers, got {_first_bad(v, int)!r}")


def _first_bad(col: list, tp):
    return next(v for v in col if type(v) is not tp)


def _float(v) -> float:
    if v is None:
        return math.nan
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ValueError(f"expected a number, got {v!r}")
    return float(v)


def _int(v) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValueError(f"expected an integer, got {v!r}")
    return v


def _expect(tp: type, what: str):
    """A check that a wire value is a `tp` (JSON's `what`), returning it unchanged."""

    def check(v):
        if not isinstance(v, tp):
            raise ValueError(f"expected {what}, got {v!r}"[:200])
        return v

    return check


_str, _bool = _expect(str, "a string"), _expect(bool, "true or false")
_list, _dict = _expect(list, "a list"), _expect(dict, "an object")


_SCALARS = {float: _float, int: _int, str: _str, bool: _bool}
_PLAIN = (int, str, bool, list[int])  # table columns that go on the wire as they are
