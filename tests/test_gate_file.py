"""`mptwin-gate`'s gate file: every shipped gate file validates, and a bad one, or one that
re-plans a folder's results, exits 2 before anything runs; a gate can be built in code."""

from __future__ import annotations

import json

import pytest

from mptwin.experiments.gate.cli import main
from mptwin.experiments.gate.decide import EXIT_BAD_GATE, arm_configs, load_gate, parse_gate
from mptwin.experiments.gate.plan import write_plan
from mptwin.experiments.gate.sequential import (
    plan_looks,
)
from sim.config_bounds import ConfigError
from tests.helpers.gate import ALPHA, gate_dict, write_gate
from tests.helpers.runs import ROOT

GATES = sorted((ROOT / "conf" / "gate").glob("*.yaml"))


# --- the gate file ------------------------------------------------------------------------------


def test_there_is_a_gate_file():
    assert any(p.stem == "promise_buffer" for p in GATES)


@pytest.mark.parametrize("path", GATES, ids=[p.stem for p in GATES])
def test_every_gate_file_loads_and_validates(path):
    spec = load_gate(path)
    assert spec.name == path.stem and 0 < spec.alpha < 1
    configs = arm_configs(spec)  # each arm composed and built on each scenario
    assert len(configs) == 2 * len(spec.scenarios)


BAD = {
    "unknown key": ({"seeds": {"max": 3, "batch": 3, "btach": 2}}, "seeds.btach"),
    "unknown top-level key": ({"guardrail": {}}, "guardrail is not a known key"),
    "unknown KPI": ({"goal": {"kpi": "oders", "better": "higher"}}, "unknown KPI 'oders'"),
    "unknown guardrail KPI": (
        {"guardrails": {"on_time": {"better": "higher", "max_loss": 0.1}}},
        "guardrails.on_time",
    ),
    "bad direction": ({"goal": {"kpi": "orders", "better": "up"}}, "goal.better"),
    "confidence 1": ({"confidence": 1.0}, "confidence must be < 1.0"),
    "confidence 0": ({"confidence": 0}, "confidence must be > 0.0"),
    "confidence as text": ({"confidence": "high"}, "confidence"),
    "negative tolerance": (
        {"guardrails": {"on_time_rate": {"better": "higher", "max_loss": -0.1}}},
        "guardrails.on_time_rate.max_loss must be >= 0",
    ),
    "missing scenario": ({"scenarios": ["smok"]}, "unknown scenario 'smok'"),
    "no scenario": ({"scenarios": []}, "scenarios"),
    "batch above budget": ({"seeds": {"max": 3, "batch": 4}}, "seeds.batch"),
    "batch of one": ({"seeds": {"max": 3, "batch": 1}}, "seeds.batch must be >= 2"),
    "override Hydra rejects": ({"candidate": ["strategy/promise=nonexistent"]}, "candidate"),
    "override of an unknown key": ({"candidate": ["strategy.promise.bufer_days=1"]}, "candidate"),
    "bad override value": (
        {"candidate": ["strategy/promise=contract", "strategy.promise.buffer_days=-1"]},
        "buffer_days",
    ),
    "an unknown launcher": ({"launcher": "hydra", "hydra_launcher": "nope"}, "hydra_launcher"),
    "a launcher that is not one": ({"launcher": "cloud"}, "launcher"),
    "a sweep in an arm": ({"candidate": ["strategy.promise.buffer_days=1,2"]}, "sweep"),
    "an arm sets the seed": ({"current": ["seed=3"]}, "current[0]"),
    "seeds to spend off the plan": (
        {"seeds": {"max": 6, "batch": 3, "spend": 4}},
        "seeds.spend (4) must be a look of the plan",
    ),
    "seeds to spend above the plan": (
        {"seeds": {"max": 3, "batch": 3, "spend": 6}},
        "seeds.spend (6)",
    ),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_a_bad_gate_file_exits_2_naming_the_problem(case, tmp_path, capsys):
    changes, expected = BAD[case]
    out = tmp_path / "out"
    code = main([str(write_gate(tmp_path, gate_dict(**changes))), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == EXIT_BAD_GATE, err
    assert expected in err, err
    assert not out.exists()  # nothing ran


def test_a_missing_gate_file_or_a_list_exits_2(tmp_path, capsys):
    assert main([str(tmp_path / "nope.yaml")]) == EXIT_BAD_GATE
    assert "not found" in capsys.readouterr().err
    path = tmp_path / "list.yaml"
    path.write_text("- smoke\n")
    assert main([str(path)]) == EXIT_BAD_GATE
    assert "mapping" in capsys.readouterr().err


def test_a_changed_plan_is_refused_once_the_folder_holds_results(tmp_path, capsys):
    """A folder remembers its plan: a gate file that re-plans it (seeds.max, confidence, ...)
    exits 2 naming the key before anything runs, and says how to go on instead."""
    raw = gate_dict(seeds={"max": 6, "batch": 3})
    out = tmp_path / "out"
    write_plan(parse_gate(raw, "gate"), out, plan_looks(ALPHA, 3, 6))
    changes = {
        "seeds.max": {"seeds": {"max": 12, "batch": 3}},
        "seeds.batch": {"seeds": {"max": 6, "batch": 2}},
        "seeds.first": {"seeds": {"first": 7, "max": 6, "batch": 3}},
        "confidence": {"confidence": 0.9, "seeds": {"max": 6, "batch": 3}},
    }
    for key, change in changes.items():
        code = main([str(write_gate(tmp_path, gate_dict(**change))), "--out", str(out)])
        err = capsys.readouterr().err
        assert code == EXIT_BAD_GATE and f"{key} is " in err, err
        assert "seeds.spend (or --seeds)" in err and "new --out" in err
    assert sorted(p.name for p in out.iterdir()) == ["plan.json"]  # nothing ran
    old = tmp_path / "old"  # a folder from before plan.json: its gate.json holds the plan
    old.mkdir()
    (old / "gate.json").write_text(
        json.dumps({"spec": {"confidence": 0.95, "seeds": {"first": 1, "max": 20, "batch": 5}}})
    )
    code = main(
        [str(write_gate(tmp_path, gate_dict(seeds={"max": 40, "batch": 5}))), "--out", str(old)]
    )
    assert code == EXIT_BAD_GATE and "seeds.max = 20 (gate.json)" in capsys.readouterr().err


def test_seeds_to_spend_must_be_a_look_of_the_plan(tmp_path, capsys):
    path = write_gate(tmp_path, gate_dict(seeds={"max": 6, "batch": 3}))
    for seeds in ("4", "9", "1"):
        assert main([str(path), "--seeds", seeds, "--out", str(tmp_path / "o")]) == EXIT_BAD_GATE
        assert f"--seeds ({seeds}) must be a look of the plan" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_a_gate_can_be_built_in_code():
    spec = parse_gate(gate_dict(name=None, scenarios="smoke"), "from_code")
    assert spec.name == "from_code" and spec.scenarios == ["smoke"]
    assert [c.kpi for c in spec.checks()] == ["orders", "on_time_rate", "operator_margin"]
    with pytest.raises(ConfigError, match="goal.better"):
        parse_gate(gate_dict(goal={"kpi": "orders", "better": "sideways"}), "x")
