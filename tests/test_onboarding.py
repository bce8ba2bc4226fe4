"""Seller onboarding and catalogue mapping: applications are exogenous (common random numbers),
people are a capacity (throughput, backlog and their direction with headcount), the mappers
label at their configured accuracy, a wrong label is corrected by people, and an admitted bad
actor behaves badly. Runs are the smoke world with a steady stream of applications."""

from __future__ import annotations

import numpy as np
import pytest

from mptwin.results.measure.metrics import compute_kpis
from tests.helpers.runs import run_sim

# a steady stream of small applicants into the smoke world, and a one-team desk for them
APPS = (
    "scenario=smoke",
    "scenario.applications.per_day=3",
    "scenario.applications.visits_per_listing_day=0.05",
    "scenario.catalogue.new_listings_per_day=2",
)
TEAM = (
    "+scenario.reviewers.teams={onboarding: {headcount: %d, "
    "types: [application_review, catalogue_check]}}"
)


@pytest.fixture(scope="module")
def arms():
    return {s: run_sim(*APPS, f"strategy={s}") for s in ("automation", "orchestration")}


def test_applications_are_the_same_whatever_the_strategy(arms):
    a, b = (arms[s].tables["applications"] for s in ("automation", "orchestration"))
    assert len(a) > 80
    seen = [
        "app_id",
        "seller",
        "arrived_h",
        "documents_ok",
        "kyc_score",
        "screen_score",
        "listings",
        "bad",
        "compliance_issue",
    ]
    assert a[seen].equals(b[seen]), "an application's truth or luck depends on the strategy"
    assert not a["decision"].equals(b["decision"]) or not a["decided_h"].equals(b["decided_h"])


def test_every_application_ends_once_and_only_approved_sellers_sell(arms):
    for result in arms.values():
        apps, orders = result.tables["applications"], result.tables["orders"]
        assert set(apps["decision"]) <= {"approved", "rejected", ""}
        decided = apps["decision"] != ""
        assert (apps.loc[decided, "decided_h"] >= apps.loc[decided, "arrived_h"]).all()
        not_approved = set(apps.loc[apps["decision"] != "approved", "seller"])
        assert not set(orders["seller"]) & not_approved, "a seller sold without approval"
        approved = apps[apps["decision"] == "approved"].set_index("seller")
        first_sale = (
            orders[orders["seller"].isin(approved.index)].groupby("seller")["placed_h"].min()
        )
        assert (first_sale >= approved.loc[first_sale.index, "live_h"]).all()


def onboarding_kpis(headcount: int, seeds=(1, 2)) -> list[dict]:
    out = []
    for seed in seeds:
        r = run_sim(*APPS, "strategy=automation_naive", TEAM % headcount, f"seed={seed}")
        out.append(compute_kpis(r.tables, r.info))
    return out


@pytest.mark.slow
def test_more_onboarding_reviewers_give_a_shorter_backlog_and_faster_decisions():
    few, many = onboarding_kpis(1), onboarding_kpis(3)
    for key in ("onboarding_backlog_max", "onboarding_p50_h", "onboarding_p95_h"):
        assert sum(k[key] for k in few) > sum(k[key] for k in many), key
    # the same applications arrive either way
    assert [k["applications"] for k in few] == [k["applications"] for k in many]


def test_an_overloaded_onboarding_team_works_at_its_capacity():
    """Twelve applications a day, each more than a person-hour of review and catalogue check,
    against one reviewer's nine weekday hours: the team is busy nearly all its shift time, and
    does no more than its hours allow. A reviewer finishes the task in hand after the shift,
    so each shift may overrun by about one task."""
    r = run_sim(
        *APPS[:1],
        "scenario.applications.per_day=12",
        "scenario.applications.visits_per_listing_day=0.05",
        "strategy=automation_naive",
        TEAM % 1,
    )
    exc, shifts = r.tables["exceptions"], r.tables["shifts"]
    mine = exc[exc["team"] == "onboarding"]
    assert set(mine["type"]) <= {"application_review", "catalogue_check"}
    assert (exc.loc[exc["type"] == "application_review", "team"] == "onboarding").all()
    own = shifts["team"] == "onboarding"
    team_hours = float(((shifts["end_h"] - shifts["start_h"]) * shifts["headcount"])[own].sum())
    n_shifts = int(own.sum())
    busy = float(mine["handling_h"].sum())
    assert 0.85 * team_hours < busy <= team_hours + 3.0 * n_shifts, (busy, team_hours)
    done = int(mine["resolved_h"].notna().sum())
    fastest_h = 0.75  # scenario baseline: the shorter of the two tasks' handling means
    assert done <= 1.2 * (team_hours + n_shifts) / fastest_h, (done, team_hours)
    assert mine["resolved_h"].isna().sum() > 50, "an overloaded queue should still be long"


