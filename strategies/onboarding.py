"""Onboarding policies: who joins the marketplace and how new listings get their categories.
Thresholds come from the strategy's rules file (`strategies.rules.OnboardingRules`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.decisions import (
    APPROVE,
    PEOPLE,
    REJECT,
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

    rules: OnboardingRules = field(default_factory=OnboardingRules)
    mapper: str = "keyword"

    def assess(self, app: ApplicationView, market: MarketView) -> OnboardingDecision:
        return OnboardingDecision(PEOPLE, PEOPLE, "all_people")

    def accept_label(self, listing: ListingView, market: MarketView) -> bool:
        return True


@dataclass(eq=False)
class KycThreshold(AllPeople):
    """Automation-only, competent but in silos: documents checked automatically, a threshold on
    the KYC provider's score approves or rejects, the band between goes to people; every
    catalogue compliance check goes to people (the catalogue system and the KYC system do not
    talk); the keyword mapper's labels all go live, and its mistakes surface later."""

    def assess(self, app: ApplicationView, market: MarketView) -> OnboardingDecision:
        r = self.rules
        if not app.documents_ok:
            return OnboardingDecision(r.documents_failed, PEOPLE, "documents_failed")
        return OnboardingDecision(_band(app.kyc_score, r), PEOPLE, "kyc_score")


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
        if not app.documents_ok:
            return OnboardingDecision(PEOPLE, catalogue, "documents_failed", cap)
        risk = app.kyc_score + app.screen_score
        return OnboardingDecision(_band(risk, r), catalogue, "risk_score", cap)

    def accept_label(self, listing: ListingView, market: MarketView) -> bool:
        return listing.confidence >= self.rules.min_confidence


def _band(score: float, rules: OnboardingRules) -> str:
    if score <= rules.approve_below:
        return APPROVE
    if score > rules.reject_above:
        return REJECT
    return PEOPLE
