"""Conservation: every order ends in exactly one state, timestamps run forwards, stock is never
negative and reservations add up at every hour, and no exception is lost. The books are in
test_books.py."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mptwin.results.measure.records import collect
from mptwin.runner.compose import build_run, compose
from sim.engine import build, run
from tests.helpers.runs import NETWORK, run_sim

STATUSES = {"delivered", "returned", "cancelled", "lost", "open"}


# --- stock -----------------------------------------------------------------------------------


def test_stock_never_negative_and_reservations_balance(stepped):
    assert stepped.steps >= 24 * 30, "the run was not stepped hour by hour"
    assert not stepped.violations, "\n".join(stepped.violations)


def test_stepped_run_equals_one_shot_run(stepped):
    """Stepping the environment hour by hour changes nothing (the checks are read-only)."""
    one_shot = run_sim("scenario=smoke", "seed=1", "strategy=orchestration", *NETWORK)
    for name, df in one_shot.tables.items():
        pd.testing.assert_frame_equal(df, stepped.result.tables[name], obj=name)


# --- orders ----------------------------------------------------------------------------------


def test_every_order_ends_in_exactly_one_known_status(stepped):
    orders = stepped.result.tables["orders"]
    assert len(orders) > 1000
    assert orders["order_id"].is_unique
    assert (orders["order_id"].to_numpy() == np.arange(len(orders))).all()
    status = orders["status"]
    assert status.notna().all()
    assert set(status.unique()) <= STATUSES, set(status.unique()) - STATUSES
    # the status is consistent with the order's timestamps (one state, not a mix of two)
    delivered_h, returned_h = orders["delivered_h"], orders["returned_h"]
    assert delivered_h[status == "delivered"].notna().all()
    assert returned_h[status == "delivered"].isna().all()
    assert returned_h[status == "returned"].notna().all()
    assert delivered_h[status == "returned"].notna().all()
    assert delivered_h[status == "lost"].isna().all()
    assert orders["handed_h"][status == "lost"].notna().all()
    assert (orders["cancel_reason"][status == "cancelled"] != "").all()
    assert (orders["cancel_reason"][status != "cancelled"] == "").all()


def test_window_orders_are_terminal_unless_still_in_transit(stepped):
    """Orders placed in the measurement window have all ended by the end of the cool-down.

    The only legitimate exception: a parcel that is not lost and whose (heavy-tailed) transit
    time, computed from its own exogenous draw, brings it after the end of the run. Any other
    open window order is stuck."""
    state, info = stepped.state, stepped.result.info
    orders = stepped.result.tables["orders"]
    placed = orders["placed_h"].to_numpy()
    in_window = (placed >= info.warmup_h) & (placed < info.window_end_h)
    assert in_window.sum() > 1000
    open_ids = orders.loc[in_window & (orders["status"] == "open").to_numpy(), "order_id"]
    stuck = []
    w = state.world
    for oid in open_ids.tolist():
        o = state.records.orders.get(oid)  # an open order is still held by the world
        assert o is not None, f"open order {oid} retired: nothing in the world refers to it"
        if math.isnan(o.handed_h) or o.lost:
            stuck.append((oid, "never handed" if math.isnan(o.handed_h) else "lost, undeclared"))
            continue
        spec = w.carriers[o.carrier]
        origin = w.warehouses[o.warehouse].region
        eta = o.handed_h + w.nominal_transit_h(o.carrier, origin, o.region) * math.exp(
            spec.transit_bias + spec.transit_sigma * o.draw.transit_z
        )
        if eta < info.end_h - 1e-6:
            stuck.append((oid, f"should have arrived at {eta:.1f} h"))
    assert not stuck, f"window orders stuck open at the end of the run: {stuck}"
    assert len(open_ids) <= 0.01 * in_window.sum()


def test_order_timestamps_run_forwards(stepped):
    orders = stepped.result.tables["orders"]
    chain = ["placed_h", "routed_h", "packed_h", "handed_h", "delivered_h", "returned_h"]
    for a, b in zip(chain, chain[1:], strict=False):
        both = orders[a].notna() & orders[b].notna()
        bad = orders.loc[both & (orders[a] > orders[b]), ["order_id", a, b]]
        assert bad.empty, f"{a} after {b}:\n{bad.head()}"
    # every later stage implies the earlier ones
    for later, earlier in [
        ("delivered_h", "handed_h"),
        ("handed_h", "packed_h"),
        ("packed_h", "routed_h"),
        ("returned_h", "delivered_h"),
    ]:
        bad = orders.loc[orders[later].notna() & orders[earlier].isna(), "order_id"]
        assert bad.empty, f"orders with {later} but no {earlier}: {bad.head().tolist()}"
    cancelled = orders["status"] == "cancelled"
    assert orders.loc[cancelled, "delivered_h"].isna().all()
    assert orders.loc[cancelled, "handed_h"].isna().all()
    assert (orders["ship_by_h"] >= orders["placed_h"]).all()
    assert (orders["promise_h"] >= orders["placed_h"]).all()


@pytest.mark.parametrize(
    "overrides",
    [(), ("strategy.promise.default_buffer_days=0",)],
    ids=["default", "tight_promise"],
)
def test_lost_parcels_are_always_declared(stepped, overrides):
    """A lost parcel is declared (a parcel_lost exception) once it has been silent for
    `lost_detect_days` past its promise, or past its hand-over when it left after the promise.
    A tight promise makes late hand-overs, hence the second case, common."""
    if overrides:
        cfg = compose("scenario=smoke", "seed=1", *overrides)
        world, strategy = build_run(cfg)
        state = build(world, strategy, 1)
        result = collect(run(state))
    else:
        state, result = stepped.state, stepped.result
    lost_after = state.world.risk.lost_detect_h
    ships, exc = result.tables["shipments"], result.tables["exceptions"]
    declared = set(exc.loc[exc["type"] == "parcel_lost", "order_id"].tolist())
    orders = result.tables["orders"].set_index("order_id")
    lost = ships.loc[ships["lost"], "order_id"].tolist()
    assert lost, "no lost parcels: nothing checked"
    missing = []
    for oid in lost:
        due = max(orders.at[oid, "promise_h"], orders.at[oid, "handed_h"]) + lost_after
        if due + 1.0 < result.info.end_h and oid not in declared:
            missing.append(
                (
                    oid,
                    float(orders.at[oid, "handed_h"]),
                    float(orders.at[oid, "promise_h"]),
                    str(orders.at[oid, "status"]),
                )
            )
    assert not missing, (
        f"lost parcels never declared lost (order, handed_h, promise_h, status): {missing}"
    )


# --- exceptions ------------------------------------------------------------------------------


def test_no_exception_is_lost(stepped):
    """Every human exception is resolved, in a reviewer's hands, or waiting in the queue; the
    open count is the run's own counter."""
    state, exc = stepped.state, stepped.result.tables["exceptions"]
    assert len(exc) > 50
    assert exc["exc_id"].is_unique
    assert set(exc["handler"].unique()) <= {"human", "auto"}
    human = exc["handler"] == "human"
    unresolved = exc["resolved_h"].isna()
    assert not (unresolved & ~human).any(), "an auto exception left unresolved"
    open_human = exc[human & unresolved]
    assert len(open_human) == state.desk.human_open
    waiting = open_human["started_h"].isna()
    in_hand = int((~waiting).sum())
    assert in_hand <= state.desk.headcount
    queued = sorted(i.item.exc_id for d in state.desk.desks for i in d.queue.items)
    assert queued == sorted(open_human.loc[waiting, "exc_id"].tolist())


