"""Statistical validation: the human review queue, run through the whole model, against M/M/c
queueing theory (Erlang C).

The smoke world is configured so that the only exceptions are payment holds: visits are a
homogeneous Poisson process (flat hour and weekday profiles, no promotions), nearly every visit
buys (stock is effectively unlimited, the logit is saturated so conversion is ~1 and
stationary), and the payment check holds each order independently with probability
P(Z > hold_threshold) (no fraud, so the risk score is a standard normal): a Bernoulli thinning of
a Poisson stream, hence Poisson holds at a constant rate. Every other exception source is
switched off (no stock discrepancies, losses, damage, returns, late deliveries or prices under
the floor). The review team works around the clock, and handling a hold is exponential with mean
`reviewers.handling_mean_h.payment_held`: an M/M/c queue, fed and worked by the real processes.

Tolerances are reasoned from the standard error, estimated by batch means (10 batches of
300 days each, far longer than the queue's relaxation time of a few hours, so the batches are
independent). With ~150k holds at utilisation ~0.70 and c = 3, pilot runs over 11 seeds gave
a batch-means relative standard error of the mean wait in queue of 0.014-0.035, and relative
errors against Erlang C with a spread (sd) of ~0.024; the standard error of P(wait > 0) was
~0.004. Hence:

- mean wait in queue Wq: within +/-10 % of Erlang C (about 3-4 standard errors);
- P(wait > 0): within +/-0.02 absolute of Erlang C's C(c, a) (about 5 standard errors);
- utilisation: within +/-0.01 of lambda / (c mu) (its SE is ~0.002: the mean of ~150k
  exponential handling times has a relative SE of 1/sqrt(n) ~ 0.26 %);
- the hold stream: rate within 1.5 % of the design rate vpd * P(Z > threshold) / 24 (Poisson
  count, relative SE 1/sqrt(n) ~ 0.26 %), inter-arrival CV within 0.02 of 1 and hourly-count
  index of dispersion within 0.05 of 1 (SEs ~0.003 and ~0.006).

Each test also checks that its batch-means SE is at most half its tolerance, so a model change
that makes the run noisier shows up as such rather than as a flaky comparison.
The run takes about 13 s.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest

from mptwin.results.measure.metrics import compute_kpis
from mptwin.runner.compose import compose
from tests.helpers.runs import run_sim

HEADCOUNT = 3  # c
HANDLING_MEAN_H = 1.0  # 1 / mu
VISITS_PER_DAY = 60.0
HOLD_THRESHOLD = -1.0  # P(hold) = P(Z > -1) = 0.841
DAYS = 3000  # measurement window
WARMUP_DAYS = 5  # the queue starts empty; it forgets that within hours
COOLDOWN_DAYS = 2  # so that every hold raised in the window is picked up
SEED = 11
BATCHES = 10

P_HOLD = 1.0 - NormalDist().cdf(HOLD_THRESHOLD)
DESIGN_RATE = VISITS_PER_DAY * P_HOLD / 24.0  # holds per hour, ~2.10: rho ~0.70

WQ_REL_TOL = 0.10
P_WAIT_ABS_TOL = 0.02
UTILISATION_ABS_TOL = 0.01


def erlang_c(c: int, a: float) -> float:
    """P(an arrival waits) in M/M/c with offered load a = lambda / mu < c.

    Stable form: Erlang B by its recursion B(k) = a B(k-1) / (k + a B(k-1)), then
    C = B / (1 - (a / c) (1 - B)). No factorials or powers, so no overflow for large c.
    """
    if not 0 <= a < c:
        raise ValueError(f"offered load {a} must be in [0, c={c})")
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b / (1.0 - (a / c) * (1.0 - b))


def mmc_wq(c: int, lam: float, mu: float) -> float:
    """Mean wait in queue of M/M/c: C(c, a) / (c mu - lambda)."""
    return erlang_c(c, lam / mu) / (c * mu - lam)


def _ones(n: int) -> str:
    return "[" + ",".join(["1"] * n) + "]"


def theory_overrides() -> list[str]:
    n_carriers = len(compose("scenario=smoke").scenario.carriers)
    carriers = []
    for i in range(n_carriers):
        carriers += [
            f"scenario.carriers.{i}.coverage=1.0",  # no unroutable order
            f"scenario.carriers.{i}.loss_rate=0",  # no parcel_lost
            f"scenario.carriers.{i}.damage_rate=0",  # no damaged-parcel returns
            f"scenario.carriers.{i}.daily_capacity=1000000",  # nothing waits for a pick-up
        ]
    return [
        "scenario=smoke",
        f"seed={SEED}",
        "progress=false",
        f"scenario.days={DAYS}",
        f"scenario.warmup_days={WARMUP_DAYS}",
        f"scenario.cooldown_days={COOLDOWN_DAYS}",
        # homogeneous Poisson visits
        f"scenario.demand.visits_per_day={VISITS_PER_DAY}",
        f"scenario.demand.hour_profile={_ones(24)}",
        f"scenario.demand.weekday_profile={_ones(7)}",
        "scenario.demand.promo_dates=[]",
        # every visit buys: a saturated logit, blind to price and promise (stationary)
        "scenario.demand.attractiveness=20",
        "scenario.demand.price_sensitivity=0",
        "scenario.demand.delivery_sensitivity=0",
        # stock never runs out; one offer per SKU stocked only at home: static routing finds it
        "scenario.catalogue.stock_cover_days=100000",
        "scenario.catalogue.offers_per_sku=[1.0]",
        "scenario.catalogue.second_warehouse_share=0",
        "scenario.warehouses.discrepancy_rate=0",
        "scenario.warehouses.capacity_headroom=20",
        # prices constant and never under the floor
        "scenario.competitor.volatility=0",
        "scenario.competitor.promo_discount=0",
        "scenario.money.price_floor_margin=0",
        # holds: a Bernoulli thinning of the orders (no fraud: the score is N(0, 1))
        "scenario.risk.fraud_rate=0",
        "scenario.applications.per_day=0",  # no seller network: its tasks would join the queue
        "scenario.catalogue.new_listings_per_day=0",
        "scenario.finance.mismatch_rate=0",
        f"scenario.risk.hold_threshold={HOLD_THRESHOLD}",
        "scenario.risk.return_rate=0",
        "scenario.risk.return_rate_late=0",
        # reviewers: c servers, around the clock, exponential handling
        f"scenario.reviewers.headcount={HEADCOUNT}",
        "scenario.reviewers.shift_start=0",
        "scenario.reviewers.shift_end=24",
        "scenario.reviewers.weekends=true",
        f"scenario.reviewers.handling_mean_h.payment_held={HANDLING_MEAN_H}",
        "scenario.reviewers.false_rejection=1.0",  # held orders are cancelled: a faster run
        # every irregularity to people (the queue is the point), promises far enough out
        # that nothing is ever late: the naive arm's flat buffer
        "strategy=automation_naive",
        "strategy.promise.buffer_days=60",
        "strategy.rules.governance.audit_sample=0",  # no seller audits in the queue either
        *carriers,
    ]


@pytest.fixture(scope="module")
def queue():
    """One long run; the holds raised in the measurement window and what happened to them."""
    result = run_sim(*theory_overrides())
    info, exc = result.info, result.tables["exceptions"]
    raised = exc["raised_h"].to_numpy(dtype=float)
    started = exc["started_h"].to_numpy(dtype=float, na_value=np.nan)
    window = (raised >= info.warmup_h) & (raised < info.window_end_h)
    holds = window & exc["type"].eq("payment_held").to_numpy(dtype=bool, na_value=False)
    hours = info.window_end_h - info.warmup_h
    lam = holds.sum() / hours
    return {
        "result": result,
        "info": info,
        "exc": exc,
        "raised": raised[holds],
        "wait": started[holds] - raised[holds],
        "hours": hours,
        "lam": lam,
        "mu": 1.0 / HANDLING_MEAN_H,
        "kpis": compute_kpis(result.tables, info),
    }


def batch_means(values: np.ndarray, times: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Mean of `values` in each of BATCHES equal slices of [lo, hi) by `times`."""
    edges = np.linspace(lo, hi, BATCHES + 1)
    idx = np.clip(np.searchsorted(edges, times, side="right") - 1, 0, BATCHES - 1)
    return np.array([values[idx == b].mean() for b in range(BATCHES)])


