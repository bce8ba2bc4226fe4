"""Seller-network KPIs (docs/KPIS.md): onboarding, catalogue mapping and governance, as pure
functions of a run's result tables, against the hidden truth the tables carry."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mptwin.results.measure.columns import (
    in_window,
    matches,
    max_open,
    numeric,
    overlap_hours,
    percentiles,
    ratio,
    share,
    sums_by,
    table,
)
from mptwin.results.measure.run_tables import RunInfo

# what an admitted bad actor's orders cost the operator (net of its forfeited payouts)
BAD_ACTOR_LOSS_KINDS = (
    "chargeback",
    "chargeback_auto_release",
    "sla_credit",
    "fee_refund",
    "return_fraud",
    "return_fraud_auto",
)
LOOKBACK_H = 28 * 24.0  # a suspended seller's GMV rate is read over the four weeks before


def seller_network_kpis(tables: dict[str, pd.DataFrame], win: pd.DataFrame, info: RunInfo) -> dict:
    """Onboarding and catalogue mapping: applications received in the window and how they
    ended, how long approval took, both errors against the hidden truth, and the listings
    mapped with the share of their live time spent under a wrong category."""
    apps, listings = table(tables, "applications"), table(tables, "listings")
    arrived = in_window(numeric(apps, "arrived_h"), info)
    approved = matches(apps["decision"], "approved")
    rejected = matches(apps["decision"], "rejected")
    bad = apps["bad"].to_numpy(dtype=bool, na_value=False)
    took = (numeric(apps, "decided_h") - numeric(apps, "arrived_h"))[arrived & approved]
    p50, p95 = percentiles(took, (50, 95))
    live = numeric(listings, "live_h")
    wrong = (listings["label"] != listings["category"]).to_numpy(dtype=bool, na_value=False)
    fixed = np.nan_to_num(numeric(listings, "corrected_h"), nan=info.end_h)
    live_hours = overlap_hours(live, np.full(live.shape, info.end_h), info)
    wrong_hours = overlap_hours(live, fixed, info) * wrong
    new_sellers = win["seller"].isin(apps["seller"]).to_numpy(dtype=bool, na_value=False)
    daily = table(tables, "daily")
    in_days = in_window(daily["day"].to_numpy(dtype=float) * 24.0, info)
    return {
        "applications": int(arrived.sum()),
        "sellers_onboarded": int((in_window(numeric(apps, "decided_h"), info) & approved).sum()),
        "onboarding_p50_h": p50,
        "onboarding_p95_h": p95,
        "onboarding_backlog_max": max_open(
            numeric(apps, "arrived_h"), numeric(apps, "decided_h"), info
        ),
        "bad_sellers_admitted": int((arrived & approved & bad).sum()),
        "good_sellers_rejected": int((arrived & rejected & ~bad).sum()),
        "listings_mapped": int(in_window(live, info).sum()),
        "miscategorisation_rate": ratio(
            float(np.nansum(wrong_hours)), float(np.nansum(live_hours))
        ),
        "new_seller_gmv": float(
            (numeric(win, "price") + numeric(win, "shipping_fee"))[new_sellers].sum()
        ),
        "visits_unlisted": int(daily["visits_unlisted"].to_numpy()[in_days].sum()),
        **governance_kpis(tables, apps, info),
        "reconciliation_exceptions": _raised(tables, info, FINANCE_TYPES),
        "onboarding_reviewer_hours": _people_hours(tables, info, ONBOARDING_TYPES),
    }


ONBOARDING_TYPES = ("application_review", "catalogue_check", "listing_mapping")


def _people_hours(tables: dict[str, pd.DataFrame], info: RunInfo, types: tuple[str, ...]) -> float:
    """Hours people spent on these types of task, inside the window."""
    exc = table(tables, "exceptions")
    mine = matches(exc["handler"], "human") & matches(exc["type"], types)
    start = numeric(exc, "started_h")[mine]
    end = start + numeric(exc, "handling_h")[mine]
    done = ~np.isnan(start) & ~np.isnan(end)
    return float(overlap_hours(start[done], end[done], info).sum())


FINANCE_TYPES = ("reconciliation_mismatch", "negative_balance")


def _raised(tables: dict[str, pd.DataFrame], info: RunInfo, types: tuple[str, ...]) -> int:
    exc = table(tables, "exceptions")
    return int((in_window(numeric(exc, "raised_h"), info) & matches(exc["type"], types)).sum())


def governance_kpis(tables: dict[str, pd.DataFrame], apps: pd.DataFrame, info: RunInfo) -> dict:
    """Suspensions against the hidden truth: precision over suspensions that started in the
    window, recall and time to detect over bad actors that went live in the window, the GMV
    honest sellers lost while wrongly suspended, and what admitted bad actors cost."""
    susp, orders = table(tables, "suspensions"), table(tables, "orders")
    started = in_window(numeric(susp, "start_h"), info)
    bad_susp = susp["bad"].to_numpy(dtype=bool, na_value=False)
    bad = apps[
        apps["bad"].to_numpy(dtype=bool, na_value=False) & matches(apps["decision"], "approved")
    ]
    live_bad = bad[in_window(numeric(bad, "live_h"), info)]
    first = susp.groupby("seller")["start_h"].min()
    caught = live_bad["seller"].isin(first.index).to_numpy(dtype=bool)
    took = first.reindex(live_bad["seller"]).to_numpy(dtype=float) - numeric(live_bad, "live_h")
    (p50,) = percentiles(took[caught], (50,))
    return {
        "governance_precision": share(bad_susp[started]) if started.any() else None,
        "governance_recall": share(caught),
        "detect_p50_h": p50,
        "gmv_lost_false_suspension": _gmv_lost(susp[~bad_susp], orders, info),
        "bad_actor_losses": _bad_actor_losses(table(tables, "money"), orders, bad["seller"]),
    }


def _gmv_lost(honest: pd.DataFrame, orders: pd.DataFrame, info: RunInfo) -> float:
    """Per wrongful suspension, its hours inside the window times the seller's GMV per hour
    over the four weeks before it (or since its first order, if newer)."""
    if honest.empty:
        return 0.0
    placed = numeric(orders, "placed_h")
    value = numeric(orders, "price") + numeric(orders, "shipping_fee")
    seller = orders["seller"].to_numpy()
    start = numeric(honest, "start_h")
    end = np.nan_to_num(numeric(honest, "end_h"), nan=info.end_h)
    hours = overlap_hours(start, end, info)
    lost = 0.0
    for s, t0, h in zip(honest["seller"].to_numpy(), start, hours, strict=True):
        own = seller == s
        mine = own & (placed < t0) & (placed >= t0 - LOOKBACK_H)
        if h <= 0 or not mine.any():
            continue
        span = t0 - max(t0 - LOOKBACK_H, float(placed[own].min()))
        lost += float(value[mine].sum()) / max(span, 24.0) * h
    return lost


def _bad_actor_losses(money: pd.DataFrame, orders: pd.DataFrame, bad_sellers) -> float:
    """Operator outflows on admitted bad actors' orders (chargebacks, SLA credits, fee refunds,
    approved fraudulent returns), net of the payouts forfeited by them."""
    ids = orders.loc[orders["seller"].isin(bad_sellers), "order_id"]
    mine = money[money["order_id"].isin(ids).to_numpy(dtype=bool, na_value=False)]
    by_kind = sums_by(mine, "kind")
    lost = sum(by_kind.get(k, 0.0) for k in BAD_ACTOR_LOSS_KINDS)
    return float(lost - by_kind.get("payout_forfeit", 0.0))
