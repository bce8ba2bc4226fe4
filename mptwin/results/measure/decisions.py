"""The `decisions` table of a run that recorded them (`sim.recording.decision_log.DecisionLog`):
one row per decision in decision order, its alternatives as typed nested columns (one list of
structs per option type, `mptwin.results.measure.option_columns`) and a price change's terms as plain
columns.
What the log leaves out comes from the run's other tables: when a promise was made, for which
offer and region, the hours shown (orders); what an exception is and how it was triaged
(exceptions). The short texts are built a column at a time (`mptwin.results.measure.text_columns`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from mptwin.memory import memory_for_big_tables
from mptwin.results.measure.option_columns import (
    COLUMNS,
    TYPES,
    family,
    lists,
    spread,
    store_lists,
    structs,
)
from mptwin.results.measure.run_tables import DECISION_COLUMNS
from mptwin.results.measure.text_columns import integers, labels, numbers, text
from sim.decisions import DEFER, Alternative, PromiseOption, RouteOption
from sim.recording.decision_log import (
    POINTS,
    PRICING,
    PROMISE,
    ROUTING,
    TRIAGE,
    DecisionLog,
    Options,
    PriceBlock,
)
from sim.recording.decision_log import numbers as array_columns

ANSWERED = "the policy's answer (it listed no alternatives)"
_POINTS = pa.array(POINTS, pa.string())
PRICE_COLUMNS = {
    name: pa.string() if DECISION_COLUMNS[name] == "string" else pa.float64()
    for name in list(DECISION_COLUMNS)[-7:]
}


def decisions_table(
    log: DecisionLog, tables: dict[str, pd.DataFrame], offer_seller: np.ndarray
) -> pd.DataFrame:
    """Every decision of the run (`tables`: the run's orders and exceptions; `offer_seller`:
    each offer's seller), numbered in time order: within an instant the points come in
    `POINTS` order, each point's decisions in the order they were made. Rows come by point
    (sort by decision_id for the run's order): putting a million rows of text in time order
    would cost more than all the rest."""
    with memory_for_big_tables():
        order = _OrderFacts(tables["orders"])
        parts = [
            _routing_part(log, order),
            _promise_part(log, order),
            _triage_part(log, tables["exceptions"], order),
            _rare_part(log),
        ]
        if log.prices:
            parts.append(_prices_part(log, offer_seller))
        table = pa.concat_tables(parts)
        point = table["point"].combine_chunks().indices.to_numpy()
        seq, t = table["decision_id"].to_numpy(), table["t_h"].to_numpy()
        rank = np.empty(len(t), dtype=np.int64)
        rank[np.lexsort([seq, point, t])] = np.arange(len(t))  # time, point, then as made
        table = table.set_column(0, "decision_id", pa.array(rank))
        return table.unify_dictionaries().to_pandas(types_mapper=_nested)


def _nested(kind: pa.DataType):
    """Option lists stay Arrow in pandas: made into Python objects, they would cost more than
    everything else."""
    return pd.ArrowDtype(kind) if pa.types.is_list(kind) else None


class _OrderFacts:
    """Columns of the orders table, looked up by order id."""

    def __init__(self, orders: pd.DataFrame):
        self.ids = orders["order_id"].to_numpy()
        self.cols = {
            k: orders[k].to_numpy() for k in ("offer", "seller", "region", "placed_h", "promise_h")
        }

    def of(self, order_ids: np.ndarray, name: str) -> np.ndarray:
        """Per order id, its value of column `name` (-1 for id -1: no order)."""
        col, known = self.cols[name], order_ids >= 0
        out = np.full(len(order_ids), -1, dtype=col.dtype)
        out[known] = col[np.searchsorted(self.ids, order_ids[known])]
        return out


# --- routing, promises and the rare points ---------------------------------------------------


def _routing_part(log: DecisionLog, order: _OrderFacts) -> pa.Table:
    r = array_columns(log.route)
    oid, w = r["order_id"], r["warehouse"]
    region = order.of(oid, "region")
    wait = pc.if_else(pa.array(w == DEFER), "wait for the next batch", "escalate to triage")
    chosen = pc.if_else(
        pa.array(w >= 0),
        text("warehouse ", integers(w), ", carrier ", integers(r["carrier"])),
        wait,
    )
    return _part(
        np.arange(len(oid)),
        r["t_h"],
        ROUTING,
        oid,
        order.of(oid, "offer"),
        order.of(oid, "seller"),
        None,
        None,
        text("warehouse and carrier for order ", integers(oid), " to region ", integers(region)),
        chosen,
        log,
        _reasons(log.route_reason),
        _route_options(log, region),
    )


def _route_options(log: DecisionLog, region: np.ndarray) -> dict[str, pa.Array]:
    """Per routing answer (its order in `region`), its options."""
    n, cols = len(region), log.route_options(region)
    other = {kind: s for kind, s in log.options["route"].items() if kind is not RouteOption}
    options = family(other, n)
    if cols is not None:
        options["route_options"] = lists(RouteOption, cols, n)
    return options


def _promise_part(log: DecisionLog, order: _OrderFacts) -> pa.Table:
    """A row per order placed, in order id order: the hours shown, and the options of its
    explanation (rows that share one get a copy), the answer itself listed too where none of
    them is marked used."""
    oid = ids = np.arange(len(order.ids))
    placed, offer, region = (order.of(oid, k) for k in ("placed_h", "offer", "region"))
    shown = order.of(oid, "promise_h") - placed
    which, texts, reason, used, listed = _promise_explanations(log, offer, region, placed)
    has = which >= 0
    needs = ~has  # the answer itself is listed as an option too
    needs[has] = ~used[which[has]]
    n, nan = len(ids), np.full(len(ids), np.nan)
    own = structs(
        PromiseOption,
        {
            "carrier": np.full(n, -1),
            "handover_h": nan,
            "transit_h": nan,
            "buffer_h": nan,
            "hours": shown,
            "used": np.ones(n, bool),
            "note": np.full(n, ANSWERED, dtype=object),
            "chosen": np.ones(n, bool),
        },
    )
    options = {name: pa.nulls(n, t) for name, t in TYPES.items()}
    for column, lists_ in listed.items():
        if column != "promise_options":
            options[column] = spread(lists_, which)
    none = pa.ListArray.from_arrays(pa.array(np.zeros(len(used) + 1, np.int32)), own.slice(0, 0))
    options["promise_options"] = spread(listed.get("promise_options", none), which, own, needs)
    said = np.full(n, len(texts))  # per row its reason ("" where it has no explanation)
    said[has] = reason[which[has]]
    return _part(
        ids,
        placed,
        PROMISE,
        oid,
        offer,
        order.of(oid, "seller"),
        None,
        None,
        text("delivery promise for offer ", integers(offer), " to region ", integers(region)),
        text(numbers(shown, 1), " h, to the end of the promised day"),
        log,
        labels([*texts, ""], said),
        options,
    )


def _promise_explanations(
    log: DecisionLog, offer: np.ndarray, region: np.ndarray, placed: np.ndarray
) -> tuple:
    """The promises' explanations, from the policy at the end or as kept while the run went:
    per order `which` (-1: none); the distinct reason texts; per explanation its reason (an
    index into them), whether an option is marked used, and its options (a list per
    explanation, by option column)."""
    if log.explain_promises is not None:
        c = log.explain_promises(offer, region, placed)
        k, cols = len(c.reason), {**c.options, "chosen": c.options["used"]}
        used = np.zeros(k, dtype=bool)
        used[cols["owner"][cols["used"]]] = True
        return (
            c.which,
            c.reasons,
            c.reason,
            used,
            {"promise_options": lists(PromiseOption, cols, k)},
        )
    e = log.promise
    e.flush()
    if len(e) != len(offer):
        raise RuntimeError(f"{len(e)} promises recorded for {len(offer)} orders placed")
    kept = array_columns({"which": e.which, "used": e.used})
    texts = list(dict.fromkeys(e.reasons))
    index = {t: i for i, t in enumerate(texts)}
    reason = np.array([index[r] for r in e.reasons], dtype=np.int64)
    listed = {COLUMNS[kind]: store_lists(store, len(e.reasons)) for kind, store in e.stores.items()}
    return kept["which"], texts, reason, kept["used"].astype(bool), listed


def _triage_part(log: DecisionLog, exceptions: pd.DataFrame, order: _OrderFacts) -> pa.Table:
    """Each exception's triage: the question and answer from the exceptions table, the reason
    and alternatives from the policy's answer (the alternative naming the handler chosen)."""
    ids = exc = np.arange(len(log.triage_answer))  # one per exception, in exception id order
    row = np.searchsorted(exceptions["exc_id"].to_numpy(), exc)
    e = exceptions.iloc[row]
    oid = e["order_id"].to_numpy()
    seller = e["seller"].to_numpy()
    seller = np.where((seller < 0) & (oid >= 0), order.of(oid, "seller"), seller)
    handler = e["handler"].to_numpy(dtype=object)
    answers = log.triage_answer
    store = Options(Alternative)
    for i, (t, h) in enumerate(zip(answers, handler, strict=True)):
        options = t.options
        chosen = sum(1 << k for k, opt in enumerate(options) if opt.option == h)
        if not chosen:
            options, chosen = (*options, Alternative(h, ANSWERED)), 1 << len(options)
        store.add(i, options, chosen)
    raised = e["raised_h"].to_numpy()
    return _part(
        ids,
        raised,
        TRIAGE,
        oid,
        e["offer"].to_numpy(),
        seller,
        exc,
        None,
        text("who handles ", _strings(e["type"]), " (", _strings(e["cause"]), ")"),
        text(
            _strings(e["handler"]),
            ", priority ",
            integers(e["priority"].to_numpy()),
            ", deadline in ",
            numbers(e["deadline_h"].to_numpy() - raised, 1),
            " h",
        ),
        log,
        _reasons([t.reason for t in answers]),
        family({Alternative: store}, len(ids)),
    )


def _strings(column: pd.Series) -> pa.Array:
    return pa.array(column.to_numpy(dtype=object), pa.string())


def _rare_part(log: DecisionLog) -> pa.Table:
    r = array_columns(log.rare)
    t = log.rare_text
    return _part(
        np.arange(len(r["t_h"])),
        r["t_h"],
        r["point"],
        r["order_id"],
        r["offer"],
        r["seller"],
        None,
        r["app_id"],
        pa.array(t["asked"], pa.string()),
        pa.array(t["chosen"], pa.string()),
        log,
        _reasons(t["reason"]),
        family(log.options["rare"], len(r["t_h"])),
    )


def _reasons(values: list[str]) -> pa.Array:
    return pa.array(values, pa.string()).dictionary_encode()


# --- pricing: blocks of arrays --------------------------------------------------------------

_PRICE_TERMS = (
    ("competitor", "competitor"),
    ("target", "target"),
    ("margin_floor", "floor"),
    ("regime", "regime"),
)


def _prices_part(log: DecisionLog, offer_seller: np.ndarray) -> pa.Table:
    """A row per offer a repricing ask changed: its old and new price, the operator's floor
    (the new price was rejected where it is under it) and the policy's terms, as plain columns
    (null where the policy gave none)."""
    blocks = log.prices
    sizes = np.array([len(b.offers) for b in blocks])
    block = np.repeat(np.arange(len(blocks)), sizes)  # each row's block
    offers = np.concatenate([b.offers for b in blocks]).astype(np.int32)
    old, new, floor = (
        np.concatenate([getattr(b, k) for b in blocks]) for k in ("old", "new", "operator_floor")
    )
    rejected = np.concatenate([b.rejected for b in blocks])
    chosen = numbers(new, 2)  # the new price; where it fell under the floor, why it did not apply
    if rejected.any():
        r = np.flatnonzero(rejected)
        said = text(
            chosen.take(pa.array(r)),
            " rejected: under the operator's floor ",
            numbers(floor[r], 2),
            ", stays ",
            numbers(old[r], 2),
        )
        chosen = pc.replace_with_mask(chosen, pa.array(rejected), said)
    prices = {
        "old_price": pa.array(old),
        "new_price": pa.array(new),
        "operator_floor": pa.array(floor),
    }
    for name, key in _PRICE_TERMS:
        prices[name] = _term(blocks, sizes, key, PRICE_COLUMNS[name])
    n = len(block)
    return _part(
        np.arange(n),
        np.array([b.t_h for b in blocks])[block],
        PRICING,
        None,
        offers,
        np.asarray(offer_seller)[offers],
        None,
        None,
        _per_offer(len(offer_seller), offers),
        chosen,
        log,
        labels([b.rule for b in blocks], block),
        {name: pa.nulls(n, t) for name, t in TYPES.items()},
        prices,
    )


def _per_offer(n_offers: int, offers: np.ndarray) -> pa.Array:
    """Per row, "price for offer N": each offer's text made once, then taken per row."""
    return text("price for offer ", integers(np.arange(n_offers))).take(pa.array(offers))


def _term(blocks: list[PriceBlock], sizes: np.ndarray, key: str, kind: pa.DataType) -> pa.Array:
    """A policy's term for every row (null where a block lacks it)."""
    if all(b.terms is None or b.terms.get(key) is None for b in blocks):
        return pa.nulls(int(sizes.sum()), kind)
    label = kind == pa.string()
    parts = [
        np.full(n, None if label else np.nan, dtype=object if label else float)
        if b.terms is None or b.terms.get(key) is None
        else np.asarray(b.terms[key], dtype=object if label else float)
        for b, n in zip(blocks, sizes, strict=True)
    ]
    return pa.array(np.concatenate(parts) if parts else [], kind, from_pandas=True)


# --- one part of the table --------------------------------------------------------------------


def _part(
    ids,
    t_h,
    point,
    order_id,
    offer,
    seller,
    exc_id,
    app_id,
    asked,
    chosen,
    log: DecisionLog,
    reason,
    options: dict,
    prices: dict | None = None,
) -> pa.Table:
    """A part's columns in the contract's order; a constant point, and None for a column of
    -1s, are spread over its rows; price columns are null but in the pricing part."""
    n = len(ids)
    point = np.full(n, point, np.int8) if np.isscalar(point) else np.asarray(point, np.int8)
    names = [log.policy[p] for p in range(len(POINTS))]
    cols = [
        pa.array(ids, pa.int64()),
        pa.array(t_h, pa.float64()),
        pa.DictionaryArray.from_arrays(pa.array(point), _POINTS),
    ]
    for values, kind in (
        (order_id, pa.int64()),
        (offer, pa.int32()),
        (seller, pa.int32()),
        (exc_id, pa.int64()),
        (app_id, pa.int64()),
    ):
        cols.append(pa.array(np.full(n, -1) if values is None else values, kind))
    cols += [asked, chosen, labels(names, point), reason, *(options[k] for k in TYPES)]
    prices = prices or {}
    cols += [prices[k] if k in prices else pa.nulls(n, kind) for k, kind in PRICE_COLUMNS.items()]
    return pa.table(cols, names=list(DECISION_COLUMNS))