def test_the_keyword_mapper_labels_at_its_accuracy(arms):
    """Keyword mapper: accuracy 0.8 in the baseline world; every label goes live."""
    lst = arms["automation"].tables["listings"]
    n = len(lst)
    assert n > 500
    wrong = float((lst["label"] != lst["category"]).mean())
    sd = np.sqrt(0.2 * 0.8 / n)
    assert abs(wrong - 0.2) < 4 * sd + 0.01, (wrong, n)
    assert not lst["by_people"].any()


def test_orchestration_sends_unsure_labels_to_people_and_keeps_the_sure_ones(arms):
    lst = arms["orchestration"].tables["listings"]
    auto = lst[~lst["by_people"]]
    assert (auto["confidence"] >= 0.8).all()
    assert (lst.loc[lst["by_people"], "label"] == lst.loc[lst["by_people"], "category"]).all()
    # calibrated confidences: the accepted labels are right about as often as they claim
    wrong = float((auto["label"] != auto["category"]).mean())
    claimed = float(1.0 - auto["confidence"].mean())
    assert abs(wrong - claimed) < 0.03, (wrong, claimed)


def test_a_wrong_label_surfaces_and_people_correct_it(arms):
    r = arms["automation"]
    lst, exc = r.tables["listings"], r.tables["exceptions"]
    wrong = lst[lst["label"] != lst["category"]]
    corrected = wrong["corrected_h"].notna()
    assert corrected.mean() > 0.5
    assert (wrong.loc[corrected, "corrected_h"] > wrong.loc[corrected, "live_h"]).all()
    raised = exc[exc["type"] == "listing_miscategorised"]
    assert set(wrong.loc[corrected, "offer"]) <= set(raised["offer"])
    assert set(raised["offer"]) <= set(wrong["offer"]), "a right label was flagged as wrong"


def test_an_admitted_bad_actor_ships_late():
    """Admit everyone (a rule change), with half the applicants bad: their orders leave the
    warehouse late far more often than honest newcomers' orders."""
    r = run_sim(
        *APPS,
        "scenario.applications.bad_share=0.5",
        "strategy.rules.onboarding.approve_below=99",
        "strategy.rules.onboarding.reject_above=99",
        "strategy.rules.onboarding.documents_failed=people",
    )
    apps, orders = r.tables["applications"], r.tables["orders"]
    admitted = apps[apps["decision"] == "approved"]
    assert admitted["bad"].sum() > 10
    shipped = orders[orders["handed_h"].notna() & orders["seller"].isin(admitted["seller"])]
    late = shipped["handed_h"] > shipped["ship_by_h"]
    bad_sellers = set(admitted.loc[admitted["bad"], "seller"])
    of_bad = shipped["seller"].isin(bad_sellers)
    bad_rate, honest_rate = late[of_bad].mean(), late[~of_bad].mean()
    assert bad_rate > max(3.0 * honest_rate, honest_rate + 0.1), (bad_rate, honest_rate)
    # and some of its orders are never shipped at all: cancelled, and counted against it
    never = orders[orders["cancel_reason"] == "seller_never_shipped"]
    assert len(never) > 0 and never["seller"].isin(bad_sellers).all()


def test_probation_caps_a_new_sellers_daily_orders_until_lifted(arms):
    """Orchestration puts every new seller on probation (rules: probation_cap orders a day):
    no new seller takes more than its cap on a day before its probation is lifted, and clean
    sellers get it lifted."""
    r = arms["orchestration"]
    apps, orders, acts = (r.tables[n] for n in ("applications", "orders", "seller_actions"))
    cap = 8  # conf/rules/orchestration.yaml: onboarding.probation_cap
    lifted = acts[acts["action"] == "lift"].groupby("seller")["t_h"].min()
    assert len(lifted) > 5, "no probation was ever lifted"
    new = orders[orders["seller"].isin(apps.loc[apps["decision"] == "approved", "seller"])]
    until = lifted.reindex(new["seller"]).fillna(float("inf")).to_numpy()
    on_probation = new[new["placed_h"].to_numpy() < until]
    per_day = on_probation.groupby([on_probation["seller"], on_probation["placed_h"] // 24]).size()
    assert len(per_day) > 50 and per_day.max() <= cap, per_day.max()


def test_founding_sellers_launch_the_same_new_listings_under_every_strategy(arms):
    """The stream of new listings from existing sellers is exogenous: the same listings are
    launched (and mapped) under both arms; none sells before it is live."""
    first_new_seller = 8  # smoke: 3 anchors + 5 small founding sellers
    launched = {}
    for name, r in arms.items():
        lst, orders = r.tables["listings"], r.tables["orders"]
        own = lst[lst["seller"] < first_new_seller]
        launched[name] = set(own["offer"])
        live = own.dropna(subset=["live_h"]).set_index("offer")["live_h"]
        sold = orders[orders["offer"].isin(live.index)]
        assert (sold["placed_h"].to_numpy() >= live.loc[sold["offer"]].to_numpy()).all()
    assert len(launched["automation"]) > 20
    assert launched["automation"] == launched["orchestration"]
