"""Progress for long runs: simulated day, orders, orders/s and the time left, on one rewritten
line on a terminal, and as a log line every 10% of the run otherwise."""

from __future__ import annotations

import logging
import sys
import time

log = logging.getLogger("mptwin")


class Progress:
    """Called by the model once per simulated day with (day, total days, orders so far)."""

    def __init__(self, label: str, stream=None, every_pct: int = 10, clock=time.perf_counter):
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty()
        self.every_pct = every_pct
        self.next_pct = every_pct
        self.clock = clock
        self.t0 = clock()

    def line(self, day: int, total: int, orders: int) -> str:
        """`label: day 120/393 (30%), 516,476 orders, 7,440 orders/s, 69 s, about 2 min 40 s
        left`: the time left assumes the days to come take as long as the days so far."""
        elapsed = self.clock() - self.t0
        pct = 100 * day // max(total, 1)
        rate = orders / elapsed if elapsed > 0 else 0.0
        left = elapsed / day * (total - day) if day > 0 else float("nan")
        return (
            f"{self.label}: day {day}/{total} ({pct}%), {orders:,} orders, "
            f"{rate:,.0f} orders/s, {elapsed:.0f} s, {_duration(left)} left"
        )

    def __call__(self, day: int, total: int, orders: int) -> None:
        pct = 100 * day // max(total, 1)
        if self.tty:
            end = "\n" if day >= total else ""
            self.stream.write("\r\033[K" + self.line(day, total, orders) + end)
            self.stream.flush()
        elif pct >= self.next_pct or day >= total:
            log.info(self.line(day, total, orders))
            while self.next_pct <= pct:
                self.next_pct += self.every_pct


def _duration(seconds: float) -> str:
    if seconds != seconds:  # NaN: nothing measured yet
        return "unknown time"
    if seconds < 60:
        return f"about {seconds:.0f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"about {minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"about {hours} h {minutes:02d} min"
