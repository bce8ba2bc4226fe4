"""The fair fight: competent automation uses the static rules a good operator writes (the second
warehouse, a calibrated promise), automatic decisions can be wrong and cost money, both arms
see the same luck for the same visit, stale feeds are stale for every signal, and a strategy
cannot reach past the MarketView seam."""

from __future__ import annotations

import importlib
import sys

import numpy as np
import pytest

from mptwin.experiments.tuning.promise_buffers import carrier_buffers, overrun_samples, pool
from mptwin.results.measure.metrics import compute_kpis
from mptwin.runner.compose import build_run, compose
from mptwin.runner.job import simulate
from sim.decisions import RoutingRequest, Strategy
from sim.engine import build
from sim.seam import private_reads, reads_in_source
from strategies.exceptions import AllHuman
from strategies.governance import ThresholdRules
from strategies.onboarding import AllPeople
from strategies.pricing import FeedFollowPricing
from strategies.promise import ContractPromise
from strategies.routing import RuleRouting
from tests.helpers.runs import NETWORK, ROOT, run_sim


def built(*overrides: str):
    """A smoke world under `overrides`, built and bound, nothing run yet."""
    world, strategy = build_run(compose("scenario=smoke", *overrides))
    return build(world, strategy, seed=1)


# --- competent automation -----------------------------------------------------------------


def test_rule_routing_ships_from_the_second_warehouse_when_home_is_out():
    state = built("strategy=automation")
    market, look, n_wh = state.market, state.lookup, state.world.n_warehouses
    offer = next(o for o, ws in enumerate(look.stocked_at) if len(ws) == 2)
    seller = int(state.world.offer_seller[offer])
    home = state.world.sellers[seller].home_warehouse
    (second,) = [w for w in look.stocked_at[offer] if w != home]
    state.stock.on_hand[offer * n_wh + home] = 0
    assert state.stock.on_hand[offer * n_wh + second] > 0
    request = RoutingRequest(0, offer, seller, 0, 10.0, 0.0, 100.0, 48.0)
    (decision,) = state.strategy.routing.route([request], market)
    assert decision.warehouse == second
    assert 0 in state.world.carrier_serves[decision.carrier]


@pytest.mark.slow  # several runs
def test_competent_automation_ships_split_stock_without_people():
    """Over a whole run: orders leave from a second warehouse with no human task, and far fewer
    orders meet an empty shelf than under home-only routing."""
    runs = {
        s: run_sim("scenario=smoke", f"strategy={s}", "seed=1")
        for s in ("automation", "automation_naive")
    }
    orders = runs["automation"].tables["orders"]
    world, _ = build_run(compose("scenario=smoke"))
    home = np.array([world.sellers[s].home_warehouse for s in orders["seller"]])
    away = (orders["warehouse"].to_numpy() >= 0) & (orders["warehouse"].to_numpy() != home)
    assert away.sum() > 20
    assert (orders["human_tasks"].to_numpy()[away] == 0).mean() > 0.9
    stockouts = {
        s: int((r.tables["exceptions"]["type"] == "stockout_at_routing").sum())
        for s, r in runs.items()
    }
    assert stockouts["automation"] < 0.5 * stockouts["automation_naive"], stockouts


def kept(rows: np.ndarray, buffer_days: float) -> np.ndarray:
    """Which of these (contract promise end, delivered) rows a buffer would have kept, with the
    world's rounding of a promise to the end of its day."""
    end, delivered = rows[:, 0], rows[:, 1]
    return delivered <= (np.floor((end + 24.0 * buffer_days) / 24.0) + 1.0) * 24.0 - 1e-6


@pytest.mark.slow  # several runs
def test_calibrated_promise_meets_its_target_on_a_fresh_seed():
    """Buffers calibrated on seeds 11 and 12 for a 90 % on-time target keep 90 % +- 3 pp of
    the promises made on seed 13 (orders placed in the window and delivered), and +- 6 pp for
    each carrier with 300 deliveries or more. (The on_time_rate KPI judges deliveries inside a
    14-day window, which leaves out the slowest parcels of the last days: not this test.)"""
    target = 0.9
    samples = []
    for seed in (11, 12):
        world, strategy = build_run(
            compose("scenario=smoke", "strategy=automation", f"seed={seed}")
        )
        samples.append(overrun_samples(simulate(world, strategy, seed), world))
    buffers = carrier_buffers(pool(samples), target)
    cfg = compose("scenario=smoke", "strategy=automation", "seed=13")
    cfg.strategy.promise.buffer_days = buffers
    world, strategy = build_run(cfg)
    fresh = overrun_samples(simulate(world, strategy, 13), world)
    hits = np.concatenate([kept(rows, buffers[name]) for name, rows in fresh.items() if len(rows)])
    assert abs(hits.mean() - target) <= 0.03, (hits.mean(), buffers)
    for name, rows in fresh.items():
        if len(rows) >= 300:
            share = float(kept(rows, buffers[name]).mean())
            assert abs(share - target) <= 0.06, (name, share, buffers)


