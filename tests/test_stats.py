"""Replication statistics: the paired interval against a hand-worked example, missing values,
the replications-needed helper, and common random numbers narrowing a real comparison."""

from __future__ import annotations

import math

import pytest

from mptwin.results.measure.metrics import compute_kpis
from mptwin.results.stats import (
    MIN_REPLICATIONS,
    clip,
    few,
    mean_ci,
    paired_ci,
    paired_diffs,
    replications_needed,
    t_quantile,
    welch_ci,
)
from tests.helpers.runs import run_sim

# Hand-worked: candidate - baseline = [2, 1, 0, 2, 3]; mean 1.6; squared deviations
# 0.16 + 0.36 + 2.56 + 0.16 + 1.96 = 5.2; variance 5.2 / 4 = 1.3; sd 1.140175;
# se = sd / sqrt(5) = 0.509902; t(0.975, 4) = 2.776445 (printed tables: 2.776);
# half-width 2.776445 x 0.509902 = 1.415715; 95% interval [0.184285, 3.015715].
CANDIDATE = [10.0, 12.0, 9.0, 11.0, 13.0]
BASELINE = [8.0, 11.0, 9.0, 9.0, 10.0]


def test_paired_ci_matches_the_hand_worked_example():
    ci = paired_ci(CANDIDATE, BASELINE)
    assert ci.n == 5 and ci.df == 4
    assert ci.mean == pytest.approx(1.6)
    assert ci.sd == pytest.approx(math.sqrt(1.3))
    assert ci.se == pytest.approx(0.509902, abs=1e-6)
    assert ci.t_crit == pytest.approx(2.776445, abs=1e-6)
    assert ci.half_width == pytest.approx(1.415715, abs=1e-6)
    assert (ci.lo, ci.hi) == (pytest.approx(0.184285, abs=1e-6), pytest.approx(3.015715, abs=1e-6))
    assert ci.excludes_zero
    assert 0.01 < ci.p_value < 0.05  # t = 3.138 on 4 df


def test_a_90_percent_interval_is_narrower():
    wide, narrow = paired_ci(CANDIDATE, BASELINE, 0.95), paired_ci(CANDIDATE, BASELINE, 0.90)
    assert narrow.t_crit == pytest.approx(2.131847, abs=1e-6)
    assert narrow.half_width < wide.half_width


def test_missing_values_drop_the_whole_pair():
    ci = paired_ci([*CANDIDATE, None, 5.0], [*BASELINE, 4.0, float("nan")])
    assert ci.n == 5
    assert ci.mean == pytest.approx(1.6)
    assert list(paired_diffs([1, None], [None, 2])) == []


def test_too_few_replications_give_no_interval():
    one = paired_ci([3.0], [1.0])
    assert one.n == 1 and one.mean == 2.0
    assert one.lo is None and one.hi is None and one.half_width is None
    none = mean_ci([None, None])
    assert none.n == 0 and none.mean is None and not none.excludes_zero


def test_identical_differences_give_a_zero_width_interval():
    ci = paired_ci([2.0, 3.0, 4.0], [1.0, 2.0, 3.0])
    assert ci.half_width == 0.0 and ci.lo == ci.hi == 1.0 and ci.p_value == 0.0


def test_unequal_lengths_and_bad_levels_are_errors():
    with pytest.raises(ValueError, match="equal lengths"):
        paired_ci([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="confidence level"):
        mean_ci([1.0, 2.0], level=95)


def test_welch_matches_scipy():
    from scipy import stats as sps

    a, b = [10.0, 12.0, 9.0, 11.0, 13.0], [8.0, 11.0, 9.5, 9.0, 10.0, 7.0]
    ci = welch_ci(a, b)
    res = sps.ttest_ind(a, b, equal_var=False)
    assert ci.p_value == pytest.approx(res.pvalue)
    lo, hi = res.confidence_interval(0.95)
    assert (ci.lo, ci.hi) == (pytest.approx(lo), pytest.approx(hi))


def test_replications_needed_meets_the_target_and_no_fewer_would():
    sd, h = 1.140175, 0.5
    n = replications_needed(sd, h)
    assert t_quantile(0.95, n - 1) * sd / math.sqrt(n) <= h
    assert t_quantile(0.95, n - 2) * sd / math.sqrt(n - 1) > h
    assert n == 23  # worked: n = 22 gives 0.5055, n = 23 gives 0.4930
    assert replications_needed(0.0, 1.0) == 2
    assert replications_needed(None, 1.0) is None
    with pytest.raises(ValueError, match="half-width"):
        replications_needed(1.0, 0.0)


def test_replications_needed_grows_as_the_square_of_precision():
    n1, n2 = replications_needed(10.0, 2.0), replications_needed(10.0, 1.0)
    assert 3.5 < n2 / n1 < 4.5


def test_clip_cuts_an_interval_to_its_limits_and_says_which_end():
    ci = mean_ci([0.001, 0.012])  # a rate from two seeds: t(0.975, 1) = 12.7 takes it below 0
    assert ci.lo < 0
    lo, hi, cut = clip(ci.lo, ci.hi, 0.0, 1.0)
    assert (lo, hi, cut) == (0.0, ci.hi, "lo")
    assert clip(-0.5, 1.5, 0.0, 1.0) == (0.0, 1.0, "lo,hi")
    assert clip(-0.5, 1.5) == (-0.5, 1.5, "")  # no limits: a difference, a margin
    assert clip(None, None, 0.0, 1.0) == (None, None, "")


def test_few_replications_are_below_the_named_minimum():
    assert MIN_REPLICATIONS == 5
    assert few(2) and few(MIN_REPLICATIONS - 1)
    assert not few(MIN_REPLICATIONS) and not few(10)


# --- common random numbers on the model itself -------------------------------------------

SEEDS = (1, 2, 3, 4, 5)
OTHER_SEEDS = (11, 12, 13, 14, 15)
CHANGE = "strategy.pricing.undercut=0.10"  # a rule change that moves orders, margin and load
# Measured on these seeds (paired / independent half-width): orders 0.13, gmv 0.15,
# operator_margin 0.53, on_time_rate 0.67 (0.95 with smoke's new listings switched on: why the
# smoke world has none), click_to_door_p90_h 0.19. Exception counts gain
# least (about 0.8): the reviewers' own stream and the queue add noise that no pairing removes.
CRN_KPIS = ("orders", "gmv", "operator_margin", "on_time_rate", "click_to_door_p90_h")


@pytest.fixture(scope="module")
def crn_kpis():
    def kpis(seed, *extra):
        r = run_sim("scenario=smoke", f"seed={seed}", *extra)
        return compute_kpis(r.tables, r.info)

    base = [kpis(s) for s in SEEDS]
    same = [kpis(s, CHANGE) for s in SEEDS]
    other = [kpis(s, CHANGE) for s in OTHER_SEEDS]
    return base, same, other


@pytest.mark.slow
@pytest.mark.parametrize("key", CRN_KPIS)
def test_common_random_numbers_give_a_narrower_interval(crn_kpis, key):
    """Same seeds for both arms (paired) against the candidate on other seeds (independent):
    the paired interval on the difference is narrower, and not by a whisker."""
    base, same, other = crn_kpis
    paired = paired_ci([k[key] for k in same], [k[key] for k in base])
    independent = welch_ci([k[key] for k in other], [k[key] for k in base])
    assert paired.n == independent.n == len(SEEDS)
    assert paired.half_width < 0.75 * independent.half_width, (
        f"{key}: paired half-width {paired.half_width:.4g} vs independent "
        f"{independent.half_width:.4g}"
    )
