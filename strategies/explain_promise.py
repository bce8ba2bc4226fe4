"""What LearnedPromise weighed at each refresh, kept only while explaining, and the promises
of a run explained from it at the end (`sim.recording.promise_columns`): an order's promise is the
one of the last refresh at or before it was asked for, since the policy refreshes on the first ask
due. A refresh keeps a number per lane (origins x regions x carriers) and which carriers had
room, so a run keeps little, and no option object is built while it runs."""

from __future__ import annotations

import numpy as np

from sim.recording.promise_columns import PromiseColumns

_NOTES = np.array(
    ["full or not serving", "full or not serving", "open", "open, the fastest with room"],
    dtype=object,
)  # by 2 * open + chosen


class Refreshes:
    """Per refresh: when, each lane's transit quantile and whether its carrier had room, each
    seller's time to hand-over, and per (origin, region) the transit the promise used. `lanes`:
    per (origin, region), (served, [(carrier, nominal transit)]), in the order a refresh
    visits them."""

    def __init__(self, lanes: dict):
        self.keys = list(lanes)
        count = np.array([len(options) for _, options in lanes.values()], dtype=np.int64)
        self.count, self.start = count, np.cumsum(count) - count
        self.carrier = np.array(
            [c for _, options in lanes.values() for c, _ in options], dtype=np.int64
        )
        self.served = np.repeat([served for served, _ in lanes.values()], count)  # per lane
        self.times: list[float] = []
        self.transit: list[np.ndarray] = []
        self.open: list[np.ndarray] = []
        self.handover: list[np.ndarray] = []
        self.fastest: list[np.ndarray] = []

    def add(
        self,
        t_h: float,
        transit: list[float],
        open_carriers: set[int],
        handover: list[float],
        fastest: list[float],
    ) -> None:
        """A refresh at `t_h`: the transit quantile per lane, the carriers with room, the
        hand-over per seller, the transit used per (origin, region)."""
        self.times.append(t_h)
        self.transit.append(np.array(transit, dtype=float))
        self.open.append(self.served & np.isin(self.carrier, list(open_carriers)))
        self.handover.append(np.array(handover, dtype=float))
        self.fastest.append(np.array(fastest, dtype=float))

    def lane_of(self, origins: list[int], sellers: np.ndarray, regions: np.ndarray) -> np.ndarray:
        """Per order, the index of its (seller's origin, region) among `keys`."""
        index = {k: i for i, k in enumerate(self.keys)}
        n_regions = 1 + max(r for _, r in self.keys)
        table = np.array(
            [[index.get((o, r), -1) for r in range(n_regions)] for o in origins], dtype=np.int64
        )
        return table[sellers, regions]

    def explain(
        self, sellers: np.ndarray, lane: np.ndarray, at_h: np.ndarray, buffer_h: float, reason: str
    ) -> PromiseColumns:
        """Per order (its seller, lane and when asked), the options of the refresh behind its
        promise: one explanation per (refresh, seller, lane), shared by its orders."""
        epoch = np.searchsorted(np.array(self.times), at_h, side="right") - 1
        if len(epoch) and (epoch.min() < 0 or lane.min() < 0):
            raise ValueError(
                "a promise was asked for before the first refresh, or on a lane "
                "the policy does not know"
            )
        n_sellers, n_lanes = len(self.handover[0]), len(self.keys)
        key = (epoch * n_sellers + sellers) * n_lanes + lane
        uniq, which = np.unique(key, return_inverse=True)
        e, rest = np.divmod(uniq, n_sellers * n_lanes)
        s, lane = np.divmod(rest, n_lanes)
        count = self.count[lane]
        owner = np.repeat(np.arange(len(uniq)), count)
        first = np.cumsum(count) - count
        pos = self.start[lane][owner] + np.arange(int(count.sum())) - first[owner]
        at = e[owner]
        transit, is_open = np.stack(self.transit)[at, pos], np.stack(self.open)[at, pos]
        handover = np.stack(self.handover)[at, s[owner]]
        used = transit == np.stack(self.fastest)[e, lane][owner]
        hits = np.cumsum(used)
        before = hits[first] - used[first]  # hits before each explanation's first option
        chosen = used & (hits - before[owner] == 1)  # the first option with the transit used
        options = {
            "owner": owner,
            "carrier": self.carrier[pos],
            "handover_h": handover,
            "transit_h": transit,
            "buffer_h": np.full(len(pos), buffer_h),
            "hours": handover + transit + buffer_h,
            "used": chosen,
            "note": _NOTES[2 * is_open + chosen],
        }
        return PromiseColumns(which.reshape(-1), [reason], np.zeros(len(uniq), np.int64), options)
