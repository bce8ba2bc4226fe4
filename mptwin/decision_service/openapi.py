"""The decision-service protocol as an OpenAPI 3.1 document, generated from the protocol's
dataclasses (`strategies.remote.protocol`, built on `sim.decisions` and `sim.events`) by the
same type walk the codec uses, so the schema a team's own service implements is the one the
twin speaks, tables included, with no second copy to drift.

    uv run python -m mptwin.decision_service.openapi > docs/decision-service.openapi.json
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import types
import typing

from strategies.remote import protocol
from strategies.remote.protocol import CALLS, VERSION, Problem

REF = "#/components/schemas/"
WHAT = {
    "open": "Open a session for one simulated run with the world's public terms.",
    "attach": "Bind the service's policy for one decision point (in the world's order).",
    "route": "Route a batch of waiting orders: one decision per order.",
    "promise": "The promise table per seller and customer region, and until when it holds.",
    "price": "New listed prices for any offers.",
    "triage": "Who handles one exception, how urgently, by when.",
}


class Schemas:
    """Components by name, filled as types are met."""

    def __init__(self):
        self.components: dict[str, dict] = {}

    def of(self, tp) -> dict:
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if tp in _SCALARS:
            return dict(_SCALARS[tp])
        if dataclasses.is_dataclass(tp):
            return self._record(tp)
        if origin in (typing.Union, types.UnionType):
            inner = next(a for a in args if a is not type(None))
            return {"anyOf": [self.of(inner), {"type": "null"}]}
        if origin is list and dataclasses.is_dataclass(args[0]):
            return self._table(args[0])
        if origin in (list, tuple, frozenset):
            schema = {"type": "array", "items": self.of(args[0])}
            return schema | ({"uniqueItems": True} if origin is frozenset else {})
        if origin is dict or tp is dict:
            return {"type": "object"}
        raise TypeError(f"no schema for {tp!r}")

    def _record(self, cls) -> dict:
        name = cls.__name__
        if name not in self.components:
            self.components[name] = {}  # placeholder: a type may refer to itself
            hints = typing.get_type_hints(cls)
            fields = dataclasses.fields(cls)
            self.components[name] = _object(
                _doc(cls),
                {f.name: self.of(hints[f.name]) for f in fields},
                [f.name for f in fields if _required(f)],
            )
        return {"$ref": REF + name}

    def _table(self, cls) -> dict:
        name = f"{cls.__name__}Table"
        if name not in self.components:
            hints = typing.get_type_hints(cls)
            fields = dataclasses.fields(cls)
            self.components[name] = _object(
                f"Records of {cls.__name__} as a table: an array per field, all of one length "
                f"(row i is the i-th record).\n\n{_doc(cls)}",
                {f.name: {"type": "array", "items": self.of(hints[f.name])} for f in fields},
                [f.name for f in fields if _required(f)],
            )
        return {"$ref": REF + name}


def openapi() -> dict:
    schemas = Schemas()
    problem = schemas.of(Problem)
    paths = {}
    for kind, (request, answer) in CALLS.items():
        paths[f"/v1/{kind}"] = {
            "post": {
                "operationId": kind,
                "summary": WHAT[kind],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": schemas.of(request)}},
                },
                "responses": {
                    "200": {
                        "description": "the answer",
                        "content": {"application/json": {"schema": schemas.of(answer)}},
                    },
                    "4XX": {
                        "description": "refused: the reason in words",
                        "content": {"application/json": {"schema": problem}},
                    },
                    "5XX": {
                        "description": "the policy failed",
                        "content": {"application/json": {"schema": problem}},
                    },
                },
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "mptwin decision service",
            "version": VERSION,
            "description": inspect.getdoc(protocol),
        },
        "paths": paths,
        "components": {"schemas": dict(sorted(schemas.components.items()))},
    }


_SCALARS = {
    int: {"type": "integer"},
    str: {"type": "string"},
    bool: {"type": "boolean"},
    float: {"type": ["number", "null"], "description": "null: not a number"},
}


def _object(description: str, properties: dict, required: list[str]) -> dict:
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _doc(cls) -> str:
    doc = inspect.getdoc(cls) or ""
    return "" if doc.startswith(f"{cls.__name__}(") else doc  # not dataclass's generated one


def _required(f: dataclasses.Field) -> bool:
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


if __name__ == "__main__":
    print(json.dumps(openapi(), indent=2))
