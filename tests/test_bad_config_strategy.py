"""Bad strategy and rules values fail early and clearly: a bad policy parameter, a bad rule, a
bad rules file or review team stops the run before anything is simulated, with an error that
names the key.

The cases go through `mptwin.runner.compose` (`compose`, then `build_run`: what `mptwin` does
before simulating). Bad scenario values are in tests/test_bad_config_values.py.
"""

from __future__ import annotations

import pytest
from hydra.errors import ConfigCompositionException

from mptwin.runner.compose import build_run, compose
from sim.config_bounds import ConfigError, check_config
from tests.helpers.bad_config import (  # noqa: F401  (no_simulation: autouse fixture)
    compose_and_build,
    full_message,
    names_key,
    no_simulation,
)


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("strategy.routing.batch_minutes=-1", "strategy.routing.batch_minutes"),
        ("strategy.routing.batch_minutes=0", "strategy.routing.batch_minutes"),
        ("strategy.promise.buffer_days=-1", "strategy.promise.buffer_days"),
        ("strategy.promise.default_buffer_days=-1", "strategy.promise.default_buffer_days"),
        ("strategy.promise.buffer_days={national-economy: -1}", "strategy.promise.buffer_days"),
        ("strategy.pricing.undercut=1.5", "strategy.pricing.undercut"),
        ("strategy.pricing.undercut=abc", "strategy.pricing.undercut"),
        ("strategy.pricing.period_h=nan", "strategy.pricing.period_h"),
        ("strategy.routing._target_=strategies.promise.ContractPromise", "strategy.routing"),
        ("strategy.routing._target_=strategies.routing.NoSuchRouting", "strategy.routing._target_"),
        ("+strategy.exceptions.priority.late_delivry=1", "strategy.exceptions.priority"),
        ("strategy.exceptions.deadline_h.parcel_lost=-4", "strategy.exceptions.deadline_h"),
        (
            "strategy.exceptions.deadline_h.parcel_lost=inf",
            "strategy.exceptions.deadline_h.parcel_lost",
        ),
    ],
)
def test_bad_strategy_parameter_is_rejected_naming_it(override, key):
    with pytest.raises(ConfigError) as err:
        compose_and_build(override)
    assert names_key(str(err.value), key), str(err.value)


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("strategy.routing.late_penalty=nan", "strategy.routing.late_penalty"),
        ("strategy.pricing.scarce_cover_days=90", "strategy.pricing.scarce_cover_days"),
        ("strategy.exceptions.auto=[late_delivry]", "strategy.exceptions.auto"),
        ("strategy.promise.quantile=1.0", "strategy.promise.quantile"),
    ],
)
def test_bad_orchestration_parameter_is_rejected_naming_it(override, key):
    with pytest.raises(ConfigError) as err:
        compose_and_build("strategy=orchestration", override)
    assert names_key(str(err.value), key), str(err.value)


