"""What the routing policies weighed, for a run that records its decisions (`market.explaining`):
each answer with the (warehouse, carrier) options behind it as `sim.decisions.RouteOption`s.
Only called when explaining, so the routing policies' default path is unchanged."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain

import numpy as np

from sim.decisions import DEFER, RouteOption, RoutingDecision, RoutingRequest, SellerTerms
from sim.market_view import MarketView
from sim.route_columns import RouteColumns

STATIC_RULE = "rule: home warehouse and contracted carrier"


def lane_option(market: MarketView, r: RoutingRequest, warehouse: int, carrier: int,
                note: str = "") -> RouteOption:  # fmt: skip
    """An option priced as a rule sees it: the contract's shipping cost, and the distance."""
    origin = int(market.warehouse_region[warehouse])
    ship = market.shipping_cost(carrier, origin, r.region)
    km = float(market.distance_km[origin, r.region])
    return RouteOption(warehouse, carrier, ship, ship, km=km, note=note)


def static(r: RoutingRequest, terms: SellerTerms, market: MarketView,
           cache: dict) -> RoutingDecision:  # fmt: skip
    """StaticRouting's answer: its one option (kept per seller and region in `cache`)."""
    w, c = terms.home_warehouse, terms.carrier
    key = (r.seller, r.region)
    options = cache.get(key)
    if options is None:
        options = cache[key] = (lane_option(market, r, w, c, "home warehouse, contracted"),)
    return RoutingDecision(r.order_id, w, c, STATIC_RULE, options)


_WHERE = ("the home warehouse has the unit",
          "home shelf empty: the nearest other warehouse that has the unit",
          "no shelf has the unit: the home warehouse (the world raises the stockout)")  # fmt: skip
_HOW = ("the contracted carrier", "the contracted carrier, though no carrier serves the region",
        "the region's fallback carrier (the contracted one does not serve it)")  # fmt: skip
_RULES = {(w, h): f"rule: {where}; {how}" for w, where in enumerate(_WHERE)
          for h, how in enumerate(_HOW)}  # fmt: skip


def rule(r: RoutingRequest, market: MarketView, w: int, c: int, terms: SellerTerms,
         carrier_for: Callable[[int], int], cache: dict) -> RoutingDecision:  # fmt: skip
    """RuleRouting's answer (w, c) with what its rule looked at: the home shelf, and when it is
    empty every other shelf of the stock plan (its units and distance), each with the carrier
    the rule would give it (`carrier_for(warehouse)`). The common case, a home shelf with the
    unit, is kept per seller and region in `cache`."""
    home = terms.home_warehouse
    how = 2 if c != terms.carrier else (0 if r.region in market.carriers[c].serves else 1)
    if w == home and market.on_hand(r.offer, home) > 0:
        key = (r.seller, r.region)
        options = cache.get(key)
        if options is None:
            options = cache[key] = (lane_option(market, r, home, c,
                                                "home warehouse: has the unit"),)  # fmt: skip
        return RoutingDecision(r.order_id, w, c, _RULES[(0, how)], options)
    options = [lane_option(market, r, home, carrier_for(home), "home warehouse: shelf empty")]
    for x in market.stocked_at[r.offer]:
        if x != home:
            units = market.on_hand(r.offer, x)
            options.append(lane_option(market, r, x, carrier_for(x), "other warehouse: "
                                       + (f"{units} on the shelf" if units > 0 else "shelf empty")))  # fmt: skip
    where = 1 if w != home else 2
    return RoutingDecision(r.order_id, w, c, _RULES[(where, how)], tuple(options))


def optimised(batch: list[RoutingRequest], problem, seen: list, market: MarketView,
              late_penalty: float) -> Weighed:  # fmt: skip
    """Every option OptimisedRouting built for the batch: the ones it kept for the solver, the
    ones it pruned as dominated, and waiting for the next batch for each order that has
    options (listed after the others). `seen`: per shelf (order, warehouse, its (cost,
    carrier, shipping) options, the index of its first option kept, the cost above which one
    is pruned), in order. What tells the options apart is taken now; their cost terms are
    worked out at the end of the run for every batch at once (`Weighed.join`)."""
    heres = [s[2] for s in seen]
    sizes = np.fromiter(map(len, heres), np.int64, len(seen))
    shelf = np.fromiter(chain.from_iterable((s[0], s[1], s[3], s[4]) for s in seen), float,
                        4 * len(seen)).reshape(-1, 4)  # fmt: skip
    flat = np.fromiter(chain.from_iterable(chain.from_iterable(heres)), float,
                       3 * int(sizes.sum())).reshape(-1, 3)  # fmt: skip
    waits = np.unique(shelf[:, 0]).astype(np.int64)  # sorted: the orders that have options
    m = len(waits)
    full = [(members, over) for members, cap, over in problem.groups
            if over != math.inf and cap <= 0]  # what the solver folds into an option's cost  # fmt: skip
    sla = market.sla_credit_pct
    return Weighed(np.r_[np.repeat(shelf[:, 0].astype(np.int64), sizes), waits],
                   np.r_[np.repeat(shelf[:, 1].astype(np.int64), sizes), np.full(m, DEFER)],
                   np.r_[flat[:, 1].astype(np.int64), np.full(m, -1)], None, shelf, sizes, flat,
                   waits, len(problem.option_item), full,
                   [sla * r.price + late_penalty for r in batch], [r.region for r in batch],
                   problem.unassigned_cost, market)  # fmt: skip


