"""Bad scenario values fail early and clearly: an unknown key, a wrong type, a negative rate or
capacity, an empty list or a number that is not finite stops the run before anything is simulated,
with an error that names the key.

The cases go through `mptwin.runner.compose` (`compose`, then `build_run`: what `mptwin` does
before simulating). Bad strategy and rules values are in tests/test_bad_config_strategy.py, the
command line in tests/test_bad_config_cli.py.
"""

from __future__ import annotations

import re

import pytest
from hydra.errors import ConfigCompositionException
from omegaconf import OmegaConf

from mptwin.runner.compose import build_run, compose
from sim.config_bounds import ConfigError
from tests.helpers.bad_config import (  # noqa: F401  (no_simulation: autouse fixture)
    compose_and_build,
    full_message,
    names_key,
    no_simulation,
)

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
