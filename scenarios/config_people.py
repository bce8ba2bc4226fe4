"""The operator's people in a scenario config: the main review team and teams by skill."""

from __future__ import annotations

from dataclasses import dataclass, field

from scenarios.config_checks import known_types, nonempty, shift
from sim.entities import EXCEPTION_TYPES
from sim.validate import ConfigError, between, nonneg, unit


@dataclass
class TeamConfig:
    """A review team by skill: its own headcount, shifts and wage, and the exception types it
    works (the main team works every type no other team names)."""

    headcount: int = field(default=1, metadata=nonneg)
    shift_start: float = field(default=8.0, metadata=between(0, 24))
    shift_end: float = field(default=17.0, metadata=between(0, 24))
    weekends: bool = False
    hourly_cost: float = field(default=30.0, metadata=nonneg)
    types: list[str] = field(default_factory=list)

    def check_rules(self, path: str) -> None:
        shift(self.shift_start, self.shift_end, path)
        known_types(self.types, f"{path}.types")
        nonempty(self.types, f"{path}.types", "a team needs the exception types it works")


@dataclass
class ReviewersConfig:
    """The main team (headcount, shifts, wage) and, optionally, `teams` by skill beside it."""

    headcount: int = field(default=10, metadata=nonneg)
    shift_start: float = field(default=8.0, metadata=between(0, 24))
    shift_end: float = field(default=17.0, metadata=between(0, 24))
    weekends: bool = False
    hourly_cost: float = field(default=30.0, metadata=nonneg)
    handling_mean_h: dict[str, float] = field(default_factory=dict)
    fraud_detection: float = field(default=0.9, metadata=unit)
    false_rejection: float = field(default=0.05, metadata=unit)
    return_fraud_detection: float = field(default=0.6, metadata=unit)
    kyc_detection: float = field(default=0.85, metadata=unit)  # hidden: bad applicants caught
    kyc_false_rejection: float = field(default=0.03, metadata=unit)  # hidden: honest rejected
    compliance_detection: float = field(default=0.9, metadata=unit)  # hidden: issues found
    seller_detection: float = field(
        default=0.85, metadata=unit
    )  # hidden: a review finds a bad actor
    seller_false_suspension: float = field(default=0.01, metadata=unit)  # hidden: honest suspended
    reconciliation_detection: float = field(default=0.95, metadata=unit)  # hidden: overbills found
    teams: dict[str, TeamConfig] = field(default_factory=dict)

    def check_rules(self, path: str) -> None:
        shift(self.shift_start, self.shift_end, path)
        if "operations" in self.teams:
            raise ConfigError(
                f"{path}.teams.operations: the main team is configured by "
                f"{path}.headcount and its shifts; name the other teams otherwise"
            )
        seen: dict[str, str] = {}
        for name, team in self.teams.items():
            for t in team.types:
                if t in seen:
                    raise ConfigError(
                        f"{path}.teams.{name}.types: {t} is already worked by "
                        f"team {seen[t]}; each type goes to one team"
                    )
                seen[t] = name
        unknown = set(self.handling_mean_h) - set(EXCEPTION_TYPES)
        if unknown:
            raise ConfigError(
                f"{path}.handling_mean_h has unknown exception types {sorted(unknown)}; "
                f"known: {list(EXCEPTION_TYPES)}"
            )
        for t in EXCEPTION_TYPES:
            v = self.handling_mean_h.get(t)
            if v is None or v <= 0:
                raise ConfigError(f"{path}.handling_mean_h.{t} must be > 0, got {v}")
