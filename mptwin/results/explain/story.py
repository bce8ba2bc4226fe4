"""An order's decisions and outcomes in plain words, in the order they happened: the sentences
`mptwin-explain` prints. Each decision says what was chosen, what it was weighed against and
why; each outcome what followed (handed over, delivered on time or late, an exception and who
resolved it)."""

from __future__ import annotations

import math

import pandas as pd

from mptwin.results.explain.run_folder import Names, OrderStory, alternatives

WAIT, ESCALATE = -2, -1  # sim.decisions.DEFER and ESCALATE, as routing answers record them


def story(s: OrderStory) -> list[str]:
    """The order's lines: a heading, then `time  what happened` in time order."""
    o, n = s.order, s.names
    events = [
        (
            o["placed_h"],
            0,
            f"placed: offer {o['offer']} of {n.seller(int(o['seller']))} "
            f"for a customer in {n.region(int(o['region']))}, "
            f"{o['price']:.2f} + {o['shipping_fee']:.2f} shipping",
        )
    ]
    for _, row in s.decisions.iterrows():
        text = _decision(row, s)
        if text:
            events.append((row["t_h"], 1, text))
    for _, exc in s.exceptions.iterrows():
        events += _resolution(exc, n)
    events += _outcomes(o, s.shipment, n, s.exceptions)
    events.sort(key=lambda e: (e[0], e[1]))
    head = f"Order {o['order_id']} ({s.run}): {o['status']}"
    return [head] + [f"  {n.when(t)}  {text}" for t, _, text in events]


def _decision(row: pd.Series, s: OrderStory) -> str:
    point, n = row["point"], s.names
    options = alternatives(row)
    policy = f" [{row['policy']}]"
    if point == "promise":
        return _promise(row, options, n, s.order["promise_h"]) + policy
    if point == "routing":
        return routing(row, n) + policy
    if point == "triage":
        return _triage(row, s) + policy
    return (
        f"{point}: {row['asked']}: {row['chosen']}"
        + (f", because {row['reason']}" if row["reason"] else "")
        + policy
    )


# --- promises ---------------------------------------------------------------------------------


def _promise(row: pd.Series, options: list[dict], n: Names, promise_h: float) -> str:
    text = f"promised delivery by {n.when(promise_h)}"
    used = next((o for o in options if o.get("chosen")), None)
    if used is None or used.get("carrier", -1) < 0 or used.get("handover_h") is None:
        return text + (f": {row['reason']}" if row["reason"] else "")
    text += (
        f": {used['handover_h']:.1f} h to hand-over + {used['transit_h']:.1f} h in transit "
        f"with {n.carrier(used['carrier'])} + {used['buffer_h']:.1f} h buffer = "
        f"{used['hours']:.1f} h, rounded up to the end of the day"
    )
    others = [o for o in options if not o.get("chosen") and o.get("carrier", -1) >= 0]
    if others:
        text += "; other carriers: " + ", ".join(
            f"{n.carrier(o['carrier'])} {o['transit_h']:.1f} h ({o.get('note', '')})"
            for o in others
        )
    return text + (f" ({row['reason']})" if row["reason"] else "")


# --- routing ----------------------------------------------------------------------------------

# the terms an option's expected cost adds up (sim.decisions.RouteOption): cost = their sum
COST_TERMS = ("shipping", "late_cost", "capacity_penalty")
BATCH = (
    "the solver, weighing the whole batch, gave the cheaper one's shelf or carrier and "
    "warehouse room to other orders"
)


def routing(row, n: Names) -> str:
    """One routing decision in words: where the order went, rather than where, and why: the
    term that favoured the choice, and what it traded off (a row of decisions.parquet)."""
    return _route(row, alternatives(row), n)


