"""Replication statistics: t-based confidence intervals for a mean, for paired differences
(common random numbers) and for independent samples, and how many replications a target
interval half-width needs.

Every function takes plain sequences; a missing value (None or NaN, a KPI with no data) is
dropped, and for a paired difference the whole pair is dropped. Each result says how many
replications it used. With fewer than two usable values an interval is undefined: its bounds
are None, never a made-up number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats as sps

DEFAULT_LEVEL = 0.95
# Fewer replications than this leave the sd on under 4 degrees of freedom: t(0.975) is 12.7 at
# n = 2 (2.78 at n = 5), and an sd from 2 runs may be off 30-fold, so replications_needed (which
# scales with sd squared) is a rough guide at best. Reports flag intervals and estimates below it.
MIN_REPLICATIONS = 5


@dataclass(frozen=True)
class Interval:
    """A mean (or a mean difference) with its t-based confidence interval.

    `n` is the number of replications used, `sd` the sample standard deviation (ddof=1) of
    the values (or of the paired differences), `df` the degrees of freedom of the t quantile.
    `p_value` is the two-sided p-value of "the true mean is zero".
    """

    n: int
    mean: float | None
    sd: float | None
    se: float | None
    df: float | None
    t_crit: float | None
    half_width: float | None
    lo: float | None
    hi: float | None
    level: float
    p_value: float | None

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def excludes_zero(self) -> bool:
        """The interval lies entirely on one side of zero (a difference we can call)."""
        return self.lo is not None and (self.lo > 0.0 or self.hi < 0.0)


def clean(values: Sequence) -> np.ndarray:
    """The values as floats with missing ones (None, NaN) removed."""
    x = np.array([np.nan if v is None else v for v in values], dtype=float)
    return x[~np.isnan(x)]


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"confidence level must be in (0, 1), got {level}")


def t_quantile(level: float, df: float) -> float:
    """The two-sided t critical value: P(|T_df| <= t) = level."""
    _check_level(level)
    if df <= 0:
        raise ValueError(f"degrees of freedom must be > 0, got {df}")
    return float(sps.t.ppf(0.5 + level / 2.0, df))


def _interval(
    n: int, mean: float | None, sd: float | None, se: float | None, df: float | None, level: float
) -> Interval:
    if n == 0 or mean is None:
        return Interval(n, None, None, None, None, None, None, None, None, level, None)
    if se is None or df is None or not math.isfinite(df) or df <= 0:
        return Interval(n, mean, sd, None, None, None, None, None, None, level, None)
    t = t_quantile(level, df)
    half = t * se
    return Interval(
        n, mean, sd, se, df, t, half, mean - half, mean + half, level, _p_value(mean, se, df)
    )


def _p_value(mean: float, se: float, df: float) -> float:
    """Two-sided p-value of a zero mean; with no spread at all (the same value in every
    replication) it is 1 for a zero mean and 0 otherwise."""
    if se > 0:
        return float(2.0 * sps.t.sf(abs(mean) / se, df))
    return 1.0 if mean == 0 else 0.0


def few(n: int) -> bool:
    """Fewer replications than `MIN_REPLICATIONS`: an interval or estimate to read with care."""
    return n < MIN_REPLICATIONS


def clip(
    lo: float | None, hi: float | None, low: float | None = None, high: float | None = None
) -> tuple[float | None, float | None, str]:
    """An interval cut to the values its quantity can take ([low, high]; None: no limit), and
    which ends were cut: '', 'lo', 'hi' or 'lo,hi'. The true value lies within the limits, so
    the cut interval covers it exactly as often as the t interval does; an end past a limit is a
    sign of too few replications (the t interval assumes no limits), which is why it is said."""
    cut = []
    if lo is not None and low is not None and lo < low:
        lo = low
        cut.append("lo")
    if hi is not None and high is not None and hi > high:
        hi = high
        cut.append("hi")
    return lo, hi, ",".join(cut)


def mean_ci(values: Sequence, level: float = DEFAULT_LEVEL) -> Interval:
    """The mean of replications with a t interval (n - 1 degrees of freedom)."""
    _check_level(level)
    x = clean(values)
    n = x.size
    if n == 0:
        return _interval(0, None, None, None, None, level)
    if n == 1:
        return _interval(1, float(x[0]), None, None, None, level)
    sd = float(x.std(ddof=1))
    return _interval(n, float(x.mean()), sd, sd / math.sqrt(n), n - 1, level)


def paired_diffs(candidate: Sequence, baseline: Sequence) -> np.ndarray:
    """candidate[i] - baseline[i] over the pairs where both are known."""
    if len(candidate) != len(baseline):
        raise ValueError(
            f"paired samples need equal lengths, got {len(candidate)} and {len(baseline)}"
        )
    a, b = (
        np.array([np.nan if v is None else v for v in s], dtype=float)
        for s in (candidate, baseline)
    )
    d = a - b
    return d[~np.isnan(d)]


def paired_ci(candidate: Sequence, baseline: Sequence, level: float = DEFAULT_LEVEL) -> Interval:
    """Mean of candidate - baseline over replications paired by seed, with a paired t interval.

    Under common random numbers the two runs of a pair share their luck, so the variance of
    the difference is Var(a) + Var(b) - 2 Cov(a, b): the positive covariance narrows it.
    """
    return mean_ci(paired_diffs(candidate, baseline), level)


def welch_ci(candidate: Sequence, baseline: Sequence, level: float = DEFAULT_LEVEL) -> Interval:
    """Difference of means of two independent samples (Welch's t, Satterthwaite df).

    What the same comparison would give without common random numbers; `n` is the smaller of
    the two sample sizes.
    """
    _check_level(level)
    a, b = clean(candidate), clean(baseline)
    n = int(min(a.size, b.size))
    if n == 0:
        return _interval(0, None, None, None, None, level)
    mean = float(a.mean() - b.mean())
    if n < 2:
        return _interval(n, mean, None, None, None, level)
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = math.sqrt(va + vb)
    if se == 0:
        return _interval(n, mean, 0.0, 0.0, float(a.size + b.size - 2), level)
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    return _interval(n, mean, None, se, float(df), level)


def replications_needed(
    sd: float | None,
    half_width: float,
    level: float = DEFAULT_LEVEL,
    n_min: int = 2,
    n_max: int = 100_000,
) -> int | None:
    """The fewest replications n >= n_min with t(level, n - 1) * sd / sqrt(n) <= half_width.

    `sd` is a pilot estimate of the standard deviation of one replication's value (for a
    comparison: of the paired differences). Returns None when sd is unknown and raises when the
    target cannot be met below `n_max`.
    """
    _check_level(level)
    if half_width <= 0:
        raise ValueError(f"target half-width must be > 0, got {half_width}")
    if sd is None or not math.isfinite(sd):
        return None
    if sd < 0:
        raise ValueError(f"standard deviation must be >= 0, got {sd}")

    def ok(n: int) -> bool:
        return t_quantile(level, n - 1) * sd / math.sqrt(n) <= half_width

    n_min = max(2, n_min)
    if ok(n_min):
        return n_min
    z = float(sps.norm.ppf(0.5 + level / 2.0))
    n = max(n_min, math.ceil((z * sd / half_width) ** 2))  # the normal answer is a lower bound
    while not ok(n):
        n += 1
        if n > n_max:
            raise ValueError(
                f"a half-width of {half_width:g} with sd {sd:g} needs more than {n_max} "
                "replications"
            )
    return n
