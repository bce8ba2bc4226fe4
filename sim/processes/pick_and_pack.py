"""Pick and pack: each warehouse works its queue hour by hour within its shift and capacity,
and hands packed parcels to the carriers at the daily cut-off."""

from __future__ import annotations

import heapq

from sim.entities import ExceptionType
from sim.processes.carry_parcel import hand_over
from sim.processes.route_orders import reroute
from sim.state import State
from sim.steps.raise_exception import raise_exception


def pick_and_pack(state: State, warehouse: int):
    """SimPy process: one tick per hour; picks spread evenly over the hour."""
    env, spec, rules = state.env, state.world.warehouses[warehouse], state.world.warehousing
    queue, outbound = state.flow.pick_queues[warehouse], state.flow.outbound[warehouse]
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
        state.flow.carrier_pending[order.carrier] -= 1  # it will not be collected from here
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
