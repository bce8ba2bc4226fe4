"""Governance against the hidden truth: a rogue seller far above the late-shipment level is
suspended within one window plus one assessment period in nearly every seed, under both arms;
honest sellers are rarely suspended (the rate is printed and bounded); a suspension hides the
seller's offers and holds its payouts; only bad actors forfeit."""

from __future__ import annotations

import math

import pytest

from mptwin.runner.compose import compose
from tests.helpers.runs import ROOT, run_sim

TEST_CONF = ROOT / "tests" / "conf"
ROGUE = 8  # the rogue's seller index in tests/conf/scenario/smoke_rogue.yaml (after 3 + 5)
SEEDS = range(1, 11)


def rogue_runs(strategy: str) -> list:
    return [
        run_sim(
            f"hydra.searchpath=[file://{TEST_CONF}]",
            "scenario=smoke_rogue",
            "scenario.governance.reform_chance=0",  # the rogue stays a rogue
            f"strategy={strategy}",
            f"seed={s}",
        )
        for s in SEEDS
    ]


@pytest.fixture(scope="module", params=["automation", "orchestration"])
def runs(request):
    return request.param, rogue_runs(request.param)


@pytest.mark.slow
def test_a_rogue_seller_is_suspended_within_one_window_plus_one_assessment(runs):
    strategy, results = runs
    g = compose(f"strategy={strategy}").strategy.rules.governance
    limit_h = 24.0 * (g.window_days + g.assess_every_days)
    caught = []
    for r in results:
        susp = r.tables["suspensions"]
        mine = susp[susp["seller"] == ROGUE]
        caught.append(not mine.empty and float(mine["start_h"].min()) <= limit_h)
        assert mine.empty or bool(mine["bad"].all())
    assert sum(caught) >= 9, f"{strategy}: rogue suspended in time in {sum(caught)}/10 seeds"


@pytest.mark.slow
def test_honest_sellers_are_rarely_suspended(runs):
    """Of the eight honest founding sellers over ten seeds, the share ever suspended."""
    strategy, results = runs
    suspended = sum(len(set(r.tables["suspensions"].query("not bad")["seller"])) for r in results)
    rate = suspended / (8 * len(results))
    print(f"{strategy}: honest sellers suspended at least once: {rate:.1%}")
    assert rate <= 0.05, f"{strategy}: {rate:.1%} of honest seller-runs suspended"


@pytest.mark.slow
def test_a_suspended_seller_sells_nothing_and_is_paid_nothing_meanwhile(runs):
    strategy, results = runs
    checked = 0
    for r in results:
        orders, money = r.tables["orders"], r.tables["money"]
        for row in r.tables["suspensions"].itertuples():
            end = row.end_h if not math.isnan(row.end_h) else math.inf
            during = (orders["seller"] == row.seller) & (orders["placed_h"] > row.start_h + 1e-9)
            assert not (during & (orders["placed_h"] < end)).any(), (strategy, row)
            paid = money[(money["kind"] == "seller_payout") & (money["seller"] == row.seller)]
            assert not ((paid["t_h"] > row.start_h) & (paid["t_h"] < end)).any(), (strategy, row)
            checked += 1
        forfeit = set(money.loc[money["kind"] == "payout_forfeit", "seller"])
        bad = set(r.tables["suspensions"].query("bad")["seller"])
        assert forfeit <= bad, "an honest seller's payouts were forfeited"
    assert checked >= 9
