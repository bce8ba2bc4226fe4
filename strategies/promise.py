"""Promise policies: the delivery date shown to the customer at checkout."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sim.config_bounds import ConfigError, nonneg, positive, unit
from sim.decisions import PromiseOption
from sim.market_view import MarketView
from sim.recording.promise_columns import PromiseColumns
from strategies.explain_promise import Refreshes
from strategies.learned_signals import HandoverModel, LaneModel, _z


def contract_table(
    market: MarketView, buffer_h: list[float], transit_scale: float = 1.0
) -> list[list[float]]:
    """Per offer and customer region: the seller's handling time + its contracted carrier's
    nominal transit from its home warehouse (x `transit_scale`) + the seller's buffer (hours)."""
    per_seller = []
    for s, extra in zip(market.sellers, buffer_h, strict=True):
        origin = int(market.warehouse_region[s.home_warehouse])
        per_seller.append(
            [
                s.handling_h
                + transit_scale * market.nominal_transit_h(s.carrier, origin, r)
                + extra
                for r in range(market.n_regions)
            ]
        )
    return [per_seller[s] for s in market.offer_seller.tolist()]


def contract_option(
    market: MarketView,
    offer: int,
    region: int,
    buffer_h: float,
    hours: float,
    transit_scale: float = 1.0,
) -> PromiseOption:
    """How a contract table reached `hours` for an offer and region (`contract_table`)."""
    s = market.sellers[int(market.offer_seller[offer])]
    origin = int(market.warehouse_region[s.home_warehouse])
    transit = transit_scale * market.nominal_transit_h(s.carrier, origin, region)
    return PromiseOption(
        s.carrier,
        s.handling_h,
        transit,
        buffer_h,
        hours,
        True,
        "contracted carrier from the home warehouse",
    )


def per_seller_and_region(
    market: MarketView,
    offers: np.ndarray,
    regions: np.ndarray,
    explain: Callable[[int, int], tuple],
) -> PromiseColumns:
    """The promises of a table fixed at bind and the same for all of a seller's offers: one
    explanation per seller and region, `explain(offer, region)` asked of its first order."""
    key = np.asarray(market.offer_seller, dtype=np.int64)[offers] * market.n_regions + regions
    _, first, which = np.unique(key, return_index=True, return_inverse=True)
    return PromiseColumns.of(
        which.reshape(-1), [explain(int(offers[i]), int(regions[i])) for i in first.tolist()]
    )


@dataclass(eq=False)
class ContractPromise:
    """Automation-only: seller handling time plus the contracted carrier's nominal transit from
    the seller's default warehouse, plus a fixed buffer. Precomputed once; never learns."""

    buffer_days: float = field(default=2.0, metadata=nonneg)
    transit_scale: float = field(default=1.0, metadata=positive)  # padding that grows with transit

    def __post_init__(self) -> None:
        self._hours: list[list[float]] = []
        self._market: MarketView | None = None

    def bind(self, market: MarketView) -> None:
        self._market = market
        self._hours = contract_table(
            market, [24.0 * self.buffer_days] * len(market.sellers), self.transit_scale
        )

    def promise_hours(self, offer: int, region: int) -> float:
        return self._hours[offer][region]

    def explain_promises(
        self, offers: np.ndarray, regions: np.ndarray, at_h: np.ndarray
    ) -> PromiseColumns:
        """Called at the end of a run that records its decisions
        (`sim.recording.promise_columns`)."""
        scale = f" x {self.transit_scale:g}" if self.transit_scale != 1.0 else ""
        reason = (
            f"contract: the seller's handling time + the contracted transit{scale} + a "
            f"{self.buffer_days:g}-day buffer"
        )
        m = self._market
        return per_seller_and_region(
            m,
            offers,
            regions,
            lambda o, r: (
                (
                    contract_option(
                        m, o, r, 24.0 * self.buffer_days, self._hours[o][r], self.transit_scale
                    ),
                ),
                reason,
            ),
        )


@dataclass(eq=False)
class CarrierBufferPromise:
    """Competent automation-only: seller handling time plus the contracted carrier's nominal
    transit from the seller's home warehouse, plus a buffer per contracted carrier, calibrated
    offline from a previous period's deliveries for an on-time target (`mptwin-tune` writes
    `buffer_days`; `mptwin.experiments.tuning.promise_buffers`). Precomputed once; never learns during a run.
    A carrier missing from the table gets `default_buffer_days`."""

    buffer_days: dict[str, float] = field(default_factory=dict)  # per carrier name
    default_buffer_days: float = field(default=2.0, metadata=nonneg)
    quantile: float = field(default=0.95, metadata=unit)  # the target the table was made for

    def check_rules(self, path: str) -> None:
        negative = sorted(c for c, d in self.buffer_days.items() if d < 0)
        if negative:
            raise ConfigError(f"{path}.buffer_days must be >= 0, not for {negative}")

    def __post_init__(self) -> None:
        self._hours: list[list[float]] = []
        self._market: MarketView | None = None

    def bind(self, market: MarketView) -> None:
        self._market = market
        days = [
            self.buffer_days.get(market.carriers[s.carrier].name, self.default_buffer_days)
            for s in market.sellers
        ]
        self._hours = contract_table(market, [24.0 * d for d in days])

    def promise_hours(self, offer: int, region: int) -> float:
        return self._hours[offer][region]

    def explain_promises(
        self, offers: np.ndarray, regions: np.ndarray, at_h: np.ndarray
    ) -> PromiseColumns:
        """Called at the end of a run that records its decisions
        (`sim.recording.promise_columns`)."""
        m = self._market

        def explain(offer: int, region: int) -> tuple[tuple[PromiseOption, ...], str]:
            name = m.carriers[m.sellers[int(m.offer_seller[offer])].carrier].name
            days = self.buffer_days.get(name, self.default_buffer_days)
            option = contract_option(m, offer, region, 24.0 * days, self._hours[offer][region])
            return (option,), (
                f"contract + the buffer calibrated for {name} ({days:g} days, "
                f"for {self.quantile:.0%} on time)"
            )

        return per_seller_and_region(m, offers, regions, explain)


