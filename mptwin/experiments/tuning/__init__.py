"""Tuning each arm fairly: calibrate what a silo calibrates from its own history
(`calibrate`), search each arm's parameters on tuning seeds with one optimiser and one
objective (`search`), staff each arm's review team to one resolution target (`search`), and
write the result as a strategy config the comparison runs (`cli`: `mptwin-tune`)."""
