"""The double-entry money ledger: every movement is one row, out of one account into another."""

from __future__ import annotations

ACCOUNTS = (
    "customers", "escrow", "operator", "sellers", "carriers", "suppliers", "reviewers", "platform",
)  # fmt: skip


class MoneyLedger:
    """Column lists appended during the run; a DataFrame only at the end."""

    __slots__ = ("t_h", "order_id", "seller", "debit", "credit", "amount", "kind")

    def __init__(self):
        for name in self.__slots__:
            setattr(self, name, [])

    def move(self, t_h: float, amount: float, debit: str, credit: str, kind: str,
             order_id: int = -1, seller: int = -1) -> None:  # fmt: skip
        """Move `amount` from account `credit` into account `debit`. Zero amounts are skipped."""
        if amount <= 0.0:
            if amount < 0.0:
                raise ValueError(f"negative money movement {kind}: {amount}")
            return
        self.t_h.append(t_h)
        self.order_id.append(order_id)
        self.seller.append(seller)
        self.debit.append(debit)
        self.credit.append(credit)
        self.amount.append(amount)
        self.kind.append(kind)

    def columns(self) -> dict[str, list]:
        return {name: getattr(self, name) for name in self.__slots__}

    def balances(self) -> dict[str, float]:
        """Each account's debits minus credits; they sum to zero by construction."""
        bal = dict.fromkeys(ACCOUNTS, 0.0)
        for d, c, a in zip(self.debit, self.credit, self.amount, strict=True):
            bal[d] += a
            bal[c] -= a
        return bal
