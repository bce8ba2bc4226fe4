"""The gate's sequential test: looks after each batch of paired seeds, alpha spending, and a
verdict per (scenario, KPI) from the paired differences candidate - current.

Why this design keeps the stated error rate
-------------------------------------------
The looks are declared before any run: after each batch, at n_k = min(k * batch, budget)
paired seeds, information fraction t_k = n_k / budget. The one-sided error alpha = 1 -
confidence is spent over them by an O'Brien-Fleming-type function (Lan-DeMets):

    alpha(t) = 2 - 2 * Phi(z_{1 - alpha/2} / sqrt(t)),   alpha(1) = alpha,

and look k tests at the nominal one-sided level a_k = alpha(t_k) - alpha(t_{k-1}) with a paired
t test on n_k - 1 degrees of freedom. Whatever the correlation between looks, the union bound
gives P(a true hypothesis is rejected at some look) <= sum a_k = alpha: conservative, and valid
for t statistics at small n, where the usual normal-theory boundaries are not. Early looks get
almost nothing (a decision there needs an overwhelming difference); the last gets most of alpha.

Each test is one-sided, so every bound shown is the interval mean +- t_{1-a_k, n-1} * se (each
end a one-sided bound at level a_k), and a verdict once reached stays (the union bound covers
"rejected at some look"):

- goal: `met` when "no gain" is rejected (the worst-case gain > 0), `worse` when "no loss" is
  rejected (the best-case gain < 0), else `undecided`;
- guardrail with tolerated loss L (absolute, or L x |current mean| when relative): `holds` when
  "loss >= L" is rejected (worst case > -L), `breached` when "loss <= L" is rejected (best case
  < -L), else `undecided`.

GO needs the goal met and every guardrail holding on every scenario: an intersection-union test,
so a false GO needs a false rejection of some single true hypothesis, whose rate is <= alpha; no
multiplicity correction is needed. "The gate says GO on a change that does not help at most
1 - confidence of the time." NO-GO comes as soon as any guardrail is breached or the goal is
worse anywhere; NOT YET when the budget is spent first.

Differences that are all exactly equal (sd 0, e.g. two identical arms) have a zero-width
interval and the strict inequalities above decide: a zero difference never shows a gain, and a
guardrail with zero difference and L > 0 holds. A relative tolerance uses the current arm's mean
at the look, an estimate: its error rate is approximate.

The t test asks for a roughly normal mean difference. Simulated (tests/test_gate.py: 40 seeds in
batches of 5, alpha 0.05, 4,000 gates): a false GO 2.9% of the time on normal differences and
4.3% on a centred lognormal with skewness -0.8 (what the twin's differences show, e.g.
on_time_rate), but 7.4% at skewness -1.8 and 18% at -6: a change with rare large losses can
look like a steady gain in a few seeds, to any test. For KPIs made of rare events
(fraud_losses) raise the confidence or the budget.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
from scipy import stats as sps

from mptwin.stats import clean, paired_diffs

GOAL, GUARDRAIL = "goal", "guardrail"
MET, WORSE, HOLDS, BREACHED, UNDECIDED = "met", "worse", "holds", "breached", "undecided"
GO, NO_GO, NOT_YET = "GO", "NO-GO", "NOT YET"


def spent(t: float, alpha: float) -> float:
    """The one-sided error spent by information fraction t: O'Brien-Fleming type, Lan-DeMets."""
    if t <= 0:
        return 0.0
    z = sps.norm.isf(alpha / 2.0)
    return float(2.0 * sps.norm.sf(z / math.sqrt(min(t, 1.0))))


@dataclass(frozen=True)
class Look:
    """One pre-declared look: after `n` paired seeds, testing at one-sided level `level`."""

    index: int  # 1-based
    n: int
    information: float  # t_k = n / budget
    spent: float  # alpha(t_k), cumulative
    level: float  # a_k = alpha(t_k) - alpha(t_{k-1})


