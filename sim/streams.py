"""Seeded, named random streams: no global random state, one generator per purpose."""

from __future__ import annotations

import zlib

import numpy as np

# Exogenous streams: what they draw never depends on a strategy's decisions, so two strategies
# run with the same seed see the same customers and the same luck (common random numbers).
EXOGENOUS = (
    "arrivals",  # visit counts and times, regions
    "choice",  # which SKU a visitor wants, the uniform behind the offer choice
    "fraud",  # whether a payment is fraudulent, its risk-signal noise
    "handling",  # seller release delays, pick discrepancies
    "transit",  # transit-time quantile and loss draw of each order's parcel
    "aftersales",  # review noise, return draw, return timing
    "casework",  # a reviewer's verdict on this visit's held payment or return; return fraud
    "finance",  # whether this order's invoice line or payout mismatches the ledger, by how much
    "applications",  # when each seller applies, its hidden truth and the verdicts on it
    "catalogue",  # each new listing's mapper draws and when a wrong label surfaces
    "launches",  # when founding sellers launch their new listings
    "governance",  # per seller: a person's verdicts on it, whether a warning reforms it
)
# Visits to applicants' listings draw from their own copies of the visit streams, so the
# founding catalogue's customers are the same with or without applicants.
NEW_LISTINGS = "new:"
EXOGENOUS = EXOGENOUS + tuple(NEW_LISTINGS + name for name in EXOGENOUS[:8])
# whether a customer cancels before the order is routed (drawn only where customers do)
EXOGENOUS = EXOGENOUS + ("cancel", NEW_LISTINGS + "cancel")
# Streams whose use depends on what happened (how many exceptions, which stock was reordered).
ENDOGENOUS = ("reviewers", "replenishment", "fraud_wave")


def _stream_key(name: str) -> int:
    return zlib.crc32(name.encode())


class Streams:
    """One `numpy.random.Generator` per named stream, all spawned from one seed.

    Each stream is keyed by its name (not by its position), so adding a stream never shifts
    the draws of the others.
    """

    def __init__(self, seed: int, names: tuple[str, ...] = EXOGENOUS + ENDOGENOUS):
        if seed < 0:
            raise ValueError(f"seed must be >= 0, got {seed}")
        self.seed = seed
        self._gens = {
            name: np.random.Generator(
                np.random.PCG64(np.random.SeedSequence([seed, _stream_key(name)]))
            )
            for name in names
        }

    def __getitem__(self, name: str) -> np.random.Generator:
        try:
            return self._gens[name]
        except KeyError:
            raise KeyError(
                f"no random stream named {name!r}; known: {sorted(self._gens)}"
            ) from None

    def strategy_stream(self, strategy_name: str) -> np.random.Generator:
        """A stream for a strategy's own randomness, separate from the world's."""
        return np.random.Generator(
            np.random.PCG64(
                np.random.SeedSequence([self.seed, _stream_key("strategy:" + strategy_name)])
            )
        )
