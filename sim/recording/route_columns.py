"""The options a routing policy weighed for a whole batch, as columns: what a policy that
weighs millions of options (OptimisedRouting: about nine per order) hands over instead of a
`sim.decisions.RouteOption` each, which cost a run that records its decisions more than the
recording itself. Given by an optional `route_explained(batch, market)` that returns
`(decisions, RouteColumns)`; the world calls it instead of `route` only when recording, keeps
each batch's columns as they are, and asks for them all at the end of the run (`join`), when
it also marks the option each answer applied."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.decisions import RouteOption

TERMS = ("cost", "shipping", "late_cost", "p_late", "capacity_penalty", "km", "note")
WHAT = ("item", "warehouse", "carrier", *TERMS)  # what `join` gives, per option


@dataclass
class RouteColumns:
    """A batch's options, ready: per option `item` (its order's index in the batch),
    `warehouse`, `carrier` and RouteOption's other fields (`terms`, notes as text). A subclass
    may instead keep what it needs and work the columns out in `join`, where numpy pays off
    (a batch is a few hundred options, a run's batches a million or more)."""

    item: np.ndarray | None = None
    warehouse: np.ndarray | None = None
    carrier: np.ndarray | None = None
    terms: dict[str, np.ndarray] | None = None

    @classmethod
    def join(cls, batches: list[RouteColumns], first: np.ndarray) -> dict[str, np.ndarray]:
        """The options of `batches` (all of this class), as the columns of `WHAT`, with
        `item` counted across them (batch k's orders start at `first[k]`); by item."""
        out = {
            "item": np.concatenate(
                [b.item + f for b, f in zip(batches, first.tolist(), strict=True)]
            )
        }
        for name in ("warehouse", "carrier"):
            out[name] = np.concatenate([getattr(b, name) for b in batches])
        for name in TERMS:
            out[name] = np.concatenate([b.terms[name] for b in batches])
        order = np.argsort(out["item"], kind="stable")
        return {name: values[order] for name, values in out.items()}

    def per_item(self, n: int) -> list[tuple]:
        """The options as `RouteOption`s, a tuple per item 0..n-1 (for `RoutingDecision`)."""
        cols = type(self).join([self], np.zeros(1, dtype=np.int64))
        out: list[list] = [[] for _ in range(n)]
        for i, *row in zip(*(cols[name].tolist() for name in WHAT), strict=True):
            out[i].append(RouteOption(*row))
        return [tuple(o) for o in out]