# --- rules files and review teams --------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("strategy.rules.onboarding.approve_below=4", "strategy.rules.onboarding.approve_below"),
        (
            "strategy.rules.onboarding.documents_failed=maybe",
            "strategy.rules.onboarding.documents_failed",
        ),
        (
            "strategy.rules.onboarding.min_confidence=1.5",
            "strategy.rules.onboarding.min_confidence",
        ),
        ("strategy.rules.onboarding.reject_above=nan", "strategy.rules.onboarding.reject_above"),
        ("strategy.onboarding.mapper=oracle", "strategy.onboarding.mapper"),
        ("strategy.exceptions.auto=[application_review]", "strategy.exceptions.auto"),
        (
            "+scenario.reviewers.teams={a: {types: [payment_held]}, b: {types: [payment_held]}}",
            "scenario.reviewers.teams.b.types",
        ),
        (
            "+scenario.reviewers.teams={risk: {types: [kyc_check]}}",
            "scenario.reviewers.teams.risk.types",
        ),
        ("+scenario.reviewers.teams={risk: {types: []}}", "scenario.reviewers.teams.risk.types"),
        (
            "+scenario.reviewers.teams={operations: {types: [payment_held]}}",
            "scenario.reviewers.teams.operations",
        ),
        (
            "+scenario.reviewers.teams={risk: {types: [payment_held], shift_start: 18}}",
            "scenario.reviewers.teams.risk.shift_start",
        ),
        ("scenario.applications.bad_share=2", "scenario.applications.bad_share"),
        ("strategy.rules.governance.defect.warn=0.5", "strategy.rules.governance.defect"),
        (
            "strategy.rules.governance.late_shipment.suspend=1.5",
            "strategy.rules.governance.late_shipment.suspend",
        ),
        ("strategy.rules.governance.window_days=0", "strategy.rules.governance.window_days"),
        (
            "strategy.rules.governance.short_window_days=90",
            "strategy.rules.governance.short_window_days",
        ),
        ("strategy.rules.onboarding.probation_cap=-1", "strategy.rules.onboarding.probation_cap"),
        ("strategy.rules.commission.promo_cut=2", "strategy.rules.commission.promo_cut"),
        ("+strategy.rules.commission.rates.gadgets=0.1", "strategy.rules.commission.rates"),
        ("+strategy.rules.commission.rates.home=1.5", "strategy.rules.commission.rates.home"),
        ("strategy.governance.period_h=0", "strategy.governance.period_h"),
        ("scenario.catalogue.new_listings_per_day=-1", "scenario.catalogue.new_listings_per_day"),
        ("scenario.finance.mismatch_rate=2", "scenario.finance.mismatch_rate"),
        (
            "scenario.catalogue.mapping.model.accuracy=1.2",
            "scenario.catalogue.mapping.model.accuracy",
        ),
    ],
)
def test_bad_rule_or_team_is_rejected_naming_it(override, key):
    with pytest.raises(ConfigError) as err:
        compose_and_build("strategy=orchestration", override)
    assert names_key(str(err.value), key), str(err.value)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("onboarding:\n  aprove_below: 0.5\n", "aprove_below"),
        (
            "onboarding:\n  approve_below: 4.0\n  reject_above: 2.0\n",
            "strategy.rules.onboarding.approve_below",
        ),
        ("onboarding:\n  min_confidence: -0.1\n", "strategy.rules.onboarding.min_confidence"),
        ("governance:\n  refund: {warn: 0.3, suspend: 0.2}\n", "strategy.rules.governance.refund"),
        ("governance:\n  audit_sampel: 3\n", "audit_sampel"),
        ("commission:\n  rates: {toys: 0.2, gadgets: 0.1}\n", "strategy.rules.commission.rates"),
    ],
)
def test_a_bad_rules_file_is_rejected_naming_the_key(tmp_path, text, key):
    """A rules file of one's own (conf/rules/ through hydra.searchpath): an unknown key, a
    threshold band the wrong way round, a confidence out of range."""
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "mine.yaml").write_text(text)
    with pytest.raises((ConfigError, ConfigCompositionException)) as err:
        compose_and_build(f"hydra.searchpath=[file://{tmp_path}]", "rules@strategy.rules=mine")
    assert names_key(full_message(err.value), key), full_message(err.value)


def test_each_rule_is_read_under_the_name_it_is_written_with():
    """The policies apply `strategy.rules.<decision>` itself, handed to them: their entries hold
    no copy of it."""
    cfg = compose(
        "scenario=smoke",
        "strategy=orchestration",
        "strategy.rules.onboarding.approve_below=0.3",
        "strategy.rules.governance.window_days=45",
    )
    assert "rules" not in cfg.strategy.onboarding and "rules" not in cfg.strategy.governance
    _, strategy = build_run(cfg)
    assert strategy.onboarding.rules.approve_below == 0.3
    assert strategy.governance.rules.window_days == 45
    assert strategy.governance.rules.refund.suspend == cfg.strategy.rules.governance.refund.suspend


@pytest.mark.parametrize("point", ["onboarding", "governance"])
def test_a_policy_entry_takes_no_rules(point):
    """A rule set in the policy's entry would not be the one checked: refused, saying where
    rules are written."""
    with pytest.raises(ConfigError) as err:
        compose_and_build("strategy=orchestration", f"+strategy.{point}.rules.min_orders=5")
    assert f"strategy.{point}.rules" in str(err.value), str(err.value)
    assert f"strategy.rules.{point}" in str(err.value), str(err.value)


def test_rules_are_checked_once_where_they_are_written():
    """A policy's own walk leaves its handed-over rules alone; `strategy.rules` is checked."""
    from strategies.onboarding import KycThreshold
    from strategies.rules import OnboardingRules

    backwards = OnboardingRules(approve_below=3.0, reject_above=1.0)
    check_config(KycThreshold(rules=backwards), "strategy.onboarding")  # not its key: no error
    with pytest.raises(ConfigError, match=r"strategy\.rules\.onboarding\.approve_below"):
        check_config(backwards, "strategy.rules.onboarding")
