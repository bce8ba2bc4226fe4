"""Offline calibration of a promise buffer per carrier, as an operator recalibrates from last
quarter's deliveries: for the orders of sellers contracting each carrier, how far delivery
came past the seller's handling time + the carrier's contracted transit (the `contract` part of
every automation promise), then the smallest buffer that would have kept `quantile` of those
promises, with the world's rounding of a promise up to the end of its day."""

from __future__ import annotations

import math

import numpy as np

from sim.clock import HOURS_PER_DAY
from sim.world_facts import WorldFacts

STEP_H = 1.0  # buffers are calibrated to the hour
MAX_BUFFER_DAYS = 30.0


def overrun_samples(result, world) -> dict[str, np.ndarray]:
    """Per contracted carrier (by name): rows of (contract promise end, delivered) in hours since
    the start, over orders placed in the measurement window and delivered."""
    orders = result.tables["orders"]
    info = result.info
    placed = orders["placed_h"].to_numpy(dtype=float)
    delivered = orders["delivered_h"].to_numpy(dtype=float, na_value=np.nan)
    keep = (placed >= info.warmup_h) & (placed < info.window_end_h) & ~np.isnan(delivered)
    look = WorldFacts(world)
    sellers = orders["seller"].to_numpy()[keep]
    regions = orders["region"].to_numpy()[keep]
    base = np.array([_contract_h(world, look, s, r) for s, r in zip(sellers, regions, strict=True)])
    carrier = np.array([world.sellers[s].carrier for s in sellers], dtype=np.int64)
    rows = np.column_stack([placed[keep] + base, delivered[keep]])
    return {c.name: rows[carrier == i] for i, c in enumerate(world.carriers)}


def _contract_h(world, look: WorldFacts, seller: int, region: int) -> float:
    s = world.sellers[seller]
    origin = world.warehouses[s.home_warehouse].region
    return s.profile.handling_h + look.lane_nominal_h[s.carrier][origin][region]


def pool(samples: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Samples of several calibration runs, joined per carrier."""
    names = dict.fromkeys(k for one in samples for k in one)
    return {n: np.concatenate([one[n] for one in samples if n in one]) for n in names}


def carrier_buffers(samples: dict[str, np.ndarray], quantile: float) -> dict[str, float]:
    """Per carrier, the smallest buffer (days, to the hour) with which at least `quantile` of
    its sampled promises would have been kept. A carrier with no deliveries is left out (the
    policy's default buffer applies)."""
    out = {}
    for name, rows in samples.items():
        if len(rows) == 0:
            continue
        end, delivered = rows[:, 0], rows[:, 1]
        need = int(math.ceil(quantile * len(rows)))
        b = 0.0
        while b < MAX_BUFFER_DAYS * HOURS_PER_DAY:
            promise = (
                np.floor((end + b) / HOURS_PER_DAY) + 1.0
            ) * HOURS_PER_DAY - 1e-6  # as clock.end_of_day
            if int((delivered <= promise).sum()) >= need:
                break
            b += STEP_H
        out[name] = round(b / HOURS_PER_DAY, 4)
    return out
