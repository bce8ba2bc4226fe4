"""The daily tick: close the day's counters into the daily series, move the competitor feed to
the new day, and report progress."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np

from sim.clock import HOURS_PER_DAY
from sim.processes.monitor_sellers import show_listings
from sim.state import DayCounters, State

RETIRE_EVERY_DAYS = 3  # each sweep looks at every live record: not every day


def record_days(state: State, progress=None):
    """SimPy process: at every midnight, write yesterday's row."""
    env, world = state.env, state.world
    total_days = int(round(world.end_h / HOURS_PER_DAY))
    day = 0
    while True:
        yield env.timeout((day + 1) * HOURS_PER_DAY - env.now)
        close_day(state, day)
        day += 1
        state.prices.next_day()
        state.prices.promo_today = state.calendar.is_promo(day)
        if progress is not None:
            progress(day, total_days, len(state.records.orders))


def close_day(state: State, day: int) -> None:
    row = {
        "day": day,
        "date": state.calendar.date_of_day(day).isoformat(),
        "promo": state.calendar.is_promo(day),
    }
    row.update(asdict(state.records.day))
    row["backlog_end"] = state.desk.human_open
    row["stock_on_hand"] = state.stock.total
    empty = np.array(state.stock.available) <= 0
    row["offers_out_of_stock"] = int(np.count_nonzero(empty & np.array(state.catalogue.live)))
    state.records.daily_rows.append(row)
    state.records.day = DayCounters()
    state.perf.close_day()
    reopen_capped(state)
    if day % RETIRE_EVERY_DAYS == RETIRE_EVERY_DAYS - 1:  # records nothing refers to any more
        state.records.orders.retire_idle()  # become columns
        state.records.exceptions.retire_idle()


def reopen_capped(state: State) -> None:
    """A new day: sellers on probation that reached yesterday's cap are shown again (unless
    suspended meanwhile: then their listings stay hidden until a reinstatement)."""
    book = state.sellers
    book.sold_today.clear()
    for s in book.capped:
        if s not in book.suspended:
            show_listings(state, s)
    book.capped.clear()


def close_last_day(state: State) -> None:
    """At the end of the run: SimPy stops before the last midnight's tick, so close that day."""
    w = state.world
    if state.env.now >= w.end_h and len(state.records.daily_rows) < round(w.end_h / HOURS_PER_DAY):
        close_day(state, len(state.records.daily_rows))
