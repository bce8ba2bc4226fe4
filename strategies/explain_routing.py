"""What the routing policies weighed, for a run that records its decisions (`market.explaining`):
each answer with the (warehouse, carrier) options behind it as `sim.decisions.RouteOption`s.
Only called when explaining, so the routing policies' default path is unchanged."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from itertools import chain

import numpy as np

from sim.decisions import DEFER, RouteOption, RoutingDecision, RoutingRequest
from sim.market_view import MarketView, SellerTerms
from sim.recording.route_columns import RouteColumns

STATIC_RULE = "rule: home warehouse and contracted carrier"


def lane_option(
    market: MarketView, r: RoutingRequest, warehouse: int, carrier: int, note: str = ""
) -> RouteOption:
    """An option priced as a rule sees it: the contract's shipping cost, and the distance."""
    origin = int(market.warehouse_region[warehouse])
    ship = market.shipping_cost(carrier, origin, r.region)
    km = float(market.distance_km[origin, r.region])
    return RouteOption(warehouse, carrier, ship, ship, km=km, note=note)


def static(
    r: RoutingRequest, terms: SellerTerms, market: MarketView, cache: dict
) -> RoutingDecision:
    """StaticRouting's answer: its one option (kept per seller and region in `cache`)."""
    w, c = terms.home_warehouse, terms.carrier
    key = (r.seller, r.region)
    options = cache.get(key)
    if options is None:
        options = cache[key] = (lane_option(market, r, w, c, "home warehouse, contracted"),)
    return RoutingDecision(r.order_id, w, c, STATIC_RULE, options)


_WHERE = (
    "the home warehouse has the unit",
    "home shelf empty: the nearest other warehouse that has the unit",
    "no shelf has the unit: the home warehouse (the world raises the stockout)",
)
_HOW = (
    "the contracted carrier",
    "the contracted carrier, though no carrier serves the region",
    "the region's fallback carrier (the contracted one does not serve it)",
)
RULES = {
    (w, h): f"rule: {where}; {how}" for w, where in enumerate(_WHERE) for h, how in enumerate(_HOW)
}  # RuleRouting's reasons, by (where, how)
HAS_UNIT, EMPTY = -1, -2  # what RuleRouting saw at the home shelf (else: units at another)


def with_options(decisions: list[RoutingDecision], weighed: RouteColumns) -> list[RoutingDecision]:
    """The answers with their options as `RouteOption`s (what `route` gives when explaining,
    e.g. to a decision service)."""
    options = weighed.per_item(len(decisions))
    return [replace(d, options=options[i]) for i, d in enumerate(decisions)]


@dataclass
class Ruled(RouteColumns):
    """RuleRouting's options of a batch, as it looked at them: per option its order, warehouse,
    carrier and what the rule saw there (`HAS_UNIT`, `EMPTY`, or the units on another shelf),
    in plain lists (a few per order); per order its region. Priced at the end of the run, as
    the rule sees a lane: the contract's shipping cost, and the distance."""

    saw: list = None
    region: list = None
    market: MarketView = None

    @classmethod
    def of(cls, batch: list[RoutingRequest], market: MarketView) -> Ruled:
        return cls([], [], [], saw=[], region=[r.region for r in batch], market=market)

    def look(self, item: int, warehouse: int, carrier: int, saw: int) -> None:
        """One more option: order `item` of the batch from `warehouse` with `carrier`."""
        self.item.append(item)
        self.warehouse.append(warehouse)
        self.carrier.append(carrier)
        self.saw.append(saw)

    @classmethod
    def join(cls, batches: list[Ruled], first: np.ndarray) -> dict[str, np.ndarray]:
        sizes = np.array([len(b.item) for b in batches], dtype=np.int64)
        n_orders = np.array([len(b.region) for b in batches], dtype=np.int64)
        cols = {
            name: np.fromiter(
                chain.from_iterable(getattr(b, name) for b in batches), np.int64, int(sizes.sum())
            )
            for name in ("item", "warehouse", "carrier", "saw")
        }
        item = cols["item"]
        region = np.fromiter(chain.from_iterable(b.region for b in batches), np.int64)
        region = region[item + np.repeat(np.cumsum(n_orders) - n_orders, sizes)]
        m = batches[0].market
        r = range(m.n_regions)
        lanes = np.array(
            [[[m.shipping_cost(c, o, d) for d in r] for o in r] for c in range(len(m.carriers))]
        )
        origin = np.asarray(m.warehouse_region, dtype=np.int64)[cols["warehouse"]]
        ship = lanes[cols["carrier"], origin, region]
        none = np.full(len(item), np.nan)
        return {
            "item": item + np.repeat(first, sizes),
            "warehouse": cols["warehouse"],
            "carrier": cols["carrier"],
            "cost": ship,
            "shipping": ship,
            "late_cost": none,
            "p_late": none,
            "capacity_penalty": np.zeros(len(item)),
            "km": np.asarray(m.distance_km, dtype=float)[origin, region],
            "note": _rule_notes(cols["saw"]),
        }


