"""The engine of one replication: `build` makes the run's state, binds the strategy and starts
every process of the world with a seed; `run` runs the SimPy environment to the end of the
scenario. The finished state holds the run's records; turning them into tables is analysis
(`mptwin.results.measure.records`), not the world's business."""

from __future__ import annotations

import gc
from collections.abc import Callable
from contextlib import contextmanager
from functools import partial

from sim.clock import Environment
from sim.decisions import Strategy
from sim.processes.carry_parcel import Pickup
from sim.processes.customer_arrivals import customer_arrivals
from sim.processes.monitor_sellers import monitor_sellers
from sim.processes.onboard_seller import (
    NewListings,
    draw_applications,
    draw_launches,
    launch_listings,
    onboard_sellers,
)
from sim.processes.pick_and_pack import PickQueue, pick_and_pack
from sim.processes.record_day import close_last_day, record_days
from sim.processes.reprice_offers import reprice_offers
from sim.processes.reviewer_team import start_teams
from sim.processes.route_orders import RoutingQueue, route_orders
from sim.processes.settle_payouts import settle_payouts
from sim.processes.watch_promises import watch_promises
from sim.recording.decision_log import DecisionLog
from sim.recording.record_decision import answered_route
from sim.state import State
from sim.streams import Streams
from sim.world import World

Progress = Callable[[int, int, int], None]  # (day done, total days, orders so far)


def build(
    world: World,
    strategy: Strategy,
    seed: int,
    progress: Progress | None = None,
    explain: bool = False,
) -> State:
    """Create the environment and start every process; nothing has run yet. With `explain`,
    the run records every decision and why (`state.records.decisions`); it only observes."""
    env = Environment()
    state = State.create(env, world, strategy, Streams(seed))
    # the queues between purchase and carrier, each the queue of the process that drains it
    state.routing = RoutingQueue()
    state.pick_queues = [PickQueue() for _ in range(world.n_warehouses)]
    state.pickup = Pickup(world.n_warehouses, len(world.carriers))
    if explain:  # before policies bind: they may keep what explaining needs
        state.records.decisions = DecisionLog.of(strategy, partial(answered_route, state))
        state.market.explaining = True
    strategy.bind(state.market)
    applications = draw_applications(state)  # before the first visit: it reads when they apply
    launches = draw_launches(state)
    listings = NewListings(state) if world.first_new_offer >= 0 else None
    env.process(customer_arrivals(state, world.end_h))
    env.process(onboard_sellers(state, applications, listings))
    if launches:
        env.process(launch_listings(state, launches, listings))
    env.process(monitor_sellers(state))
    env.process(route_orders(state))
    for w in range(world.n_warehouses):
        env.process(pick_and_pack(state, w))
    env.process(watch_promises(state))
    env.process(reprice_offers(state))
    env.process(settle_payouts(state))
    start_teams(state)
    env.process(record_days(state, progress))
    if state.market.stale is not None:
        env.process(state.market.stale.snapshots(state))
    return state


def run(state: State) -> State:
    """Run a built world to the scenario's end and close its last day."""
    state.env.run(until=state.world.end_h)
    close_last_day(state)
    return state


@contextmanager
def quiet_gc():
    """The run keeps every record alive to the end, so the cyclic garbage collector's repeated
    scans of them (and of the rows built from them at the end) are wasted work: freeze what
    exists and collect young objects less often. The previous settings come back afterwards."""
    old = gc.get_threshold()
    gc.collect()  # garbage left by an earlier run in this process must not be frozen with us
    gc.freeze()
    gc.set_threshold(50_000, old[1], old[2])
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()
