"""Progress for long runs: one rewritten line on a terminal, a few log lines otherwise."""

from __future__ import annotations

import logging
import sys
import time

log = logging.getLogger("mptwin")


class Progress:
    """Called by the model once per simulated day with (day, total days, orders so far)."""

    def __init__(self, label: str, stream=None, every_pct: int = 10):
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty()
        self.every_pct = every_pct
        self.next_pct = every_pct
        self.t0 = time.perf_counter()

    def __call__(self, day: int, total: int, orders: int) -> None:
        pct = 100 * day // max(total, 1)
        elapsed = time.perf_counter() - self.t0
        text = f"{self.label}: day {day}/{total} ({pct}%), {orders:,} orders, {elapsed:.1f} s"
        if self.tty:
            self.stream.write("\r" + text + ("\n" if day >= total else ""))
            self.stream.flush()
        elif pct >= self.next_pct or day >= total:
            log.info(text)
            while self.next_pct <= pct:
                self.next_pct += self.every_pct