def test_calibration_is_monotone_in_the_target():
    rng = np.random.default_rng(0)
    end = rng.uniform(0, 1000, 5000)
    rows = np.column_stack([end, end + rng.exponential(30, 5000)])
    low, high = carrier_buffers({"c": rows}, 0.8)["c"], carrier_buffers({"c": rows}, 0.95)["c"]
    assert 0 < low < high


# --- automatic decisions carry risk ----------------------------------------------------------

FRAUDY = ("scenario=smoke", "scenario.risk.return_fraud_rate=0.5", "scenario.risk.return_rate=0.2")


@pytest.mark.slow  # several runs
def test_return_fraud_under_auto_approval_costs_what_people_partly_recover():
    auto, human = [], []
    for seed in (1, 2, 3):
        for limit, out in ((1e6, auto), (0.0, human)):
            r = run_sim(
                *FRAUDY,
                "strategy=automation",
                f"seed={seed}",
                f"strategy.exceptions.auto_refund_limit={limit}",
            )
            out.append(compute_kpis(r.tables, r.info))
    lost_auto = sum(k["return_fraud_losses"] for k in auto)
    lost_human = sum(k["return_fraud_losses"] for k in human)
    assert sum(k["auto_decision_losses"] for k in auto) == pytest.approx(lost_auto)
    assert sum(k["auto_decision_losses"] for k in human) == 0.0
    assert 0.0 < lost_human < 0.7 * lost_auto, (lost_human, lost_auto)  # caught 60 %: partly


def test_a_hold_released_by_the_system_is_an_automatic_decision_loss():
    """Holds on orders up to `auto_release_limit` are released unchecked, and a stolen card
    among them is lost; at limit 0 every hold goes to people (the menu's default)."""
    kpis = {}
    for limit in (1e9, 0.0):
        r = run_sim(
            "scenario=smoke",
            "strategy=orchestration",
            "scenario.risk.fraud_rate=0.2",
            "strategy.exceptions.auto=[payment_held]",
            f"strategy.exceptions.auto_release_limit={limit}",
        )
        kpis[limit] = compute_kpis(r.tables, r.info)
    assert kpis[1e9]["auto_decision_losses"] > 0
    assert kpis[1e9]["auto_decision_losses"] <= kpis[1e9]["fraud_losses"]
    assert kpis[0.0]["auto_decision_losses"] == 0.0 and kpis[0.0]["exceptions_human"] > 0


# --- common random numbers and stale feeds ---------------------------------------------------


@pytest.mark.slow  # several runs
def test_a_reviewer_gives_the_same_verdict_on_the_same_held_order_in_both_arms():
    """Visits are identified by their time; a held order placed in both arms gets the same
    verdict, though the arms' reviewers work different queues."""
    extra = (
        "scenario.risk.fraud_rate=0.2",
        "scenario.reviewers.fraud_detection=0.5",
        "scenario.reviewers.false_rejection=0.3",
    )
    verdicts = []
    for strategy in ("automation_naive", "orchestration"):
        r = run_sim("scenario=smoke", f"strategy={strategy}", "seed=1", *extra)
        exc, orders = r.tables["exceptions"], r.tables["orders"].set_index("order_id")
        held = exc[(exc["type"] == "payment_held") & exc["outcome"].isin(["rejected", "released"])]
        placed = orders.loc[held["order_id"], "placed_h"].to_numpy()
        verdicts.append(dict(zip(placed.tolist(), held["outcome"].tolist(), strict=True)))
    both = verdicts[0].keys() & verdicts[1].keys()
    assert len(both) > 50
    outcomes = [verdicts[0][t] for t in both]
    assert 0 < outcomes.count("rejected") < len(both)  # the check is not vacuous
    assert all(verdicts[0][t] == verdicts[1][t] for t in both)


