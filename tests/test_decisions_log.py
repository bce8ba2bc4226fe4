"""Explained decisions (`decisions=true`): the decisions table is complete (every order that
reached routing has its routing decision, every order placed its promise, every exception its
triage, every application, label and governance action its row), every decision lists the
answer it applied among its alternatives, recording only observes (the KPIs are identical with
it on and off), and a run that does not record allocates nothing for it."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from mptwin.memory import _numpy_huge_pages, memory_for_big_tables
from mptwin.results.measure.metrics import compute_kpis
from mptwin.results.measure.option_columns import spread, store_lists, structs
from mptwin.results.measure.run_tables import DECISION_COLUMNS
from mptwin.results.measure.text_columns import numbers
from mptwin.runner.compose import build_run, compose
from mptwin.runner.job import simulate
from sim.decisions import RouteOption
from sim.engine import build
from sim.recording.decision_log import DecisionLog, Options
from sim.recording.record_decision import ANSWERED
from tests.helpers.runs import NETWORK

STRATEGIES = ["orchestration", "automation"]


def run(strategy: str, decisions: bool, *overrides: str):
    cfg = compose("scenario=smoke", f"strategy={strategy}", *NETWORK, *overrides)
    world, policies = build_run(cfg)
    return simulate(world, policies, int(cfg.seed), decisions=decisions)


@pytest.fixture(scope="module", params=STRATEGIES)
def recorded(request):
    """A smoke run with a seller network, its decisions recorded: (strategy, tables)."""
    return request.param, run(request.param, True).tables


def points(tables: dict, point: str) -> pd.DataFrame:
    d = tables["decisions"]
    return d[d["point"] == point]


OPTION_COLUMNS = {"routing": "route_options", "promise": "promise_options"}  # else alternatives


def listed(rows: pd.DataFrame) -> list[list[dict]]:
    """Each row's alternatives: the option column of its point's type, the others null."""
    (point,) = set(rows["point"])
    column = OPTION_COLUMNS.get(point, "alternatives")
    others = [c for c in ("route_options", "promise_options", "alternatives") if c != column]
    assert rows[column].notna().all() and rows[others].isna().all().all()
    return [list(options) for options in rows[column]]


def chosen_options(rows: pd.DataFrame) -> list[list[dict]]:
    return [[o for o in options if o["chosen"]] for options in listed(rows)]


def test_the_table_has_the_contract_columns_numbered_in_time_order(recorded):
    _, tables = recorded
    d = tables["decisions"]
    assert list(d.columns) == list(DECISION_COLUMNS)
    d = d.sort_values("decision_id")
    assert (d["decision_id"].to_numpy() == np.arange(len(d))).all()
    assert (np.diff(d["t_h"].to_numpy()) >= 0).all()
    assert set(d["point"].unique()) >= {"routing", "promise", "pricing", "triage"}


def test_every_order_that_reached_routing_has_its_routing_decision(recorded):
    _, tables = recorded
    orders, routing = tables["orders"], points(tables, "routing")
    reached = set(orders.loc[orders["routed_h"].notna(), "order_id"])
    assert reached and reached <= set(routing["order_id"])
    first = routing.groupby("order_id")["t_h"].min()
    placed = orders.set_index("order_id")["placed_h"]
    assert (first >= placed[first.index]).all()  # asked after the order was placed


def test_every_routing_decision_lists_its_chosen_option_among_the_alternatives(recorded):
    strategy, tables = recorded
    routing = points(tables, "routing")
    chosen = chosen_options(routing)
    assert all(len(c) == 1 for c in chosen)
    answers = [(c[0]["warehouse"], c[0]["carrier"]) for c in chosen]
    said = [
        tuple(int(x.split(" ")[1]) for x in text.split(", "))
        if text.startswith("warehouse")
        else None
        for text in routing["chosen"]
    ]
    for (w, c), text in zip(answers, said, strict=True):
        assert text is None and w < 0 or text == (w, c)
    # the built-in policies list what they applied themselves: the world's fill-in for an answer
    # none of the listed options matches (for a custom or served policy) is never needed
    notes = {o["note"] for options in listed(routing) for o in options}
    assert ANSWERED not in notes
    if strategy == "orchestration":  # every option it built, the pruned ones marked
        sizes = [len(options) for options in listed(routing)]
        assert max(sizes) > 2 and np.mean(sizes) > 2


def test_an_order_ships_as_its_last_routing_decision_said_unless_an_exception_rerouted_it(
    recorded,
):
    _, tables = recorded
    routing = points(tables, "routing").sort_values("decision_id")
    routing = routing.drop_duplicates("order_id", keep="last")
    orders = tables["orders"].set_index("order_id")
    touched = set(tables["exceptions"]["order_id"])
    checked = 0
    for oid, chosen in zip(routing["order_id"], chosen_options(routing), strict=True):
        (opt,) = chosen
        if oid in touched or opt["warehouse"] < 0 or pd.isna(orders.at[oid, "routed_h"]):
            continue
        assert (orders.at[oid, "warehouse"], orders.at[oid, "carrier"]) == (
            opt["warehouse"],
            opt["carrier"],
        )
        checked += 1
    assert checked > 100


def test_every_order_placed_has_its_promise_with_the_hours_shown(recorded):
    _, tables = recorded
    orders, promise = tables["orders"], points(tables, "promise").set_index("order_id")
    assert sorted(promise.index) == sorted(orders["order_id"])
    o = orders.set_index("order_id")
    assert np.allclose(promise["t_h"], o.loc[promise.index, "placed_h"])
    shown = (o["promise_h"] - o["placed_h"]).loc[promise.index].round(1)
    said = promise["chosen"].str.split(" h").str[0].astype(float)
    assert np.allclose(said, shown)
    assert all(len(c) == 1 for c in chosen_options(promise))
    used = [c[0] for c in chosen_options(promise)]
    assert all(
        u["carrier"] >= 0 and u["hours"] <= s + 24.0 for u, s in zip(used, shown, strict=True)
    )


def test_every_exception_has_its_triage_naming_its_handler(recorded):
    _, tables = recorded
    exc, triage = tables["exceptions"], points(tables, "triage")
    assert sorted(triage["exc_id"]) == sorted(exc["exc_id"])
    handler = exc.set_index("exc_id")["handler"].astype(str)
    for (exc_id, text), chosen in zip(
        triage[["exc_id", "chosen"]].itertuples(index=False), chosen_options(triage), strict=True
    ):
        assert text.startswith(handler[exc_id])
        assert [c["option"] for c in chosen] == [handler[exc_id]]


def test_applications_labels_and_governance_actions_have_their_decisions(recorded):
    _, tables = recorded
    apps, listings = tables["applications"], tables["listings"]
    onboarding, labels = points(tables, "onboarding"), points(tables, "label")
    assert len(apps) > 5 and sorted(onboarding["app_id"]) == sorted(apps["app_id"])
    assert len(labels) == len(listings) and set(labels["offer"]) == set(listings["offer"])
    for text, chosen in zip(onboarding["chosen"], chosen_options(onboarding), strict=True):
        steps = {c["option"] for c in chosen}
        assert steps == {
            f"identity:{text.split(',')[0].split()[1]}",
            f"catalogue:{text.split(',')[1].split()[1]}",
        }
    actions = tables["seller_actions"]
    by_policy = actions[actions["by"] == "policy"]
    governance = points(tables, "governance")
    assert len(governance) == len(by_policy)
    assert (governance["chosen"].to_numpy() == by_policy["action"].to_numpy()).all()


def test_price_changes_say_old_and_new_price_and_the_terms(recorded):
    _, tables = recorded
    d = tables["decisions"]
    pricing = points(tables, "pricing")
    assert len(pricing) > 1000
    new, old, floor = (pricing[k].to_numpy() for k in ("new_price", "old_price", "operator_floor"))
    assert (new != old).all() and pricing["competitor"].notna().all()
    rejected = new < floor  # the chosen answer, in words: the new price, or its rejection
    said = pricing["chosen"].str.split(" ").str[0].astype(float).to_numpy()
    assert np.allclose(said, new.round(2), atol=1e-9)
    assert (pricing["chosen"].str.contains("rejected").to_numpy() == rejected).all()
    assert pricing[["route_options", "promise_options", "alternatives"]].isna().all().all()
    others = d[d["point"] != "pricing"]
    assert others[["old_price", "new_price", "competitor", "regime"]].isna().all().all()


@pytest.mark.slow
@pytest.mark.parametrize("strategy", [*STRATEGIES, "automation_tuned"])
def test_recording_only_observes_the_kpis_are_identical(strategy):
    on = run(strategy, True)
    off = run(strategy, False)
    assert "decisions" in on.tables and "decisions" not in off.tables
    kpis = [json.loads(json.dumps(compute_kpis(r.tables, r.info))) for r in (on, off)]
    assert kpis[0] == kpis[1]


def test_a_run_that_does_not_record_keeps_nothing_for_it():
    cfg = compose("scenario=smoke", "strategy=orchestration")
    world, strategy = build_run(cfg)
    state = build(world, strategy, 1)
    assert state.records.decisions is None and not state.market.explaining
    world, strategy = build_run(cfg)
    state = build(world, strategy, 1, explain=True)
    assert isinstance(state.records.decisions, DecisionLog) and state.market.explaining


def test_options_keep_which_one_was_chosen_for_any_number_of_options():
    store = Options(RouteOption)
    few = tuple(RouteOption(w, 0, float(w)) for w in range(3))
    many = tuple(RouteOption(w, 1, float(w)) for w in range(70))  # past an int64 of bits
    store.add(0, few, 1 << 2)
    store.add(1, many, 1 << 65)
    cols = store.columns()
    assert list(cols["owner"]) == [0] * 3 + [1] * 70
    assert np.flatnonzero(cols["chosen"]).tolist() == [2, 3 + 65]
    assert cols["cost"][3 + 65] == 65.0


def test_options_become_typed_lists_with_null_for_a_term_not_estimated():
    store = Options(RouteOption)
    store.add(0, (RouteOption(1, 2, 3.0), RouteOption(-2, -1, note="wait")), 1 << 1)
    store.add(2, (RouteOption(0, 0, 1.5),), 1)
    lists = store_lists(store, 3)
    got = lists.to_pylist()
    assert [len(x) for x in got] == [2, 0, 1]
    assert got[0][0]["cost"] == 3.0 and got[0][0]["shipping"] is None
    assert [o["chosen"] for o in got[0] + got[2]] == [False, True, True]
    assert got[0][1]["note"] == "wait" and got[2][0]["warehouse"] == 0
    own = structs(
        RouteOption,
        {
            k: np.array([v] * 3)
            for k, v in (
                ("warehouse", 9),
                ("carrier", 9),
                ("cost", 1.0),
                ("shipping", 1.0),
                ("late_cost", 0.0),
                ("p_late", 0.0),
                ("capacity_penalty", 0.0),
                ("km", 1.0),
                ("note", "own"),
                ("chosen", True),
            )
        },
    )
    shared = spread(
        lists,
        np.array([0, -1, 0, 2]),
        own.slice(0, 4 - 1).take([0, 1, 2, 0]),
        np.array([False, True, True, False]),
    ).to_pylist()
    assert [[o["warehouse"] for o in x] for x in shared] == [[1, -2], [9], [1, -2, 9], [0]]
    assert numbers(np.array([1.23456, np.nan, 2.0]), 2).to_pylist() == ["1.23", "null", "2"]


def test_the_memory_set_up_for_building_the_table_comes_back_afterwards():
    pool = pa.default_memory_pool().backend_name
    huge = _numpy_huge_pages(True)  # what it was; now on
    try:
        with memory_for_big_tables():
            assert pa.default_memory_pool().backend_name == "system"
            assert _numpy_huge_pages(False) is False  # off inside (where numpy has the switch)
        assert pa.default_memory_pool().backend_name == pool
        assert _numpy_huge_pages(huge) is True  # back on after
    finally:
        _numpy_huge_pages(huge)
