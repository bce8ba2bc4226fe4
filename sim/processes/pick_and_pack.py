"""Pick and pack: each warehouse works its pick queue hour by hour within its shift and capacity,
and hands packed parcels to the carriers at the daily cut-off."""

from __future__ import annotations

import heapq

from sim.entities import Order
from sim.exceptions import ExceptionType
from sim.processes.carry_parcel import hand_over
from sim.processes.route_orders import reroute
from sim.state import State
from sim.steps.raise_exception import raise_exception


class PickQueue:
    """A warehouse's pick queue (`state.pick_queues[warehouse]`), which its `pick_and_pack`
    process works: routed orders as a heap of (ready_h, order_id, order), each ready once its
    seller releases it. Routing adds them; only the warehouse's process takes them out."""

    __slots__ = ("heap",)

    def __init__(self) -> None:
        self.heap: list[tuple[float, int, Order]] = []

    def add(self, order: Order, ready_h: float) -> None:
        heapq.heappush(self.heap, (ready_h, order.order_id, order))

    def __len__(self) -> int:
        return len(self.heap)


def pick_and_pack(state: State, warehouse: int):
    """SimPy process: one tick per hour; picks spread evenly over the hour."""
    env, spec, rules = state.env, state.world.warehouses[warehouse], state.world.warehousing
    queue, outbound = state.pick_queues[warehouse].heap, state.pickup.outbound[warehouse]
    cutoff = int(rules.cutoff_hour)
    carry = 0.0
    while True:
        now = env.now
        hour = int(now) % 24
        if hour == cutoff and outbound:
            hand_over(state, warehouse)
        if rules.shift_start <= hour < rules.shift_end:
            cap = spec.picks_per_hour
            if state.calendar.is_weekend(int(now // 24)):
                cap *= rules.weekend_factor
            carry += cap
            n = int(carry)
            carry -= n
            done = 0
            while done < n and queue and queue[0][0] <= now:
                order = heapq.heappop(queue)[2]
                done += 1
                _pick(state, order, now + done / n, rules.discrepancy_rate, outbound)
        yield env.timeout(1.0)


def _pick(state: State, order, packed_at: float, discrepancy_rate: float, outbound: list) -> None:
    if order.draw.pick_u < discrepancy_rate:
        order.draw.pick_u = 1.0  # the shelf is corrected; a re-pick finds the unit
        state.pickup.pending[order.carrier] -= 1  # it will not be collected from here
        raise_exception(
            state,
            ExceptionType.STOCK_DISCREPANCY,
            "unit_not_on_shelf",
            "order",
            order,
            on_resolved=lambda rec: reroute(state, order, rec, new_unit=True),
        )
        return
    order.packed_h = packed_at
    outbound.append(order)
