"""Bad inputs fail early and clearly: an unknown key, a wrong type, a negative rate or capacity,
an empty seller list or a bad strategy parameter stops the run before anything is simulated,
with an error that names the key.

Most cases go through `mptwin.runner.compose` (`compose`, then `build_run`: what `mptwin` does before
simulating); a few go through the real command line in a subprocess.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import simpy
from hydra.errors import ConfigCompositionException
from omegaconf import OmegaConf

from mptwin.runner.compose import build_run, compose
from sim.config_bounds import ConfigError, check_config


@pytest.fixture(autouse=True)
def no_simulation(monkeypatch):
    """Fail loudly if anything tries to simulate: every error here must come first."""

    def forbidden(*args, **kwargs):
        raise AssertionError("a simulation started although the config is bad")

    monkeypatch.setattr(simpy.Environment, "run", forbidden)


def compose_and_build(*overrides: str):
    cfg = compose("scenario=smoke", *overrides)
    return build_run(cfg)


def full_message(exc: BaseException) -> str:
    """The exception's message and those of its causes: what a user sees printed."""
    parts = []
    while exc is not None:
        parts.append(str(exc))
        exc = exc.__cause__ or exc.__context__
    return "\n".join(parts)


def names_key(message: str, key: str) -> bool:
    """Whether `message` mentions `key`; a list index may be written `.0` or `[0]`."""
    bracketed = re.sub(r"\.(\d+)(?=\.|$)", r"[\1]", key)  # carriers.0 -> carriers[0]
    return key in message or bracketed in message


# --- caught while composing (Hydra against the typed schema) -------------------------------


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("scenario.demand.visits_per_dya=5", "scenario.demand.visits_per_dya"),
        ("scenario.reviewrs.headcount=3", "scenario.reviewrs"),
        # the team's one key is scenario.reviewers.headcount (issue 23): the arm's old key is gone
        ("strategy.headcount=4", "strategy.headcount"),
        ("strategy.routing.foo=1", "strategy.routing.foo"),
    ],
)
def test_unknown_key_is_rejected_naming_it(override, key):
    with pytest.raises(ConfigCompositionException) as err:
        compose_and_build(override)
    assert names_key(full_message(err.value), key), full_message(err.value)


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("scenario.days=abc", "scenario.days"),
        ("scenario.days=1.5", "scenario.days"),
        ("scenario.demand.visits_per_day=lots", "scenario.demand.visits_per_day"),
        ("scenario.reviewers.weekends=maybe", "scenario.reviewers.weekends"),
        ("scenario.reviewers.headcount=many", "scenario.reviewers.headcount"),
    ],
)
def test_wrong_type_is_rejected_naming_the_key(override, key):
    with pytest.raises(ConfigCompositionException) as err:
        compose_and_build(override)
    assert names_key(full_message(err.value), key), full_message(err.value)


def test_typo_in_a_scenario_yaml_is_rejected_naming_the_key(tmp_path):
    """A scenario file of one's own (found through hydra.searchpath) with a misspelt key."""
    folder = tmp_path / "scenario"
    folder.mkdir()
    (folder / "typo.yaml").write_text(
        "defaults:\n  - smoke\n  - _self_\nname: typo\ndemand:\n  visits_per_dya: 5\n"
    )
    with pytest.raises(ConfigCompositionException) as err:
        compose(f"hydra.searchpath=[file://{tmp_path}]", "scenario=typo")
    assert names_key(full_message(err.value), "scenario.demand.visits_per_dya"), full_message(
        err.value
    )


# --- appended keys (+key=value): Hydra lets them into a typed node; build_run must refuse them ---


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("+scenario.foo=1", "scenario.foo"),
        ("+scenario.demand.visits_per_dya=5", "scenario.demand.visits_per_dya"),
        ("+strategy.foo=1", "strategy.foo"),
        ("+foo=1", "foo"),
    ],
)
def test_appended_unknown_key_is_rejected_naming_it(override, key):
    """`+scenario.demand.visits_per_dya=5` must not run the default demand silently."""
    with pytest.raises((ConfigError, ConfigCompositionException)) as err:
        compose_and_build(override)
    assert names_key(full_message(err.value), key), full_message(err.value)


def test_appended_unknown_policy_parameter_is_rejected_naming_it():
    with pytest.raises(ConfigError) as err:
        compose_and_build("+strategy.routing.foo=1")
    message = full_message(err.value)
    assert "strategy.routing" in message and "foo" in message, message


