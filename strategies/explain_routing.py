"""What the routing policies weighed, for a run that records its decisions (`market.explaining`):
each answer with the (warehouse, carrier) options behind it as `sim.decisions.RouteOption`s.
Only called when explaining, so the routing policies' default path is unchanged."""

from __future__ import annotations

import math
from collections.abc import Callable

from sim.decisions import DEFER, RouteOption, RoutingDecision, RoutingRequest, SellerTerms
from sim.market_view import MarketView

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
              late_penalty: float) -> list[tuple[RouteOption, ...]]:  # fmt: skip
    """Per order of the batch, every option OptimisedRouting built, with its cost terms: the
    ones it pruned as dominated (marked), the overflow the solver folds in where a carrier or
    warehouse is already full, and waiting for the next batch. `seen`: per shelf (order,
    warehouse, its (cost, carrier, shipping) options, the index of its first option kept, the
    cost above which one is pruned)."""
    penalty = [0.0] * len(problem.option_item)
    for members, cap, over in problem.groups:  # what the solver folds into an option's cost
        if over != math.inf and cap <= 0:
            for k in members:
                penalty[k] += over
    per_order: list[list[RouteOption]] = [[] for _ in batch]
    sla, region_of, distance = market.sla_credit_pct, market.warehouse_region, market.distance_km
    for i, w, here, k, limit in seen:
        r = batch[i]
        late_cost = sla * r.price + late_penalty
        km = float(distance[int(region_of[w]), r.region])
        options = per_order[i]
        for cost, c, ship in here:
            expected = cost - ship
            p_late = expected / late_cost if late_cost > 0 else math.nan
            if cost > limit:
                options.append(RouteOption(w, c, cost, ship, expected, p_late, 0.0, km, PRUNED))
                continue
            pen = penalty[k]
            k += 1
            options.append(RouteOption(w, c, cost + pen, ship, expected, p_late, pen, km,
                                       FULL if pen > 0 else ""))  # fmt: skip
    for i, options in enumerate(per_order):
        if options:
            options.append(RouteOption(DEFER, -1, problem.unassigned_cost[i], note=WAIT))
    return [tuple(o) for o in per_order]


PRUNED = "pruned: dominated by a cheaper option from this shelf"
FULL = "carrier or warehouse full: overflow folded in"
WAIT = "wait for the next batch"


def batch_reason(n: int, method: str) -> str:
    return f"least total cost over the batch of {n} orders ({method})"
