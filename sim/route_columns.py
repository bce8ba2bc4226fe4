"""The options a routing policy weighed for a whole batch, as columns: what a policy that
weighs millions of options (OptimisedRouting: about nine per order) hands over instead of a
`sim.decisions.RouteOption` each, which cost a run that records its decisions more than the
recording itself. Given by an optional `route_explained(batch, market)` that returns
`(decisions, RouteColumns)`; the world calls it instead of `route` only when recording."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np


@dataclass
class RouteColumns:
    """One entry per option: `item` (its order's index in the batch, non-decreasing) and the
    fields of `sim.decisions.RouteOption`, `note` as an index into `notes`."""

    item: np.ndarray
    warehouse: np.ndarray
    carrier: np.ndarray
    cost: np.ndarray
    shipping: np.ndarray
    late_cost: np.ndarray
    p_late: np.ndarray
    capacity_penalty: np.ndarray
    km: np.ndarray
    note: np.ndarray
    notes: tuple[str, ...] = ("",)

    def values(self) -> dict[str, np.ndarray]:
        """RouteOption's fields as numpy columns (the notes as text)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)[1:-2]}
        out["note"] = np.array(self.notes, dtype=object)[self.note]
        return out

    def per_item(self, n: int) -> list[tuple]:
        """The options as `RouteOption`s, a tuple per item 0..n-1 (for `RoutingDecision`)."""
        from sim.decisions import RouteOption

        cols = self.values()
        rows = zip(*(cols[name].tolist() for name in cols), strict=True)
        out: list[list] = [[] for _ in range(n)]
        for i, row in zip(self.item.tolist(), rows, strict=True):
            out[i].append(RouteOption(*row))
        return [tuple(o) for o in out]
