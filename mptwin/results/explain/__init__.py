"""Why the twin did what it did, order by order: `cli` is `mptwin-explain`, `story` tells one
order's decisions, `listing` finds orders by final status, `run_folder` reads a run's files."""
