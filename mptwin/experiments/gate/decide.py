"""`run_gate`: a gate run to its decision, look by look, and the result it gives (the
package docstring of `mptwin.experiments.gate` tells the whole design)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from omegaconf import DictConfig

from mptwin.experiments.gate.plan import check_plan, write_plan
from mptwin.experiments.gate.result import (
    EXIT_BAD_GATE,
    EXIT_CODES,
    EXIT_RUN_FAILED,
    GateResult,
)
from mptwin.experiments.gate.runs import PairedRuns, RunFailed
from mptwin.experiments.gate.sequential import (
    plan_looks,
    run_sequential,
)
from mptwin.experiments.gate.spec import GateSpec, arm_configs, check_spend, load_gate, parse_gate


def default_out(spec: GateSpec) -> Path:
    return Path("outputs") / "gates" / spec.name


def spend_of(spec: GateSpec, spend: int | None = None) -> int:
    """The paired seeds to go to in this run: `spend`, else the gate file's seeds.spend, else
    the plan's seeds.max; a look of the plan (ConfigError otherwise)."""
    if spend is None:
        return spec.seeds.spend or spec.seeds.max
    check_spend(spend, spec.seeds, "--seeds")
    return spend


def run_gate(
    spec: GateSpec,
    out: Path | None = None,
    workers: int = 2,
    configs: dict[tuple[str, str], DictConfig] | None = None,
    echo: Callable[[str], None] = print,
    spend: int | None = None,
) -> GateResult:
    """Run the gate's plan up to `spend` paired seeds (`spend_of`) or a decision; writes the
    runs, plan.json, gate.json and gate.html under `out`. A ConfigError, before any run, when
    the folder was started with another plan (`mptwin.experiments.gate.plan`)."""
    from mptwin.experiments.gate.report import look_line, write_report

    t0 = time.perf_counter()
    out = Path(out) if out is not None else default_out(spec)
    spend = spend_of(spec, spend)
    check_plan(spec, out)
    configs = configs if configs is not None else arm_configs(spec)
    looks = plan_looks(spec.alpha, spec.seeds.batch, spec.seeds.max)
    now = [lk for lk in looks if lk.n <= spend]
    write_plan(spec, out, looks)
    with PairedRuns(spec, configs, out, workers, echo) as runs:
        before = [0, 0]

        def on_look(look, ran, verdicts):
            echo(
                look_line(
                    look,
                    len(looks),
                    ran,
                    verdicts,
                    runs.simulated - before[0],
                    runs.reused - before[1],
                    spec.seeds.first,
                )
            )
            before[:] = [runs.simulated, runs.reused]

        outcome = run_sequential(
            spec.checks(), spec.scenarios, now, runs.fetch, on_look, spec.seeds.max
        )
    result = GateResult(
        spec, outcome, looks, spend, out, runs.simulated, runs.reused, time.perf_counter() - t0
    )
    write_report(result)
    return result


__all__ = [
    "EXIT_BAD_GATE",
    "EXIT_CODES",
    "EXIT_RUN_FAILED",
    "GateResult",
    "GateSpec",
    "RunFailed",
    "arm_configs",
    "default_out",
    "load_gate",
    "parse_gate",
    "run_gate",
    "spend_of",
]
