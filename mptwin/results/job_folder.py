"""The names in a job's folder that say what it holds: a job is complete when it holds `DONE`
(written last), `CONFIG` is its resolved config, and `STAGING` is where its files are written
first (`mptwin.runner.sweep` writes them; the report and the explainer read them)."""

DONE = "kpis.json"  # its presence marks a complete job
CONFIG = "config.yaml"
STAGING = ".staging"
