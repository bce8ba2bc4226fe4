"""Bookkeeping: every money row is valid, the books balance, escrow holds exactly what is still
owed, payouts are right, and the operator's margin is the sum of its flows."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mptwin.results.measure.metrics import compute_kpis, window_money
from sim.ledger import ACCOUNTS

REL = 1e-9  # relative tolerance of money sums (floating-point summation only)

# The operator's flows by ledger kind (KPIS.md, operator_margin): what it earns, what it bears.
OPERATOR_EARNS = ("commission", "shipping_fee", "payout_forfeit", "clawback")
OPERATOR_BEARS = (
    "commission_reversal",
    "carrier_charge",
    "sla_credit",
    "chargeback",
    "fee_refund",
    "reviewer_wages",
    "return_fraud",
    "return_fraud_auto",
    "chargeback_auto_release",
    "platform_fee",
    "overbill_carrier",
    "overpaid_payout",
)


# --- money -----------------------------------------------------------------------------------


def test_money_rows_are_valid_and_the_books_balance(stepped):
    money = stepped.result.tables["money"]
    assert len(money) > 0
    amount = money["amount"].to_numpy()
    assert np.isfinite(amount).all() and (amount > 0).all()
    assert set(money["debit"].unique()) <= set(ACCOUNTS), set(money["debit"].unique())
    assert set(money["credit"].unique()) <= set(ACCOUNTS), set(money["credit"].unique())
    assert (money["debit"] != money["credit"]).all()
    debits = money.groupby("debit")["amount"].sum()
    credits = money.groupby("credit")["amount"].sum()
    balances = debits.reindex(list(ACCOUNTS), fill_value=0.0) - credits.reindex(
        list(ACCOUNTS), fill_value=0.0
    )
    total = float(amount.sum())
    assert abs(float(balances.sum())) <= 1e-6 * total
    assert abs(debits.sum() - credits.sum()) <= 1e-6 * total
    # the ledger's own balances agree with the table
    ledger = stepped.state.records.money.balances()
    for acc in ACCOUNTS:
        assert math.isclose(ledger[acc], balances[acc], rel_tol=REL, abs_tol=1e-6 * total), acc


def test_each_kind_moves_between_one_pair_of_accounts(stepped):
    money = stepped.result.tables["money"]
    pairs = money.groupby("kind")[["debit", "credit"]].nunique()
    assert (pairs == 1).all().all(), pairs[(pairs != 1).any(axis=1)]


def _escrow_expected(orders: pd.DataFrame, money: pd.DataFrame) -> pd.Series:
    """What escrow should still hold per order, from the order's status and its payout rows:
    nothing for cancelled, returned and lost (refunded) orders and for paid-out deliveries (or
    forfeited or clawed-back ones: a held seller's share kept by the operator);
    the seller's share for a delivery not yet paid out; the payment (less the shipping fee once
    the parcel is handed over) for an order still in flight."""
    paid_out = set(
        money.loc[
            money["kind"].isin(["seller_payout", "payout_forfeit", "clawback"]), "order_id"
        ].tolist()
    )
    price, fee = orders["price"], orders["shipping_fee"]
    status = orders["status"]
    expected = pd.Series(0.0, index=orders["order_id"])
    delivered = (status == "delivered") & ~orders["order_id"].isin(paid_out)
    share = price * (1.0 - orders["commission_rate"])
    expected[delivered.to_numpy()] = share[delivered].to_numpy()
    in_flight = status == "open"
    not_handed = in_flight & orders["handed_h"].isna()
    handed = in_flight & orders["handed_h"].notna()
    expected[not_handed.to_numpy()] = (price + fee)[not_handed].to_numpy()
    expected[handed.to_numpy()] = price[handed].to_numpy()
    return expected


def test_escrow_holds_exactly_what_is_still_owed(stepped):
    orders, money = stepped.result.tables["orders"], stepped.result.tables["money"]
    into = money[money["debit"] == "escrow"].groupby("order_id")["amount"].sum()
    out = money[money["credit"] == "escrow"].groupby("order_id")["amount"].sum()
    assert -1 not in into.index and -1 not in out.index, "escrow moved without an order"
    net = into.reindex(orders["order_id"], fill_value=0.0) - out.reindex(
        orders["order_id"], fill_value=0.0
    )
    expected = _escrow_expected(orders, money)
    diff = (net - expected).abs()
    bad = diff[diff > 1e-6]
    assert bad.empty, (
        f"{len(bad)} orders whose escrow differs from what is owed:\n"
        f"{orders.set_index('order_id').loc[bad.index[:5], ['status', 'price', 'shipping_fee']]}\n"
        f"net={net[bad.index[:5]].tolist()} expected={expected[bad.index[:5]].tolist()}"
    )
    balance = stepped.state.records.money.balances()["escrow"]
    assert math.isclose(balance, float(expected.sum()), rel_tol=1e-9, abs_tol=1e-6)
    assert balance >= -1e-6


def test_payouts_only_for_delivered_orders_once_at_the_sellers_share(stepped):
    orders = stepped.result.tables["orders"].set_index("order_id")
    money = stepped.result.tables["money"]
    payouts = money[money["kind"] == "seller_payout"]
    assert len(payouts) > 0
    assert payouts["order_id"].is_unique
    paid = orders.loc[payouts["order_id"]]
    assert (paid["status"] == "delivered").all()
    share = paid["price"] * (1.0 - paid["commission_rate"])
    # what the seller owed (clawbacks) came out of the payout first: the two make the share
    clawed = money[money["kind"] == "clawback"].groupby("order_id")["amount"].sum()
    got = (
        payouts["amount"].to_numpy()
        + clawed.reindex(payouts["order_id"], fill_value=0.0).to_numpy()
    )
    np.testing.assert_allclose(got, share.to_numpy(), rtol=1e-12)
    assert (payouts["seller"].to_numpy() == paid["seller"].to_numpy()).all()


def _operator_by_kind(money: pd.DataFrame) -> float:
    by_kind = money.groupby("kind")["amount"].sum()
    touches = money.loc[(money["debit"] == "operator") | (money["credit"] == "operator"), "kind"]
    unknown = set(touches.unique()) - set(OPERATOR_EARNS) - set(OPERATOR_BEARS)
    assert not unknown, f"operator flows of unknown kind: {unknown}"
    for kind in OPERATOR_EARNS:
        assert (money.loc[money["kind"] == kind, "debit"] == "operator").all(), kind
    for kind in OPERATOR_BEARS:
        assert (money.loc[money["kind"] == kind, "credit"] == "operator").all(), kind
    earns = sum(float(by_kind.get(k, 0.0)) for k in OPERATOR_EARNS)
    bears = sum(float(by_kind.get(k, 0.0)) for k in OPERATOR_BEARS)
    return earns - bears


def test_operator_margin_is_the_sum_of_its_flows_by_kind(stepped):
    result = stepped.result
    money = result.tables["money"]
    whole_run = _operator_by_kind(money)
    assert math.isclose(stepped.state.records.money.balances()["operator"], whole_run, rel_tol=1e-9)
    kpis = compute_kpis(result.tables, result.info)
    window = _operator_by_kind(window_money(result.tables, result.info))
    assert math.isclose(kpis["operator_margin"], window, rel_tol=1e-9, abs_tol=1e-6)
    assert kpis["commission_revenue"] > 0


def test_only_suspended_bad_actors_forfeit_and_nobody_is_paid_while_suspended(stepped):
    """Payout holds: a suspended seller is paid nothing until reinstated; a bad actor that
    never appeals forfeits its held payouts to the operator (the ledger moves them out of
    escrow), and nobody else does."""
    t = stepped.result.tables
    susp, money = t["suspensions"], t["money"]
    forfeits = money[money["kind"] == "payout_forfeit"]
    assert len(forfeits) > 0 and susp["bad"].any(), "the stepped run should exercise forfeits"
    assert set(forfeits["seller"]) <= set(susp.loc[susp["bad"], "seller"])
    payouts = money[money["kind"] == "seller_payout"]
    for row in susp.itertuples():
        end = row.end_h if not math.isnan(row.end_h) else math.inf
        mine = payouts[payouts["seller"] == row.seller]
        assert not ((mine["t_h"] > row.start_h) & (mine["t_h"] < end)).any(), row
    assert not set(forfeits["order_id"]) & set(payouts["order_id"]), "paid and forfeited"


def test_chargebacks_of_held_sellers_are_clawed_back_and_mismatches_settled(stepped):
    """A chargeback on a suspended (or reviewed) seller's order is recovered from its share;
    reconciliation mismatches are raised and each ends corrected, accepted or underbilled, an
    accepted overbill being the only one that costs money."""
    t = stepped.result.tables
    money, exc = t["money"], t["exceptions"]
    clawed = money[money["kind"] == "clawback"]
    assert len(clawed) > 0, "the stepped run should exercise clawbacks"
    assert set(clawed["seller"]) <= set(t["suspensions"]["seller"]) | set(
        exc.loc[exc["type"] == "seller_review", "seller"]
    )
    mism = exc[(exc["type"] == "reconciliation_mismatch") & exc["resolved_h"].notna()]
    assert len(mism) > 0
    assert set(mism["outcome"]) <= {"corrected", "accepted", "underbilled"}
    lost = money[money["kind"].isin(["overbill_carrier", "overpaid_payout"])]
    accepted = mism[mism["outcome"] == "accepted"]
    assert len(lost) == len(accepted)
    # people find most overbills; the system accepts every one it handles
    human = mism[mism["handler"] == "human"]
    assert (human["outcome"] == "corrected").sum() > (human["outcome"] == "accepted").sum()
