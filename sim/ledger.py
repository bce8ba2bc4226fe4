"""The double-entry money ledger: every movement is one row, out of one account into another.

Rows are kept as typed columns (`array.array`: 8 bytes a time or amount, 1 byte an account or
kind code), not as Python objects: a year of millions of orders leaves tens of millions of rows.
"""

from __future__ import annotations

from array import array

import numpy as np

ACCOUNTS = (
    "customers", "escrow", "operator", "sellers", "carriers", "suppliers", "reviewers", "platform",
)  # fmt: skip
ACCOUNT_CODE = {name: i for i, name in enumerate(ACCOUNTS)}


class MoneyLedger:
    """Typed column arrays filled during the run; a table only at the end. A movement is
    appended to small Python lists (the cheapest thing to do per movement); every `BATCH` rows
    they go into the typed columns, accounts and kinds as codes into `ACCOUNTS` and `kinds`
    (kinds in order of first use)."""

    BATCH = 1 << 15
    FIELDS = ("t_h", "order_id", "seller", "debit", "credit", "amount", "kind")

    __slots__ = ("cols", "kinds", "_kind_code", *(f"_{f}" for f in FIELDS))

    def __init__(self):
        self.cols = {name: array(code) for name, code in zip(self.FIELDS, "dqqBBdB", strict=True)}
        self.kinds: list[str] = []
        self._kind_code: dict[str, int] = {}
        self._t_h, self._order_id, self._seller, self._amount = [], [], [], []
        self._debit, self._credit, self._kind = [], [], []

    def move(self, t_h: float, amount: float, debit: str, credit: str, kind: str,
             order_id: int = -1, seller: int = -1) -> None:  # fmt: skip
        """Move `amount` from account `credit` into account `debit`. Zero amounts are skipped."""
        if amount <= 0.0:
            if amount < 0.0:
                raise ValueError(f"negative money movement {kind}: {amount}")
            return
        self._t_h.append(t_h)
        self._order_id.append(order_id)
        self._seller.append(seller)
        self._debit.append(debit)
        self._credit.append(credit)
        self._amount.append(amount)
        self._kind.append(kind)
        if len(self._kind) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        for v in dict.fromkeys(self._kind):  # in order of first use: the same codes every run
            if v not in self._kind_code:
                self._kind_code[v] = len(self.kinds)
                self.kinds.append(v)
        c = self.cols
        c["t_h"].extend(self._t_h)
        c["order_id"].extend(self._order_id)
        c["seller"].extend(self._seller)
        c["debit"].extend(map(ACCOUNT_CODE.__getitem__, self._debit))
        c["credit"].extend(map(ACCOUNT_CODE.__getitem__, self._credit))
        c["amount"].extend(self._amount)
        c["kind"].extend(map(self._kind_code.__getitem__, self._kind))
        for pending in (self._t_h, self._order_id, self._seller, self._amount, self._debit,
                        self._credit, self._kind):  # fmt: skip
            pending.clear()

    def __len__(self) -> int:
        return len(self.cols["amount"]) + len(self._amount)

    def columns(self) -> dict[str, np.ndarray]:
        """The rows as numpy columns (codes for accounts and kinds; see `labels`)."""
        self._flush()
        dtypes = (np.float64, np.int64, np.int64, np.int16, np.int16, np.float64, np.int16)
        return {name: np.array(self.cols[name], dtype=dt)
                for name, dt in zip(self.FIELDS, dtypes, strict=True)}  # fmt: skip

    def labels(self) -> dict[str, tuple[str, ...]]:
        """What the codes of each coded column stand for."""
        self._flush()
        return {"debit": ACCOUNTS, "credit": ACCOUNTS, "kind": tuple(self.kinds)}

    def balances(self) -> dict[str, float]:
        """Each account's debits minus credits; they sum to zero by construction."""
        self._flush()
        bal = dict.fromkeys(ACCOUNTS, 0.0)
        c = self.cols
        for d, cr, a in zip(c["debit"], c["credit"], c["amount"], strict=True):
            bal[ACCOUNTS[d]] += a
            bal[ACCOUNTS[cr]] -= a
        return bal