def _route(row, options: list[dict], n: Names) -> str:
    chosen = next((o for o in options if o.get("chosen")), {})
    w = chosen.get("warehouse", ESCALATE)
    if w == WAIT:
        return f"routing left it for the next batch ({row['reason']})" + _against(
            chosen, options, n
        )
    if w == ESCALATE:
        return f"routing escalated it ({row['reason']})"
    text = f"routed to {_where(chosen, n)}{_cost(chosen)}"
    rival = _runner_up(chosen, options)
    if rival is None:
        return text + (f" ({row['reason']}; the only option it weighed)" if row["reason"] else "")
    return (
        text
        + f", rather than {_where(rival, n)}{_cost(rival)}, because "
        + _because(chosen, rival, n)
        + (f" ({row['reason']})" if row["reason"] else "")
    )


def _where(o: dict, n: Names) -> str:
    return f"{n.warehouse(o['warehouse'])} with {n.carrier(o['carrier'])}"


def _cost(o: dict) -> str:
    if o.get("late_cost") is not None and o.get("cost") is not None:
        return f" at {o['cost']:.2f} expected cost"
    if o.get("shipping") is not None:
        return f" at {o['shipping']:.2f} shipping"
    return ""


def _runner_up(chosen: dict, options: list[dict]) -> dict | None:
    """The best option not chosen: the cheapest kept one, else the cheapest pruned one, else
    (a rule that weighs no cost) the first other warehouse it looked at."""
    rivals = [o for o in options if not o.get("chosen") and o.get("warehouse", -1) >= 0]
    for pool in ([o for o in rivals if "pruned" not in o.get("note", "")], rivals):
        priced = [o for o in pool if o.get("cost") is not None]
        if priced:
            return min(priced, key=lambda o: o["cost"])
    return rivals[0] if rivals else None


def _because(chosen: dict, rival: dict, n: Names) -> str:
    """Why the chosen option rather than the rival, in words that argue for the chosen one:
    for options priced by their cost terms, the terms in its favour and what it traded off;
    for a rule's options, the rule's own test that tells them apart."""
    if all(o.get(k) is not None for o in (chosen, rival) for k in (*COST_TERMS, "cost")):
        return _weighed(chosen, rival, n)
    return _ruled(chosen, rival, n)


def _weighed(chosen: dict, rival: dict, n: Names) -> str:
    """The cost terms that favour the choice, largest first (a term is named only when the
    cents shown say so), then the ones it traded off. An option dearer on its own than the
    rival was chosen for the batch's sake: shelves and capacity are shared."""
    if _cents(chosen["cost"]) > _cents(rival["cost"]):
        more = chosen["cost"] - rival["cost"]
        return f"the batch came first: on its own this option costs {more:.2f} more, but {BATCH}"
    by_size = sorted(COST_TERMS, key=lambda k: rival[k] - chosen[k], reverse=True)
    favour = [k for k in by_size if _cents(chosen[k]) < _cents(rival[k])]
    traded = [k for k in reversed(by_size) if _cents(chosen[k]) > _cents(rival[k])]
    if not favour:
        return (
            f"the two cost about the same ({chosen['cost']:.2f} against "
            f"{rival['cost']:.2f}): the solver took this one"
        )
    text = " and ".join(_FAVOUR[k](chosen, rival, n) for k in favour)
    if traded:
        text += ", which outweighed " + " and ".join(_TRADED[k](chosen, rival) for k in traded)
    return text


def _odds(chosen: dict, rival: dict) -> str:
    """The chance of missing the promise, and the expected cost of it, chosen against rival."""
    a, b = chosen["late_cost"], rival["late_cost"]
    p, q = chosen.get("p_late"), rival.get("p_late")
    chance = f"{_pct(p)} against {_pct(q)}: " if p is not None and q is not None else ""
    return f"{chance}an expected {a:.2f} against {b:.2f}"


def _full(chosen: dict, rival: dict, n: Names) -> str:
    full = "fuller" if _cents(chosen["capacity_penalty"]) > 0 else "full"
    return (
        f"{_where(rival, n)} was {full} (overflow cost {chosen['capacity_penalty']:.2f} "
        f"against {rival['capacity_penalty']:.2f})"
    )