def test_daily_backlog_matches_the_exception_table(stepped):
    """backlog_end of day d is the human exceptions open at midnight ending day d: raised before
    and not yet resolved. An event at exactly midnight may fall on either side."""
    exc = stepped.result.tables["exceptions"]
    human = exc[exc["handler"] == "human"]
    raised = human["raised_h"].to_numpy()
    resolved = human["resolved_h"].fillna(np.inf).to_numpy()
    daily = stepped.result.tables["daily"]
    assert len(daily) > 0
    bad = []
    for day, backlog in zip(daily["day"].tolist(), daily["backlog_end"].tolist(), strict=True):
        t = 24.0 * (day + 1)
        lo = int(((raised < t) & (resolved > t)).sum())
        hi = int(((raised <= t) & (resolved >= t)).sum())
        if not lo <= backlog <= hi:
            bad.append((day, backlog, lo, hi))
    assert not bad, f"(day, backlog_end, open strictly, open incl. midnight events): {bad}"


def test_exception_times_are_ordered(stepped):
    exc = stepped.result.tables["exceptions"]
    human, resolved = exc["handler"] == "human", exc["resolved_h"].notna()
    done = exc[human & resolved]
    assert len(done) > 0
    assert done["started_h"].notna().all()
    assert (done["raised_h"] <= done["started_h"]).all()
    assert (done["started_h"] <= done["resolved_h"]).all()
    np.testing.assert_allclose(
        done["resolved_h"] - done["started_h"], done["handling_h"], rtol=1e-9, atol=1e-9
    )
    assert (done["reviewer"] >= 0).all()
    assert (done["outcome"] != "").all()
    started = exc[exc["started_h"].notna()]
    assert (started["raised_h"] <= started["started_h"]).all()
    auto = exc[exc["handler"] == "auto"]
    assert (auto["raised_h"] == auto["resolved_h"]).all()
    assert (exc["raised_h"] < stepped.result.info.end_h).all()


