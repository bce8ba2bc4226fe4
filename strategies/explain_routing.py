"""What the routing policies weighed, for a run that records its decisions (`market.explaining`):
each answer with the (warehouse, carrier) options behind it as `sim.decisions.RouteOption`s.
Only called when explaining, so the routing policies' default path is unchanged."""

from __future__ import annotations

import math
from collections.abc import Callable
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
              late_penalty: float) -> RouteColumns:  # fmt: skip
    """Every option OptimisedRouting built for the batch, with its cost terms, as columns (a
    million options a run: numpy, not an object each): the ones it pruned as dominated
    (marked), the overflow the solver folds in where a carrier or warehouse is already full,
    and, last for each order that has options, waiting for the next batch. `seen`: per shelf
    (order, warehouse, its (cost, carrier, shipping) options, the index of its first option
    kept, the cost above which one is pruned), in order."""
    if not seen:
        return RouteColumns(*(np.empty(0, t) for t in (np.int64,) * 3 + (float,) * 6),
                            np.empty(0, np.int64), NOTES)  # fmt: skip
    n_kept = len(problem.option_item)
    penalty = np.zeros(n_kept + 1)  # what the solver folds into an option's cost
    for members, cap, over in problem.groups:
        if over != math.inf and cap <= 0:
            penalty[np.asarray(members, dtype=np.int64)] += over
    item, w, first, limit = (np.array([s[j] for s in seen], dtype=float if j == 4 else np.int64)
                             for j in (0, 1, 3, 4))  # fmt: skip
    sizes = np.fromiter((len(s[2]) for s in seen), np.int64, len(seen))
    flat = np.fromiter(chain.from_iterable(chain.from_iterable(s[2] for s in seen)), float)
    cost, carrier, ship = flat[0::3], flat[1::3].astype(np.int64), flat[2::3]
    item, w = np.repeat(item, sizes), np.repeat(w, sizes)
    pruned = cost > np.repeat(limit, sizes)
    kept = (~pruned).astype(np.int64)
    before = np.cumsum(kept) - kept  # kept options before it: its index is its shelf's first
    start = np.repeat(np.cumsum(sizes) - sizes, sizes)  # + the kept before it on its shelf
    k = np.where(pruned, n_kept, np.repeat(first, sizes) + before - before[start])
    pen = penalty[k]
    price = np.array([r.price for r in batch])
    region = np.array([r.region for r in batch], dtype=np.int64)
    late = market.sla_credit_pct * price + late_penalty
    expected = cost - ship
    with np.errstate(divide="ignore", invalid="ignore"):
        p_late = np.where(late[item] > 0, expected / late[item], np.nan)
    km = np.asarray(market.distance_km, dtype=float)[
        np.asarray(market.warehouse_region, dtype=np.int64)[w], region[item]]  # fmt: skip
    note = np.where(pruned, 1, np.where(pen > 0, 2, 0))
    waits = np.unique(item)  # each order with options may wait for the next batch instead
    m = len(waits)
    nan = np.full(m, np.nan)
    cols = [np.r_[item, waits], np.r_[w, np.full(m, DEFER)], np.r_[carrier, np.full(m, -1)],
            np.r_[cost + pen, np.asarray(problem.unassigned_cost, float)[waits]],
            np.r_[ship, nan], np.r_[expected, nan], np.r_[p_late, nan], np.r_[pen, np.zeros(m)],
            np.r_[km, nan], np.r_[note, np.full(m, 3)]]  # fmt: skip
    order = np.argsort(cols[0] * 2 + np.r_[np.zeros(len(item), np.int64), np.ones(m, np.int64)],
                       kind="stable")  # fmt: skip
    return RouteColumns(*(c[order] for c in cols), notes=NOTES)


PRUNED = "pruned: dominated by a cheaper option from this shelf"
FULL = "carrier or warehouse full: overflow folded in"
WAIT = "wait for the next batch"
NOTES = ("", PRUNED, FULL, WAIT)


def batch_reason(n: int, method: str) -> str:
    return f"least total cost over the batch of {n} orders ({method})"
