"""The progress line of long runs: simulated day, orders, orders/s and the time left."""

import io
import logging

from mptwin.progress import Progress


class FakeClock:
    def __init__(self):
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_line_says_day_orders_rate_and_time_left():
    clock = FakeClock()
    p = Progress("growth_year/automation/seed=1", stream=io.StringIO(), clock=clock)
    clock.t += 60.0  # 100 of 400 days in a minute: three minutes to go at that pace
    line = p.line(100, 400, 600_000)
    assert line.startswith("growth_year/automation/seed=1: day 100/400 (25%)")
    assert "600,000 orders" in line and "10,000 orders/s" in line
    assert "about 3 min 00 s left" in line


def test_a_terminal_gets_one_rewritten_line():
    clock, out = FakeClock(), Tty()
    p = Progress("run", stream=out, clock=clock)
    for day in range(1, 11):
        clock.t += 1.0
        p(day, 10, day * 1000)
    text = out.getvalue()
    assert text.count("\r") == 10 and text.count("\n") == 1 and text.endswith("\n")
    assert "day 10/10 (100%)" in text


def test_a_log_gets_a_line_every_ten_percent(caplog):
    clock = FakeClock()
    p = Progress("run", stream=io.StringIO(), clock=clock)
    with caplog.at_level(logging.INFO, logger="mptwin"):
        for day in range(1, 101):
            clock.t += 0.5
            p(day, 100, day * 10)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 10
    assert lines[0].startswith("run: day 10/100 (10%)") and "about 45 s left" in lines[0]
    assert lines[-1].startswith("run: day 100/100 (100%)")
