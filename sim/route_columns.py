"""The options a routing policy weighed for a whole batch, as columns: what a policy that
weighs millions of options (OptimisedRouting: about nine per order) hands over instead of a
`sim.decisions.RouteOption` each, which cost a run that records its decisions more than the
recording itself. Given by an optional `route_explained(batch, market)` that returns
`(decisions, RouteColumns)`; the world calls it instead of `route` only when recording."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TERMS = ("cost", "shipping", "late_cost", "p_late", "capacity_penalty", "km", "note")


@dataclass
class RouteColumns:
    """Per option: `item` (its order's index in the batch: non-decreasing, but options with a
    warehouse < 0, such as waiting, may follow all the others), `warehouse` and `carrier`
    (what the world needs at once, to mark the option it applies), and RouteOption's other fields
    (`terms`, notes as text). The world asks for the terms only at the end of the run, of every
    batch at once (`join`): a subclass may keep what it needs and compute them there, where
    numpy pays off (a batch is a few hundred options)."""

    item: np.ndarray
    warehouse: np.ndarray
    carrier: np.ndarray
    terms: dict[str, np.ndarray] | None = None

    @classmethod
    def join(cls, batches: list[RouteColumns]) -> dict[str, np.ndarray]:
        """The terms of `batches` (all of this class), concatenated in order."""
        return {name: np.concatenate([b.terms[name] for b in batches]) for name in TERMS}

    def per_item(self, n: int) -> list[tuple]:
        """The options as `RouteOption`s, a tuple per item 0..n-1 (for `RoutingDecision`)."""
        from sim.decisions import RouteOption

        terms = type(self).join([self])
        cols = [self.warehouse, self.carrier, *(terms[name] for name in TERMS)]
        out: list[list] = [[] for _ in range(n)]
        for i, *row in zip(self.item.tolist(), *(c.tolist() for c in cols), strict=True):
            out[i].append(RouteOption(*row))
        return [tuple(o) for o in out]
