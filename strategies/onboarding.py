"""Onboarding policies: who joins the marketplace and how new listings get their categories.
Thresholds come from the strategy's rules file: `strategy.rules.onboarding`
(`strategies.rules.OnboardingRules`), handed to the policy as its `rules`."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sim.config_bounds import handed_over
from sim.decisions import (
    APPROVE,
    PEOPLE,
    REJECT,
    Alternative,
    ApplicationView,
    ListingView,
    OnboardingDecision,
)
from sim.market_view import MarketView
from strategies.rules import OnboardingRules


@dataclass(eq=False)
class AllPeople:
    """The naive operator: people review every application and every catalogue; a keyword
    mapper labels listings and every label goes live."""

    # strategy.rules.onboarding, handed over by the strategy's builder: not a key of this entry
    rules: OnboardingRules = field(default_factory=OnboardingRules, metadata=handed_over)
    mapper: str = "keyword"

    def assess(self, app: ApplicationView, market: MarketView) -> OnboardingDecision:
        if market.explaining:
            why = "people review every application and every catalogue"
            return OnboardingDecision(
                PEOPLE,
                PEOPLE,
                "all_people",
                0,
                (Alternative(f"identity:{PEOPLE}", why), Alternative(f"catalogue:{PEOPLE}", why)),
            )
        return OnboardingDecision(PEOPLE, PEOPLE, "all_people")

    def accept_label(self, listing: ListingView, market: MarketView) -> bool:
        return True

    def explain_label(self, listing: ListingView, market: MarketView):
        """Called only by a run that records its decisions."""
        why = f"every label of the {self.mapper} mapper goes live"
        return (Alternative("accept", why, listing.confidence),), why


@dataclass(eq=False)
class KycThreshold(AllPeople):
    """Automation-only, competent but in silos: documents checked automatically, a threshold on
    the KYC provider's score approves or rejects, the band between goes to people; every
    catalogue compliance check goes to people (the catalogue system and the KYC system do not
    talk); the keyword mapper's labels all go live, and its mistakes surface later."""

    def assess(self, app: ApplicationView, market: MarketView) -> OnboardingDecision:
        r = self.rules
        if not app.documents_ok:
            d = OnboardingDecision(r.documents_failed, PEOPLE, "documents_failed")
        else:
            d = OnboardingDecision(_band(app.kyc_score, r), PEOPLE, "kyc_score")
        if market.explaining:
            catalogue = Alternative(f"catalogue:{PEOPLE}", "every catalogue goes to people")
            return replace(d, options=(*_identity(app, app.kyc_score, "KYC score", r), catalogue))
        return d


@dataclass(eq=False)
class RiskScored(AllPeople):
    """Orchestration: one risk level from every system's signal (the KYC score plus the
    catalogue screen's score; a failed document check sends the application to people rather
    than losing it); the catalogue is screened automatically and only a suspect one goes to
    people; a new seller starts on probation (`probation_cap` orders a day) until governance
    lifts it; the model mapper's labels go live when it is sure enough, the rest to people."""

    mapper: str = "model"

    def assess(self, app: ApplicationView, market: MarketView) -> OnboardingDecision:
        r = self.rules
        catalogue = APPROVE if app.screen_score < r.screen_pass_below else PEOPLE
        cap = r.probation_cap
        risk = app.kyc_score + app.screen_score
        if not app.documents_ok:
            d = OnboardingDecision(PEOPLE, catalogue, "documents_failed", cap)
        else:
            d = OnboardingDecision(_band(risk, r), catalogue, "risk_score", cap)
        if market.explaining:
            screen = Alternative(
                f"catalogue:{catalogue}",
                "screen score below the pass level"
                if catalogue == APPROVE
                else "screen score at or above the pass level",
                app.screen_score,
                r.screen_pass_below,
            )
            identity = _identity(app, risk, "risk (KYC + screen)", r, failed=PEOPLE)
            return replace(d, options=(*identity, screen))
        return d

    def accept_label(self, listing: ListingView, market: MarketView) -> bool:
        return listing.confidence >= self.rules.min_confidence

    def explain_label(self, listing: ListingView, market: MarketView):
        """Called only by a run that records its decisions."""
        c, limit = listing.confidence, self.rules.min_confidence
        accept = Alternative("accept", "the mapper is sure enough", c, limit)
        people = Alternative("people", "the mapper is unsure: a person maps it", c, limit)
        why = f"confidence {c:.2f} {'>=' if c >= limit else '<'} the threshold {limit:g}"
        return (accept, people), why


def _identity(
    app: ApplicationView, score: float, what: str, rules: OnboardingRules, failed: str | None = None
) -> tuple[Alternative, ...]:
    """The identity step's answers with the score against the rules' thresholds (a failed
    document check goes to `failed`, the rules' own answer for it unless given)."""
    if not app.documents_ok:
        return (
            Alternative(
                f"identity:{failed or rules.documents_failed}",
                "the automatic document check failed",
            ),
        )
    lo, hi = rules.approve_below, rules.reject_above
    return (
        Alternative(f"identity:{APPROVE}", f"{what} at or below {lo:g}", score, lo),
        Alternative(f"identity:{PEOPLE}", f"{what} between {lo:g} and {hi:g}", score, hi),
        Alternative(f"identity:{REJECT}", f"{what} above {hi:g}", score, hi),
    )


def _band(score: float, rules: OnboardingRules) -> str:
    if score <= rules.approve_below:
        return APPROVE
    if score > rules.reject_above:
        return REJECT
    return PEOPLE
