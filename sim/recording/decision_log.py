"""The decisions a run made and why, kept only when the run records them (`decisions=true`).

Each decision point keeps what only it knows, as leanly as its volume asks (a baseline run
makes over a million decisions, most of them prices):

- promises: nothing while the run goes, if the promise policy explains them all at the end
  (`explain_promises`, `sim.recording.promise_columns`); else one per order placed, in order id
  order: the policy's explanation as it gave it (`(options, reason)` from `explain_promise`, often
  the same object again), or None. When, which offer and region, and the hours shown are the
  order's own (the orders table);
- triage, one per exception raised, in exception id order: the policy's `Triage` as it gave it;
  what the exception is and how it was triaged are in the exceptions table;
- routing, one per order and routing ask: when, the order, the answer, its reason, options
  (as objects, or as a policy's `RouteColumns` per ask, worked out at the end, when the
  option each answer applied is marked);
- onboarding, labels and governance (rare): a row with the question and answer in words;
- pricing: per repricing ask, one block of arrays (`PriceBlock`).

Options move into numpy columns a batch at a time, as `sim.archive` does with orders. Nothing
here is text: `mptwin.results.measure.decisions` makes the table at the end of the run, and
numbers the decisions in time order (`POINTS` breaks ties: within an instant, a decision comes
before the exceptions it raises).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from dataclasses import dataclass, fields
from operator import attrgetter

import numpy as np

from sim.decisions import RouteOption
from sim.recording.route_columns import RouteColumns

POINTS = ("routing", "promise", "pricing", "onboarding", "label", "governance", "triage")
ROUTING, PROMISE, PRICING, ONBOARDING, LABEL, GOVERNANCE, TRIAGE = range(len(POINTS))
POLICY_KEYS = (
    "routing",
    "promise",
    "pricing",
    "onboarding",
    "onboarding",
    "governance",
    "exceptions",
)  # the strategy's policy that answers each point
_DTYPES = {"int": np.int64, "float": np.float64, "bool": np.bool_, "str": object}
RARE_FIELDS = {
    "t_h": "d",
    "point": "b",
    "order_id": "q",
    "offer": "i",
    "seller": "i",
    "app_id": "q",
}
RARE_TEXT = ("reason", "asked", "chosen")
ROUTE_FIELDS = tuple(f.name for f in fields(RouteOption))
BATCH = 1 << 8  # decisions whose options wait as objects before they become columns
_WIDE = 62  # options a decision may have for its chosen bits to fit in an int64


class Options:
    """The alternatives of one type (a dataclass of `sim.decisions` whose fields are int, float,
    str or bool): per decision (`owner`: its index among its point's decisions) its options and
    which of them is the answer the world applied (bit k of `chosen`: option k). Decisions wait
    in a small batch holding their options as given, then their fields move into numpy columns
    (a field at a time, no row objects)."""

    def __init__(self, kind: type):
        self.kind = kind
        self.fields = {f.name: _DTYPES[str(f.type)] for f in fields(kind)}
        self._getters = {name: attrgetter(name) for name in self.fields}
        self._owner, self._chosen, self._options = array("q"), [], []
        self._chunks: dict[str, list[np.ndarray]] = {
            n: [] for n in ("owner", "chosen", *self.fields)
        }

    def add(self, owner: int, options: tuple, chosen: int) -> None:
        self._owner.append(owner)
        self._chosen.append(chosen)
        self._options.append(options)
        if len(self._options) >= BATCH:
            self._flush()

    def add_many(self, owners, options: list[tuple], chosen: list[int]) -> None:
        """Several decisions at once (`owners`: their indexes, increasing), each with options."""
        self._owner.extend(owners)
        self._chosen += chosen
        self._options += options
        if len(self._options) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        if not self._options:
            return
        sizes = np.fromiter(map(len, self._options), np.int64, len(self._options))
        flat = [o for opts in self._options for o in opts]
        chunks, n = self._chunks, len(flat)
        chunks["owner"].append(np.repeat(np.frombuffer(self._owner, np.int64), sizes))
        chunks["chosen"].append(_bits(self._chosen, sizes))
        for name, dtype in self.fields.items():
            values = map(self._getters[name], flat)
            chunks[name].append(
                np.array(list(values), dtype=object)
                if dtype is object
                else np.fromiter(values, dtype, n)
            )
        self._owner, self._chosen, self._options = array("q"), [], []

    def columns(self) -> dict[str, np.ndarray]:
        """Every option kept, in the order kept: `owner` (non-decreasing), `chosen`, fields."""
        self._flush()
        dtypes = {"owner": np.int64, "chosen": np.bool_, **self.fields}
        return {name: _join(chunks, dtypes[name]) for name, chunks in self._chunks.items()}


def _bits(chosen: list[int], sizes: np.ndarray) -> np.ndarray:
    """Per option, its bit of its decision's `chosen` mask."""
    if sizes.max() > _WIDE:
        return np.array(
            [(m >> k) & 1 for m, n in zip(chosen, sizes.tolist(), strict=True) for k in range(n)],
            dtype=bool,
        )
    starts = np.cumsum(sizes) - sizes
    rank = np.arange(int(sizes.sum())) - np.repeat(starts, sizes)
    return (np.repeat(np.array(chosen, np.int64), sizes) >> rank) & 1 == 1


class Explanations:
    """Per item (an order's promise), the explanation its policy gave: `(options, reason)`, or
    None. Policies hand the same one out again while what it rests on holds, so items wait in
    a batch and their distinct explanations are kept once each: per item the index of its
    explanation (-1: None); per distinct one its reason, whether an option is marked `used`,
    and its options (an `Options` store per type, whose owners are these indexes)."""

    BATCH = 1 << 9

    def __init__(self):
        self.which = array("q")
        self.reasons: list[str] = []
        self.used = array("b")
        self.stores: dict[type, Options] = {}
        self._pending: list = []

    def __len__(self) -> int:
        return len(self.which) + len(self._pending)

    def add(self, explanation) -> None:
        self._pending.append(explanation)
        if len(self._pending) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        index: dict[int, int] = {}  # by identity: the batch holds every one it indexes
        for e in self._pending:
            if e is None:
                self.which.append(-1)
                continue
            k = index.get(id(e))
            if k is None:
                k = index[id(e)] = self._keep(e)
            self.which.append(k)
        self._pending = []

    def _keep(self, explanation) -> int:
        options, reason = explanation
        k = len(self.reasons)
        mark = next((1 << j for j, opt in enumerate(options) if opt.used), 0)
        self.reasons.append(str(reason))
        self.used.append(mark != 0)
        if options:
            kind = type(options[0])
            store = self.stores.get(kind)
            if store is None:
                store = self.stores[kind] = Options(kind)
            store.add(k, options, mark)
        return k


@dataclass
class PriceBlock:
    """The offers a repricing ask changed: old and new price, the operator's floor and whether
    the new price fell under it, and the policy's terms (None: it gave none), per offer."""

    t_h: float
    offers: np.ndarray
    old: np.ndarray
    new: np.ndarray
    operator_floor: np.ndarray
    rejected: np.ndarray
    terms: dict[str, np.ndarray] | None = None
    rule: str = ""


class DecisionLog:
    """The decisions of one run, by point (see the module's docstring). `policy` names each
    point's policy (the class the world asks); options are kept per point, by type."""

    def __init__(
        self,
        policy: dict[int, str],
        explain_promises: Callable | None = None,
        answered: Callable[[int, int, int], RouteOption] | None = None,
    ):
        self.policy = policy
        self.answered = answered  # a routing answer as an option: (region, warehouse, carrier)
        self.explain_promises = explain_promises  # the promise policy's, if it has one
        self.promise = Explanations()  # per order id, unless the policy explains at the end
        self.triage_answer: list = []  # per exception id
        self.route = {
            "t_h": array("d"),
            "order_id": array("q"),
            "warehouse": array("i"),
            "carrier": array("i"),
        }
        self.route_reason: list[str] = []
        self.rare = {name: array(code) for name, code in RARE_FIELDS.items()}
        self.rare_text: dict[str, list[str]] = {name: [] for name in RARE_TEXT}
        self.options: dict[str, dict[type, Options]] = {"route": {}, "rare": {}}  # by type
        self.route_batches: list = []  # (first answer, answers, RouteColumns) per routing ask
        self.prices: list[PriceBlock] = []

    @classmethod
    def of(cls, strategy, answered: Callable | None = None) -> DecisionLog:
        """A log for a run of `strategy` (a `sim.decisions.Strategy`); `answered`: see
        `route_options`."""
        return cls(
            {point: type(getattr(strategy, key)).__name__ for point, key in enumerate(POLICY_KEYS)},
            getattr(strategy.promise, "explain_promises", None),
            answered,
        )

    def add_routes(
        self, t_h: float, decisions: list, options: list[tuple], chosen: list[int]
    ) -> None:
        """A routing ask's answers, each with its options (`sim.decisions.RouteOption`) and the
        one applied (`chosen`: a mask each)."""
        if decisions:
            first = self._route_rows(t_h, decisions)
            self._store("route", type(options[0][0])).add_many(
                range(first, first + len(options)), options, chosen
            )

    def add_route_columns(self, t_h: float, decisions: list, weighed: RouteColumns) -> None:
        """A routing ask's answers with their options as columns, kept as they are: which
        option each answer applied is found at the end (`route_options`)."""
        first = self._route_rows(t_h, decisions)
        self.route_batches.append((first, len(decisions), weighed))

    def route_options(self, region: np.ndarray) -> dict[str, np.ndarray] | None:
        """Every RouteOption kept, as columns (`owner`, `chosen`, fields), by owner (`region`:
        per routing answer, its order's region). Those given as columns are worked out now,
        for every batch of a class at once (`RouteColumns.join`), and the option each answer
        applied marked: its first option with the answer's warehouse and carrier (any
        carrier for waiting or escalating); an answer none of them is becomes one more
        option (`answered`). None if there are none."""
        by_class: dict[type, list] = {}
        for batch in self.route_batches:
            by_class.setdefault(type(batch[2]), []).append(batch)
        parts, answers, route = [], Options(RouteOption), self.route
        for kind, batches in by_class.items():
            first = np.array([f for f, _, _ in batches], dtype=np.int64)
            cols = kind.join([w for _, _, w in batches], first)
            part = {"owner": cols.pop("item"), **cols}
            part["chosen"], unmatched = self._mark(part, batches)
            parts.append(part)
            for row in unmatched.tolist():  # not kept in the log: asking twice adds nothing
                answers.add(
                    row,
                    (
                        self.answered(
                            int(region[row]), route["warehouse"][row], route["carrier"][row]
                        ),
                    ),
                    1,
                )
        store = self.options["route"].get(RouteOption)
        given = [store.columns()] if store is not None else []  # options given as objects
        answered = answers.columns()
        parts = [*given, *([answered] if len(answered["owner"]) else []), *parts]
        if not parts:
            return None
        names = ("owner", "chosen", *ROUTE_FIELDS)
        cols = {name: np.concatenate([p[name] for p in parts]) for name in names}
        if len(parts) == 1:
            return cols
        order = np.argsort(cols["owner"], kind="stable")
        return {name: values[order] for name, values in cols.items()}

    def _mark(self, part: dict, batches: list) -> tuple[np.ndarray, np.ndarray]:
        """Per option of `part` (by owner) whether it is the one its answer applied, and the
        routing answers of `batches` none of their options is."""
        owner, route = part["owner"], self.route
        w = np.frombuffer(route["warehouse"], np.int32)[owner]
        c = np.frombuffer(route["carrier"], np.int32)[owner]
        hit = np.flatnonzero((part["warehouse"] == w) & ((part["carrier"] == c) | (w < 0)))
        keep = np.ones(len(hit), dtype=bool)
        np.not_equal(owner[hit][1:], owner[hit][:-1], out=keep[1:])
        chosen = np.zeros(len(owner), dtype=bool)
        chosen[hit[keep]] = True
        rows = np.concatenate([np.arange(f, f + n) for f, n, _ in batches])
        return chosen, np.setdiff1d(rows, owner[hit[keep]], assume_unique=True)

    def _route_rows(self, t_h: float, decisions: list) -> int:
        first, r = len(self.route_reason), self.route
        r["t_h"].extend([t_h] * len(decisions))
        r["order_id"].extend([d.order_id for d in decisions])
        r["warehouse"].extend([d.warehouse for d in decisions])
        r["carrier"].extend([d.carrier for d in decisions])
        self.route_reason += [d.reason for d in decisions]
        return first

    def add_row(
        self,
        t_h: float,
        point: int,
        reason: str,
        asked: str,
        chosen: str,
        order_id: int = -1,
        offer: int = -1,
        seller: int = -1,
        app_id: int = -1,
    ) -> int:
        """A decision of the rare points, with its question and answer in words; its index."""
        i = len(self.rare_text["reason"])
        for name, value in (
            ("t_h", t_h),
            ("point", point),
            ("order_id", order_id),
            ("offer", offer),
            ("seller", seller),
            ("app_id", app_id),
        ):
            self.rare[name].append(value)
        for name, value in (("reason", reason), ("asked", asked), ("chosen", chosen)):
            self.rare_text[name].append(value)
        return i

    def add_options(self, owner: int, options: tuple, chosen: int) -> None:
        """The alternatives of rare row `owner`, all of one type; bit k of `chosen`: option k."""
        if options:
            self._store("rare", type(options[0])).add(owner, options, chosen)

    def _store(self, family: str, kind: type) -> Options:
        stores = self.options[family]
        store = stores.get(kind)
        if store is None:
            store = stores[kind] = Options(kind)
        return store

    def add_prices(self, block: PriceBlock) -> None:
        self.prices.append(block)


def numbers(columns: dict[str, array]) -> dict[str, np.ndarray]:
    """Numpy copies of `array` columns (a view would stop them from growing)."""
    return {
        name: np.frombuffer(values, dtype=values.typecode).copy()
        if len(values)
        else np.empty(0, values.typecode)
        for name, values in columns.items()
    }


def _join(chunks: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(chunks) if chunks else np.empty(0, dtype=dtype)
