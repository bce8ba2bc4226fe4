"""What the `mptwin-*` commands share on their command lines: argument types that refuse a bad
value while parsing (argparse's exit 2, with the option and the value named) so no command starts
minutes of work on one, a formatter that keeps a description's examples, and one-line messages
for Hydra's errors and for folders that cannot be written."""

from __future__ import annotations

import argparse
import difflib
import math
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """The description as written (its example commands keep their lines)."""


def _typed(name: str, parse: Callable[[str], object]) -> Callable[[str], object]:
    parse.__name__ = name  # argparse names the type in its own messages
    return parse


def _number(text: str, kind: type) -> float | int:
    """`text` as an int or a finite float, else an ArgumentTypeError quoting it."""
    try:
        value = kind(text)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise argparse.ArgumentTypeError(f"not {what}: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def int_at_least(low: int) -> Callable[[str], int]:
    """A whole number >= `low`."""

    def parse(text: str) -> int:
        value = _number(text, int)
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        return value

    return _typed(f"int >= {low}", parse)


def int_between(low: int, high: int) -> Callable[[str], int]:
    """A whole number in [low, high]."""

    def parse(text: str) -> int:
        value = _number(text, int)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high}, got {value}")
        return value

    return _typed(f"int in [{low}, {high}]", parse)


def float_in(
    low: float, high: float, *, open_low: bool = False, open_high: bool = False, what: str = ""
) -> Callable[[str], float]:
    """A finite number in the interval from `low` to `high` (each end closed unless open);
    `what` says what the number is, for the message."""
    interval = f"{'(' if open_low else '['}{low:g}, {high:g}{')' if open_high else ']'}"

    def parse(text: str) -> float:
        value = _number(text, float)
        above = value > low if open_low else value >= low
        below = value < high if open_high else value <= high
        if not (above and below):
            said = f" ({what})" if what else ""
            raise argparse.ArgumentTypeError(f"must be in {interval}{said}, got {value:g}")
        return value

    return _typed(f"number in {interval}", parse)


def positive_float(text: str) -> float:
    """A finite number > 0."""
    value = _number(text, float)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {value:g}")
    return value


def non_negative_float(text: str) -> float:
    """A finite number >= 0."""
    value = _number(text, float)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value:g}")
    return value


def one_of(values: Sequence[str], what: str) -> Callable[[str], str]:
    """One of `values` (in any case); anything else is refused naming them all, and the nearest
    where it looks like a misspelling (`canceled`: did you mean cancelled?)."""

    def parse(text: str) -> str:
        if text.lower() in values:
            return text.lower()
        near = difflib.get_close_matches(text.lower(), values, n=1)
        hint = f" (did you mean {near[0]}?)" if near else ""
        raise argparse.ArgumentTypeError(
            f"not a {what}: {text!r}{hint}; one of {', '.join(values)}"
        )

    return _typed(what, parse)


def one_line(error: BaseException) -> str:
    """A Hydra or OmegaConf error as one line: its own message (a list of options joined with
    commas, Hydra's search path left out) and the first line of its cause where that says more
    (`Error merging override seed=abc` is only useful with why)."""
    text = _joined(str(error))
    cause = error.__cause__
    if cause is not None:
        reason = _joined(str(cause).split("\n    full_key:")[0])
        if reason and reason not in text:
            text = f"{text}: {reason}"
    return text


def _joined(message: str) -> str:
    head = message.split("Config search path:")[0]
    parts: list[str] = []
    items: list[str] = []
    for line in head.splitlines():
        if line.startswith(("\t", "  ")) and line.strip() and parts and parts[-1].endswith(":"):
            items.append(line.strip())
            continue
        if items:
            parts[-1] += " " + ", ".join(items)
            items = []
        if line.strip(" \t^"):  # not a caret under the bad character
            parts.append(line.strip())
    if items:
        parts[-1] += " " + ", ".join(items)
    return "; ".join(part.removesuffix(".") for part in parts)


def unwritable(folder: Path) -> str | None:
    """Why files cannot be made in `folder`, or None if they can: tried with a throwaway folder in
    it, or in the nearest folder above it that exists (nothing is left behind, and permissions
    alone do not tell: root, read-only mounts)."""
    place = Path(folder).absolute()
    while not place.exists() and place != place.parent:
        place = place.parent
    if not place.is_dir():
        return f"{place} is a file"
    try:
        shutil.rmtree(tempfile.mkdtemp(dir=place, prefix=".mptwin-probe-"))
    except OSError as e:
        return e.strerror or str(e)
    return None
