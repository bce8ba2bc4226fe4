"""mptwin-tune: each arm tuned the same way (one menu of automatic resolutions, the team solved
for every trial), reproducibly, locally or through a Hydra launcher, and written as a strategy
config that composes and runs."""

from __future__ import annotations

import pytest
from omegaconf import OmegaConf

from mptwin.experiments.tuning.cli import load_spec, make_runner, parse, tuned_config, write
from mptwin.experiments.tuning.evaluate import TEAM, LocalRunner, run_seeds
from mptwin.experiments.tuning.search import tune
from mptwin.runner.compose import compose
from sim.config_bounds import ConfigError

SMALL = [
    "--scenario",
    "smoke",
    "--seeds",
    "11",
    "--trials",
    "3",
    "--workers",
    "1",
    "--min-headcount",
    "1",
    "--max-headcount",
    "4",
    "--sampler-seeds",
    "0",
    "--start-headcount",
    "3",
]


@pytest.mark.slow
def test_tuning_is_reproducible_and_writes_a_config_that_runs(tmp_path):
    spec = load_spec("automation", parse(["automation", *SMALL]))
    first, second = tune(spec), tune(spec)
    assert first.values == second.values and first.headcount == second.headcount
    assert [t["operator_margin"] for t in first.trials] == [
        t["operator_margin"] for t in second.trials
    ]
    assert len({t["strategy.pricing.undercut"] for t in first.trials}) > 1  # it did search
    assert all(TEAM not in s.values for s in first.studies)  # the team is solved, not searched
    assert all(1 <= t[TEAM] <= 4 for t in first.trials)
    out = tmp_path / "strategy" / "automation_tuned_test.yaml"  # a config group on a search path
    write(spec, first, out, tmp_path / "trials.csv")
    cfg = compose(
        "scenario=smoke", "strategy=automation_tuned_test", f"hydra.searchpath=[file://{tmp_path}]"
    )
    assert cfg.scenario.reviewers.headcount == first.headcount  # the arm's file sets the team
    assert cfg.strategy.promise.buffer_days == first.values["strategy.promise.buffer_days"]
    assert cfg.strategy.tuned.seeds == [11]


def test_both_arms_have_a_search_space_with_the_shared_knobs():
    specs = {arm: load_spec(arm, parse([arm, *SMALL])) for arm in ("automation", "orchestration")}
    shared = set(specs["automation"].params) & set(specs["orchestration"].params)
    assert {
        "strategy.promise.quantile",
        "strategy.pricing.undercut",
        "strategy.exceptions.auto_refund_limit",
    } <= shared
    assert specs["automation"].calibrate_promise and not specs["orchestration"].calibrate_promise
    assert TEAM not in shared  # solved per trial


def test_both_arms_tune_the_same_menu_of_automatic_resolutions():
    """Every resolution a single silo can run is on both arms' menu, with the same limits
    searched over the same ranges: no arm automates what the other may not."""
    specs = {arm: load_spec(arm, parse([arm, *SMALL])) for arm in ("automation", "orchestration")}
    menu = [
        {k: v for k, v in spec.params.items() if k.startswith("strategy.exceptions.")}
        for spec in specs.values()
    ]
    assert menu[0] == menu[1] and len(menu[0]) == 3
    triage = [
        compose("scenario=smoke", f"strategy={arm}").strategy.exceptions
        for arm in ("automation", "orchestration", "automation_tuned", "orchestration_tuned")
    ]
    autos = {tuple(t.auto) for t in triage}
    assert len(autos) == 1, autos
    (auto,) = autos
    assert {
        "stock_discrepancy",
        "reconciliation_mismatch",
        "payment_held",
        "return_request",
        "late_delivery",
        "stockout_at_routing",
        "unroutable",
        "price_below_cost",
    } == set(auto)


def test_an_unknown_arm_is_a_config_error():
    with pytest.raises(ConfigError, match="no search space"):
        load_spec("automaton", parse(["automaton"]))


def test_the_tuned_config_nests_the_values_under_the_arm_and_sets_the_team():
    class Result:
        values = {"strategy.pricing.undercut": 0.03, "strategy.promise.buffer_days": {"x": 1.0}}
        headcount, objective, staffing_value, trials, studies = 7, 1.0, 40.0, [], []

    spec = load_spec("automation", parse(["automation", *SMALL]))
    body = tuned_config(spec, Result(), "automation_tuned_smoke")  # named for its file (--out)
    assert body["defaults"] == ["/strategy/automation@strategy", "_self_"]
    assert body["scenario"] == {"reviewers": {"headcount": 7}}  # the team's one key
    arm = body["strategy"]
    assert arm["name"] == "automation_tuned_smoke"
    assert arm["pricing"] == {"undercut": 0.03} and arm["promise"] == {"buffer_days": {"x": 1.0}}
    assert OmegaConf.create(body).strategy.tuned.seeds == [11]


@pytest.mark.slow
def test_the_chosen_team_is_the_smallest_that_meets_the_target_in_real_runs():
    """The tuned team meets the resolution target and one fewer misses it, both simulated."""
    spec = load_spec("automation", parse(["automation", *SMALL, "--max-headcount", "6"]))
    result = tune(spec)
    h = result.headcount
    assert result.staffing_value <= spec.staffing_max_h
    if h > 1:
        (fewer,) = run_seeds(
            LocalRunner(1), spec.base(), {**result.values, TEAM: h - 1}, spec.seeds
        )
        assert fewer.kpis[spec.staffing_kpi] > spec.staffing_max_h


@pytest.mark.slow  # a sweep through submitit's local executor: about half a minute
def test_tuning_runs_through_a_hydra_launcher_with_the_same_answer(tmp_path, monkeypatch):
    """`--launcher submitit_local`: trials go out as sweeps (two trials at once), each run an
    ordinary run folder, and the tuned arm is the one the local pool finds."""
    monkeypatch.chdir(tmp_path)
    args = [*SMALL, "--seeds", "11", "12", "--trials", "2", "--batch", "2"]
    local = tune(load_spec("automation", parse(["automation", *args])))
    launched = parse(["automation", *args, "--launcher", "submitit_local"])
    spec = load_spec("automation", launched)
    swept = tune(spec, make_runner(launched, spec))
    assert swept.values == local.values and swept.headcount == local.headcount
    assert swept.objective == pytest.approx(local.objective, rel=1e-12)
    runs = list(
        (tmp_path / "outputs" / "tune" / "smoke" / "automation" / "runs").glob("*/seed=*/kpis.json")
    )
    assert len(runs) >= 4
