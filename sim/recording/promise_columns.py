"""The explanations of a run's promises as columns, worked out once at the end of the run: what
a promise policy hands over instead of an `explain_promise(offer, region)` answer per order
placed (a baseline run places about 150 thousand orders, and building each one's
`sim.decisions.PromiseOption`s cost a run that records its decisions more than the recording
itself). Given by an optional `explain_promises(offers, regions, at_h)`, which the world calls
when the run ends with every order placed, in order id order: its offer, its customer's region
and when its promise was asked for. A policy can answer it if what its promise rested on can be
looked up afterwards (a table fixed at bind, or one kept per refresh while explaining)."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from sim.decisions import PromiseOption

FIELDS = tuple(f.name for f in fields(PromiseOption))


@dataclass
class PromiseColumns:
    """Per order, `which` of the explanations is its own (-1: none); per explanation, its
    reason (`reason`: an index into `reasons`, the distinct texts); per option, `owner` (its
    explanation: non-decreasing) and `PromiseOption`'s fields, `used` marking at most one
    option per explanation: the one behind the promise."""

    which: np.ndarray
    reasons: list[str]
    reason: np.ndarray
    options: dict[str, np.ndarray]

    @classmethod
    def of(cls, which: np.ndarray, explanations: list[tuple[tuple, str]]) -> PromiseColumns:
        """From a few explanations as objects (`(options, reason)` each), e.g. one per seller
        and region of a table fixed at bind."""
        reasons = list(dict.fromkeys(r for _, r in explanations))
        index = {r: k for k, r in enumerate(reasons)}
        rows = [(k, o) for k, (options, _) in enumerate(explanations) for o in options]
        options = {"owner": np.array([k for k, _ in rows], dtype=np.int64)}
        for name in FIELDS:
            values = [getattr(o, name) for _, o in rows]
            options[name] = np.array(values, dtype=object if name == "note" else None)
        return cls(
            np.asarray(which, dtype=np.int64),
            reasons,
            np.array([index[r] for _, r in explanations], dtype=np.int64),
            options,
        )