_FAVOUR = {  # a term in the chosen option's favour: its value first, then the rival's
    "shipping": lambda c, r, n: (
        f"shipping was cheaper ({c['shipping']:.2f} against {r['shipping']:.2f})"
    ),
    "late_cost": lambda c, r, n: (
        f"the lane model put the chance of missing the promise lower ({_odds(c, r)})"
    ),
    "capacity_penalty": _full,
}
_TRADED = {  # a term against it, that the favourable ones outweighed
    "shipping": lambda c, r: f"dearer shipping ({c['shipping']:.2f} against {r['shipping']:.2f})",
    "late_cost": lambda c, r: f"a higher chance of missing the promise ({_odds(c, r)})",
    "capacity_penalty": lambda c, r: (
        "the overflow cost of a full carrier or warehouse "
        f"({c['capacity_penalty']:.2f} against "
        f"{r['capacity_penalty']:.2f})"
    ),
}


def _ruled(chosen: dict, rival: dict, n: Names) -> str:
    """A rule's test that tells the two apart (RuleRouting's: the home shelf if it has the
    unit, else the nearest shelf that has it, else the home warehouse)."""
    if _empty(rival) and not _empty(chosen):
        return f"{n.warehouse(rival['warehouse'])}'s shelf was empty ({rival['note']})"
    if _empty(chosen) and _empty(rival) and _home(chosen):
        return (
            "no shelf had the unit, and then the rule keeps the seller's home warehouse "
            "(where the stockout is raised)"
        )
    a, b = chosen.get("km"), rival.get("km")
    if a is not None and b is not None and f"{a:.0f}" == f"{b:.0f}":
        return f"it is as near the customer ({a:.0f} km) and first in the offer's stock plan"
    if a is not None and b is not None and a < b:
        return f"it is nearer the customer: {a:.0f} km against {b:.0f} km"
    a, b = chosen.get("shipping"), rival.get("shipping")
    if a is not None and b is not None and _cents(a) < _cents(b):
        return f"shipping was cheaper ({a:.2f} against {b:.2f})"
    return "its policy said so (nothing it recorded tells the two apart)"


def _empty(o: dict) -> bool:
    return "shelf empty" in o.get("note", "")


def _home(o: dict) -> bool:
    return o.get("note", "").startswith("home warehouse")


def _against(chosen: dict, options: list[dict], n: Names) -> str:
    """Waiting for the next batch, against the best shipment it had."""
    best = _runner_up(chosen, options)
    if best is None or chosen.get("cost") is None or best.get("cost") is None:
        return ""
    wait, ship = f"{chosen['cost']:.2f}", f"{_where(best, n)} at {best['cost']:.2f}"
    if _cents(chosen["cost"]) <= _cents(best["cost"]):
        return f": waiting costs {wait}, no more than the best shipment, {ship}"
    return f": waiting costs {wait}, more than the best shipment on its own ({ship}), but {BATCH}"


def _cents(x: float) -> float:
    """`x` as it is shown, to the cent: a reason compares what the reader sees."""
    return float(f"{x:.2f}")


# --- triage and exceptions --------------------------------------------------------------------


def _triage(row: pd.Series, s: OrderStory) -> str:
    exc = s.exceptions[s.exceptions["exc_id"] == row["exc_id"]]
    what = row["asked"].removeprefix("who handles ")
    if exc.empty:
        return f"exception {what}: {row['chosen']}"
    handler = exc.iloc[0]["handler"]
    who = "resolved by the system at once" if handler == "auto" else "sent to people"
    chosen = row["chosen"].split(", ", 1)[1] if handler == "human" else ""
    return (
        f"exception {what}: {who}"
        + (f" ({chosen})" if chosen else "")
        + (f", because {row['reason']}" if row["reason"] else "")
    )