def test_a_stale_feed_delays_what_routing_sees_of_stock():
    lag = 24.0
    state = built("strategy=automation", f"scenario.feeds.lag_h={lag}")
    initial = list(state.stock.on_hand)
    state.env.run(until=10.0)
    live_at_10 = list(state.stock.on_hand)
    backlog_at_10 = [state.market.pick_backlog(w) for w in range(state.world.n_warehouses)]
    assert live_at_10 != initial  # units were sold
    market, n_wh = state.market, state.world.n_warehouses
    seen = [market.on_hand(i // n_wh, i % n_wh) for i in range(len(initial))]
    assert seen == initial  # nothing has reached the feed yet
    assert all(b == 0 for b in backlog_at_10)  # the backlog as of before the start
    state.env.run(until=10.0 + lag)  # events at 10 h or later, not yet processed, reach it later
    seen = [market.on_hand(i // n_wh, i % n_wh) for i in range(len(initial))]
    assert seen == live_at_10  # what the shelves held a lag ago
    assert seen != list(state.stock.on_hand)


def test_without_a_lag_the_view_is_live():
    state = built("strategy=automation")
    state.env.run(until=30.0)
    n_wh = state.world.n_warehouses
    seen = [state.market.on_hand(i // n_wh, i % n_wh) for i in range(len(state.stock.on_hand))]
    assert seen == list(state.stock.on_hand)
    assert [state.market.pick_backlog(w) for w in range(n_wh)] == [
        len(q.heap) + len(o) for q, o in zip(state.pick_queues, state.pickup.outbound, strict=True)
    ]


# --- the seam --------------------------------------------------------------------------------

PEEKING = """
from dataclasses import dataclass
from strategies.routing import StaticRouting


@dataclass(eq=False)
class PeekingRouting(StaticRouting):
    def route(self, batch, market):
        speed = market._world.carriers[0].transit_bias  # the hidden truth
        return super().route(batch, market)
"""


def test_the_seam_guard_refuses_a_policy_that_reads_market_world(tmp_path, monkeypatch):
    (tmp_path / "peeking_policy.py").write_text(PEEKING)
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("peeking_policy")
    try:
        found = private_reads(module.PeekingRouting)
        assert any("market._world" in f for f in found), found
        strategy = Strategy(
            "peek",
            module.PeekingRouting(),
            ContractPromise(),
            FeedFollowPricing(),
            AllHuman(),
            AllPeople(),
            ThresholdRules(),
        )
        with pytest.raises(TypeError, match=r"market\._world"):
            strategy.check()
    finally:
        sys.modules.pop("peeking_policy", None)


def test_the_seam_guard_lets_a_policy_use_its_own_private_state():
    assert reads_in_source("self._table = {}\ncls._x = 1\nobj.__class__\n", "m") == []
    assert reads_in_source("market._state.stock\n", "m") == ["m:1: market._state"]
    assert reads_in_source("self.market._world\n", "m") == ["m:1: self.market._world"]


def test_no_shipped_policy_reaches_past_the_seam():
    bad = []
    paths = sorted((ROOT / "strategies").rglob("*.py"))
    assert any(p.parent.name == "remote" for p in paths), "the guard must scan strategies/remote/"
    for path in paths:
        bad += reads_in_source(path.read_text(), str(path.relative_to(ROOT)))
    assert not bad, bad
    assert private_reads(RuleRouting) == []


def test_the_view_gives_a_mislabelled_listing_the_rate_the_operator_charges():
    """A listing live under a wrong label is charged its label's commission; the view gives
    that rate, never its true category's (comparing the two would expose the mistake)."""
    state = built("strategy=automation", *NETWORK, "seed=2")
    world, market, listings = state.world, state.market, state.records.listings
    unlabelled = int(world.first_new_offer)
    assert market.offer_commission[unlabelled] == pytest.approx(np.mean(world.commission_rate))
    state.env.run(until=24 * 20)
    rate = world.commission_rate
    wrong = [
        x
        for x in listings
        if x.label >= 0 and rate[x.label] != rate[x.category] and x.corrected_h != x.corrected_h
    ]
    assert wrong, "no listing is live under a wrong label of another rate: mislabel more"
    for x in wrong:
        assert market.offer_commission[x.offer] == rate[x.label]
    orders = state.records.orders.columns()
    charged = dict(zip(orders["offer"].tolist(), orders["commission_rate"].tolist(), strict=True))
    promo = world.promo_commission_cut
    sold = [x for x in wrong if x.offer in charged]
    assert sold, "no mislabelled listing sold"
    for x in sold:
        assert charged[x.offer] in (
            pytest.approx(rate[x.label]),
            pytest.approx(rate[x.label] - promo),
        )
    with pytest.raises(ValueError, match="read-only"):
        market.offer_commission[0] = 0.0
