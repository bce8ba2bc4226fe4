"""Promise policies: the delivery date shown to the customer at checkout."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sim.decisions import PromiseOption
from sim.market_view import MarketView
from sim.validate import ConfigError, nonneg, positive, unit
from strategies.learning import HandoverModel, LaneModel, _z


def contract_table(market: MarketView, buffer_h: list[float],
                   transit_scale: float = 1.0) -> list[list[float]]:  # fmt: skip
    """Per offer and customer region: the seller's handling time + its contracted carrier's
    nominal transit from its home warehouse (x `transit_scale`) + the seller's buffer (hours)."""
    per_seller = []
    for s, extra in zip(market.sellers, buffer_h, strict=True):
        origin = int(market.warehouse_region[s.home_warehouse])
        per_seller.append([s.handling_h + transit_scale * market.nominal_transit_h(s.carrier, origin, r)
                           + extra for r in range(market.n_regions)])  # fmt: skip
    return [per_seller[s] for s in market.offer_seller.tolist()]


def contract_option(market: MarketView, offer: int, region: int, buffer_h: float, hours: float,
                    transit_scale: float = 1.0) -> PromiseOption:  # fmt: skip
    """How a contract table reached `hours` for an offer and region (`contract_table`)."""
    s = market.sellers[int(market.offer_seller[offer])]
    origin = int(market.warehouse_region[s.home_warehouse])
    transit = transit_scale * market.nominal_transit_h(s.carrier, origin, region)
    return PromiseOption(s.carrier, s.handling_h, transit, buffer_h, hours, True,
                         "contracted carrier from the home warehouse")  # fmt: skip


@dataclass(eq=False)
class ContractPromise:
    """Automation-only: seller handling time plus the contracted carrier's nominal transit from
    the seller's default warehouse, plus a fixed buffer. Precomputed once; never learns."""

    buffer_days: float = field(default=2.0, metadata=nonneg)
    transit_scale: float = field(default=1.0, metadata=positive)  # padding that grows with transit

    def __post_init__(self) -> None:
        self._hours: list[list[float]] = []
        self._market: MarketView | None = None
        self._why: dict = {}  # explaining only: per (seller, region), the explanation

    def bind(self, market: MarketView) -> None:
        self._market = market
        self._hours = contract_table(market, [24.0 * self.buffer_days] * len(market.sellers),
                                     self.transit_scale)  # fmt: skip

    def promise_hours(self, offer: int, region: int) -> float:
        return self._hours[offer][region]

    def explain_promise(self, offer: int, region: int) -> tuple[tuple[PromiseOption, ...], str]:
        """Called only by a run that records its decisions (kept per seller and region: the
        table is the same for all of a seller's offers)."""
        key = (int(self._market.offer_seller[offer]), region)
        hit = self._why.get(key)
        if hit is None:
            option = contract_option(self._market, offer, region, 24.0 * self.buffer_days,
                                     self._hours[offer][region], self.transit_scale)  # fmt: skip
            scale = f" x {self.transit_scale:g}" if self.transit_scale != 1.0 else ""
            hit = self._why[key] = ((option,), (f"contract: the seller's handling time + the "
                                                f"contracted transit{scale} + a "
                                                f"{self.buffer_days:g}-day buffer"))  # fmt: skip
        return hit