@dataclass
class Weighed(RouteColumns):
    """OptimisedRouting's options of a batch, with what their cost terms are worked out from:
    per shelf (order, warehouse, first kept, prune limit) and its count of options, per option
    (cost, carrier, shipping), the orders that may wait, how many options were kept, the full
    groups (members, overflow), per order its lateness cost, region and cost of waiting."""

    shelf: np.ndarray = None
    sizes: np.ndarray = None
    flat: np.ndarray = None
    waits: np.ndarray = None
    n_kept: int = 0
    full: list = None
    late: list = None
    region: list = None
    unassigned: list = None
    market: MarketView = None

    @classmethod
    def join(cls, batches: list[Weighed]) -> dict[str, np.ndarray]:
        """The terms of every option of `batches`, in order: per batch its shelves' options,
        then its waits (see `optimised`)."""
        n_orders = np.array([len(b.late) for b in batches])
        order_base = np.cumsum(n_orders) - n_orders
        kept = np.array([b.n_kept for b in batches])
        kept_base = np.cumsum(kept) - kept
        shelves = np.array([len(b.sizes) for b in batches])
        penalty = np.zeros(int(kept.sum()) + 1)  # the last: a pruned option's, 0
        for b, base in zip(batches, kept_base.tolist(), strict=True):
            for members, over in b.full:
                penalty[base + np.asarray(members, dtype=np.int64)] += over
        shelf = np.concatenate([b.shelf for b in batches])
        sizes = np.concatenate([b.sizes for b in batches])
        flat = np.concatenate([b.flat for b in batches])
        which = np.repeat(np.arange(len(shelf)), sizes)  # each option's shelf
        in_batch = np.repeat(np.repeat(np.arange(len(batches)), shelves), sizes)
        item = shelf[which, 0].astype(np.int64) + order_base[in_batch]
        cost, ship = flat[:, 0], flat[:, 2]
        pruned = cost > shelf[which, 3]
        counted = (~pruned).astype(np.int64)
        before = np.cumsum(counted) - counted  # kept options before it: its index among the
        start = (np.cumsum(sizes) - sizes)[which]  # kept is its shelf's first + those on it
        k = shelf[which, 2].astype(np.int64) + kept_base[in_batch] + before - before[start]
        pen = penalty[np.where(pruned, len(penalty) - 1, k)]
        late = np.fromiter(chain.from_iterable(b.late for b in batches), float)
        region = np.fromiter(chain.from_iterable(b.region for b in batches), np.int64)
        expected = cost - ship
        with np.errstate(divide="ignore", invalid="ignore"):
            p_late = np.where(late[item] > 0, expected / late[item], np.nan)
        m = batches[0].market
        origin = np.asarray(m.warehouse_region, dtype=np.int64)[shelf[which, 1].astype(np.int64)]
        km = np.asarray(m.distance_km, dtype=float)[origin, region[item]]
        note = np.where(pruned, 1, np.where(pen > 0, 2, 0))
        waits = np.concatenate([b.waits + base for b, base in zip(batches, order_base.tolist(),
                                                                   strict=True)])  # fmt: skip
        unassigned = np.fromiter(chain.from_iterable(b.unassigned for b in batches), float)
        # per batch its shelves' options, then its waits
        n_waits = np.array([len(b.waits) for b in batches])
        n_opts = np.array([len(b.flat) for b in batches])
        at_shelf = np.arange(len(flat)) + np.repeat(np.cumsum(n_waits) - n_waits, n_opts)
        at_wait = np.arange(len(waits)) + np.repeat(np.cumsum(n_opts), n_waits)
        none = np.full(len(waits), np.nan)
        out = {}
        for name, a, b in (("cost", cost + pen, unassigned[waits]), ("shipping", ship, none),
                           ("late_cost", expected, none), ("p_late", p_late, none),
                           ("capacity_penalty", pen, np.zeros(len(waits))), ("km", km, none),
                           ("note", note, np.full(len(waits), 3))):  # fmt: skip
            values = np.empty(len(flat) + len(waits), dtype=a.dtype)
            values[at_shelf], values[at_wait] = a, b
            out[name] = values
        out["note"] = np.array(NOTES, dtype=object)[out["note"]]
        return out


PRUNED = "pruned: dominated by a cheaper option from this shelf"
FULL = "carrier or warehouse full: overflow folded in"
WAIT = "wait for the next batch"
NOTES = ("", PRUNED, FULL, WAIT)


def batch_reason(n: int, method: str) -> str:
    return f"least total cost over the batch of {n} orders ({method})"
