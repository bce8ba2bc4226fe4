"""Exception triage policies: who handles an irregularity, how urgently, by when."""

from __future__ import annotations

from sim.decisions import ExceptionEvent, MarketView, Triage


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