def plan_looks(alpha: float, batch: int, budget: int) -> list[Look]:
    """The looks after each batch, declared before any run: n_k = min(k * batch, budget)."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    if batch < 2 or budget < batch:
        raise ValueError(f"need 2 <= batch <= budget, got batch {batch}, budget {budget}")
    sizes = [*range(batch, budget, batch), budget]
    looks, before = [], 0.0
    for k, n in enumerate(sizes, start=1):
        now = spent(n / budget, alpha)
        looks.append(Look(k, n, n / budget, now, now - before))
        before = now
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


@lru_cache(maxsize=4096)
def t_critical(level: float, df: float) -> float:
    """The one-sided t quantile: P(T_df > t) = level; infinite when level underflows to 0."""
    return float(sps.t.isf(level, df)) if level > 0 else math.inf


def paired_bound(candidate: Sequence, current: Sequence, level: float) -> Bound:
    """The paired t bounds (mptwin.stats: a pair with a missing value is dropped)."""
    d = paired_diffs(candidate, current)
    n = int(d.size)
    mean = float(d.mean()) if n else None
    if n < 2:
        return Bound(n, mean, None, level, None, None)
    sd = float(d.std(ddof=1))
    half = 0.0 if sd == 0 else t_critical(level, n - 1) * sd / math.sqrt(n)
    return Bound(n, mean, sd, level, mean - half, mean + half)


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


def judge(check: Check, scenario: str, current: Sequence, candidate: Sequence,
          look: Look) -> Verdict:  # fmt: skip
    """One check on one scenario's paired values (seed order) at a look."""
    cur, cand = _mean(current), _mean(candidate)
    allowed = check.max_loss
    if check.relative and allowed is not None:
        allowed = None if cur is None else allowed * abs(cur)
    row = Verdict(scenario, check, look.index, cur, cand,
                  paired_bound(candidate, current, look.level), allowed, UNDECIDED)  # fmt: skip
    return replace(row, verdict=verdict_of(check, row.gain(), allowed))


def decide(verdicts: Sequence[Verdict]) -> str | None:
    """NO-GO on any breach or worse goal, GO when everything is met or holds, else None."""
    if any(v.verdict in (WORSE, BREACHED) for v in verdicts):
        return NO_GO
    if all(v.verdict in (MET, HOLDS) for v in verdicts):
        return GO
    return None


def budget_to_decide(v: Verdict, alpha: float, batch: int, cap: int = 10_000) -> int | None:
    """Roughly the budget that would decide an undecided row if its difference and spread
    stayed as they are: the smallest budget (a multiple of `batch` above the seeds used) whose
    last look's bound clears the boundary. None when nothing would (a zero difference) or the
    answer is above `cap`."""
    if v.decided or v.bound.sd is None or v.bound.mean is None:
        return None
    floor = 0.0 if v.check.role == GOAL else -(v.allowed or 0.0)
    distance = abs(v.check.better * v.bound.mean - floor)
    if distance == 0:
        return None
    n = batch * (v.bound.n // batch + 1)
    while n <= cap:
        last = alpha - spent((n - batch) / n, alpha)  # the level of a budget-n plan's last look
        if t_critical(last, n - 1) * v.bound.sd / math.sqrt(n) < distance:
            return n
        n += batch
    return None


# fetch(scenarios, n) -> {scenario: (current, candidate)}, each {kpi: values of seeds 1..n}
Fetch = Callable[[list[str], int], Mapping[str, tuple[Mapping, Mapping]]]


@dataclass(frozen=True)
class Outcome:
    decision: str  # GO, NO-GO or NOT YET
    reason: str
    verdicts: list[Verdict]
    looks: list[Look]  # the looks taken
    ran: list[list[str]]  # the scenarios run at each look taken


def _reason(decision: str, verdicts: list[Verdict], budget: int) -> str:
    if decision == GO:
        return "the goal is met and every guardrail holds on every scenario"
    if decision == NO_GO:
        bad = [f"{v.check.kpi} {v.verdict} on {v.scenario}" for v in verdicts
               if v.verdict in (WORSE, BREACHED)]  # fmt: skip
        return "; ".join(bad)
    open_ = sum(not v.decided for v in verdicts)
    return f"{open_} verdict(s) still undecided after the budget of {budget} paired seeds"


def run_sequential(checks: Sequence[Check], scenarios: Sequence[str], looks: Sequence[Look],
                   fetch: Fetch, on_look: Callable | None = None) -> Outcome:  # fmt: skip
    """Take the looks in order, running only the scenarios with an undecided check, until a
    decision or the last look. `on_look(look, ran, verdicts)` is told after each look."""
    rows: dict[tuple[str, int], Verdict | None] = {
        (s, i): None for s in scenarios for i in range(len(checks))
    }
    taken, ran = [], []
    decision = None
    for look in looks:
        todo = [s for s in scenarios
                if any(rows[(s, i)] is None or not rows[(s, i)].decided
                       for i in range(len(checks)))]  # fmt: skip
        data = fetch(todo, look.n)
        for s in todo:
            current, candidate = data[s]
            for i, check in enumerate(checks):
                if rows[(s, i)] is None or not rows[(s, i)].decided:
                    rows[(s, i)] = judge(check, s, np.asarray(current[check.kpi], dtype=float),
                                         np.asarray(candidate[check.kpi], dtype=float), look)  # fmt: skip
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
    return Outcome(decision, _reason(decision, verdicts, looks[-1].n), verdicts, taken, ran)
