"""A run's calls to a decision service (strategies.remote), as a table, and the KPIs read from
it: how many decisions fell back to the twin's own policy, and how long the service took."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mptwin.results.measure.columns import in_window, numeric
from mptwin.results.measure.run_tables import SERVICE_CALL_COLUMNS, RunInfo
from sim.decisions import POLICIES


def service_calls_table(strategy) -> pd.DataFrame | None:
    """One row per call the strategy's forwarding policies made (None for an in-process
    strategy, which writes no such table): when, for which decision point, how many decisions, the service's latency (NaN
    without an answer), the outcome, why it failed, and how many decisions fell back."""
    logs = {}
    for point in POLICIES:
        calls = getattr(getattr(strategy, point), "service_calls", None)
        if calls is not None:
            log = calls()
            logs[id(log)] = log  # policies of one session share one log
    if not logs:
        return None
    cols = {k: [v for log in logs.values() for v in log[k]] for k in SERVICE_CALL_COLUMNS}
    frame = pd.DataFrame({k: pd.Series(cols[k], dtype=t) for k, t in SERVICE_CALL_COLUMNS.items()})
    return frame.sort_values("t_h", kind="stable", ignore_index=True)


def service_kpis(calls: pd.DataFrame | None, info: RunInfo) -> dict:
    """`decision_fallbacks`: decisions in the window the fallback policy took (0 for an
    in-process strategy); `decision_service_p95_ms`: the 95th percentile of the service's
    answer time over the window's calls that got one (None without any)."""
    if calls is None or calls.empty:
        return {"decision_fallbacks": 0, "decision_service_p95_ms": None}
    window = in_window(numeric(calls, "t_h"), info)
    latency = numeric(calls, "latency_ms")[window]
    latency = latency[~np.isnan(latency)]
    return {
        "decision_fallbacks": int(numeric(calls, "fallbacks")[window].sum()),
        "decision_service_p95_ms": float(np.percentile(latency, 95)) if latency.size else None,
    }


def fallback_note(calls: pd.DataFrame | None, info: RunInfo) -> str | None:
    """What to say at the end of a run in which the decision service left decisions to the
    fallback policies (None if it left none): the count, by outcome, and the first failure, so
    a run on the fallbacks never passes for a served one."""
    if calls is None or calls.empty:
        return None
    fell = numeric(calls, "fallbacks")
    if not fell.sum():
        return None
    in_kpis = int(fell[in_window(numeric(calls, "t_h"), info)].sum())
    by = calls[fell > 0].groupby("outcome", observed=True)["fallbacks"].sum()
    outcomes = ", ".join(f"{k} {int(v):,}" for k, v in by.sort_values(ascending=False).items())
    first = calls.loc[calls["outcome"] != "ok", "reason"].iloc[0]
    return (
        f"{int(fell.sum()):,} of {int(numeric(calls, 'decisions').sum()):,} decisions "
        f"forwarded to the decision service fell back to the twin's fallback policies "
        f"({in_kpis:,} in the KPI window: decision_fallbacks), by outcome: {outcomes}. The "
        f"first failure: {first}. These results are not the service's alone; every call is "
        f"in service_calls.parquet. MPTWIN_SERVICE_REQUIRED=true (required=true) fails such "
        f"a run instead."
    )
