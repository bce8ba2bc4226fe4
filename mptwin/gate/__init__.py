"""`mptwin-gate`: a go/no-go on a rule change, for CI before production.

A gate file (conf/gate/*.yaml, `mptwin.gate.spec`) names the current rules and the candidate as
Hydra overrides, the scenarios, a goal KPI and guardrails. `run_gate` runs both arms on the same
seeds in batches (`mptwin.gate.runs`), judges the paired differences after each batch with an
alpha-spending sequential test (`mptwin.gate.sequential`, where the design is explained; exact
boundaries in `mptwin.gate.boundaries`) and stops at GO, NO-GO, or NOT YET when the seeds to
spend are spent. The plan of looks is fixed by the gate file's `seeds.max` and kept in the
gate's folder (`mptwin.gate.plan`): a NOT YET goes on by spending more of the same plan.
`mptwin.gate.report` prints the table and writes gate.json and gate.html; `mptwin.gate.cli`
maps the decision to an exit code.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from omegaconf import DictConfig

from mptwin.gate.plan import check_plan, write_plan
from mptwin.gate.runs import PairedRuns, RunFailed
from mptwin.gate.sequential import GO, NO_GO, NOT_YET, Look, Outcome, plan_looks, run_sequential
from mptwin.gate.spec import GateSpec, arm_configs, check_spend, load_gate, parse_gate

EXIT_CODES = {GO: 0, NO_GO: 1, NOT_YET: 3}
EXIT_BAD_GATE, EXIT_RUN_FAILED = 2, 4


@dataclass(frozen=True)
class GateResult:
    spec: GateSpec
    outcome: Outcome
    looks: list[Look]  # every look of the plan (outcome.looks: those taken)
    spend: int  # the paired seeds this run could go to (the plan's seeds.max at most)
    out: Path
    simulated: int  # runs this gate simulated
    reused: int  # complete runs it found and read
    seconds: float

    @property
    def decision(self) -> str:
        return self.outcome.decision

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.outcome.decision]


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
    the folder was started with another plan (`mptwin.gate.plan`)."""
    from mptwin.gate.report import look_line, write_report

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
