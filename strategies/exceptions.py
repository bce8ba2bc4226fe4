"""Exception triage policies: who handles an irregularity, how urgently, by when."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sim.config_bounds import ConfigError, nonneg
from sim.decisions import Alternative, ExceptionEvent, Triage
from sim.exceptions import EXCEPTION_TYPES, PEOPLE_ONLY, ExceptionType, Handler
from sim.market_view import MarketView


@dataclass(eq=False)
class AllHuman:
    """Automation-only: every irregularity becomes a human task. Priority and deadline come
    from a fixed table per exception type (lower priority number = more urgent); both tables
    cover every exception type, so no event can find a gap."""

    priority: dict[str, int] = field(default_factory=dict)
    deadline_h: dict[str, float] = field(default_factory=dict)

    def check_rules(self, path: str) -> None:
        for key in ("priority", "deadline_h"):
            table = getattr(self, key)
            unknown = sorted(set(table) - set(EXCEPTION_TYPES))
            if unknown:
                raise ConfigError(
                    f"{path}.{key} has unknown exception types {unknown}; "
                    f"known: {list(EXCEPTION_TYPES)}"
                )
            missing = [t for t in EXCEPTION_TYPES if t not in table]
            if missing:
                raise ConfigError(f"{path}.{key} has no entry for {missing}")
        negative = sorted(t for t, h in self.deadline_h.items() if h < 0)
        if negative:
            raise ConfigError(f"{path}.deadline_h must be >= 0, not for {negative}")

    def __post_init__(self) -> None:
        self._said: dict[str, Alternative] = {}  # explaining only: people, per type

    def triage(self, event: ExceptionEvent, market: MarketView) -> Triage:
        t = event.type
        if market.explaining:
            return self._to_people(event, "every irregularity is a task for people")
        return Triage(Handler.HUMAN, self.priority[t], event.raised_h + self.deadline_h[t])

    def _to_people(self, event: ExceptionEvent, why: str, *weighed: Alternative) -> Triage:
        """To people, with the type's priority and deadline, explained."""
        t = event.type
        p, d = self.priority[t], self.deadline_h[t]
        return Triage(Handler.HUMAN, p, event.raised_h + d, why, (*weighed, self._human(t)))

    def _human(self, t: str) -> Alternative:
        """People, as the table has it for type `t` (made once per type: the same each time)."""
        human = self._said.get(t)
        if human is None:
            p, d = self.priority[t], self.deadline_h[t]
            human = self._said[t] = Alternative(
                Handler.HUMAN, f"priority {p} and a {d:g} h deadline, as the table says for {t}"
            )
        return human


@dataclass(eq=False)
class AutoRoutine(AllHuman):
    """Every arm's menu of automatic resolutions, each a rule one system runs with its own data:
    routine irregularities are resolved by the system at once (a stockout or an unserved region
    rerouted, a late customer informed, a price reset to the floor, a re-pick after a stock
    discrepancy, a small return refunded, a small reconciliation difference accepted, a small
    held payment released); the rest goes to a person: lost parcels, returns above
    `auto_refund_limit`, mismatches above `auto_reconcile_limit`, held payments above
    `auto_release_limit`, and any type not listed in `auto`. A limit of 0 sends every one of
    its type to people. The rules err where a person would catch something (a fraudulent
    return refunded, an overbill accepted, a stolen card released): that money is lost."""

    auto: list[str] = field(default_factory=list)
    auto_refund_limit: float = field(default=200.0, metadata=nonneg)
    auto_reconcile_limit: float = field(default=0.0, metadata=nonneg)  # mismatches up to this
    auto_release_limit: float = field(default=0.0, metadata=nonneg)  # held orders up to this

    def check_rules(self, path: str) -> None:
        super().check_rules(path)
        unknown = sorted(set(self.auto) - set(EXCEPTION_TYPES))
        if unknown:
            raise ConfigError(
                f"{path}.auto has unknown exception types {unknown}; known: {list(EXCEPTION_TYPES)}"
            )
        escalations = sorted(set(self.auto) & PEOPLE_ONLY)
        if escalations:
            raise ConfigError(
                f"{path}.auto lists {escalations}: the onboarding policy already "
                "sent these to people; triage sets only their priority"
            )

    def __post_init__(self) -> None:
        super().__post_init__()
        self._off_list: dict[str, Alternative] = {}  # explaining only: the system, per type
        self._auto = frozenset(self.auto)
        self._limits = {
            ExceptionType.RETURN_REQUEST: self.auto_refund_limit,
            ExceptionType.RECONCILIATION_MISMATCH: self.auto_reconcile_limit,
            ExceptionType.PAYMENT_HELD: self.auto_release_limit,
        }

    def _above_limit(self, event: ExceptionEvent) -> bool:
        limit = self._limits.get(event.type)
        return limit is not None and event.value > limit

    def triage(self, event: ExceptionEvent, market: MarketView) -> Triage:
        if market.explaining:
            return self._explained(event)
        if event.type in self._auto and not self._above_limit(event):
            return Triage(Handler.AUTO, 0, event.raised_h)
        return super().triage(event, market)

    def _explained(self, event: ExceptionEvent) -> Triage:
        """The same answer as `triage`, with the rule that gave it: the type against the auto
        list, the value at stake against its limit."""
        t, limit = event.type, self._limits.get(event.type, math.nan)
        if t in PEOPLE_ONLY:
            return self._to_people(event, f"{t} is an escalation to people already")
        if t not in self._auto:
            auto = self._not_auto(t)
            return self._to_people(event, auto.why, auto)
        if self._above_limit(event):
            why = f"{t} of {event.value:.2f} is above the automatic limit {limit:g}"
            return self._to_people(event, why, Alternative(Handler.AUTO, why, event.value, limit))
        within = f", {event.value:.2f} within the limit {limit:g}" if limit == limit else ""
        why = f"routine: {t} is in the auto list{within}"
        auto = Alternative(Handler.AUTO, why, event.value if limit == limit else math.nan, limit)
        human = Alternative(Handler.HUMAN, f"not needed: priority {self.priority[t]} if it were")
        return Triage(Handler.AUTO, 0, event.raised_h, why, (auto, human))

    def _not_auto(self, t: str) -> Alternative:
        """The system, refused for a type off the auto list (made once per type)."""
        auto = self._off_list.get(t)
        if auto is None:
            auto = self._off_list[t] = Alternative(
                Handler.AUTO, f"{t} is not in the auto list: an anomaly for people"
            )
        return auto