def standard_error(batches: np.ndarray) -> float:
    return float(batches.std(ddof=1) / math.sqrt(len(batches)))


# --- Erlang C itself -----------------------------------------------------------------------


def _erlang_c_textbook(c: int, a: float) -> float:
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


@pytest.mark.parametrize(("c", "a"), [(1, 0.5), (2, 1.0), (3, 2.2), (5, 3.7), (12, 10.5)])
def test_erlang_c_matches_the_textbook_formula(c, a):
    assert erlang_c(c, a) == pytest.approx(_erlang_c_textbook(c, a), rel=1e-12)


def test_erlang_c_known_values():
    assert erlang_c(1, 0.7) == pytest.approx(0.7)  # M/M/1: P(wait) = rho
    assert erlang_c(2, 1.0) == pytest.approx(1.0 / 3.0)
    assert mmc_wq(1, 0.5, 1.0) == pytest.approx(1.0)  # rho / (mu - lambda)
    assert 0.0 < erlang_c(500, 480.0) < 1.0  # large c: no overflow


# --- the model against it ------------------------------------------------------------------


@pytest.mark.slow
def test_only_payment_holds_reach_the_queue(queue):
    exc = queue["exc"]
    types = sorted(str(t) for t in exc["type"].dropna().unique())
    assert types == ["payment_held"], (
        f"the theory config should isolate payment holds, but the run raised {types}: "
        f"{exc['type'].value_counts().to_dict()}"
    )
    assert exc["handler"].eq("human").all()
    assert len(queue["wait"]) > 140_000, f"only {len(queue['wait'])} holds in the window"
    assert not np.isnan(queue["wait"]).any(), "some holds of the window were never picked up"
    assert (queue["wait"] >= 0).all()


