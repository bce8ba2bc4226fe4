"""The decisions table's pricing part (`mptwin.results.measure.decisions`): a row per offer a
repricing ask changed, its prices and the policy's terms as plain columns."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mptwin.results.measure.decision_parts import PRICE_COLUMNS, _part
from mptwin.results.measure.option_columns import TYPES
from mptwin.results.measure.text_columns import integers, labels, numbers, text
from sim.recording.decision_log import PRICING, DecisionLog, PriceBlock

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
