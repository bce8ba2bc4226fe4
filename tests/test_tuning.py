"""mptwin-tune: each arm tuned the same way, reproducibly, and written as a strategy config that
composes and runs."""

from __future__ import annotations

import pytest
from omegaconf import OmegaConf

from mptwin.tuning.cli import load_spec, parse, tuned_config, write
from mptwin.tuning.search import tune
from sim.validate import ConfigError
from tests.helpers.runs import compose_cfg

SMALL = ["--scenario", "smoke", "--seeds", "11", "--trials", "3", "--workers", "1",
         "--min-headcount", "1", "--max-headcount", "4"]  # fmt: skip


@pytest.mark.slow
def test_tuning_is_reproducible_and_writes_a_config_that_runs(tmp_path):
    spec = load_spec("automation", parse(["automation", *SMALL]))
    first, second = tune(spec), tune(spec)
    assert first.values == second.values and first.headcount == second.headcount
    assert [t["operator_margin"] for t in first.trials] == [
        t["operator_margin"] for t in second.trials
    ]
    assert len({t["strategy.pricing.undercut"] for t in first.trials}) > 1  # it did search
    out = tmp_path / "strategy" / "automation_tuned_test.yaml"  # a config group on a search path
    write(spec, first, out, tmp_path / "trials.csv")
    cfg = compose_cfg("scenario=smoke", "strategy=automation_tuned_test",
                      f"hydra.searchpath=[file://{tmp_path}]")  # fmt: skip
    assert cfg.strategy.headcount == first.headcount
    assert cfg.strategy.promise.buffer_days == first.values["strategy.promise.buffer_days"]
    assert cfg.strategy.tuned.seeds == [11]


def test_both_arms_have_a_search_space_with_the_shared_knobs():
    specs = {arm: load_spec(arm, parse([arm, *SMALL])) for arm in ("automation", "orchestration")}
    shared = set(specs["automation"].params) & set(specs["orchestration"].params)
    assert {"strategy.promise.quantile", "strategy.pricing.undercut",
            "strategy.exceptions.auto_refund_limit"} <= shared  # fmt: skip
    assert specs["automation"].calibrate_promise and not specs["orchestration"].calibrate_promise


def test_an_unknown_arm_is_a_config_error():
    with pytest.raises(ConfigError, match="no search space"):
        load_spec("automaton", parse(["automaton"]))


def test_the_tuned_config_nests_the_values_under_the_arm():
    class Result:
        values = {"strategy.pricing.undercut": 0.03, "strategy.promise.buffer_days": {"x": 1.0}}
        headcount, objective, staffing_value, trials, studies = 7, 1.0, 40.0, [], []

    spec = load_spec("automation", parse(["automation", *SMALL]))
    body = tuned_config(spec, Result())
    assert body["defaults"] == ["automation", "_self_"] and body["headcount"] == 7
    assert body["pricing"] == {"undercut": 0.03} and body["promise"] == {"buffer_days": {"x": 1.0}}
    assert OmegaConf.create(body).tuned.seeds == [11]
