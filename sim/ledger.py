"""The double-entry money ledger: every movement is one row, out of one account into another.

Rows are kept as typed numpy columns (8 bytes a time or amount, 4 an order or seller id, 1 an
account or kind code), not as Python objects: a year of millions of orders leaves tens of
millions of rows.
"""

from __future__ import annotations

import numpy as np

ACCOUNTS = (
    "customers",
    "escrow",
    "operator",
    "sellers",
    "carriers",
    "suppliers",
    "reviewers",
    "platform",
)
ACCOUNT_CODE = {name: i for i, name in enumerate(ACCOUNTS)}
_DTYPES = {
    "t_h": np.float64,
    "order_id": np.int32,
    "seller": np.int32,
    "debit": np.int8,
    "credit": np.int8,
    "amount": np.float64,
    "kind": np.int8,
}


class MoneyLedger:
    """Typed columns filled during the run; a table only at the end. A movement is appended to
    a small list as one tuple (the cheapest thing to do per movement); every `BATCH` rows they
    become one numpy chunk per column, accounts and kinds as codes into `ACCOUNTS` and `kinds`
    (kinds in order of first use)."""

    BATCH = 1 << 15
    FIELDS = tuple(_DTYPES)  # the order of a pending row's fields

    __slots__ = ("chunks", "kinds", "_kind_code", "_rows")

    def __init__(self):
        self.chunks: dict[str, list[np.ndarray]] = {name: [] for name in self.FIELDS}
        self.kinds: list[str] = []
        self._kind_code: dict[str, int] = {}
        self._rows: list[tuple] = []  # (t_h, order_id, seller, debit, credit, amount, kind)

    def move(
        self,
        t_h: float,
        amount: float,
        debit: str,
        credit: str,
        kind: str,
        order_id: int = -1,
        seller: int = -1,
    ) -> None:
        """Move `amount` from account `credit` into account `debit`. Zero amounts are skipped."""
        if amount <= 0.0:
            if amount < 0.0:
                raise ValueError(f"negative money movement {kind}: {amount}")
            return
        rows = self._rows
        rows.append((t_h, order_id, seller, debit, credit, amount, kind))
        if len(rows) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        if not self._rows:
            return
        fields = dict(zip(self.FIELDS, zip(*self._rows, strict=True), strict=True))
        self._rows = []
        for v in dict.fromkeys(fields["kind"]):  # in order of first use: the same codes every run
            if v not in self._kind_code:
                self._kind_code[v] = len(self.kinds)
                self.kinds.append(v)
        fields["debit"] = [ACCOUNT_CODE[a] for a in fields["debit"]]
        fields["credit"] = [ACCOUNT_CODE[a] for a in fields["credit"]]
        fields["kind"] = [self._kind_code[k] for k in fields["kind"]]
        for name, dtype in _DTYPES.items():
            self.chunks[name].append(np.array(fields[name], dtype=dtype))

    def columns(self, release: bool = False) -> dict[str, np.ndarray]:
        """The rows as numpy columns (codes for accounts and kinds; see `labels`). The chunks
        are joined into one and kept, or dropped with `release` (the caller keeps the rows)."""
        self._flush()
        out = {}
        for name, dtype in _DTYPES.items():
            chunks = self.chunks[name]
            out[name] = np.concatenate(chunks) if chunks else np.empty(0, dtype=dtype)
            self.chunks[name] = [] if release else [out[name]]
        return out

    def labels(self) -> dict[str, tuple[str, ...]]:
        """What the codes of each coded column stand for."""
        return {"debit": ACCOUNTS, "credit": ACCOUNTS, "kind": tuple(self.kinds)}

    def balances(self) -> dict[str, float]:
        """Each account's debits minus credits; they sum to zero by construction."""
        c = self.columns()
        bal = dict.fromkeys(ACCOUNTS, 0.0)
        for d, cr, a in zip(
            c["debit"].tolist(), c["credit"].tolist(), c["amount"].tolist(), strict=True
        ):
            bal[ACCOUNTS[d]] += a
            bal[ACCOUNTS[cr]] -= a
        return bal