@dataclass(eq=False)
class LearnedPromise:
    """Orchestration: promise = a quantile of the seller's learned time to hand-over, plus a
    quantile of the learned transit time from the seller's home warehouse with the fastest
    carrier that serves the region and still has room (its parcels waiting for collection are
    under `load_limit` of what it collects in routing's horizon), plus a small buffer.

    Recomputed every `refresh_h` from delivery events and carrier loads, so a carrier running
    late or full lengthens promises on its lanes, and promises stay ones routing can keep."""

    quantile: float = field(default=0.9, metadata={"ge": 0.5, "lt": 1})  # on-time target
    buffer_h: float = field(default=12.0, metadata=nonneg)
    refresh_h: float = field(default=4.0, metadata=positive)
    load_limit: float = field(default=0.8, metadata=positive)  # share of horizon capacity: "full"
    horizon_days: float = field(default=1.5, metadata=positive)

    def __post_init__(self) -> None:
        self._handover: list[float] = []  # per seller: the quantile of its time to hand-over
        self._transit: list[list[float]] = []  # per seller: its origin's row of transit times
        self._offer_seller: list[int] = []
        self._next_refresh = 0.0
        self._lanes: dict = {}  # per (origin, region): see _lane_table
        self._history: Refreshes | None = None  # explaining only: what each refresh weighed

    def bind(self, market: MarketView) -> None:
        self.market = market
        self.lanes = LaneModel.of(market)
        self.handover = HandoverModel.of(market)
        self._offer_seller = market.offer_seller.tolist()
        self._origins = [int(market.warehouse_region[s.home_warehouse]) for s in market.sellers]
        self._lanes = self._lane_table()
        self._history = Refreshes(self._lanes) if market.explaining else None
        self._refresh()

    def _open_carriers(self) -> set[int]:
        m = self.market
        return {
            c
            for c, k in enumerate(m.carriers)
            if m.carrier_pending(c) < self.load_limit * self.horizon_days * k.daily_capacity
        }

    def _lane_table(self) -> dict[tuple[int, int], tuple[bool, list[tuple[int, float]]]]:
        """Per (origin, customer region): whether some carrier serves the region, and
        (carrier, contracted transit) of those that do, or of every carrier if none does
        (routing will escalate; any finite promise will do)."""
        m, n_c = self.market, len(self.market.carriers)
        serving = [
            [c for c, k in enumerate(m.carriers) if r in k.serves] for r in range(m.n_regions)
        ]
        return {
            (o, r): (
                bool(serving[r]),
                [(c, m.nominal_transit_h(c, o, r)) for c in serving[r] or range(n_c)],
            )
            for o in set(self._origins)
            for r in range(m.n_regions)
        }

    def _refresh(self) -> None:
        m, q = self.market, self.quantile
        open_c = self._open_carriers()
        z, log_ratio, exp = _z(q), self.lanes.log_ratio, math.exp
        fastest: dict[tuple[int, int], float] = {}  # (origin, region) -> transit quantile
        seen = [] if self._history is not None else None  # per lane in order: its transit
        for (o, r), (served, lanes) in self._lanes.items():  # origins x regions x carriers
            best = best_open = math.inf
            for c, nominal in lanes:
                mu, sigma = log_ratio(c, o, r)
                t = nominal * exp(mu + sigma * z)  # LaneModel.transit_quantile_h, inlined
                best = min(best, t)
                if served and c in open_c:  # the fastest with room, else the fastest
                    best_open = min(best_open, t)
                if seen is not None:
                    seen.append(t)
            fastest[(o, r)] = best_open if best_open < math.inf else best
        # per origin a row, shared by its sellers: a refresh costs sellers + origins x regions,
        # not sellers x regions (hundreds of sellers, dozens of regions)
        rows = {o: [fastest[(o, r)] for r in range(m.n_regions)] for o in set(self._origins)}
        self._transit = [rows[o] for o in self._origins]
        self._handover = [self.handover.quantile_h(s, q) for s in range(len(self._origins))]
        self._next_refresh = m.now() + self.refresh_h
        if seen is not None:
            self._history.add(m.now(), seen, open_c, self._handover, list(fastest.values()))

    @property
    def valid_until_h(self) -> float:
        """When the promises made now are recomputed (a decision service sends them as a table
        valid until then)."""
        return self._next_refresh

    def promise_hours(self, offer: int, region: int) -> float:
        if self.market.now() >= self._next_refresh:
            self._refresh()
        s = self._offer_seller[offer]
        return self._handover[s] + self._transit[s][region] + self.buffer_h

    def explain_promises(
        self, offers: np.ndarray, regions: np.ndarray, at_h: np.ndarray
    ) -> PromiseColumns:
        """Each promise as the refresh it came from had it, per carrier considered (called at
        the end of a run that records its decisions: `sim.recording.promise_columns`)."""
        q = f"{self.quantile:.0%}"
        reason = (
            f"learned: the seller's {q} time to hand-over + the {q} transit of the "
            f"fastest carrier with room + {self.buffer_h:g} h"
        )
        sellers = np.asarray(self._offer_seller, dtype=np.int64)[offers]
        lane = self._history.lane_of(self._origins, sellers, regions)
        return self._history.explain(sellers, lane, at_h, self.buffer_h, reason)
