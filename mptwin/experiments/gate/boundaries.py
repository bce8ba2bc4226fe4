"""Exact one-sided group-sequential boundaries for an alpha-spending plan.

Under H0 the cumulative statistics Z_1, ..., Z_K of a plan with information fractions
t_1 < ... < t_K are jointly normal with corr(Z_j, Z_k) = sqrt(t_j / t_k). The boundary z_k of
look k is the one where P(Z_k > z_k, Z_j <= z_j for j < k) = alpha(t_k) - alpha(t_{k-1}), so
the plan spends exactly alpha(t_K) over its looks, where the union bound (testing each look at
its increment) spends less. The probabilities are the recursive numerical integration of
Armitage, McPherson and Rowe (1969) on the grid of Jennison and Turnbull (2000, chapter 19),
Simpson's rule over 6r - 1 points and their midpoints, as gsDesign and ldbounds compute them.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy import optimize
from scipy import stats as sps
from scipy.special import log_ndtr

R = 18  # the grid's mesh (Jennison & Turnbull's r; gsDesign's default): 6r - 1 points
R_MAX = 120  # the finest mesh, for plans with very many looks
Z_MAX = 40.0  # a boundary no statistic crosses: the look spends (underflows to) nothing
Z_CUT = 9.0  # the grid stops at +-9: P(|Z| > 9) ~ 2e-19, nothing any look spends


def mesh(fractions: tuple[float, ...], k: int) -> int:
    """J&T's r for the grid at look k (0-based), raised when looks are close: Simpson's rule
    needs the spacing (1.5 / r in the centre) under half the sd sqrt((t_j - t_(j-1)) / t_j) of
    the steps into and out of look k, or the tails of the sub-density grow look after look."""
    t = (0.0, *fractions)
    steps = [(t[j + 1] - t[j]) / t[j + 1] for j in (k, k + 1) if j + 1 < len(t)]
    return int(min(max(R, math.ceil(3.0 / math.sqrt(min(steps)))), R_MAX))


def grid(upper: float, r: int = R) -> tuple[np.ndarray, np.ndarray]:
    """Points and Simpson weights for a N(0, 1)-centred density on (-inf, upper): J&T's points
    (dense in the centre, log-spaced in the tails) within +-Z_CUT, cut at `upper` (added as the
    last point), and the midpoints between them."""
    i = np.arange(1, 6 * r)
    x = np.where(
        i < r,
        -3 - 4 * np.log(r / np.maximum(i, 1)),
        np.where(
            i <= 5 * r, -3 + 3 * (i - r) / (2 * r), 3 + 4 * np.log(r / np.maximum(6 * r - i, 1))
        ),
    )
    top = min(upper, Z_CUT)
    x = np.concatenate([[-Z_CUT], x[(x > -Z_CUT) & (x < top)], [top]])
    z = np.empty(2 * x.size - 1)
    z[0::2], z[1::2] = x, (x[:-1] + x[1:]) / 2
    d = np.diff(x) / 6
    w = np.zeros(z.size)
    w[0:-1:2] += d
    w[1::2] += 4 * d
    w[2::2] += d
    return z, w


def _log_crossing(b: float, log_mass: np.ndarray, z: np.ndarray, t0: float, t1: float) -> float:
    """log P(no crossing up to t0, Z(t1) > b), from the weighted log sub-density at t0 on z."""
    s = (b * math.sqrt(t1) - z * math.sqrt(t0)) / math.sqrt(t1 - t0)
    terms = log_mass + log_ndtr(-s)
    top = float(terms.max())
    return top + math.log(float(np.exp(terms - top).sum())) if top > -math.inf else top


def _boundary(
    target: float, before: float, log_mass: np.ndarray, z: np.ndarray, t0: float, t1: float
) -> float:
    """The z where the crossing probability is `target`, `before` having been spent already:
    between isf(target + before), where Z alone crosses often enough, and isf(target), where it
    crosses no more than that. Z_MAX when the look spends (underflows to) nothing."""
    if target <= 0:
        return Z_MAX
    goal = math.log(target)

    def excess(b: float) -> float:
        return _log_crossing(b, log_mass, z, t0, t1) - goal

    hi = min(float(sps.norm.isf(target)), Z_MAX)
    lo = float(sps.norm.isf(min(target + before, 0.999)))
    while excess(hi) > 0:  # numerical slack: widen the bracket
        if hi >= Z_MAX:
            return Z_MAX
        hi = min(hi + 0.25, Z_MAX)
    while excess(lo) < 0:
        lo -= 0.25
    return float(optimize.brentq(excess, lo, hi, xtol=1e-10))


def _carry(z0: np.ndarray, mass0: np.ndarray, t0: float, t1: float, upper: float, r: int):
    """The sub-density of Z at t1 (not crossed yet) on a new grid below `upper`, from the one
    at t0: h1(z) = sum_i mass0_i sqrt(t1 / d) phi((z sqrt t1 - z0_i sqrt t0) / sqrt d)."""
    z1, w1 = grid(upper, r)
    d = t1 - t0
    s = (z1[:, None] * math.sqrt(t1) - z0[None, :] * math.sqrt(t0)) / math.sqrt(d)
    h1 = np.exp(-0.5 * s * s) @ mass0 * math.sqrt(t1 / d) / math.sqrt(2 * math.pi)
    return z1, w1 * h1


@lru_cache(maxsize=256)
def exact_bounds(fractions: tuple[float, ...], spends: tuple[float, ...]) -> tuple[float, ...]:
    """The critical z of each look: `fractions` t_k increasing to 1, `spends` the increments
    alpha(t_k) - alpha(t_{k-1}); one-sided, no lower (futility) boundary."""
    if any(b <= a for a, b in zip(fractions, fractions[1:], strict=False)):
        raise ValueError(f"information fractions must increase, got {fractions}")
    bounds = [min(float(sps.norm.isf(spends[0])), Z_MAX) if spends[0] > 0 else Z_MAX]
    z, w = grid(bounds[0], mesh(fractions, 0))
    mass = w * np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    for k in range(1, len(fractions)):
        t0, t1 = fractions[k - 1], fractions[k]
        with np.errstate(divide="ignore"):
            b = _boundary(spends[k], sum(spends[:k]), np.log(mass), z, t0, t1)
        bounds.append(b)
        z, mass = _carry(z, mass, t0, t1, b, mesh(fractions, k))
    return tuple(bounds)
