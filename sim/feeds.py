"""Stale operational feeds: what an operator's systems show of shelves, warehouse backlogs and
carrier loads when the scenario's feeds lag (`scenario.feeds.lag_h`), so a strategy reads every
operational signal as late as it receives domain events."""

from __future__ import annotations

from array import array

from sim.events import STOCK_CHANGED, StockChanged

SNAPSHOT_H = 1.0  # backlogs and carrier loads reach the feed as hourly snapshots


class StaleFeeds:
    """Shelf counts as the stock-changed events, `lag_h` late, left them; each warehouse's pick
    backlog and each carrier's pending parcels as of the hourly snapshot `lag_h` ago."""

    def __init__(self, state, lag_h: float):
        self.lag_h = lag_h
        self.n_warehouses = state.world.n_warehouses
        self.on_hand = array("i", state.stock.on_hand)
        self.history = [([0] * self.n_warehouses, [0] * len(state.world.carriers))]
        state.bus.subscribe(STOCK_CHANGED, self._stock_changed)

    def _stock_changed(self, event: StockChanged) -> None:
        self.on_hand[event.offer * self.n_warehouses + event.warehouse] = event.on_hand

    def snapshots(self, state):
        """SimPy process: record backlogs and carrier loads every `SNAPSHOT_H`."""
        picks, pickup = state.pick_queues, state.pickup
        while True:
            yield state.env.timeout(SNAPSHOT_H)
            backlog = [len(q) + len(out) for q, out in zip(picks, pickup.outbound, strict=True)]
            self.history.append((backlog, list(pickup.pending)))

    def as_of(self, now: float) -> tuple[list[int], list[int]]:
        """(backlog per warehouse, pending per carrier) from the last snapshot `lag_h` ago."""
        i = int((now - self.lag_h) // SNAPSHOT_H)
        return self.history[min(max(i, 0), len(self.history) - 1)]
