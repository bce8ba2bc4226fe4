"""Who reads each config key (`tests/test_params.py` checks it): `READERS`, for every key of
every scenario and strategy config in conf/, the module that reads it where it is used; and
`INFORMATIVE`, the keys read on purpose by nothing but people, with why.

In a key, `[]` is any item of a list and `*` any key of a mapping; a list of numbers or a
table of numbers is one key (`scenario.demand.hour_profile`, `strategy.promise.buffer_days`).
"""

from __future__ import annotations

# the modules that read scenario keys
SYNTHETIC = "scenarios/synthetic.py"  # the world generator
APPLICANTS = "scenarios/applicants.py"  # the applicants' pool it generates
PARTS = "sim/world_parts.py"  # what the world derives from a part, in the part's own methods
CLASSIFIER = "sim/classifier.py"
MARKET = "sim/market_view.py"  # the public terms strategies read
LOOKUP = "sim/world_facts.py"
STATE = "sim/state.py"
ARRIVALS = "sim/processes/customer_arrivals.py"
PLACE = "sim/processes/place_order.py"
ROUTE = "sim/processes/route_orders.py"
PICK = "sim/processes/pick_and_pack.py"
CARRY = "sim/processes/carry_parcel.py"
RETURN = "sim/processes/return_order.py"
REPLENISH = "sim/processes/replenish_stock.py"
REPRICE = "sim/processes/reprice_offers.py"
ONBOARD = "sim/processes/onboard_seller.py"
FRAUD_WAVE = "sim/processes/fraud_wave.py"
MONITOR = "sim/processes/monitor_sellers.py"
RECONCILE = "sim/processes/reconcile.py"
SETTLE = "sim/processes/settle_payouts.py"
REVIEWERS = "sim/processes/reviewer_team.py"
RECORDS = "mptwin/results/measure/records.py"
# ... and strategy keys
POLICIES = "mptwin/runner/policies.py"  # binds each policy from its `_target_`
COMPOSE = "mptwin/runner/compose.py"  # hands the rules file's commission table to the world
ROUTING = "strategies/routing.py"
PROMISE = "strategies/promise.py"
PRICING = "strategies/pricing.py"
EXCEPTIONS = "strategies/exceptions.py"
ONBOARDING = "strategies/onboarding.py"
GOVERNANCE = "strategies/governance.py"
REMOTE = "strategies/remote/policies.py"  # policies that forward to a decision service
SERVICE_KEYS = ("url", "timeout_ms", "retry_after_h", "max_failures", "required")


def _under(prefix: str, readers: dict[str, str]) -> dict[str, str]:
    return {f"{prefix}.{k}": m for k, m in readers.items()}


