"""The seller network's records: applications to join and new listings' category mappings
(slotted, one object each)."""

from __future__ import annotations

from sim.entities import NAN

# Application decisions (an application ends in one of these, or is still open at run end).
APPROVED, REJECTED = "approved", "rejected"


class Application:
    """A seller's application to join: what the operator sees, the hidden truth, and how it
    went. Its truth and luck are drawn per run, the same whatever the strategy."""

    __slots__ = (
        "app_id",
        "seller",
        "arrived_h",
        "documents_ok",
        "kyc_score",
        "screen_score",
        "listings",
        "bad",
        "compliance_issue",
        "review_u",
        "catalogue_u",
        "fix_e",
        "decision",
        "decided_h",
        "live_h",
        "by_people",
        "reason",
        "wave",
        "volume_cap",
    )

    def __init__(
        self,
        app_id,
        seller,
        arrived_h,
        documents_ok,
        kyc_score,
        screen_score,
        listings,
        bad,
        compliance_issue,
        review_u,
        catalogue_u,
        fix_e,
    ):
        self.app_id = app_id
        self.seller = seller
        self.arrived_h = arrived_h
        self.documents_ok = documents_ok  # the automatic document check passed
        self.kyc_score = kyc_score  # the KYC provider's score: higher is riskier
        self.screen_score = screen_score  # the automatic catalogue screen: higher, more suspect
        self.listings = listings
        self.bad = bad  # hidden: a bad actor
        self.compliance_issue = compliance_issue  # hidden: the catalogue breaks the rules
        self.review_u = review_u  # below a reviewer's rate: the verdict catches it
        self.catalogue_u = catalogue_u  # below the catalogue team's rate: the issue is found
        self.fix_e = fix_e  # unit exponential: how long an honest seller takes to fix it
        self.decision = ""  # approved | rejected ("" while open)
        self.decided_h = NAN
        self.live_h = NAN  # its first listing went live
        self.by_people = False  # a person took part in the decision
        self.reason = ""
        self.wave = False  # hidden: a bad actor that will run a stolen-card order wave
        self.volume_cap = 0  # orders a day on probation (0: none), as the strategy decided


class Listing:
    """A new listing's mapping to the operator's categories: the label it went live under, and
    when a wrong one was corrected."""

    __slots__ = (
        "offer",
        "seller",
        "category",
        "label",
        "confidence",
        "by_people",
        "live_h",
        "corrected_h",
        "surface_e",
    )

    def __init__(self, offer, seller, category, surface_e):
        self.offer = offer
        self.seller = seller
        self.category = category  # hidden: the true category
        self.label = -1
        self.confidence = NAN
        self.by_people = False
        self.live_h = NAN
        self.corrected_h = NAN
        self.surface_e = surface_e  # unit exponential: when a wrong label surfaces
