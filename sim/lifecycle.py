"""An order's life: the statuses an order can be in and the steps between them, in one table
(`NEXT`) that every step of the life goes through (`set_status`). An order is born `placed`
(`sim.entities.Order`) and, along the way, goes

    placed -> held -> routing -> picking -> shipped -> delivered -> returned

skipping `held` unless the payment check holds it; it may be cancelled (refunded) while held,
routing or picking, and a shipped parcel may be lost. A step the table does not allow is a bug
in the world: `set_status` raises at once rather than let the run go on with an order where its
life does not go. Finished (`TERMINAL`): delivered, returned, cancelled, lost; of these only a
delivered order moves on (a return)."""

from __future__ import annotations

PLACED, HELD, ROUTING, PICKING, SHIPPED = "placed", "held", "routing", "picking", "shipped"
DELIVERED, RETURNED, CANCELLED, LOST = "delivered", "returned", "cancelled", "lost"
TERMINAL = frozenset({DELIVERED, RETURNED, CANCELLED, LOST})

# status -> the statuses an order in it may move to, and the step that moves it
NEXT: dict[str, frozenset[str]] = {
    # paid: the payment check holds it for review, or it waits for the next routing batch
    PLACED: frozenset({HELD, ROUTING}),
    # the hold released (routing), or the payment rejected (cancelled)
    HELD: frozenset({ROUTING, CANCELLED}),
    # given a warehouse and a carrier (picking), or cancelled: by the customer, for want of
    # stock, or because no carrier serves the customer
    ROUTING: frozenset({PICKING, CANCELLED}),
    # handed to the carrier (shipped); a unit missing from the shelf is picked again elsewhere
    # (picking) or the order cancelled, as is an order its seller never ships
    PICKING: frozenset({PICKING, SHIPPED, CANCELLED}),
    # delivered, or lost in transit (declared, and refunded, once a handler confirms it)
    SHIPPED: frozenset({DELIVERED, LOST}),
    # a return refunded
    DELIVERED: frozenset({RETURNED}),
    RETURNED: frozenset(),
    CANCELLED: frozenset(),
    LOST: frozenset(),
}


class IllegalStep(RuntimeError):
    """A step an order's life does not take (a bug in the world, not in a strategy)."""


def set_status(order, status: str) -> None:
    """Move `order` on to `status`, which `NEXT` must allow from where it is."""
    if status not in NEXT[order.status]:
        raise IllegalStep(
            f"order {order.order_id} cannot go from {order.status} to {status}: "
            f"from {order.status} an order goes to {sorted(NEXT[order.status]) or 'nothing'} "
            "(sim.lifecycle.NEXT)"
        )
    order.status = status