def _rule_notes(saw: np.ndarray) -> np.ndarray:
    """What RuleRouting saw at each shelf, in words (each distinct one written once)."""
    values, index = np.unique(saw, return_inverse=True)
    words = {
        HAS_UNIT: "home warehouse: has the unit",
        EMPTY: "home warehouse: shelf empty",
        0: "other warehouse: shelf empty",
    }
    said = [words.get(v, f"other warehouse: {v} on the shelf") for v in values.tolist()]
    return np.array(said, dtype=object)[index.reshape(-1)]


def optimised(
    batch: list[RoutingRequest], problem, seen: list, market: MarketView, late_penalty: float
) -> Weighed:
    """Every option OptimisedRouting built for the batch: the ones it kept for the solver, the
    ones it pruned as dominated, and waiting for the next batch for each order that has
    options. `seen`: per shelf (order, warehouse, its (cost, carrier, shipping) options, the
    index of its first option kept, the cost above which one is pruned), in order. Only what
    tells the options apart is taken now, as numbers; the columns are worked out at the end of
    the run for every batch at once (`Weighed.join`)."""
    heres = [s[2] for s in seen]
    sizes = np.fromiter(map(len, heres), np.int64, len(seen))
    shelf = np.fromiter(
        chain.from_iterable((s[0], s[1], s[3], s[4]) for s in seen), float, 4 * len(seen)
    ).reshape(-1, 4)
    flat = np.fromiter(
        chain.from_iterable(chain.from_iterable(heres)), float, 3 * int(sizes.sum())
    ).reshape(-1, 3)
    full = []  # what the solver folds into an option's cost: the soft groups, which come
    for members, cap, over in reversed(problem.groups):  # last, that are full
        if over == math.inf:
            break
        if cap <= 0:
            full.append((members, over))
    full.reverse()
    sla = market.sla_credit_pct
    return Weighed(
        shelf=shelf,
        sizes=sizes,
        flat=flat,
        n_kept=len(problem.option_item),
        full=full,
        late=[sla * r.price + late_penalty for r in batch],
        region=[r.region for r in batch],
        unassigned=problem.unassigned_cost,
        market=market,
    )


