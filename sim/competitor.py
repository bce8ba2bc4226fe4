"""The competitor's price feed: per SKU, a mean-reverting log walk around a reference price, cut
on promotion days. Generated a day at a time from the world's stored generator states, so a year
of 200k SKUs is never held as one matrix (it would be 600 MB), and every walk through it gives
the same prices."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class FeedBlock:
    """A run of SKUs with their own generator (the founding catalogue, applicants' listings)."""

    ref_price: np.ndarray
    rng_state: dict  # the PCG64 state before the block's first day


@dataclass(frozen=True, eq=False)
class CompetitorFeed:
    """Prices per SKU for days 0..n_days-1; the blocks' SKUs follow each other."""

    blocks: tuple[FeedBlock, ...]
    reversion: float
    volatility: float
    cut: tuple[float, ...]  # per day: the promotional cut factor (1.0 on ordinary days)

    @property
    def n_days(self) -> int:
        return len(self.cut)

    @property
    def n_skus(self) -> int:
        return sum(len(b.ref_price) for b in self.blocks)

    def days(self) -> Iterator[np.ndarray]:
        """Each day's prices per SKU from day 0; a new walk from the stored states each call."""
        rngs = [_generator(b.rng_state) for b in self.blocks]
        xs = [np.zeros(len(b.ref_price)) for b in self.blocks]
        for cut in self.cut:
            parts = []
            for k, (block, rng) in enumerate(zip(self.blocks, rngs, strict=True)):
                x = xs[k]
                x = x - self.reversion * x + self.volatility * rng.standard_normal(len(x))
                xs[k] = x
                parts.append(np.round(block.ref_price * np.exp(x) * cut, 2))
            yield parts[0] if len(parts) == 1 else np.concatenate(parts)

    def matrix(self) -> np.ndarray:
        """Days x SKUs, all at once (tests and analysis of small worlds)."""
        return np.vstack(list(self.days()))

    def __eq__(self, other) -> bool:
        if not isinstance(other, CompetitorFeed):
            return NotImplemented
        return (
            (self.reversion, self.volatility, self.cut)
            == (other.reversion, other.volatility, other.cut)
            and len(self.blocks) == len(other.blocks)
            and all(
                np.array_equal(a.ref_price, b.ref_price) and a.rng_state == b.rng_state
                for a, b in zip(self.blocks, other.blocks, strict=True)
            )
        )


def feed_block(ref_price: np.ndarray, rng: np.random.Generator) -> FeedBlock:
    """A block drawn from `rng` from its current state on (the caller uses `rng` no further)."""
    return FeedBlock(np.asarray(ref_price, dtype=float), rng.bit_generator.state)


def _generator(state: dict) -> np.random.Generator:
    bits = np.random.PCG64()
    bits.state = state
    return np.random.Generator(bits)
