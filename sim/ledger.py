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
    """Typed column arrays appended during the run; a table only at the end. Accounts and kinds
    are stored as codes into `ACCOUNTS` and `kinds` (kinds in order of first use)."""

    __slots__ = ("t_h", "order_id", "seller", "debit", "credit", "amount", "kind", "kinds",
                 "_kind_code")  # fmt: skip

    def __init__(self):
        self.t_h, self.amount = array("d"), array("d")
        self.order_id, self.seller = array("q"), array("q")
        self.debit, self.credit, self.kind = array("B"), array("B"), array("B")
        self.kinds: list[str] = []
        self._kind_code: dict[str, int] = {}

    def move(self, t_h: float, amount: float, debit: str, credit: str, kind: str,
             order_id: int = -1, seller: int = -1) -> None:  # fmt: skip
        """Move `amount` from account `credit` into account `debit`. Zero amounts are skipped."""
        if amount <= 0.0:
            if amount < 0.0:
                raise ValueError(f"negative money movement {kind}: {amount}")
            return
        code = self._kind_code.get(kind)
        if code is None:
            code = self._kind_code[kind] = len(self.kinds)
            self.kinds.append(kind)
        self.t_h.append(t_h)
        self.order_id.append(order_id)
        self.seller.append(seller)
        self.debit.append(ACCOUNT_CODE[debit])
        self.credit.append(ACCOUNT_CODE[credit])
        self.amount.append(amount)
        self.kind.append(code)

    def __len__(self) -> int:
        return len(self.amount)

    def columns(self) -> dict[str, np.ndarray]:
        """The rows as numpy columns (codes for accounts and kinds; see `labels`)."""
        return {
            "t_h": np.array(self.t_h, dtype=np.float64),
            "order_id": np.array(self.order_id, dtype=np.int64),
            "seller": np.array(self.seller, dtype=np.int64),
            "debit": np.array(self.debit, dtype=np.int16),
            "credit": np.array(self.credit, dtype=np.int16),
            "amount": np.array(self.amount, dtype=np.float64),
            "kind": np.array(self.kind, dtype=np.int16),
        }

    def labels(self) -> dict[str, tuple[str, ...]]:
        """What the codes of each coded column stand for."""
        return {"debit": ACCOUNTS, "credit": ACCOUNTS, "kind": tuple(self.kinds)}

    def balances(self) -> dict[str, float]:
        """Each account's debits minus credits; they sum to zero by construction."""
        bal = dict.fromkeys(ACCOUNTS, 0.0)
        for d, c, a in zip(self.debit, self.credit, self.amount, strict=True):
            bal[ACCOUNTS[d]] += a
            bal[ACCOUNTS[c]] -= a
        return bal