@dataclass
class Weighed(RouteColumns):
    """OptimisedRouting's options of a batch, as what their columns are worked out from: per
    shelf (order, warehouse, first kept, prune limit) and its count of options, per option
    (cost, carrier, shipping), how many options were kept, the full groups (members,
    overflow), per order its lateness cost, region and cost of waiting."""

    shelf: np.ndarray = None
    sizes: np.ndarray = None
    flat: np.ndarray = None
    n_kept: int = 0
    full: list = None
    late: list = None
    region: list = None
    unassigned: list = None
    market: MarketView = None

    @classmethod
    def join(cls, batches: list[Weighed], first: np.ndarray) -> dict[str, np.ndarray]:
        """The options of `batches` (see `RouteColumns.join`): per order its shelves' options,
        then waiting, if it has options."""
        n_orders = np.array([len(b.late) for b in batches])
        order_base = np.cumsum(n_orders) - n_orders  # each batch's first order among all
        kept = np.array([b.n_kept for b in batches])
        kept_base = np.cumsum(kept) - kept
        full = [
            (members, over, base)
            for b, base in zip(batches, kept_base.tolist(), strict=True)
            for members, over in b.full
        ]
        counts = np.fromiter((len(m) for m, _, _ in full), np.int64, len(full))
        members = np.fromiter(
            chain.from_iterable(m for m, _, _ in full), np.int64, int(counts.sum())
        )
        members += np.repeat(np.array([b for _, _, b in full], dtype=np.int64), counts)
        overflow = np.repeat(np.array([o for _, o, _ in full], dtype=float), counts)
        penalty = np.bincount(members, overflow, int(kept.sum()) + 1)  # the last: pruned, 0
        shelves = np.array([len(b.sizes) for b in batches])
        shelf = np.concatenate([b.shelf for b in batches])
        sizes = np.concatenate([b.sizes for b in batches])
        flat = np.concatenate([b.flat for b in batches])
        which = np.repeat(np.arange(len(shelf)), sizes)  # each option's shelf
        batch = np.repeat(np.repeat(np.arange(len(batches)), shelves), sizes)
        item = shelf[which, 0].astype(np.int64) + order_base[batch]  # among all orders
        cost, ship = flat[:, 0], flat[:, 2]
        pruned = cost > shelf[which, 3]
        counted = (~pruned).astype(np.int64)
        before = np.cumsum(counted) - counted  # kept options before it: its index among the
        start = (np.cumsum(sizes) - sizes)[which]  # kept is its shelf's first + those on it
        k = shelf[which, 2].astype(np.int64) + kept_base[batch] + before - before[start]
        pen = penalty[np.where(pruned, len(penalty) - 1, k)]
        late = np.fromiter(chain.from_iterable(b.late for b in batches), float)
        region = np.fromiter(chain.from_iterable(b.region for b in batches), np.int64)
        unassigned = np.fromiter(chain.from_iterable(b.unassigned for b in batches), float)
        expected = cost - ship
        with np.errstate(divide="ignore", invalid="ignore"):
            p_late = np.where(late[item] > 0, expected / late[item], np.nan)
        m = batches[0].market
        warehouse = shelf[which, 1].astype(np.int64)
        origin = np.asarray(m.warehouse_region, dtype=np.int64)[warehouse]
        km = np.asarray(m.distance_km, dtype=float)[origin, region[item]]
        note = np.where(pruned, 1, np.where(pen > 0, 2, 0))
        waits = _firsts(item)  # the orders that have options, in order
        # an order's options, then its wait: options and waits interleaved by order
        at_shelf = np.arange(len(item)) + np.searchsorted(waits, item, side="left")
        at_wait = np.arange(len(waits)) + np.searchsorted(item, waits, side="right")
        row = np.repeat(first - order_base, n_orders)  # + an order's index: its log row
        none, n = np.full(len(waits), np.nan), len(item) + len(waits)
        out = {}
        for name, a, b in (
            ("item", item + row[item], waits + row[waits]),
            ("warehouse", warehouse, np.full(len(waits), DEFER)),
            ("carrier", flat[:, 1].astype(np.int64), np.full(len(waits), -1)),
            ("cost", cost + pen, unassigned[waits]),
            ("shipping", ship, none),
            ("late_cost", expected, none),
            ("p_late", p_late, none),
            ("capacity_penalty", pen, np.zeros(len(waits))),
            ("km", km, none),
            ("note", note, np.full(len(waits), 3)),
        ):
            values = np.empty(n, dtype=a.dtype)
            values[at_shelf], values[at_wait] = a, b
            out[name] = values
        out["note"] = np.array(NOTES, dtype=object)[out["note"]]
        return out


def _firsts(sorted_values: np.ndarray) -> np.ndarray:
    """The distinct values of a non-decreasing array."""
    if not len(sorted_values):
        return sorted_values
    keep = np.empty(len(sorted_values), dtype=bool)
    keep[0] = True
    np.not_equal(sorted_values[1:], sorted_values[:-1], out=keep[1:])
    return sorted_values[keep]


PRUNED = "pruned: dominated by a cheaper option from this shelf"
FULL = "carrier or warehouse full: overflow folded in"
WAIT = "wait for the next batch"
NOTES = ("", PRUNED, FULL, WAIT)


def batch_reason(n: int, method: str) -> str:
    return f"least total cost over the batch of {n} orders ({method})"