READERS: dict[str, str] = {
    # --- the run and the world's generation
    **_under(
        "scenario",
        {
            "world_seed": SYNTHETIC,
            "start_date": SYNTHETIC,
            "days": SYNTHETIC,
            "warmup_days": SYNTHETIC,
            "cooldown_days": SYNTHETIC,
        },
    ),
    **_under(
        "scenario.regions",
        {
            "count": SYNTHETIC,
            "spread_km": SYNTHETIC,
            "weight_sigma": SYNTHETIC,
            "road_factor": SYNTHETIC,
            "local_km": SYNTHETIC,
        },
    ),
    **_under(
        "scenario.regions.sites[]",
        {k: SYNTHETIC for k in ("name", "x_km", "y_km", "weight", "local_km", "transit_factor")},
    ),
    **_under(
        "scenario.demand",
        {
            "visits_per_day": ARRIVALS,
            "hour_profile": SYNTHETIC,  # the world's hour_weight
            "weekday_profile": SYNTHETIC,  # the world's weekday_weight
            "month_profile": ARRIVALS,
            "promo_dates": SYNTHETIC,
            "promo_multiplier": ARRIVALS,
            "attractiveness": PLACE,
            "price_sensitivity": PLACE,
            "delivery_sensitivity": PLACE,
            "trend_per_year": ARRIVALS,
            "zipf_exponent": SYNTHETIC,
        },
    ),
    **_under(
        "scenario.catalogue",
        {
            "skus": SYNTHETIC,
            "offers_per_sku": SYNTHETIC,
            "markup": SYNTHETIC,
            "second_warehouse_share": SYNTHETIC,
            "stock_cover_days": SYNTHETIC,
            "safety_days": SYNTHETIC,
            "order_cover_days": SYNTHETIC,
            "new_listings_per_day": ONBOARD,
            "new_listing_visits_day": APPLICANTS,
            "mapping.miscategorised_penalty": ONBOARD,
            "mapping.surface_days": ONBOARD,
            **{
                f"mapping.{m}.{k}": CLASSIFIER
                for m in ("keyword", "model")
                for k in ("accuracy", "sharpness", "temperature")
            },
        },
    ),
    **_under(
        "scenario.catalogue.categories[]",
        {k: SYNTHETIC for k in ("name", "commission_rate", "share", "cost_mean")},
    ),
    **_under(
        "scenario.sellers[]",
        {
            "name": SYNTHETIC,
            "count": SYNTHETIC,
            "size": SYNTHETIC,
            "handling_h": MARKET,
            "reliability": STATE,
            "delay_mean_h": STATE,
            "lead_time_days": REPLENISH,
            "bad_actor": STATE,
        },
    ),
    **_under(
        "scenario.applications",
        {
            **{
                k: ONBOARD
                for k in (
                    "per_day",
                    "bad_share",
                    "kyc_separation",
                    "screen_separation",
                    "documents_fail_honest",
                    "documents_fail_bad",
                    "compliance_issue_honest",
                    "compliance_issue_bad",
                    "fix_days",
                    "bad_reliability",
                    "bad_delay_mean_h",
                    "bad_return_rate",
                    "bad_never_ship",
                    "bad_review_drop",
                    "wave_share",
                )
            },
            "wave_after_days": FRAUD_WAVE,
            "wave_days": FRAUD_WAVE,
            "wave_orders_per_day": FRAUD_WAVE,
            "listings_median": APPLICANTS,
            "listings_sigma": APPLICANTS,
            "visits_per_listing_day": APPLICANTS,
            "profile.handling_h": MARKET,
            "profile.reliability": STATE,
            "profile.delay_mean_h": STATE,
            "profile.lead_time_days": REPLENISH,
            "profile.bad_actor": STATE,
        },
    ),
    **_under(
        "scenario.governance",
        {"reform_chance": MONITOR, "appeal_days": MONITOR, "review_lag_days": CARRY},
    ),
    **_under(
        "scenario.finance",
        {
            "mismatch_rate": RECONCILE,
            "mismatch_sd": RECONCILE,
            "overbill_share": RECONCILE,
            "negative_balance_days": RECONCILE,
        },
    ),
    **_under(
        "scenario.warehouses",
        {
            "count": SYNTHETIC,
            "capacity_headroom": SYNTHETIC,
            "regions": SYNTHETIC,
            "shift_start": PICK,
            "shift_end": PICK,
            "cutoff_hour": PICK,
            "weekend_factor": PICK,
            "discrepancy_rate": PICK,
        },
    ),
    **_under(
        "scenario.carriers[]",
        {
            "name": MARKET,
            "share": SYNTHETIC,
            "coverage": SYNTHETIC,
            "fixed_cost": MARKET,
            "cost_per_km": MARKET,
            "base_days": MARKET,
            "km_per_day": MARKET,
            "daily_capacity": CARRY,
            "transit_bias": CARRY,
            "transit_sigma": CARRY,
            "loss_rate": CARRY,
            "damage_rate": CARRY,
        },
    ),
    **_under(
        "scenario.disruptions[]",
        {
            "carrier": PARTS,  # Disruption.hits
            "regions": PARTS,
            "start_day": PARTS,
            "days": PARTS,
            "capacity_factor": CARRY,
            "transit_factor": CARRY,
        },
    ),
    **_under(
        "scenario.competitor",
        {"volatility": SYNTHETIC, "reversion": SYNTHETIC, "promo_discount": SYNTHETIC},
    ),
    **_under(
        "scenario.reviews",
        {k: CARRY for k in ("on_time_mean", "late_drop", "late_drop_per_day", "max_drop", "sd")},
    ),
    # --- the operator's people: the main team is `reviewers` itself, read where it works
    **_under(
        "scenario.reviewers",
        {
            "headcount": REVIEWERS,
            "shift_start": REVIEWERS,
            "shift_end": REVIEWERS,
            "weekends": REVIEWERS,
            "hourly_cost": REVIEWERS,
            "handling_mean_h": REVIEWERS,
            "fraud_detection": PLACE,
            "false_rejection": PLACE,
            "return_fraud_detection": RETURN,
            "kyc_detection": ONBOARD,
            "kyc_false_rejection": ONBOARD,
            "compliance_detection": ONBOARD,
            "seller_detection": MONITOR,
            "seller_false_suspension": MONITOR,
            "reconciliation_detection": RECONCILE,
        },
    ),
    **_under(
        "scenario.reviewers.teams.*",
        {
            "headcount": REVIEWERS,
            "shift_start": REVIEWERS,
            "shift_end": REVIEWERS,
            "weekends": REVIEWERS,
            "hourly_cost": REVIEWERS,
            "types": PARTS,  # ReviewerSpec.desks: which desk works which exception type
        },
    ),
    **_under(
        "scenario.money",
        {
            "currency": RECORDS,
            "fee_base": LOOKUP,
            "fee_per_km": LOOKUP,
            "sla_credit_pct": CARRY,
            "return_window_days": RETURN,
            "payout_every_days": SETTLE,
            "chargeback_delay_days": CARRY,
            "price_floor_margin": REPRICE,
            "platform_fee_per_order": PLACE,
        },
    ),
    **_under(
        "scenario.risk",
        {
            "fraud_rate": ARRIVALS,
            "signal_separation": ARRIVALS,
            "hold_threshold": PLACE,
            "return_rate": RETURN,
            "return_rate_late": RETURN,
            "return_fraud_rate": RETURN,
            "lost_detect_days": STATE,
            "customer_cancel_rate": ROUTE,
        },
    ),
    "scenario.feeds.lag_h": STATE,
    # the scale ladder's point and rules: read as the config is composed, by its resolvers
    "scenario.ladder": "scenarios/ladder.py",
    # --- the strategy: each policy is its own schema, read in place; the world reads the
    # schedule it asks on (batch_minutes, period_h, ...)
    "strategy.uses_platform": POLICIES,
    **{
        f"strategy.{p}._target_": POLICIES
        for p in ("routing", "promise", "pricing", "exceptions", "onboarding", "governance")
    },
    **{
        f"strategy.{p}.fallback._target_": POLICIES
        for p in ("routing", "promise", "pricing", "exceptions")
    },
    **{
        f"strategy.{p}.{k}": REMOTE
        for p in ("routing", "promise", "pricing", "exceptions")
        for k in SERVICE_KEYS
    },
    **_under(
        "strategy.routing",
        {
            "batch_minutes": ROUTE,
            "decision_latency_minutes": ROUTE,
            "defer_penalty": ROUTING,
            "late_penalty": ROUTING,
            "overflow_penalty": ROUTING,
            "horizon_days": ROUTING,
            "time_limit_s": ROUTING,
        },
    ),
    **_under(
        "strategy.promise",
        {
            "buffer_days": PROMISE,
            "buffer_h": PROMISE,
            "default_buffer_days": PROMISE,
            "transit_scale": PROMISE,
            "quantile": PROMISE,
            "horizon_days": PROMISE,
            "load_limit": PROMISE,
            "refresh_h": PROMISE,
            "fallback.buffer_days": PROMISE,
            "fallback.transit_scale": PROMISE,
        },
    ),
    **_under(
        "strategy.pricing",
        {
            "period_h": REPRICE,
            "first_at_h": REPRICE,
            "undercut": PRICING,
            "floor_margin": PRICING,
            "full_reprice_hour": PRICING,
            "markdown": PRICING,
            "overstock_cover_days": PRICING,
            "sales_half_life_days": PRICING,
            "scarce_cover_days": PRICING,
            "scarcity_markup": PRICING,
            "fallback.undercut": PRICING,
        },
    ),
    **_under(
        "strategy.exceptions",
        {
            "auto": EXCEPTIONS,
            "auto_refund_limit": EXCEPTIONS,
            "auto_reconcile_limit": EXCEPTIONS,
            "auto_release_limit": EXCEPTIONS,
            "priority": EXCEPTIONS,
            "deadline_h": EXCEPTIONS,
            "fallback.priority": EXCEPTIONS,
            "fallback.deadline_h": EXCEPTIONS,
        },
    ),
    "strategy.onboarding.mapper": ONBOARDING,
    "strategy.governance.period_h": MONITOR,
    # --- the operator's rules (conf/rules/), handed to the policies that apply them
    "strategy.rules.commission.rates": COMPOSE,
    "strategy.rules.commission.promo_cut": COMPOSE,
    **_under(
        "strategy.rules.onboarding",
        {
            k: ONBOARDING
            for k in (
                "approve_below",
                "reject_above",
                "screen_pass_below",
                "min_confidence",
                "documents_failed",
                "probation_cap",
            )
        },
    ),
    **_under(
        "strategy.rules.governance",
        {
            **{
                k: GOVERNANCE
                for k in (
                    "assess_every_days",
                    "audit_sample",
                    "min_orders",
                    "new_seller_days",
                    "probation_days",
                    "recheck_days",
                    "short_window_days",
                    "spike_factor",
                    "window_days",
                )
            },
            **{
                f"{kind}.{level}": GOVERNANCE
                for kind in ("cancellation", "defect", "late_shipment", "refund")
                for level in ("warn", "suspend")
            },
        },
    ),
}

INFORMATIVE: dict[str, str] = {
    "scenario.name": "a label: run folders, tables, reports",
    "scenario.calibrated": "what a calibrated scenario took from its log (a run's summary says it)",
    "strategy.name": "a label: run folders, tables, reports",
    "strategy.tuned": "how mptwin-tune found the arm (the report says it)",
    # a forwarding policy's fallback answers when the service does not, on the forwarding
    # policy's schedule (strategies/remote/policies.py); its own schedule, kept from the file it
    # reuses, is never asked
    "strategy.routing.fallback.batch_minutes": "a fallback's own schedule",
    "strategy.pricing.fallback.period_h": "a fallback's own schedule",
    "strategy.pricing.fallback.first_at_h": "a fallback's own schedule",
}
