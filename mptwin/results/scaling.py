"""Statistics across scale: how a quantity grows with volume (an elasticity fitted log-log, with
its t interval), where a paired difference changes sign (a crossover, with the range its
interval allows), and what square-root staffing predicts for a team.

A point of a ladder is one scale (orders a day) with several replications; the fits use the
points' means, so their degrees of freedom are points, not runs (runs at one point share the
point's world and are not independent evidence about the slope).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mptwin.results.stats import DEFAULT_LEVEL, t_quantile


@dataclass(frozen=True)
class Elasticity:
    """y ∝ x^beta: `beta` with its t interval, the fitted constant and how many points."""

    beta: float
    lo: float
    hi: float
    constant: float  # y at x = 1
    n: int
    level: float

    def predict(self, x: float | np.ndarray) -> float | np.ndarray:
        return self.constant * np.power(x, self.beta)


def elasticity(x: Sequence[float], y: Sequence[float], level: float = DEFAULT_LEVEL) -> Elasticity:
    """Least squares of log y on log x over points with x, y > 0; at least three points (one
    degree of freedom for the residual)."""
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(xs) & np.isfinite(ys) & (xs > 0) & (ys > 0)
    lx, ly = np.log(xs[keep]), np.log(ys[keep])
    n = len(lx)
    if n < 3 or np.ptp(lx) == 0:
        raise ValueError(f"an elasticity needs three points at different scales, got {n}")
    sxx = float(np.sum((lx - lx.mean()) ** 2))
    beta = float(np.sum((lx - lx.mean()) * (ly - ly.mean())) / sxx)
    alpha = float(ly.mean() - beta * lx.mean())
    resid = ly - alpha - beta * lx
    se = math.sqrt(float(np.sum(resid**2)) / (n - 2) / sxx)
    half = t_quantile(level, n - 2) * se
    return Elasticity(beta, beta - half, beta + half, math.exp(alpha), n, level)


@dataclass(frozen=True)
class Crossover:
    """Where a difference that depends on scale changes sign. `at` interpolates the mean's zero
    in log scale; `lo`-`hi` is the range of scales over which the interval still holds zero
    at the crossing (None at an end means the range runs past the ladder). `at` is None when
    the mean keeps one sign over the ladder; `sign` says which (+1, -1)."""

    at: float | None
    lo: float | None
    hi: float | None
    sign: int  # the sign of the difference at the largest scale
    separated: list[float]  # the scales whose interval excludes zero

    def describe(self, what: str = "the difference") -> str:
        side = "positive" if self.sign > 0 else "negative"
        if self.at is None:
            return f"{what} is {side} over the whole range: no crossover in range"
        span = (
            f"{_num(self.lo) if self.lo else 'below the range'} to "
            f"{_num(self.hi) if self.hi else 'above the range'}"
        )
        return f"{what} turns {side} at about {_num(self.at)} (interval holds zero from {span})"


def _num(v: float) -> str:
    return f"{v:,.0f}" if v >= 10 else f"{v:.3g}"


def _zero(x0: float, y0: float, x1: float, y1: float) -> float:
    """The scale where the line between (log x0, y0) and (log x1, y1) crosses zero."""
    f = y0 / (y0 - y1)
    return math.exp(math.log(x0) + f * (math.log(x1) - math.log(x0)))


def crossover(
    x: Sequence[float], mean: Sequence[float], lo: Sequence[float], hi: Sequence[float]
) -> Crossover:
    """The last change of sign of `mean` along increasing `x`: the scale from which the sign
    at the top of the ladder holds. The uncertainty is where the interval's bounds cross zero
    around it (the bound on the far side of zero at large scale crosses last)."""
    order = np.argsort(np.asarray(x, dtype=float))
    xs = np.asarray(x, dtype=float)[order]
    m, low_b, high_b = (np.asarray(v, dtype=float)[order] for v in (mean, lo, hi))
    if len(xs) < 2:
        raise ValueError("a crossover needs two scales or more")
    sign = 1 if m[-1] >= 0 else -1
    separated = [float(v) for v, a, b in zip(xs, low_b, high_b, strict=True) if a > 0 or b < 0]
    at = _last_crossing(xs, sign * m)
    if at is None:
        return Crossover(None, None, None, sign, separated)
    near, far = (
        (low_b, high_b) if sign > 0 else (high_b, low_b)
    )  # near: the bound that leaves zero last
    low = _last_crossing(xs, sign * far)
    high = _last_crossing(xs, sign * near)
    return Crossover(at, low, high, sign, separated)


def _last_crossing(xs: np.ndarray, y: np.ndarray) -> float | None:
    """Where y (positive at the top of the ladder) last crosses up through zero; None when it
    is positive at every scale (or negative at the top: never crosses up)."""
    if y[-1] <= 0:
        return None
    below = np.nonzero(y <= 0)[0]
    if len(below) == 0:
        return None
    i = int(below[-1])
    return _zero(xs[i], y[i], xs[i + 1], y[i + 1])


def square_root_team(load: float | np.ndarray, beta: float) -> float | np.ndarray:
    """Square-root staffing: c = a + beta * sqrt(a) for an offered load of a reviewer
    equivalents (the Halfin-Whitt regime: the same service level at every scale)."""
    a = np.asarray(load, dtype=float)
    return a + beta * np.sqrt(a)


def fit_square_root(load: Sequence[float], team: Sequence[float]) -> float:
    """The beta of c = a + beta sqrt(a) closest to the solved teams (least squares)."""
    a, c = np.asarray(load, dtype=float), np.asarray(team, dtype=float)
    keep = np.isfinite(a) & np.isfinite(c) & (a > 0)
    r = np.sqrt(a[keep])
    if not len(r):
        raise ValueError("square-root staffing needs a positive load")
    return float(np.sum((c[keep] - a[keep]) * r) / np.sum(r * r))
