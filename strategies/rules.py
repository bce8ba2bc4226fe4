"""The operator's rules as data: the thresholds its onboarding (and, later, governance and
finance) decisions apply. A rules file lives in `conf/rules/`, a strategy picks one
(`strategy.rules`), and any rule is a one-line override (`strategy.rules.onboarding.
approve_below=0.8`). Checked like every config: unknown keys, out-of-range values and rules
that contradict each other are errors naming the key."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.decisions import PEOPLE, REJECT
from sim.validate import ConfigError, unit


@dataclass
class OnboardingRules:
    """Thresholds on what the operator's systems see of an application (higher is riskier)."""

    approve_below: float = 0.5  # a risk score at or below this is approved automatically
    reject_above: float = 2.5  # above this, rejected automatically; between the two, people
    documents_failed: str = REJECT  # an application whose documents fail: reject | people
    screen_pass_below: float = 1.0  # a catalogue screen score below this passes (if screened)
    min_confidence: float = field(default=0.8, metadata=unit)  # a label this sure goes live

    def check_rules(self, path: str) -> None:
        if self.approve_below > self.reject_above:
            raise ConfigError(f"{path}.approve_below ({self.approve_below}) must not be above "
                              f"{path}.reject_above ({self.reject_above})")  # fmt: skip
        if self.documents_failed not in (REJECT, PEOPLE):
            raise ConfigError(f"{path}.documents_failed must be {REJECT!r} or {PEOPLE!r}, "
                              f"got {self.documents_failed!r}")  # fmt: skip


@dataclass
class RulesConfig:
    """A rules file: one section per decision that applies rules."""

    onboarding: OnboardingRules = field(default_factory=OnboardingRules)
