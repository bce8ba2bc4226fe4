"""An example decision service: serves a strategy's policies (orchestration by default) over
HTTP with the protocol of `strategies.remote.protocol`, so the twin can run a team's service in
the loop. `mptwin-serve` starts it."""
