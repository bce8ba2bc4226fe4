"""What a gate run gives: the decision, the looks taken, what was simulated, and the exit code
each decision maps to (0 GO, 1 NO-GO, 2 a bad gate file, 3 NOT YET, 4 a run failed)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mptwin.experiments.gate.sequential import GO, NO_GO, NOT_YET, Look, Outcome
from mptwin.experiments.gate.spec import GateSpec

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
