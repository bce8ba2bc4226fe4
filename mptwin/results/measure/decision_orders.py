"""The decisions table's parts about orders and exceptions (`mptwin.results.measure.decisions`):
routing, the promises shown, and each exception's triage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from mptwin.results.measure.decision_parts import ANSWERED, _OrderFacts, _part, _reasons, _strings
from mptwin.results.measure.option_columns import (
    COLUMNS,
    TYPES,
    family,
    lists,
    spread,
    store_lists,
    structs,
)
from mptwin.results.measure.text_columns import integers, labels, numbers, text
from sim.decisions import DEFER, Alternative, PromiseOption, RouteOption
from sim.recording.decision_log import PROMISE, ROUTING, TRIAGE, DecisionLog, Options
from sim.recording.decision_log import numbers as array_columns


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
