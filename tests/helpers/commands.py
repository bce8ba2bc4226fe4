"""Calling an `mptwin-*` command in-process in a test that expects it to refuse bad input."""

from __future__ import annotations

from tests.helpers.runs import ROOT

EXAMPLE = ROOT / "examples" / "synthetic-log"


class Started(AssertionError):
    """Long work began although the input was bad."""


def started(*args, **kwargs):
    raise Started("long work started on a bad input")


def refused(capsys, main, argv, code: int = 2) -> str:
    """Run a command that must refuse `argv`: its exit code (returned or raised) and the last
    line it wrote to stderr, which must say it all."""
    try:
        got = main(argv)
    except SystemExit as stop:
        got = stop.code
    err = capsys.readouterr().err
    assert got == code, f"{argv}: exit {got}, expected {code}\n{err}"
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines and "Traceback" not in err, err
    return lines[-1]
