"""How the report reads a sweep: factors from overrides and configs, the compared factor and
its baseline, pairing by seed, on hand-made run folders (no simulation)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from mptwin.results.report.build import comparison_text
from mptwin.results.report.load import (
    choose_baseline,
    load_sweep,
    lookup,
    override_keys,
)
from mptwin.results.report.sweep_tables import paired, summary


def make_run(
    root: Path,
    name: str,
    seed: int,
    strategy: str,
    headcount: int,
    margin: float,
    overrides: list[str],
    tuned_on: str | None = None,
) -> None:
    job = root / name
    (job / ".hydra").mkdir(parents=True)
    config = {
        "seed": seed,
        "scenario": {
            "name": "smoke",
            "warmup_days": 2,
            "days": 14,
            "cooldown_days": 28,
            "start_date": "2026-01-05",
            "reviewers": {"headcount": headcount},
            "money": {"currency": "BRL"},
        },
        "strategy": {"name": strategy, "pricing": {"undercut": 0.02}},
    }
    if tuned_on:
        config["strategy"].update(tuned={"scenario": tuned_on})  # its file set the team
    (job / "config.yaml").write_text(yaml.safe_dump(config))
    (job / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))
    (job / "kpis.json").write_text(json.dumps({"operator_margin": margin, "orders": 100 + seed}))


def test_override_keys_skip_seed_hydra_and_repeats():
    keys = override_keys(
        [
            "experiment=x",
            "seed=1",
            "+scenario.a=1",
            "strategy/routing=opt",
            "hydra.launcher.n_jobs=2",
            "scenario.a=2",
            "progress=false",
        ]
    )
    assert keys == ["scenario.a", "strategy.routing"]


def test_lookup_reads_scalars_group_names_and_lists():
    config = {"strategy": {"name": "automation"}, "scenario": {"demand": {"d": [1, 2]}}}
    assert lookup(config, "strategy") == "automation"
    assert lookup(config, "scenario.demand.d") == "[1, 2]"
    assert lookup(config, "scenario.demand.d.1") == 2
    assert lookup(config, "scenario.nope") is None


def test_baseline_matches_numbers_as_numbers():
    notes: list[str] = []
    assert choose_baseline(["1.0", "3.0"], 1, "x", notes) == "1.0"
    assert choose_baseline(["6", "14"], "14", "x", notes) == "14"
    assert choose_baseline(["a", "b"], "zzz", "x", notes) == "a" and "not among" in notes[0]
    assert choose_baseline(["orchestration", "automation"], None, "strategy", []) == "automation"


def test_strategies_are_paired_by_seed_within_groups(tmp_path):
    for seed in (1, 2, 3):
        for strategy, bump in (("automation", 0.0), ("orchestration", 10.0)):
            for headcount in (3, 6):
                make_run(
                    tmp_path,
                    f"{strategy}/h{headcount}/s{seed}",
                    seed,
                    strategy,
                    headcount,
                    100.0 * seed + bump + headcount,
                    [
                        f"strategy={strategy}",
                        f"scenario.reviewers.headcount={headcount}",
                        f"seed={seed}",
                    ],
                )
    sweep = load_sweep(tmp_path)
    assert sweep.compare == "strategy" and sweep.baseline == "automation"
    assert sweep.factors == ["strategy", "scenario.reviewers.headcount"]
    assert sweep.groups == ["scenario.reviewers.headcount=3", "scenario.reviewers.headcount=6"]
    table = paired(sweep, 0.95, 0.01)
    margin = table[table["kpi"] == "operator_margin"]
    assert list(margin["n"]) == [3, 3]
    assert margin["diff"].tolist() == pytest.approx([10.0, 10.0])
    assert margin["half_width"].tolist() == pytest.approx([0.0, 0.0])  # CRN: identical luck


def test_compare_falls_back_to_what_varies(tmp_path):
    for seed in (1, 2):
        for headcount in (3, 6):
            make_run(
                tmp_path,
                f"h{headcount}/s{seed}",
                seed,
                "automation",
                headcount,
                1.0 * seed,
                [f"scenario.reviewers.headcount={headcount}", f"seed={seed}"],
            )
    sweep = load_sweep(tmp_path, compare="strategy", baseline=6)
    assert sweep.compare == "scenario.reviewers.headcount"
    assert sweep.arms == ["6", "3"] and sweep.groups == ["all"]
    assert sweep.arm_label("3") == "headcount=3"
    assert any("one value" in note for note in sweep.notes)


def test_duplicate_runs_are_used_once(tmp_path):
    for name in ("a", "b"):
        make_run(tmp_path, name, 1, "automation", 3, 1.0, ["seed=1"])
    sweep = load_sweep(tmp_path)
    assert len(sweep.runs) == 1 and any("more than once" in n for n in sweep.notes)


def test_the_report_says_how_each_arm_was_tuned_and_staffed():
    from mptwin.results.report.load import _tuning

    plain = {"strategy": {"name": "automation"}, "scenario": {"reviewers": {"headcount": 14}}}
    assert _tuning(plain) == "not tuned; 14 reviewers"
    tuned = {  # the resolved config: the tuned arm's file set the team, 9
        "strategy": {
            "name": "automation_tuned",
            "tuned": {"scenario": "baseline", "seeds": [101, 102], "trials": 12},
        },
        "scenario": {"reviewers": {"headcount": 9}},
    }
    text = _tuning(tuned)
    assert "baseline seeds [101, 102]" in text and "12 trials" in text and "9 reviewers" in text


def test_an_arm_tuned_on_another_scenario_is_said_where_the_numbers_are(tmp_path):
    """Arms tuned on baseline compared on smoke: their parameters and team fit baseline, so the
    console table and the page say the numbers demonstrate the machinery, not the finding."""
    for seed in (1, 2):
        make_run(
            tmp_path,
            f"a/s{seed}",
            seed,
            "automation_tuned",
            4,
            1.0 * seed,
            ["strategy=automation_tuned", f"seed={seed}"],
            tuned_on="baseline",
        )
        make_run(
            tmp_path,
            f"o/s{seed}",
            seed,
            "orchestration_fit",
            1,
            2.0 * seed,
            ["strategy=orchestration_fit", f"seed={seed}"],
            tuned_on="smoke",
        )
    sweep = load_sweep(tmp_path)
    warned = [n for n in sweep.notes if "was tuned on scenario" in n]
    assert warned == [
        "automation_tuned was tuned on scenario baseline, not smoke: its parameters and team "
        "(4 reviewers) fit baseline, so these numbers demonstrate the machinery, not the finding. "
        "A fair fight here needs arms tuned on smoke (mptwin-tune ARM --scenario smoke)."
    ]  # the arm tuned on smoke itself is not warned about
    text = comparison_text(sweep, paired(sweep, 0.95, 0.01), summary(sweep, 0.95), 0.95)
    assert text.startswith(f"Note: {warned[0]}")