@dataclass(eq=False)
class CarrierBufferPromise:
    """Competent automation-only: seller handling time plus the contracted carrier's nominal
    transit from the seller's home warehouse, plus a buffer per contracted carrier, calibrated
    offline from a previous period's deliveries for an on-time target (`mptwin-tune` writes
    `buffer_days`; `mptwin.tuning.calibrate`). Precomputed once; never learns during a run.
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
        self._why: dict = {}  # explaining only: per (seller, region), the explanation

    def bind(self, market: MarketView) -> None:
        self._market = market
        days = [self.buffer_days.get(market.carriers[s.carrier].name, self.default_buffer_days)
                for s in market.sellers]  # fmt: skip
        self._hours = contract_table(market, [24.0 * d for d in days])

    def promise_hours(self, offer: int, region: int) -> float:
        return self._hours[offer][region]

    def explain_promise(self, offer: int, region: int) -> tuple[tuple[PromiseOption, ...], str]:
        """Called only by a run that records its decisions (kept per seller and region)."""
        m = self._market
        key = (int(m.offer_seller[offer]), region)
        hit = self._why.get(key)
        if hit is None:
            name = m.carriers[m.sellers[key[0]].carrier].name
            days = self.buffer_days.get(name, self.default_buffer_days)
            option = contract_option(m, offer, region, 24.0 * days, self._hours[offer][region])
            hit = self._why[key] = ((option,), (f"contract + the buffer calibrated for {name} "
                                                f"({days:g} days, for {self.quantile:.0%} on "
                                                "time)"))  # fmt: skip
        return hit


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
        self._why: dict = {}  # explaining only: per (origin, region), (carrier, transit, open)
        self._explained: dict = {}  # explaining only: per (seller, region), since the refresh

    def bind(self, market: MarketView) -> None:
        self.market = market
        self.lanes = LaneModel.of(market)
        self.handover = HandoverModel.of(market)
        self._offer_seller = market.offer_seller.tolist()
        self._origins = [int(market.warehouse_region[s.home_warehouse]) for s in market.sellers]
        self._refresh()

    def _open_carriers(self) -> set[int]:
        m = self.market
        return {
            c for c, k in enumerate(m.carriers)
            if m.carrier_pending(c) < self.load_limit * self.horizon_days * k.daily_capacity
        }  # fmt: skip

    def _lane_table(self) -> dict[tuple[int, int], tuple[bool, list[tuple[int, float]]]]:
        """Per (origin, customer region): whether some carrier serves the region, and
        (carrier, contracted transit) of those that do, or of every carrier if none does
        (routing will escalate; any finite promise will do)."""
        m, n_c = self.market, len(self.market.carriers)
        serving = [
            [c for c, k in enumerate(m.carriers) if r in k.serves] for r in range(m.n_regions)
        ]
        return {(o, r): (bool(serving[r]),
                         [(c, m.nominal_transit_h(c, o, r)) for c in serving[r] or range(n_c)])
                for o in set(self._origins) for r in range(m.n_regions)}  # fmt: skip

    def _refresh(self) -> None:
        m, q = self.market, self.quantile
        if not self._lanes:
            self._lanes = self._lane_table()
        open_c = self._open_carriers()
        z, log_ratio, exp = _z(q), self.lanes.log_ratio, math.exp
        fastest: dict[tuple[int, int], float] = {}  # (origin, region) -> transit quantile
        why = {} if m.explaining else None
        for (o, r), (served, lanes) in self._lanes.items():  # origins x regions x carriers
            best = best_open = math.inf
            seen = why.setdefault((o, r), []) if why is not None else None
            for c, nominal in lanes:
                mu, sigma = log_ratio(c, o, r)
                t = nominal * exp(mu + sigma * z)  # LaneModel.transit_quantile_h, inlined
                best = min(best, t)
                if served and c in open_c:  # the fastest with room, else the fastest
                    best_open = min(best_open, t)
                if seen is not None:
                    seen.append((c, t, served and c in open_c))
            fastest[(o, r)] = best_open if best_open < math.inf else best
        if why is not None:
            self._why, self._explained = why, {}
        # per origin a row, shared by its sellers: a refresh costs sellers + origins x regions,
        # not sellers x regions (hundreds of sellers, dozens of regions)
        rows = {o: [fastest[(o, r)] for r in range(m.n_regions)] for o in set(self._origins)}
        self._transit = [rows[o] for o in self._origins]
        self._handover = [self.handover.quantile_h(s, q) for s in range(len(self._origins))]
        self._next_refresh = m.now() + self.refresh_h

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

    def explain_promise(self, offer: int, region: int) -> tuple[tuple[PromiseOption, ...], str]:
        """The promise of the last refresh, per carrier it considered (called only by a run
        that records its decisions, right after the promise was asked for)."""
        s = self._offer_seller[offer]
        hit = self._explained.get((s, region))
        if hit is None:
            hit = self._explained[(s, region)] = self._explain(s, region)
        return hit

    def _explain(self, s: int, region: int) -> tuple[tuple[PromiseOption, ...], str]:
        handover, buffer, used = self._handover[s], self.buffer_h, self._transit[s][region]
        options, found = [], False
        for c, transit, is_open in self._why[(self._origins[s], region)]:
            chosen = not found and transit == used
            found = found or chosen
            note = ("open" if is_open else "full or not serving") + (
                ", the fastest with room" if chosen and is_open else ""
            )
            options.append(PromiseOption(c, handover, transit, buffer,
                                         handover + transit + buffer, chosen, note))  # fmt: skip
        q = f"{self.quantile:.0%}"
        return tuple(options), (f"learned: the seller's {q} time to hand-over + the {q} transit "
                                f"of the fastest carrier with room + {buffer:g} h")  # fmt: skip
