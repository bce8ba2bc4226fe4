"""The operator's rules as data: the thresholds its onboarding and governance decisions apply
and its commission table. A rules file lives in `conf/rules/`, a strategy picks one
(`strategy.rules`), and any rule is a one-line override (`strategy.rules.onboarding.
approve_below=0.8`). Checked like every config, once, where they are written: unknown keys,
out-of-range values and rules that contradict each other are errors naming the key. The
onboarding and governance policies are handed their section (`strategy.rules.onboarding`,
`strategy.rules.governance`) as their `rules`; the commission table goes onto the world."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.config_bounds import ConfigError, nonneg, positive, unit
from sim.decisions import PEOPLE, REJECT


@dataclass
class OnboardingRules:
    """Thresholds on what the operator's systems see of an application (higher is riskier)."""

    approve_below: float = 0.5  # a risk score at or below this is approved automatically
    reject_above: float = 2.5  # above this, rejected automatically; between the two, people
    documents_failed: str = REJECT  # an application whose documents fail: reject | people
    screen_pass_below: float = 1.0  # a catalogue screen score below this passes (if screened)
    min_confidence: float = field(default=0.8, metadata=unit)  # a label this sure goes live
    probation_cap: int = field(
        default=0, metadata=nonneg
    )  # orders a day for a new seller (0: none)

    def check_rules(self, path: str) -> None:
        if self.approve_below > self.reject_above:
            raise ConfigError(
                f"{path}.approve_below ({self.approve_below}) must not be above "
                f"{path}.reject_above ({self.reject_above})"
            )
        if self.documents_failed not in (REJECT, PEOPLE):
            raise ConfigError(
                f"{path}.documents_failed must be {REJECT!r} or {PEOPLE!r}, "
                f"got {self.documents_failed!r}"
            )


@dataclass
class Threshold:
    """A KPI's two levels: at or above `warn` a warning, at or above `suspend` a suspension (or
    a person, where the policy asks people to confirm)."""

    warn: float = field(default=0.1, metadata=unit)
    suspend: float = field(default=0.2, metadata=unit)

    def check_rules(self, path: str) -> None:
        if self.warn > self.suspend:
            raise ConfigError(
                f"{path}.warn ({self.warn}) is above {path}.suspend "
                f"({self.suspend}): a warning must come first"
            )


@dataclass
class GovernanceRules:
    """Seller quality windows and what they trigger. Rates are shares of a seller's orders in
    the window (late shipments: of its shipments)."""

    window_days: int = field(default=60, metadata=positive)
    assess_every_days: float = field(default=7.0, metadata=positive)  # scheduled assessments
    min_orders: int = field(default=20, metadata=nonneg)  # no judgement on fewer orders
    audit_sample: int = field(default=3, metadata=nonneg)  # sellers people audit per assessment
    late_shipment: Threshold = field(default_factory=lambda: Threshold(0.15, 0.30))
    cancellation: Threshold = field(default_factory=lambda: Threshold(0.02, 0.05))
    defect: Threshold = field(default_factory=lambda: Threshold(0.10, 0.20))
    refund: Threshold = field(default_factory=lambda: Threshold(0.10, 0.20))
    # where a policy watches continuously
    new_seller_days: int = field(default=30, metadata=nonneg)  # watched on a short window
    short_window_days: int = field(default=14, metadata=positive)
    spike_factor: float = field(default=3.0, metadata=positive)  # orders today / recent mean
    recheck_days: float = field(default=7.0, metadata=nonneg)  # after people looked at a seller
    probation_days: float = field(default=14.0, metadata=nonneg)  # clean this long: cap lifted

    def check_rules(self, path: str) -> None:
        if self.short_window_days > self.window_days:
            raise ConfigError(
                f"{path}.short_window_days ({self.short_window_days}) is longer "
                f"than {path}.window_days ({self.window_days})"
            )


@dataclass
class CommissionRules:
    """The commission table: the scenario's rate per category unless `rates` names another
    (by category name), less `promo_cut` rate points on promotion days."""

    rates: dict[str, float] = field(default_factory=dict)
    promo_cut: float = field(default=0.0, metadata=unit)

    def check_rules(self, path: str) -> None:
        for name, rate in self.rates.items():
            if not 0.0 <= rate <= 1.0:
                raise ConfigError(f"{path}.rates.{name} must be a rate in [0, 1], got {rate}")

    def check_categories(self, path: str, categories: list[str]) -> None:
        """Called once the scenario is known: every named category must exist there."""
        unknown = sorted(set(self.rates) - set(categories))
        if unknown:
            raise ConfigError(
                f"{path}.rates names categories the scenario does not have: "
                f"{unknown}; it has {categories}"
            )


@dataclass
class RulesConfig:
    """A rules file: one section per decision that applies rules."""

    onboarding: OnboardingRules = field(default_factory=OnboardingRules)
    governance: GovernanceRules = field(default_factory=GovernanceRules)
    commission: CommissionRules = field(default_factory=CommissionRules)
