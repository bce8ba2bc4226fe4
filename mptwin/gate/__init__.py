"""`mptwin-gate`: a go/no-go on a rule change, for CI before production.

A gate file (conf/gate/*.yaml, `mptwin.gate.spec`) names the current rules and the candidate as
Hydra overrides, the scenarios, a goal KPI and guardrails. `run_gate` runs both arms on the same
seeds in batches (`mptwin.gate.runs`), judges the paired differences after each batch with an
alpha-spending sequential test (`mptwin.gate.sequential`, where the design is explained) and
stops at GO, NO-GO, or NOT YET when the seed budget is spent. `mptwin.gate.report` prints the
table and writes gate.json and gate.html; `mptwin.gate.cli` maps the decision to an exit code.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from omegaconf import DictConfig

from mptwin.gate.runs import PairedRuns, RunFailed
from mptwin.gate.sequential import GO, NO_GO, NOT_YET, Look, Outcome, plan_looks, run_sequential
from mptwin.gate.spec import GateSpec, arm_configs, load_gate, parse_gate

EXIT_CODES = {GO: 0, NO_GO: 1, NOT_YET: 3}
EXIT_BAD_GATE, EXIT_RUN_FAILED = 2, 4


@dataclass(frozen=True)
class GateResult:
    spec: GateSpec
    outcome: Outcome
    looks: list[Look]  # every look declared (outcome.looks: those taken)
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


def run_gate(spec: GateSpec, out: Path | None = None, workers: int = 2,
             configs: dict[tuple[str, str], DictConfig] | None = None,
             echo: Callable[[str], None] = print) -> GateResult:  # fmt: skip
    """Run the gate to a decision; writes the runs, gate.json and gate.html under `out`."""
    from mptwin.gate.report import look_line, write_report

    t0 = time.perf_counter()
    out = Path(out) if out is not None else default_out(spec)
    configs = configs if configs is not None else arm_configs(spec)
    looks = plan_looks(spec.alpha, spec.seeds.batch, spec.seeds.max)
    with PairedRuns(spec, configs, out, workers, echo) as runs:
        before = [0, 0]

        def on_look(look, ran, verdicts):
            echo(look_line(look, len(looks), ran, verdicts, runs.simulated - before[0],
                           runs.reused - before[1], spec.seeds.first))  # fmt: skip
            before[:] = [runs.simulated, runs.reused]

        outcome = run_sequential(spec.checks(), spec.scenarios, looks, runs.fetch, on_look)
    result = GateResult(spec, outcome, looks, out, runs.simulated, runs.reused,
                        time.perf_counter() - t0)  # fmt: skip
    write_report(result)
    return result


__all__ = [
    "EXIT_BAD_GATE", "EXIT_CODES", "EXIT_RUN_FAILED", "GateResult", "GateSpec", "RunFailed",
    "arm_configs", "default_out", "load_gate", "parse_gate", "run_gate",
]  # fmt: skip
