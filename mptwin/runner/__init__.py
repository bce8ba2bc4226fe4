"""The composition root: the `mptwin` command line, the config schema's root, one composition
(`compose`, `build_run`), policies bound from config, one job and the sweeps around it."""