def test_exceptions_reference_existing_orders_and_offers(stepped):
    exc, orders = stepped.result.tables["exceptions"], stepped.result.tables["orders"]
    about_order = exc["order_id"] != -1
    assert about_order.any()
    assert exc.loc[about_order, "order_id"].isin(orders["order_id"]).all()
    offer = exc.loc[exc["offer"] != -1, "offer"]
    assert ((offer >= 0) & (offer < stepped.state.world.n_offers)).all()
    # an exception about an order was raised no earlier than the order
    placed = orders.set_index("order_id")["placed_h"]
    linked = exc[about_order]
    assert (linked["raised_h"].to_numpy() >= placed.loc[linked["order_id"]].to_numpy()).all()
    # human_tasks counts the human exceptions attached to each order's own processing (a
    # reconciliation of its invoice line or payout is about money, not the order: not counted)
    human = exc[
        about_order & (exc["handler"] == "human") & (exc["type"] != "reconciliation_mismatch")
    ]
    counts = human["order_id"].value_counts().reindex(orders["order_id"], fill_value=0)
    assert (counts.to_numpy() == orders["human_tasks"].to_numpy()).all()


# --- the daily series -------------------------------------------------------------------------


def test_daily_series_accounts_for_the_whole_run(stepped):
    """One row per simulated day (tables.DAILY_COLUMNS), so the day counters add up to the
    run's totals."""
    result = stepped.result
    daily, orders, exc = (
        result.tables["daily"],
        result.tables["orders"],
        result.tables["exceptions"],
    )
    days = int(round(result.info.end_h / 24.0))
    assert daily["day"].tolist() == list(range(days)), (
        f"{len(daily)} daily rows for a {days}-day run (last row: day {daily['day'].max()})"
    )
    assert int(daily["orders"].sum()) == len(orders)
    assert int(daily["deliveries"].sum()) == int(orders["delivered_h"].notna().sum())
    assert int(daily["cancellations"].sum()) == int((orders["status"] == "cancelled").sum())
    assert int(daily["exceptions_raised"].sum()) == len(exc)
    assert int(daily["exceptions_resolved"].sum()) == int(exc["resolved_h"].notna().sum())