def _resolution(exc: pd.Series, n: Names) -> list[tuple[float, int, str]]:
    """A human exception's resolution: when, by whom, with what outcome."""
    if exc["handler"] != "human":
        return [(exc["raised_h"], 2, f"  -> {exc['type']}: {exc['outcome'] or 'done'}")]
    if _nan(exc["resolved_h"]):
        return [(exc["raised_h"], 2, f"  -> {exc['type']}: still waiting for people at the end")]
    waited = exc["resolved_h"] - exc["raised_h"]
    late = " (after its deadline)" if exc["resolved_h"] > exc["deadline_h"] else ""
    return [
        (
            exc["resolved_h"],
            2,
            f"{exc['type']} resolved by reviewer {exc['reviewer']} of "
            f"{exc['team']}, {waited:.1f} h after it was raised{late}: "
            f"{exc['outcome']}",
        )
    ]


# --- outcomes ---------------------------------------------------------------------------------


def _outcomes(o: pd.Series, shipment: pd.Series | None, n: Names, exceptions: pd.DataFrame) -> list:
    out = []
    if not _nan(o["routed_h"]) and o["warehouse"] >= 0:
        out.append(
            (
                o["routed_h"],
                3,
                f"went to {n.warehouse(int(o['warehouse']))} to be picked, "
                f"for {n.carrier(int(o['carrier']))}",
            )
        )
    if not _nan(o["handed_h"]):
        late = o["handed_h"] - o["ship_by_h"]
        when = f"{late:.1f} h after its ship-by time" if late > 0 else "within its ship-by time"
        out.append((o["handed_h"], 3, f"handed over to {n.carrier(int(o['carrier']))}, {when}"))
    if not _nan(o["delivered_h"]):
        margin = o["promise_h"] - o["delivered_h"]
        verdict = (
            f"on time, {margin:.1f} h before the promise"
            if margin >= 0
            else f"late, {-margin:.1f} h after the promise"
        )
        review = "" if _nan(o["review_score"]) else f"; reviewed {o['review_score']:.0f} stars"
        out.append((o["delivered_h"], 4, f"delivered {verdict}{review}"))
    if shipment is not None and bool(shipment["lost"]):
        out.append(_lost(o))
    if o["status"] == "cancelled":  # the orders table keeps no time for it: after the rest
        out.append((_last(o, exceptions), 5, f"cancelled: {o['cancel_reason']}"))
    if not _nan(o["returned_h"]):
        out.append((o["returned_h"], 5, "returned and refunded"))
    return out


def _lost(o: pd.Series) -> tuple[float, int, str]:
    """A lost parcel. A loss has no time of its own: the twin draws it at hand-over, unseen,
    and the first sign is the promise passing without a delivery. The line stands there (or at
    the hand-over, if that came after the promise) and says which time it is."""
    if o["handed_h"] > o["promise_h"]:
        return (
            o["handed_h"],
            4,
            "the parcel was lost in transit (the time shown is its hand-over, "
            "after the promise: the twin records no moment for a loss, which "
            "it draws there, unseen)",
        )
    return (
        o["promise_h"],
        4,
        "the promise passed without a delivery: the parcel was lost in "
        "transit (the time shown is the promise's: the twin records no "
        "moment for a loss, which it draws at hand-over, unseen)",
    )


def _last(o: pd.Series, exceptions: pd.DataFrame) -> float:
    times = [o[k] for k in ("placed_h", "routed_h", "packed_h", "handed_h") if not _nan(o[k])]
    times += [t for t in exceptions["resolved_h"] if not _nan(t)]
    return max(times)


def _pct(p: float) -> str:
    """A chance, to two decimals below 1 % (a lane model's small chances differ there)."""
    if p >= 0.01:
        return f"{p:.0%}" if p >= 0.1 else f"{p:.1%}"
    return f"{p:.2%}" if p >= 0.0001 else "under 0.01%"


def _nan(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))
