"""The statistics of the scale ladder on synthetic data with known answers: an elasticity
recovered with its interval, a crossing found where it is and not where there is none, and
square-root staffing fitted to a team that follows it."""

from __future__ import annotations

import numpy as np
import pytest

from mptwin.results.scaling import crossover, elasticity, fit_square_root, square_root_team

VOLUMES = np.geomspace(25, 12_000, 8)  # orders a day, log-spaced like the ladder


@pytest.mark.parametrize("beta", [0.5, 0.8, 1.0])
def test_the_elasticity_fit_recovers_a_known_exponent_from_noisy_points(beta):
    rng = np.random.default_rng(7)
    covered = 0
    for _ in range(200):
        y = 3.0 * VOLUMES**beta * np.exp(rng.normal(0, 0.1, len(VOLUMES)))
        fit = elasticity(VOLUMES, y)
        covered += fit.lo <= beta <= fit.hi
    assert abs(fit.beta - beta) < 0.1 and fit.n == len(VOLUMES)
    assert 0.90 <= covered / 200 <= 0.99  # a 95 % interval covers the truth about 95 % of times


def test_an_elasticity_needs_three_scales():
    with pytest.raises(ValueError, match="three points"):
        elasticity([10, 10, 10], [1, 2, 3])


def test_the_crossover_is_found_where_the_difference_changes_sign():
    mean = 40.0 * np.log(VOLUMES / 600.0)  # negative below 600 orders a day, positive above
    half = 30.0
    found = crossover(VOLUMES, mean, mean - half, mean + half)
    assert found.sign == 1 and found.at == pytest.approx(600.0, rel=1e-6)
    # the interval holds zero while |mean| < half: from 600 e^-0.75 to 600 e^0.75
    assert found.lo == pytest.approx(600 * np.exp(-0.75), rel=0.15)
    assert found.hi == pytest.approx(600 * np.exp(0.75), rel=0.15)
    assert found.lo < found.at < found.hi
    assert "turns positive at about 600" in found.describe()


def test_a_difference_falling_below_zero_gives_a_negative_crossover():
    mean = -40.0 * np.log(VOLUMES / 600.0)
    found = crossover(VOLUMES, mean, mean - 30.0, mean + 30.0)
    assert found.sign == -1 and found.at == pytest.approx(600.0, rel=1e-6)
    assert found.lo < found.at < found.hi


def test_no_crossover_where_the_difference_keeps_its_sign():
    mean = 5.0 + np.log(VOLUMES)
    found = crossover(VOLUMES, mean, mean - 2.0, mean + 2.0)
    assert found.at is None and found.sign == 1
    assert found.separated == pytest.approx(list(VOLUMES))
    assert "no crossover in range" in found.describe()


def test_a_crossing_whose_interval_runs_past_the_ladder_says_so():
    mean = np.linspace(-1.0, 1.0, len(VOLUMES))  # crosses zero mid-ladder, always unsure
    found = crossover(VOLUMES, mean, mean - 5.0, mean + 5.0)
    assert found.at is not None and found.lo is None and found.hi is None
    assert found.separated == []
    assert "below the range to above the range" in found.describe()


def test_square_root_staffing_is_recovered_from_a_team_that_follows_it():
    load = np.geomspace(0.2, 60, 7)
    team = square_root_team(load, 1.3)
    assert fit_square_root(load, team) == pytest.approx(1.3)
    # and such a team grows more slowly than its load: elasticity below one
    assert elasticity(load, team).beta < 1.0
