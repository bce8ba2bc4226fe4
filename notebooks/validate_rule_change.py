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
# wants to promise faster: cut the buffer from 2 days to 1 (`strategy.promise.buffer_days=1`).
# Shorter promises should win more orders; they may also break more promises, pay more SLA
# credits and send more late deliveries to the review team.
#
# `mptwin-gate` answers go, no-go or not yet from a gate file (`conf/gate/promise_buffer.yaml`
# is this very change; `uv run mptwin-gate conf/gate/promise_buffer.yaml` runs it and exits
# 0, 1 or 3). This notebook walks through the same steps in code with `mptwin.experiments.gate`: write the
# rules down before any run, run both arms on the same seeds (common random numbers) a batch at
# a time, and read the paired differences after each batch. The smoke world keeps it to
# seconds; for a real decision use `scenarios: [baseline]` and a larger budget
# (`conf/gate/promise_buffer_baseline.yaml`).

# %%
import pandas as pd

from mptwin.experiments.gate.decide import parse_gate, run_gate
from mptwin.experiments.gate.report import rows, text
from mptwin.runner.compose import CONF_DIR

ROOT = CONF_DIR.parent  # the project: the gate's runs go to its outputs/

# %% [markdown]
# ## The rules, agreed before looking at the results
# The change must *win* on its goal and must not *lose* on any guardrail by more than its
# tolerance (relative: a share of the current arm's mean). `confidence: 0.95` means the gate
# says GO on a change that does not help at most 5% of the time, however many batches it
# looks at: each look spends part of that 5% (O'Brien-Fleming alpha spending), so an early
# look needs an overwhelming difference and a later one less. The design is explained in
# `mptwin/experiments/gate/sequential.py`.

# %%
gate = parse_gate(
    {
        "name": "validate_rule_change",
        "scenarios": ["smoke"],
        "current": ["strategy/promise=contract"],  # today's rules: a flat 2-day buffer
        "candidate": ["strategy/promise=contract", "strategy.promise.buffer_days=1.0"],
        "goal": {"kpi": "orders", "better": "higher"},  # more orders
        "guardrails": {
            "operator_margin": {
                "better": "higher",
                "max_loss": 0.01,
                "relative": True,
            },  # 1% of margin
            "on_time_rate": {"better": "higher", "max_loss": 0.02},  # 2 percentage points
            "reviewer_hours": {"better": "lower", "max_loss": 0.10, "relative": True},  # 10% more
            "backlog_max": {
                "better": "lower",
                "max_loss": 0.15,
                "relative": True,
            },  # 15% higher peak
        },
        "confidence": 0.95,
        "seeds": {"first": 1, "max": 10, "batch": 5},  # two looks at most: after 5 and 10 seeds
    },
    "notebook",
)

# %% [markdown]
# ## Run it
# Each run lands in `outputs/gates/validate_rule_change/runs/<scenario>/<arm>/seed=<n>/`; run
# the notebook again and the complete runs are read back instead of simulated.

# %%
result = run_gate(gate, ROOT / "outputs" / "gates" / gate.name, workers=2)

# %% [markdown]
# ## The verdicts
# One row per KPI and scenario: the means of both arms, the paired difference and its bounds at
# the level of the look that decided the row (`level`: the nominal one-sided level of that
# look's exact group-sequential boundary).
# A goal is `met` when even its worst case is a gain; a guardrail `holds` when even its worst
# case loses less than the tolerance and is `breached` when even its best case loses more.

# %%
print(pd.DataFrame(rows(result)).to_string(index=False))

# %% [markdown]
# ## Go / no-go
# Any breach (or a goal significantly worse) is NO-GO; GO needs the goal met and every
# guardrail holding; otherwise the gate runs the next batch, and says NOT YET when the budget is
# spent. The same summary, with gate.json and gate.html, is what the command writes.

# %%
print(text(result))
print(f"\nReport: {result.out / 'gate.html'}")
