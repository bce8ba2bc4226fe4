"""The gate's sequential test: looks after each batch of paired seeds, alpha spending, and a
verdict per (scenario, KPI) from the paired differences candidate - current.

Why this design keeps the stated error rate
-------------------------------------------
The looks are planned before any run: after each batch, at n_k = min(k * batch, budget)
paired seeds, information fraction t_k = n_k / budget, where the budget is the gate file's
planned maximum `seeds.max`. The one-sided error alpha = 1 - confidence is spent over them by
an O'Brien-Fleming-type function (Lan-DeMets):

    alpha(t) = 2 - 2 * Phi(z_{1 - alpha/2} / sqrt(t)),   alpha(1) = alpha.

Look k gets the exact group-sequential boundary z_k (`mptwin.experiments.gate.boundaries`): the cumulative
normal statistics, correlated sqrt(t_j / t_k), first cross at look k with probability
alpha(t_k) - alpha(t_{k-1}), so the plan spends exactly alpha. (The union bound, testing each
look at its increment, is valid too but spends less: a false GO 2.5 % at alpha 0.05, the last
of 8 looks at 1.4 % instead of 3.8 %.) As usual for t statistics at small n, z_k becomes its
nominal one-sided level Phi(-z_k), tested on n_k - 1 degrees of freedom. Early looks get almost
nothing (a decision there needs an overwhelming difference); the last gets most of alpha.

A run may stop at a look before the budget (`seeds.spend`, `--seeds`): a later run with more
continues the same looks on the same seeds, so the sequence of looks is the one planned
whatever the runs in between, and its error stays within alpha. Re-planning (a new budget over
seeds already judged) would spend alpha afresh, which `mptwin.experiments.gate.plan` refuses.

Each test is one-sided and a verdict once reached stays (the spending covers "rejected at some
look"):

- goal: `met` when "no gain" is rejected (the worst-case gain > 0), `worse` when "no loss" is
  rejected (the best-case gain < 0), else `undecided`;
- guardrail with tolerated loss L (absolute, or L x |current mean| when relative): `holds` when
  "loss >= L" is rejected (worst case > -L), `breached` when "loss <= L" is rejected (best case
  < -L), else `undecided`.

The bounds lo and hi are each one-sided at the look's level: a paired t bound corrected for
skewness by Hall's (1992) transformation, sqrt(n) (S + g S^2 / 3 + g^2 S^3 / 27 + g / (6 n))
with S = (mean - mu) / sd and g the sample skewness, which removes the skewness term of the t
statistic's Edgeworth expansion. The sample skewness of a few seeds understates a long tail
(the samples that fool a t test are those that miss the rare large losses), so each bound takes
g one standard error, sqrt(6 / n), toward the side that would make it wrong: the lower bound
g - sqrt(6 / n), the upper g + sqrt(6 / n). Without this, exact boundaries would give a false
GO 7.6 % of the time at the skewness of the twin's differences.

GO needs the goal met and every guardrail holding on every scenario: an intersection-union test,
so a false GO needs a false rejection of some single true hypothesis, whose rate is <= alpha; no
multiplicity correction is needed. "The gate says GO on a change that does not help at most
1 - confidence of the time." NO-GO comes as soon as any guardrail is breached or the goal is
worse anywhere; NOT YET when the seeds to spend are spent first.

Differences that are all exactly equal (sd 0, e.g. two identical arms) have a zero-width
interval and the strict inequalities above decide: a zero difference never shows a gain, and a
guardrail with zero difference and L > 0 holds. A relative tolerance uses the current arm's mean
at the look, an estimate: its error rate is approximate.

Simulated with the gate's own code (tests/test_gate.py's helpers: 40 seeds in batches of 5,
alpha 0.05, 20,000 gates each), a false GO: 4.3 % on normal differences, 5.0 % on a centred
lognormal with skewness -0.8 (what the twin's differences show, e.g. on_time_rate), 6.3 % at
-1.8 and 9.9 % at -6 (the union bound with plain t bounds, before: 2.5, 4.5, 8.1 and 18 %); a
real gain of 0.4 sd found 75 % of the time (before: 65 %), of 0.6 sd 97 % (94 %). A change
with rare large losses can look like a steady gain in a few seeds, to any test: for KPIs made
of rare events (fraud_losses) raise the confidence or seeds.max (before any run).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
from scipy import stats as sps

from mptwin.experiments.gate.boundaries import exact_bounds
from mptwin.results.stats import clean, paired_diffs

GOAL, GUARDRAIL = "goal", "guardrail"
MET, WORSE, HOLDS, BREACHED, UNDECIDED = "met", "worse", "holds", "breached", "undecided"
GO, NO_GO, NOT_YET = "GO", "NO-GO", "NOT YET"
SKEW_ALLOWANCE = 1.0  # standard errors sqrt(6 / n) of the sample skewness, toward the harm


def spent(t: float, alpha: float) -> float:
    """The one-sided error spent by information fraction t: O'Brien-Fleming type, Lan-DeMets."""
    if t <= 0:
        return 0.0
    z = sps.norm.isf(alpha / 2.0)
    return float(2.0 * sps.norm.sf(z / math.sqrt(min(t, 1.0))))


