"""Simulated time: calendar arithmetic (hour 0 is midnight of the run's start date) and calling
a function later."""

from __future__ import annotations

import math
from datetime import date, timedelta

import simpy

HOURS_PER_DAY = 24.0


def day_of(t_h: float) -> int:
    """The simulated day index that hour `t_h` falls in."""
    return int(t_h // HOURS_PER_DAY)


def end_of_day(t_h: float) -> float:
    """The last instant of the calendar day containing `t_h` (promises are dates, like Olist's)."""
    return (math.floor(t_h / HOURS_PER_DAY) + 1.0) * HOURS_PER_DAY - 1e-6


def next_hour_of_day(t_h: float, hour: float) -> float:
    """The first time at or after `t_h` whose hour of day is `hour`."""
    day_start = math.floor(t_h / HOURS_PER_DAY) * HOURS_PER_DAY
    candidate = day_start + hour
    return candidate if candidate >= t_h - 1e-9 else candidate + HOURS_PER_DAY


class Calendar:
    """Maps simulated days to dates, weekdays and promotion days."""

    def __init__(self, start: date, promo_dates: frozenset[date] = frozenset()):
        self.start = start
        self.promo_dates = promo_dates

    def date_of_day(self, day: int) -> date:
        return self.start + timedelta(days=day)

    def weekday(self, day: int) -> int:
        """Monday is 0."""
        return self.date_of_day(day).weekday()

    def is_promo(self, day: int) -> bool:
        return self.date_of_day(day) in self.promo_dates

    def is_weekend(self, day: int) -> bool:
        return self.weekday(day) >= 5


class Environment(simpy.Environment):
    """SimPy's environment with one more step: `skip_to(t)` moves the clock straight to `t`
    when no event is due before or at `t`, so a process can act at `t` without scheduling an
    event. The events happen in exactly the order a timeout would give (nothing else could run
    in between), for a fraction of the cost: customer arrivals use it for most visits."""

    def skip_to(self, t_h: float) -> bool:
        """Move the clock to `t_h` if nothing is due until then; False: yield a timeout."""
        if t_h >= self._now and self.peek() > t_h:
            self._now = t_h
            return True
        return False


def call_later(env, delay_h: float, fn, *args) -> None:
    """Call `fn(*args)` `delay_h` hours from now: a bare timeout with a callback, far cheaper
    than a SimPy process for a one-off continuation (a delivery, a refund, a restock)."""
    env.timeout(delay_h).callbacks.append(lambda _ev: fn(*args))
