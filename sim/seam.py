"""The seam between the world and a strategy, checked on the policy's source: a policy reads the
market through `MarketView`'s public methods and attributes only. `private_reads` finds where the
module of a policy class reads a private attribute (`_name`) of anything but itself, such as
`market._world` or `market._state.stock`; `Strategy.check` refuses such a policy at bind."""

from __future__ import annotations

import ast
import inspect
import sys


def private_reads(cls: type) -> list[str]:
    """`module:line: expression` for each private attribute the modules of the class and its
    bases read off another object (`self._x` and `cls._x` are the policy's own; dunders are
    Python's). A module whose source cannot be found (a class made at a prompt) is skipped."""
    found = []
    for name in dict.fromkeys(k.__module__ for k in cls.__mro__ if k.__module__ != "builtins"):
        module = sys.modules.get(name)
        try:
            source = inspect.getsource(module) if module is not None else ""
        except (OSError, TypeError):
            continue
        found += reads_in_source(source, name)
    return found


def reads_in_source(source: str, where: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Attribute):
            continue
        name = node.attr
        if not name.startswith("_") or (name.startswith("__") and name.endswith("__")):
            continue
        if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
            continue
        found.append(f"{where}:{node.lineno}: {ast.unparse(node)}")
    return found