@pytest.mark.slow
def test_holds_are_a_poisson_stream_at_the_design_rate(queue):
    raised, lam, hours = queue["raised"], queue["lam"], queue["hours"]
    n = len(raised)
    assert lam == pytest.approx(DESIGN_RATE, rel=0.015), (
        f"hold rate {lam:.4f}/h, design {DESIGN_RATE:.4f}/h (relative SE {1 / math.sqrt(n):.4f})"
    )
    gaps = np.diff(np.sort(raised))
    cv = gaps.std() / gaps.mean()
    assert cv == pytest.approx(1.0, abs=0.02), f"inter-arrival CV {cv:.4f}, exponential is 1"
    lo = queue["info"].warmup_h
    counts = np.bincount((raised - lo).astype(np.int64), minlength=int(hours))
    dispersion = counts.var() / counts.mean()
    assert dispersion == pytest.approx(1.0, abs=0.05), (
        f"hourly index of dispersion {dispersion:.4f}"
    )


@pytest.mark.slow
def test_mean_wait_in_queue_matches_erlang_c(queue):
    lam, mu, wait, info = queue["lam"], queue["mu"], queue["wait"], queue["info"]
    rho = lam / (HEADCOUNT * mu)
    assert 0.65 <= rho <= 0.8, f"utilisation {rho:.3f} outside the designed 0.65-0.8"
    theory = mmc_wq(HEADCOUNT, lam, mu)
    sim = float(wait.mean())
    se = standard_error(batch_means(wait, queue["raised"], info.warmup_h, info.window_end_h))
    msg = (
        f"Wq simulated {sim:.4f} h vs Erlang C {theory:.4f} h (lambda {lam:.4f}/h, mu {mu}, "
        f"c {HEADCOUNT}, rho {rho:.3f}); relative error {sim / theory - 1:+.3f}, "
        f"batch-means relative SE {se / theory:.3f}, tolerance {WQ_REL_TOL}"
    )
    assert sim == pytest.approx(theory, rel=WQ_REL_TOL), msg
    # the stated tolerance is only meaningful if it spans at least ~2 standard errors
    assert se / theory <= WQ_REL_TOL / 2, "run too noisy for the stated tolerance: " + msg


@pytest.mark.slow
def test_probability_of_waiting_matches_erlang_c(queue):
    lam, mu, wait, info = queue["lam"], queue["mu"], queue["wait"], queue["info"]
    theory = erlang_c(HEADCOUNT, lam / mu)
    waited = (wait > 0).astype(float)
    sim = float(waited.mean())
    se = standard_error(batch_means(waited, queue["raised"], info.warmup_h, info.window_end_h))
    msg = (
        f"P(wait > 0) simulated {sim:.4f} vs Erlang C {theory:.4f}; batch-means SE {se:.4f}, "
        f"tolerance {P_WAIT_ABS_TOL}"
    )
    assert sim == pytest.approx(theory, abs=P_WAIT_ABS_TOL), msg
    assert se <= P_WAIT_ABS_TOL / 2, "run too noisy for the stated tolerance: " + msg


@pytest.mark.slow
def test_reviewer_utilisation_is_offered_load_per_server(queue):
    lam, mu = queue["lam"], queue["mu"]
    theory = lam / (HEADCOUNT * mu)
    kpi = queue["kpis"]["reviewer_utilisation"]
    assert kpi == pytest.approx(theory, abs=UTILISATION_ABS_TOL), (
        f"reviewer_utilisation KPI {kpi:.4f} vs lambda/(c mu) {theory:.4f}"
    )
    # and straight from the exceptions table: handling hours of the window's holds per server-hour
    exc, info = queue["exc"], queue["info"]
    raised = exc["raised_h"].to_numpy(dtype=float)
    in_window = (raised >= info.warmup_h) & (raised < info.window_end_h)
    busy = exc["handling_h"].to_numpy(dtype=float, na_value=np.nan)[in_window].sum()
    direct = busy / (HEADCOUNT * queue["hours"])
    assert direct == pytest.approx(theory, abs=UTILISATION_ABS_TOL)
