"""Governance policies: which sellers to warn, suspend or send to people, from their KPI
windows. Thresholds come from the strategy's rules file: `strategy.rules.governance`
(`strategies.rules.GovernanceRules`), handed to the policy as its `rules`."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.config_bounds import handed_over
from sim.decisions import LIFT, PEOPLE, SUSPEND, WARN, Alternative, SellerAction
from sim.events import SELLER_SIGNAL
from sim.market_view import MarketView
from sim.seller_performance import SellerWindow
from strategies.rules import GovernanceRules

METRICS = ("late_shipment", "cancellation", "defect", "refund")  # rule name = window rate name


def evidence(
    w: SellerWindow, rules: GovernanceRules, days: int, at_suspend: str = SUSPEND
) -> tuple[Alternative, ...]:
    """A window's rates against their levels, each as the action it calls for (`at_suspend`
    for a suspension level: a policy may ask people to confirm instead): what explains a
    governance action (only when the run records its decisions)."""
    out = []
    for m in METRICS:
        rate, t = getattr(w, m + "_rate"), getattr(rules, m)
        level, action = (
            (t.suspend, at_suspend)
            if rate >= t.suspend
            else (t.warn, WARN)
            if rate >= t.warn
            else (t.warn, "none")
        )
        cmp = ">=" if rate >= level else "<"
        out.append(
            Alternative(
                action,
                f"{m} {rate:.1%} of {w.orders} orders in {days} days {cmp} {level:.0%}",
                rate,
                level,
            )
        )
    return tuple(out)


def breaches(w: SellerWindow, rules: GovernanceRules) -> tuple[list[str], list[str]]:
    """The metrics of a window at or above their warning and at or above their suspension."""
    warn, suspend = [], []
    for m in METRICS:
        rate, t = getattr(w, m + "_rate"), getattr(rules, m)
        if rate >= t.suspend:
            suspend.append(m)
        elif rate >= t.warn:
            warn.append(m)
    return warn, suspend


@dataclass(eq=False)
class ThresholdRules:
    """Automation-only: every `assess_every_days` the rules are applied to each selling seller's
    window (at least `min_orders` orders): a breach of a suspension level suspends, of a warning
    level warns; people audit a random sample of `audit_sample` sellers. Nothing else is read:
    the window is all the quality system knows."""

    # strategy.rules.governance, handed over by the strategy's builder: not a key of this entry
    rules: GovernanceRules = field(default_factory=GovernanceRules, metadata=handed_over)

    def __post_init__(self) -> None:
        self.period_h = 24.0 * self.rules.assess_every_days

    def bind(self, market: MarketView) -> None:
        self._rng = market.random("audit")

    def review(self, market: MarketView) -> list[SellerAction]:
        r = self.rules
        actions, selling = [], market.selling_sellers()
        for s in selling:
            w = market.seller_window(s, r.window_days)
            if w.orders < r.min_orders:
                continue
            warn, suspend = breaches(w, r)
            why = evidence(w, r, r.window_days) if market.explaining else ()
            if suspend:
                actions.append(SellerAction(s, SUSPEND, "+".join(suspend), why))
            elif warn:
                actions.append(SellerAction(s, WARN, "+".join(warn), why))
        acted = {a.seller for a in actions}
        pool = [s for s in selling if s not in acted]
        k = min(r.audit_sample, len(pool))
        audit = (
            (Alternative(PEOPLE, f"drawn for this assessment's audit of {k} sellers"),)
            if market.explaining
            else ()
        )
        for i in sorted(self._rng.choice(len(pool), size=k, replace=False).tolist()) if k else []:
            actions.append(SellerAction(pool[i], PEOPLE, "audit", audit))
        return actions


@dataclass(eq=False)
class ContinuousWatch:
    """Orchestration: watches every seller from the domain events, hourly. A seller with a new
    negative signal (late shipment, cancellation, defect, refund), or a new seller with a new
    order, is looked at: its long window, and for a new seller its short window too. A breach of
    a suspension level, an order spike of a new seller (today's orders over `spike_factor`
    times its recent daily mean), or several metrics near their limits together, goes to
    people, who confirm a suspension or clear it; a warning level warns. A seller people have
    just looked at is not sent again for `recheck_days`. A new seller on probation whose
    windows stay clean for `probation_days` has its volume cap lifted."""

    # strategy.rules.governance, handed over by the strategy's builder: not a key of this entry
    rules: GovernanceRules = field(default_factory=GovernanceRules, metadata=handed_over)
    period_h: float = 1.0

    def bind(self, market: MarketView) -> None:
        self._market = market
        self._dirty: set[int] = set()
        self._quiet_until: dict[int, float] = {}
        self._warned_until: dict[int, float] = {}
        market.subscribe(SELLER_SIGNAL, self._on_signal)

    def _on_signal(self, signal) -> None:
        if signal.kind == "shipped":
            return
        if signal.kind == "orders":
            since = self._market.selling_since_h(signal.seller)
            if signal.t_h - since > 24.0 * self.rules.new_seller_days:
                return
        self._dirty.add(signal.seller)

    def review(self, market: MarketView) -> list[SellerAction]:
        r, now = self.rules, market.now()
        actions = []
        dirty, self._dirty = self._dirty, set()
        for s in sorted(dirty):
            if not market.is_selling(s) or self._quiet_until.get(s, -1.0) > now:
                continue
            action = self._judge(market, s, now)
            if action is None:
                continue
            if market.explaining:
                action = self._explained(market, s, now, action)
            if action.action == PEOPLE:
                self._quiet_until[s] = now + 24.0 * r.recheck_days
            elif action.action == WARN:
                if self._warned_until.get(s, -1.0) > now:
                    continue
                self._warned_until[s] = now + 24.0 * r.recheck_days
            actions.append(action)
        return actions

    def _judge(self, market: MarketView, s: int, now: float) -> SellerAction | None:
        r = self.rules
        windows = [market.seller_window(s, r.window_days)]
        new = now - market.selling_since_h(s) <= 24.0 * r.new_seller_days
        if new:
            short = market.seller_window(s, r.short_window_days)
            windows.append(short)
            today = market.seller_window(s, 1).orders  # yesterday and today
            mean = 2.0 * short.orders / (r.short_window_days + 1)
            day = int(now // 24.0)
            promo = market.is_promo_day(day) or market.is_promo_day(day - 1)  # everyone spikes
            if not promo and today >= r.min_orders / 2 and today > r.spike_factor * max(mean, 1.0):
                return SellerAction(s, PEOPLE, "order_spike")
        floor = r.min_orders / 2 if new else r.min_orders
        warned = []
        for w in windows:
            if w.orders < floor:
                continue
            warn, suspend = breaches(w, r)
            if suspend:
                return SellerAction(s, PEOPLE, "+".join(suspend))
            if len(warn) >= 2:  # several signals at once: an anomaly across systems
                return SellerAction(s, PEOPLE, "combined:" + "+".join(warn))
            warned += warn
        if warned:
            return SellerAction(s, WARN, "+".join(sorted(set(warned))))
        settled = now - market.selling_since_h(s) >= 24.0 * r.probation_days
        if market.on_probation(s) and settled and windows[-1].orders >= floor:
            return SellerAction(s, LIFT, "clean_probation")
        return None

    def _explained(
        self, market: MarketView, s: int, now: float, action: SellerAction
    ) -> SellerAction:
        """The action with the windows' evidence (read again: the same instant, the same
        windows) and what else led to it: an order spike, a clean probation."""
        r = self.rules
        days = [r.window_days]
        if now - market.selling_since_h(s) <= 24.0 * r.new_seller_days:
            days.append(r.short_window_days)
        why = [a for d in days for a in evidence(market.seller_window(s, d), r, d, PEOPLE)]
        if action.reason == "order_spike":
            why.append(
                Alternative(
                    PEOPLE,
                    "orders today far above its recent daily mean",
                    market.seller_window(s, 1).orders,
                )
            )
        elif action.reason.startswith("combined:"):
            why.append(Alternative(PEOPLE, "several metrics at their warning level at once"))
        elif action.action == LIFT:
            why.append(Alternative(LIFT, f"on probation and clean for {r.probation_days:g} days"))
        return SellerAction(action.seller, action.action, action.reason, tuple(why))
