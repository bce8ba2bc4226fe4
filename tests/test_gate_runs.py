"""`mptwin-gate` end to end on the smoke world: a clear win exits 0, a clear breach 1, a budget
too small 3; a gate run again reruns nothing; the Hydra launcher and the installed command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mptwin.experiments.gate.cli import main
from mptwin.experiments.gate.decide import EXIT_BAD_GATE
from mptwin.experiments.gate.sequential import (
    BREACHED,
    GO,
    HOLDS,
    NO_GO,
    NOT_YET,
    UNDECIDED,
)
from tests.helpers.gate import gate_dict, write_gate
from tests.helpers.runs import ROOT

# --- the gate on the twin -------------------------------------------------------------------------


def run_main(tmp_path: Path, raw: dict, name: str = "gate") -> tuple[int, dict]:
    out = tmp_path / f"{name}_out"
    code = main([str(write_gate(tmp_path, raw, name)), "--out", str(out), "--workers", "2"])
    return code, json.loads((out / "gate.json").read_text())


@pytest.mark.slow
def test_a_clear_win_exits_0(tmp_path):
    """Promise 0.5 days of buffer instead of 2: more orders, generous guardrails."""
    code, report = run_main(tmp_path, gate_dict())
    assert code == 0 and report["decision"] == GO, report["verdicts"]
    assert (tmp_path / "gate_out" / "gate.html").is_file()


@pytest.mark.slow
def test_a_clear_breach_exits_1(tmp_path):
    """Buffer 2 -> 1 days with on-time rate allowed to fall half a point: it falls about 3."""
    raw = gate_dict(
        candidate=["strategy/promise=contract", "strategy.promise.buffer_days=1.0"],
        guardrails={"on_time_rate": {"better": "higher", "max_loss": 0.005}},
    )
    code, report = run_main(tmp_path, raw)
    assert code == 1 and report["decision"] == NO_GO
    rows = {v["kpi"]: v for v in report["verdicts"]}
    assert rows["on_time_rate"]["verdict"] == BREACHED


@pytest.mark.slow
def test_a_budget_too_small_exits_3_and_a_second_run_simulates_nothing(tmp_path):
    """Two identical arms never show a gain: NOT YET when the budget is spent. Run again, the
    complete runs are read back, not rerun."""
    raw = gate_dict(candidate=["strategy/promise=contract"], seeds={"max": 2, "batch": 2})
    code, report = run_main(tmp_path, raw)
    assert code == 3 and report["decision"] == NOT_YET
    assert report["runs"]["simulated"] == 4 and report["runs"]["reused"] == 0
    rows = {v["kpi"]: v for v in report["verdicts"]}
    assert rows["orders"]["verdict"] == UNDECIDED and rows["orders"]["sd"] == 0.0
    assert rows["on_time_rate"]["verdict"] == HOLDS  # zero difference, 0.2 tolerated
    done = sorted((tmp_path / "gate_out" / "runs").rglob("kpis.json"))
    assert len(done) == 4
    assert {p.parent.relative_to(tmp_path / "gate_out" / "runs").as_posix() for p in done} == {
        f"smoke/{arm}/seed={s}" for arm in ("current", "candidate") for s in (1, 2)
    }
    mtimes = [p.stat().st_mtime_ns for p in done]
    code, again = run_main(tmp_path, raw)
    assert code == 3 and again["runs"]["simulated"] == 0 and again["runs"]["reused"] == 4
    assert [p.stat().st_mtime_ns for p in done] == mtimes
    assert again["verdicts"] == report["verdicts"]


@pytest.mark.slow
def test_a_not_yet_goes_on_with_more_to_spend_and_the_same_plan(tmp_path, capsys):
    """Planned for 4 seeds, run with 2 to spend: NOT YET with the plan open. Run again with 4:
    the first look is read back, the plan's second look taken. Then a raised seeds.max is
    refused (exit 2) rather than re-planned."""
    raw = gate_dict(candidate=["strategy/promise=contract"], seeds={"max": 4, "batch": 2})
    out, path = tmp_path / "out", write_gate(tmp_path, raw)
    assert main([str(path), "--out", str(out), "--seeds", "2"]) == 3
    assert "orders on smoke: no look of this plan would" in capsys.readouterr().out
    first = json.loads((out / "gate.json").read_text())
    assert first["spend"] == 2 and [lk["n"] for lk in first["looks_taken"]] == [2]
    assert "after 2 of the 4 planned paired seeds" in first["reason"]
    assert first["runs"] == {**first["runs"], "simulated": 4, "reused": 0}
    plan = json.loads((out / "plan.json").read_text())
    assert [lk["n"] for lk in plan["looks"]] == [2, 4] and plan["plan"]["seeds.max"] == 4
    assert main([str(path), "--out", str(out), "--seeds", "4"]) == 3
    second = json.loads((out / "gate.json").read_text())
    assert [lk["n"] for lk in second["looks_taken"]] == [2, 4]
    assert second["looks_taken"][0] == first["looks_taken"][0]  # the same look, the same level
    assert second["runs"] == {**second["runs"], "simulated": 4, "reused": 4}
    assert "after all 4 planned paired seeds" in second["reason"]
    capsys.readouterr()
    raised = write_gate(
        tmp_path, gate_dict(candidate=["strategy/promise=contract"], seeds={"max": 8, "batch": 2})
    )
    assert main([str(raised), "--out", str(out)]) == EXIT_BAD_GATE
    assert "seeds.max is 8" in capsys.readouterr().err
    assert json.loads((out / "gate.json").read_text()) == second  # nothing ran


@pytest.mark.slow
def test_the_hydra_launcher_writes_the_same_runs(tmp_path):
    """`launcher: hydra` runs `mptwin -m` over the seeds; a local gate then reuses every run."""
    raw = gate_dict(
        candidate=["strategy/promise=contract", "strategy.promise.buffer_days=1.0"],
        guardrails={"on_time_rate": {"better": "higher", "max_loss": 0.005}},
        seeds={"max": 2, "batch": 2},
        launcher="hydra",
        hydra_launcher="cores",
    )
    code, report = run_main(tmp_path, raw)
    assert report["runs"]["simulated"] == 4, report
    local = {**raw, "launcher": "local"}
    code2, again = run_main(tmp_path, local)
    assert again["runs"] == {**report["runs"], "simulated": 0, "reused": 4}
    assert code2 == code and again["verdicts"] == report["verdicts"]


@pytest.mark.slow
def test_the_installed_command_runs_the_shipped_gate(tmp_path):
    command = Path(sys.executable).parent / "mptwin-gate"
    assert command.exists(), "run `uv sync` to install the mptwin-gate script"
    done = subprocess.run(
        [str(command), "conf/gate/promise_buffer.yaml", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = json.loads((tmp_path / "gate.json").read_text())
    assert done.returncode == report["exit_code"] in (0, 1, 3), done.stderr[-2000:]
    assert f"Decision: {report['decision']}" in done.stdout
    page = (tmp_path / "gate.html").read_text()
    assert report["decision"] in page and "<script" not in page and "http" not in page
