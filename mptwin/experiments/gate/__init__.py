"""`mptwin-gate`: a go/no-go on a rule change, for CI before production.

A gate file (conf/gate/*.yaml, `mptwin.experiments.gate.spec`) names the current rules and the candidate as
Hydra overrides, the scenarios, a goal KPI and guardrails. `run_gate` runs both arms on the same
seeds in batches (`mptwin.experiments.gate.runs`), judges the paired differences after each batch with an
alpha-spending sequential test (`mptwin.experiments.gate.sequential`, where the design is explained; exact
boundaries in `mptwin.experiments.gate.boundaries`) and stops at GO, NO-GO, or NOT YET when the seeds to
spend are spent. The plan of looks is fixed by the gate file's `seeds.max` and kept in the
gate's folder (`mptwin.experiments.gate.plan`): a NOT YET goes on by spending more of the same plan.
`mptwin.experiments.gate.report` prints the table and writes gate.json and gate.html; `mptwin.experiments.gate.cli`
maps the decision to an exit code.
"""
