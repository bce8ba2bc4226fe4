"""Experiment drivers built on the runner: tuning an arm (mptwin-tune) and the sequential gate
on a rule change (mptwin-gate)."""
