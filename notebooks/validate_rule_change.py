# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Validate a rule change before rollout
# An operator whose promise adds one flat buffer to every delivery (`strategy/promise=contract`)
# wants to promise faster: cut the buffer from 2 days to 1 (`strategy.promise.buffer_days=1`). Shorter promises should win
# more orders; they may also break more promises, pay more SLA credits and send more late
# deliveries to the review team. Before rolling it out, run the current rules and the candidate
# on the same seeds (common random numbers: both see the same customers and the same luck),
# pair the runs by seed and read the differences with confidence intervals against rules
# agreed up front.
#
# The smoke scenario keeps this to seconds; for a real decision set `SCENARIO = "baseline"`
# and more seeds.

# %%
from pathlib import Path

import pandas as pd
from hydra import compose, initialize_config_dir

from mptwin.analysis.metrics import compute_kpis
from mptwin.config import register
from mptwin.report.kpis import format_diff, format_interval, format_value
from mptwin.run import prepare, simulate
from mptwin.stats import paired_ci, replications_needed

ROOT = Path.cwd() if (Path.cwd() / "conf").exists() else Path(__file__).resolve().parent.parent
SCENARIO = "smoke"
SEEDS = list(range(1, 7))
CURRENT = ["strategy/promise=contract"]  # today's rules: a flat 2-day buffer
CANDIDATE = ["strategy/promise=contract", "strategy.promise.buffer_days=1.0"]
LEVEL = 0.95
register()


def run(seed: int, overrides: list[str]) -> dict:
    """One replication's KPIs (the measurement window excludes the scenario's warm-up)."""
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = compose("config", overrides=[f"scenario={SCENARIO}", f"seed={seed}", *overrides])
    world, strategy = prepare(cfg)
    result = simulate(world, strategy, seed)
    return compute_kpis(result.tables, result.info)


current = {s: run(s, CURRENT) for s in SEEDS}
candidate = {s: run(s, CANDIDATE) for s in SEEDS}
print(f"{len(SEEDS)} seeds x 2 arms on {SCENARIO}")

# %% [markdown]
# ## The rules, agreed before looking at the results
# The change must *win* on its goal (the interval of the difference lies above zero) and must
# not *lose* on any guardrail by more than its tolerance. A guardrail holds when the whole
# interval is above the tolerated loss; it is breached when the whole interval is below it;
# anything in between means the replications cannot tell yet.

# %%
GOAL = ("orders", +1)  # more orders
GUARDRAILS = {  # KPI: (direction of better, tolerated loss, relative to the current mean?)
    "operator_margin": (+1, 0.01, True),  # at most 1% of margin lost
    "on_time_rate": (+1, 0.02, False),  # at most 2 percentage points of on-time rate lost
    "reviewer_hours": (-1, 0.10, True),  # at most 10% more reviewer time
    "backlog_max": (-1, 0.15, True),  # at most 15% higher peak backlog
}


def interval(key: str):
    return paired_ci([candidate[s][key] for s in SEEDS], [current[s][key] for s in SEEDS], LEVEL)


def mean(values) -> float:
    values = [v for v in values if v is not None]
    return sum(values) / len(values)


rows = []
for key in [GOAL[0], *GUARDRAILS]:
    ci = interval(key)
    base = mean(current[s][key] for s in SEEDS)
    rows.append({"KPI": key, "current": format_value(key, base),
                 "candidate": format_value(key, mean(candidate[s][key] for s in SEEDS)),
                 "difference": format_diff(key, ci.mean),
                 f"{round(100 * LEVEL)}% CI": format_interval(key, ci.lo, ci.hi), "n": ci.n})  # fmt: skip
print(pd.DataFrame(rows).to_string(index=False))

# %% [markdown]
# ## Go / no-go


# %%
def judge_guardrail(key: str) -> tuple[str, str]:
    sign, tolerance, relative = GUARDRAILS[key]
    ci = interval(key)
    base = abs(mean(current[s][key] for s in SEEDS))
    allowed = tolerance * base if relative else tolerance
    limit = format_diff(key, -sign * allowed)  # the tolerated change, in the KPI's units
    worst, best = (ci.lo, ci.hi) if sign > 0 else (ci.hi, ci.lo)
    if sign * worst >= -allowed:
        return "holds", f"worst case {format_diff(key, worst)}, tolerated {limit}"
    if sign * best < -allowed:
        return "BREACHED", f"even the best case {format_diff(key, best)} is past {limit}"
    need = replications_needed(ci.sd, max(allowed / 2, 1e-9), LEVEL)
    return "unclear", f"the interval straddles {limit}; about {need} seeds would tell"


goal_key, goal_sign = GOAL
goal = interval(goal_key)
goal_met = goal.excludes_zero and (goal.mean > 0) == (goal_sign > 0)
verdicts = {key: judge_guardrail(key) for key in GUARDRAILS}
print(f"goal {goal_key}: {'met' if goal_met else 'not shown'} "
      f"({format_diff(goal_key, goal.mean)}, CI {format_interval(goal_key, goal.lo, goal.hi)})")  # fmt: skip
for key, (status, why) in verdicts.items():
    print(f"guardrail {key}: {status} ({why})")

statuses = [status for status, _ in verdicts.values()]
if "BREACHED" in statuses:
    decision = "NO-GO: a guardrail is breached"
elif goal_met and all(s == "holds" for s in statuses):
    decision = "GO: the goal is met and every guardrail holds"
elif not goal_met and "unclear" not in statuses:
    decision = "NO-GO: the change does not show the gain it is for"
else:
    decision = "NOT YET: run more seeds before deciding"
print(f"\nDecision for {' '.join(CANDIDATE)} on {SCENARIO}, {len(SEEDS)} paired seeds: {decision}")