# --- values out of range: caught by build_run, before the world is simulated -------------------


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("scenario.demand.visits_per_day=-5", "scenario.demand.visits_per_day"),
        ("scenario.risk.fraud_rate=-0.1", "scenario.risk.fraud_rate"),
        ("scenario.risk.fraud_rate=1.5", "scenario.risk.fraud_rate"),
        ("scenario.competitor.volatility=-0.01", "scenario.competitor.volatility"),
        ("scenario.warehouses.capacity_headroom=-1", "scenario.warehouses.capacity_headroom"),
        ("scenario.carriers.0.daily_capacity=-3", "scenario.carriers.0.daily_capacity"),
        ("scenario.reviewers.headcount=-2", "scenario.reviewers.headcount"),
        (
            "scenario.reviewers.handling_mean_h.payment_held=-1",
            "scenario.reviewers.handling_mean_h.payment_held",
        ),
        ("scenario.days=0", "scenario.days"),
        ("seed=-1", "seed"),
    ],
)
def test_value_out_of_range_is_rejected_naming_the_key(override, key):
    with pytest.raises(ConfigError) as err:
        compose_and_build(override)
    assert names_key(str(err.value), key), str(err.value)


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("scenario.sellers=[]", "scenario.sellers"),
        ("scenario.carriers=[]", "scenario.carriers"),
        ("scenario.catalogue.categories=[]", "scenario.catalogue.categories"),
    ],
)
def test_empty_list_is_rejected_naming_the_key(override, key):
    with pytest.raises(ConfigError) as err:
        compose_and_build(override)
    assert names_key(str(err.value), key), str(err.value)


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


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("scenario.risk.hold_threshold=nan", "scenario.risk.hold_threshold"),
        ("scenario.risk.hold_threshold=inf", "scenario.risk.hold_threshold"),
        ("scenario.carriers.1.transit_bias=-inf", "scenario.carriers[1].transit_bias"),
        ("scenario.demand.attractiveness=nan", "scenario.demand.attractiveness"),
        (
            "scenario.reviewers.handling_mean_h.payment_held=nan",
            "scenario.reviewers.handling_mean_h.payment_held",
        ),
    ],
)
def test_nan_and_infinity_are_rejected_wherever_a_number_is(override, key):
    """A number without bounds (a threshold, a bias, a utility) must still be a number."""
    with pytest.raises(ConfigError) as err:
        compose_and_build(override)
    assert names_key(str(err.value), key) and "finite" in str(err.value), str(err.value)


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("scenario.demand.visits_per_day=-5", "scenario.demand.visits_per_day"),
        ("seed=-1", "seed"),
        ("strategy.pricing.undercut=abc", "strategy.pricing.undercut"),
    ],
)
def test_error_writes_the_key_as_on_the_command_line(override, key):
    """The key in the message is the one a user types (`scenario.demand.visits_per_day`), not a
    variant of it such as `.scenario.demand.visits_per_day`."""
    with pytest.raises(ConfigError) as err:
        compose_and_build(override)
    message = str(err.value)
    assert re.search(rf"(?<![\w.]){re.escape(key)}\b", message), message


def test_a_good_config_passes_the_same_checks():
    """The checks above fail for the bad value, not for the smoke scenario itself."""
    cfg = compose("scenario=smoke")
    assert OmegaConf.select(cfg, "scenario.name") == "smoke"
    world, strategy = build_run(cfg)
    assert world.name == "smoke" and strategy.name == "automation"


# --- through the real command line ---------------------------------------------------------

SLOW = pytest.mark.slow  # a subprocess each: one case in the quick loop, the rest in CI
CLI_CASES = [
    ("scenario.demand.visits_per_dya=5", "scenario.demand.visits_per_dya"),
    pytest.param("+scenario.demand.visits_per_dya=5", "scenario.demand.visits_per_dya", marks=SLOW),
    pytest.param("scenario.demand.visits_per_day=-5", "scenario.demand.visits_per_day", marks=SLOW),
    pytest.param("scenario.sellers=[]", "scenario.sellers", marks=SLOW),
    pytest.param("strategy.pricing.undercut=abc", "strategy.pricing.undercut", marks=SLOW),
    pytest.param("scenario.risk.hold_threshold=nan", "scenario.risk.hold_threshold", marks=SLOW),
    pytest.param(
        "strategy.rules.onboarding.approve_below=9",
        "strategy.rules.onboarding.approve_below",
        marks=SLOW,
    ),
]


@pytest.mark.parametrize(("override", "key"), CLI_CASES)
def test_cli_stops_with_an_error_naming_the_key_and_writes_nothing(tmp_path: Path, override, key):
    proc = subprocess.run(
        [sys.executable, "-m", "mptwin.runner.cli", "scenario=smoke", "progress=false", override],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, f"exit 0 with a bad config ({override}):\n{output[-2000:]}"
    assert names_key(output, key), output[-2000:]
    assert "Traceback" not in output, output[-2000:]
    assert "orders simulated" not in output, "the run simulated before failing"
    written = [p for p in tmp_path.rglob("*") if p.name == "kpis.json" or p.suffix == ".parquet"]
    assert not written, f"a failed run wrote results: {written}"


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
