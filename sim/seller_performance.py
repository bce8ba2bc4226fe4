"""The operator's seller-performance system: per seller, counts of what its orders did, as they
land (a late shipment at hand-over, a negative review days after delivery, a chargeback weeks
later), and windows over them, as marketplace quality programmes read them.

Counts are cumulative per seller and kind; a snapshot at every midnight makes any window a
difference of two rows, so a window costs the same whatever the seller's history. Each count
is also a domain event (`seller_signal`) for policies that watch continuously.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.events import SELLER_SIGNAL, SellerSignal

# what is counted, per seller
ORDERS, SHIPPED, LATE, CANCELLED, DEFECTS, REFUNDS = range(6)
KINDS = ("orders", "shipped", "late_shipments", "cancellations", "defects", "refunds")


@dataclass(frozen=True, slots=True)
class SellerWindow:
    """A seller's counts over the last `days` days, as the operator's system shows them (a
    defect counts when it lands, not when its order was placed)."""

    days: int
    orders: int
    shipped: int
    late_shipments: int  # shipped after the ship-by time because the seller held them up
    cancellations: int  # pre-fulfilment cancellations the seller caused
    defects: int  # negative reviews and chargebacks
    refunds: int

    @property
    def late_shipment_rate(self) -> float:
        return self.late_shipments / self.shipped if self.shipped else 0.0

    @property
    def cancellation_rate(self) -> float:
        return self.cancellations / self.orders if self.orders else 0.0

    @property
    def defect_rate(self) -> float:
        return self.defects / self.orders if self.orders else 0.0

    @property
    def refund_rate(self) -> float:
        return self.refunds / self.orders if self.orders else 0.0


class Performance:
    """Cumulative counts per kind and seller (Python lists, for the event loop), and one
    snapshot per closed day."""

    def __init__(self, n_sellers: int, bus):
        self.cum = [[0] * n_sellers for _ in KINDS]
        self.history: list[np.ndarray] = []
        self._bus = bus

    def count(self, t_h: float, kind: int, seller: int, order_id: int = -1) -> None:
        self.cum[kind][seller] += 1
        if self._bus.wants(SELLER_SIGNAL):
            self._bus.publish(SELLER_SIGNAL, SellerSignal(t_h, seller, KINDS[kind], order_id))

    def close_day(self) -> None:
        self.history.append(np.array(self.cum, dtype=np.int64))

    def window(self, seller: int, days: int) -> SellerWindow:
        """Counts over the last `days` whole days plus today so far."""
        start = len(self.history) - days
        now = [c[seller] for c in self.cum]
        if start > 0:
            base = self.history[start - 1][:, seller].tolist()
            now = [a - b for a, b in zip(now, base, strict=True)]
        return SellerWindow(days, *now)
