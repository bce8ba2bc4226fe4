"""Exception triage policies: who handles an irregularity, how urgently, by when."""

from __future__ import annotations

from sim.decisions import ExceptionEvent, Triage
from sim.market_view import MarketView


class AllHuman:
    """Automation-only: every irregularity becomes a human task. Priority and deadline come
    from a fixed table per exception type (lower priority number = more urgent)."""

    def __init__(self, priority: dict[str, int], deadline_h: dict[str, float]):
        missing = set(priority) ^ set(deadline_h)
        if missing:
            raise ValueError(
                f"strategy.exceptions: priority and deadline_h disagree on {sorted(missing)}"
            )
        self.priority = dict(priority)
        self.deadline_h = dict(deadline_h)

    def triage(self, event: ExceptionEvent, market: MarketView) -> Triage:
        try:
            return Triage(
                "human", self.priority[event.type], event.raised_h + self.deadline_h[event.type]
            )
        except KeyError:
            raise KeyError(
                f"strategy.exceptions has no priority for exception type {event.type!r}"
            ) from None


class AutoRoutine:
    """Orchestration: routine irregularities are resolved by the system at once (a stockout or
    an unserved region rerouted, a late customer informed, a small return refunded, a price
    reset to the floor); only anomalies go to a person: held payments, lost parcels, returns
    above `auto_refund_limit`, and any type not listed in `auto`."""

    def __init__(self, auto: list[str], priority: dict[str, int], deadline_h: dict[str, float],
                 auto_refund_limit: float = 200.0):  # fmt: skip
        self.auto = frozenset(auto)
        self.human = AllHuman(priority, deadline_h)
        self.auto_refund_limit = auto_refund_limit

    def triage(self, event: ExceptionEvent, market: MarketView) -> Triage:
        if event.type in self.auto and not (
            event.type == "return_request" and event.value > self.auto_refund_limit
        ):
            return Triage("auto", 0, event.raised_h)
        return self.human.triage(event, market)