@dataclass(frozen=True)
class Look:
    """One pre-declared look: after `n` paired seeds, testing at nominal one-sided level `level`
    (its exact boundary `z`, converted for the t test)."""

    index: int  # 1-based
    n: int
    information: float  # t_k = n / budget
    spent: float  # alpha(t_k), cumulative
    level: float  # the nominal level Phi(-z_k) the t test uses
    increment: float  # alpha(t_k) - alpha(t_{k-1}): P(first crossing here | H0)
    z: float  # the exact group-sequential boundary of the normal statistic


def plan_looks(alpha: float, batch: int, budget: int) -> list[Look]:
    """The looks after each batch, declared before any run: n_k = min(k * batch, budget), each
    with its exact boundary for the spending increments (`mptwin.experiments.gate.boundaries`)."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    if batch < 2 or budget < batch:
        raise ValueError(f"need 2 <= batch <= budget, got batch {batch}, budget {budget}")
    sizes = [*range(batch, budget, batch), budget]
    cumulative = [spent(n / budget, alpha) for n in sizes]
    increments = [b - a for a, b in zip([0.0, *cumulative], cumulative, strict=False)]
    bounds = exact_bounds(tuple(n / budget for n in sizes), tuple(increments))
    looks = []
    for k, (n, c, a, z) in enumerate(zip(sizes, cumulative, increments, bounds, strict=True), 1):
        looks.append(Look(k, n, n / budget, c, float(sps.norm.sf(z)), a, z))
    return looks


@dataclass(frozen=True)
class Check:
    """One hypothesis family to judge: the goal (max_loss None) or a guardrail."""

    kpi: str
    better: int  # +1 when more is better, -1 when less is better
    max_loss: float | None = None  # a guardrail's tolerated loss
    relative: bool = False  # max_loss is a share of |current mean|

    @property
    def role(self) -> str:
        return GOAL if self.max_loss is None else GUARDRAIL


@dataclass(frozen=True)
class Bound:
    """candidate - current over the usable pairs; lo and hi are each a one-sided bound at
    `level` (None with fewer than two pairs)."""

    n: int
    mean: float | None
    sd: float | None
    level: float
    lo: float | None
    hi: float | None
    skew: float | None = None  # the sample skewness of the differences


@lru_cache(maxsize=4096)
def t_critical(level: float, df: float) -> float:
    """The one-sided t quantile: P(T_df > t) = level; infinite when level underflows to 0."""
    return float(sps.t.isf(level, df)) if level > 0 else math.inf


def skewness(d: np.ndarray) -> float:
    """The sample skewness m3 / m2^1.5 (0 when every difference is the same)."""
    centred = d - d.mean()
    m2 = float(np.mean(centred**2))
    return float(np.mean(centred**3)) / m2**1.5 if m2 > 0 else 0.0


def hall_half(c: float, n: int, g: float) -> float:
    """The one-sided bound's distance from the mean, in sds, for Hall's (1992) skew-corrected
    t: the S with sqrt(n) (S + g S^2 / 3 + g^2 S^3 / 27 + g / (6 n)) = c (c / sqrt(n) at g 0)."""
    y = c / math.sqrt(n) - g / (6 * n)
    if abs(g) < 1e-12:
        return y
    return 3.0 / g * (math.cbrt(1.0 + g * y) - 1.0)


def paired_bound(candidate: Sequence, current: Sequence, level: float) -> Bound:
    """The paired bounds at one-sided `level` (mptwin.results.stats: a pair with a missing value is
    dropped): Hall's skew-corrected t, the skewness taken SKEW_ALLOWANCE standard errors
    toward the side that would make each bound wrong (see the module's docstring)."""
    d = paired_diffs(candidate, current)
    n = int(d.size)
    mean = float(d.mean()) if n else None
    if n < 2:
        return Bound(n, mean, None, level, None, None)
    sd, g = float(d.std(ddof=1)), skewness(d)
    if sd == 0:
        return Bound(n, mean, sd, level, mean, mean, g)
    c, allowance = t_critical(level, n - 1), SKEW_ALLOWANCE * math.sqrt(6.0 / n)
    lo = mean - sd * hall_half(c, n, g - allowance)  # left skew makes a lower bound too high
    hi = mean + sd * hall_half(c, n, -g - allowance)  # right skew, an upper bound too low
    return Bound(n, mean, sd, level, lo, hi, g)


def _mean(values: Sequence) -> float | None:
    x = clean(values)
    return float(x.mean()) if x.size else None


@dataclass(frozen=True)
class Verdict:
    """A row of the gate's table: one check on one scenario as of look `look`."""

    scenario: str
    check: Check
    look: int
    current_mean: float | None
    candidate_mean: float | None
    bound: Bound
    allowed: float | None  # a guardrail's tolerated loss in the KPI's units
    verdict: str

    @property
    def decided(self) -> bool:
        return self.verdict != UNDECIDED

    def gain(self) -> tuple[float, float] | None:
        """(worst, best) bound of the gain: the difference turned so that up is better."""
        b = self.bound
        if b.lo is None:
            return None
        return (b.lo, b.hi) if self.check.better > 0 else (-b.hi, -b.lo)


def verdict_of(check: Check, gain: tuple[float, float] | None, allowed: float | None) -> str:
    """The verdict from the gain's bounds; strict inequalities, so a zero-width interval at zero
    shows no gain."""
    if gain is None or (check.role == GUARDRAIL and allowed is None):
        return UNDECIDED
    worst, best = gain
    floor = 0.0 if check.role == GOAL else -allowed
    if worst > floor:
        return MET if check.role == GOAL else HOLDS
    if best < floor:
        return WORSE if check.role == GOAL else BREACHED
    return UNDECIDED


def judge(
    check: Check, scenario: str, current: Sequence, candidate: Sequence, look: Look
) -> Verdict:
    """One check on one scenario's paired values (seed order) at a look."""
    cur, cand = _mean(current), _mean(candidate)
    allowed = check.max_loss
    if check.relative and allowed is not None:
        allowed = None if cur is None else allowed * abs(cur)
    row = Verdict(
        scenario,
        check,
        look.index,
        cur,
        cand,
        paired_bound(candidate, current, look.level),
        allowed,
        UNDECIDED,
    )
    return replace(row, verdict=verdict_of(check, row.gain(), allowed))


def decide(verdicts: Sequence[Verdict]) -> str | None:
    """NO-GO on any breach or worse goal, GO when everything is met or holds, else None."""
    if any(v.verdict in (WORSE, BREACHED) for v in verdicts):
        return NO_GO
    if all(v.verdict in (MET, HOLDS) for v in verdicts):
        return GO
    return None


def _distance(v: Verdict) -> float | None:
    """How far the difference is from the row's floor (0, or a guardrail's -L), when it could
    be decided at all."""
    if v.decided or v.bound.sd is None or v.bound.mean is None:
        return None
    floor = 0.0 if v.check.role == GOAL else -(v.allowed or 0.0)
    distance = abs(v.check.better * v.bound.mean - floor)
    return distance or None


def _clears(v: Verdict, distance: float, level: float, n: int) -> bool:
    """Would a t bound at `level` on n pairs of this spread clear the floor?"""
    return t_critical(level, n - 1) * v.bound.sd / math.sqrt(n) < distance


def look_to_decide(v: Verdict, looks: Sequence[Look]) -> int | None:
    """Roughly the seeds at which a later look of this plan would decide an undecided row if
    its difference and spread stayed as they are; None when no look of the plan would."""
    distance = _distance(v)
    if distance is None:
        return None
    later = [lk for lk in looks if lk.n > v.bound.n]
    return next((lk.n for lk in later if _clears(v, distance, lk.level, lk.n)), None)


def budget_to_decide(v: Verdict, alpha: float, batch: int, cap: int = 1000) -> int | None:
    """Roughly the budget of a new plan (fresh seeds, looks every `batch`) that would decide an
    undecided row if its difference and spread stayed as they are: the smallest multiple of
    `batch` whose plan's last look clears. None when nothing would (a zero difference) or the
    answer is above `cap`."""
    distance = _distance(v)
    if distance is None or not _clears(v, distance, alpha, cap):  # a last look tests below alpha
        return None

    def ok(k: int) -> bool:
        n = k * batch
        return n >= 2 and _clears(v, distance, plan_looks(alpha, batch, n)[-1].level, n)

    hi = 1
    while not ok(hi):
        if hi * batch > cap:
            return None
        hi *= 2
    lo = hi // 2  # not ok (or 0)
    while hi - lo > max(1, hi // 16):  # roughly: within about 6 %
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    return hi * batch if hi * batch <= cap else None


# fetch(scenarios, n) -> {scenario: (current, candidate)}, each {kpi: values of seeds 1..n}
Fetch = Callable[[list[str], int], Mapping[str, tuple[Mapping, Mapping]]]


@dataclass(frozen=True)
class Outcome:
    decision: str  # GO, NO-GO or NOT YET
    reason: str
    verdicts: list[Verdict]
    looks: list[Look]  # the looks taken
    ran: list[list[str]]  # the scenarios run at each look taken


def _reason(decision: str, verdicts: list[Verdict], done: int, planned: int) -> str:
    if decision == GO:
        return "the goal is met and every guardrail holds on every scenario"
    if decision == NO_GO:
        bad = [
            f"{v.check.kpi} {v.verdict} on {v.scenario}"
            for v in verdicts
            if v.verdict in (WORSE, BREACHED)
        ]
        return "; ".join(bad)
    open_ = sum(not v.decided for v in verdicts)
    if done < planned:
        return (
            f"{open_} verdict(s) still undecided after {done} of the {planned} planned "
            "paired seeds; to go on, run again with more to spend (--seeds or seeds.spend) "
            "and seeds.max unchanged"
        )
    return f"{open_} verdict(s) still undecided after all {planned} planned paired seeds"


def run_sequential(
    checks: Sequence[Check],
    scenarios: Sequence[str],
    looks: Sequence[Look],
    fetch: Fetch,
    on_look: Callable | None = None,
    planned: int | None = None,
) -> Outcome:
    """Take the looks in order, running only the scenarios with an undecided check, until a
    decision or the last look. `looks` may stop short of the plan's last look (`planned`
    seeds, by default the last of `looks`): the plan goes on in a later run.
    `on_look(look, ran, verdicts)` is told after each look."""
    rows: dict[tuple[str, int], Verdict | None] = {
        (s, i): None for s in scenarios for i in range(len(checks))
    }
    taken, ran = [], []
    decision = None
    for look in looks:
        todo = [
            s
            for s in scenarios
            if any(rows[(s, i)] is None or not rows[(s, i)].decided for i in range(len(checks)))
        ]
        data = fetch(todo, look.n)
        for s in todo:
            current, candidate = data[s]
            for i, check in enumerate(checks):
                if rows[(s, i)] is None or not rows[(s, i)].decided:
                    rows[(s, i)] = judge(
                        check,
                        s,
                        np.asarray(current[check.kpi], dtype=float),
                        np.asarray(candidate[check.kpi], dtype=float),
                        look,
                    )
        taken.append(look)
        ran.append(todo)
        verdicts = list(rows.values())
        if on_look is not None:
            on_look(look, todo, verdicts)
        decision = decide(verdicts)
        if decision is not None:
            break
    decision = decision or NOT_YET
    verdicts = list(rows.values())
    reason = _reason(decision, verdicts, looks[-1].n, planned or looks[-1].n)
    return Outcome(decision, reason, verdicts, taken, ran)
