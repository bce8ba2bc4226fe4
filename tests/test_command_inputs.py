"""What a new user types wrong: every `mptwin-*` command but the calibration ones
(tests/test_calibration_inputs.py) refuses a bad value with one clear line
naming the option and the value, and a non-zero exit, before any long work starts; and every
command's --help says what it does, shows its defaults and names only experiments and files that
exist.

Commands are called in-process (`main([...])`), their long work replaced by a stub that fails
the test if reached; only `mptwin --help` itself runs as a subprocess (Hydra's entry point).
"""

from __future__ import annotations

import argparse
import importlib
import re
import subprocess
import sys
import tomllib

import pytest

from mptwin.decision_service import cli as serve_cli
from mptwin.experiments.gate import cli as gate_cli
from mptwin.experiments.tuning import cli as tune_cli
from mptwin.results.explain.cli import main as explain_main
from mptwin.results.report import build as report
from mptwin.results.report.load import load_sweep
from mptwin.results.report.sweep_tables import paired, summary
from mptwin.runner.compose import CONF_DIR, compose
from tests.helpers.commands import refused, started
from tests.helpers.runs import ROOT
from tests.test_report_load import make_run

# --- mptwin-report ----------------------------------------------------------------------------


@pytest.fixture
def two_arms(tmp_path):
    """Hand-made runs of two arms with long names, three seeds (no simulation)."""
    root = tmp_path / "sweep"
    for seed in (1, 2, 3):
        for arm, bump in (("automation_tuned_s1", 0.0), ("orchestration_tuned_s2", 10.0)):
            make_run(
                root,
                f"{arm}/seed={seed}",
                seed,
                arm,
                3,
                100.0 + bump + seed,
                [f"strategy={arm}", f"seed={seed}"],
            )
    return root


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--level", "1.5"], "argument --level: must be in (0, 1), got 1.5"),
        (["--level", "nan"], "argument --level: must be a finite number"),
        (["--target", "nan"], "argument --target: must be a finite number"),
        (["--target", "0"], "argument --target: must be > 0, got 0"),
        (["--compare", "stratgy"], "--compare stratgy: not a factor that varies"),
        (["--baseline", "automaton"], "--baseline automaton: not a level of strategy"),
    ],
)
def test_report_refuses_a_bad_option(two_arms, capsys, argv, says):
    line = refused(capsys, report.main, [str(two_arms), *argv])
    assert says in line, line
    assert not (two_arms / "report").exists()


@pytest.mark.parametrize("where", ["sweep", "parent", "a run"])
def test_report_never_replaces_the_sweep_or_a_folder_of_other_files(two_arms, capsys, where):
    """The report replaces its folder whole: --out the sweep itself would delete every run."""
    out = {
        "sweep": two_arms,
        "parent": two_arms.parent,
        "a run": two_arms / "automation_tuned_s1" / "seed=1",
    }[where]
    line = refused(capsys, report.main, [str(two_arms), "--out", str(out)])
    assert f"--out {out}" in line
    assert len(list(two_arms.rglob("kpis.json"))) == 6


def test_the_paired_table_shows_each_arm_s_whole_name(two_arms):
    sweep = load_sweep(two_arms)
    text = report.comparison_text(sweep, paired(sweep, 0.95, 0.01), summary(sweep, 0.95), 0.95)
    header = next(line for line in text.splitlines() if line.lstrip().startswith("KPI"))
    assert re.search(r"\sautomation_tuned_s1\s+orchestration_tuned_s2\s+difference", header)
    row = next(line for line in text.splitlines() if line.lstrip().startswith("operator_margin"))
    # each mean right-aligned under its arm's name
    assert row.index("102.00") + 6 == header.index("automation_tuned_s1") + 19


# --- mptwin-explain ---------------------------------------------------------------------------


def test_explain_says_a_folder_does_not_exist(tmp_path, capsys):
    line = refused(capsys, explain_main, [str(tmp_path / "nope"), "--order", "1"])
    assert line == f"mptwin-explain: {tmp_path / 'nope'} does not exist"


def test_explain_given_a_seed_folder_points_to_the_run_folders_in_it(tmp_path, capsys):
    seed = tmp_path / "outputs" / "smoke" / "automation" / "seed=1"
    for stamp, decisions in (("2026-12-01_10-00-00", True), ("2026-12-02_10-00-00", False)):
        (seed / stamp).mkdir(parents=True)
        (seed / stamp / "orders.parquet").write_bytes(b"")
        if decisions:
            (seed / stamp / "decisions.parquet").write_bytes(b"")
    line = refused(capsys, explain_main, [str(seed), "--order", "1"])
    assert "is not a run folder but holds 2 run folder(s)" in line
    assert str(seed / "2026-12-01_10-00-00") in line  # the latest that recorded its decisions


def test_explain_refuses_a_negative_order(tmp_path, capsys):
    assert "argument --order: must be at least 0, got -1" in refused(
        capsys, explain_main, [str(tmp_path), "--order", "-1"]
    )


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (
            ["--list", "canceled"],
            "argument --list: not a status: 'canceled' (did you mean "
            "cancelled?); one of delivered, returned, cancelled, lost, open",
        ),
        (["--list", "late"], "argument --list: not a status: 'late'; one of delivered, "),
        (["--list", "lost", "--limit", "0"], "argument --limit: must be at least 1, got 0"),
        (["--list", "lost", "--order", "3"], "argument --order: not allowed with argument --list"),
        ([], "one of the arguments --order --list is required"),
    ],
)
def test_explain_refuses_an_unknown_status_or_limit(tmp_path, capsys, argv, says):
    assert says in refused(capsys, explain_main, [str(tmp_path), *argv])


# --- mptwin-gate ------------------------------------------------------------------------------


@pytest.fixture
def no_gate_runs(monkeypatch):
    monkeypatch.setattr(gate_cli, "run_gate", started)


def test_gate_refuses_no_workers(capsys, no_gate_runs):
    line = refused(capsys, gate_cli.main, ["conf/gate/promise_buffer.yaml", "--workers", "0"])
    assert "argument --workers: must be at least 1, got 0" in line


def test_gate_says_a_file_that_is_no_yaml_in_one_line(capsys, no_gate_runs):
    line = refused(capsys, gate_cli.main, [str(ROOT / "README.md")])
    assert "not valid YAML" in line and "(line " in line


def test_gate_refuses_an_out_it_cannot_write(tmp_path, capsys, no_gate_runs):
    (tmp_path / "file").write_text("")
    gate = str(ROOT / "conf" / "gate" / "promise_buffer.yaml")
    line = refused(capsys, gate_cli.main, [gate, "--out", str(tmp_path / "file" / "g")])
    assert "argument --out: cannot write" in line


# --- mptwin-serve -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--port", "0"], "argument --port: must be from 1 to 65535, got 0"),
        (["--port", "70000"], "argument --port: must be from 1 to 65535, got 70000"),
        (["--host", ""], "argument --host: must not be empty"),
        (["--host", "no such host!"], "argument --host: cannot resolve 'no such host!'"),
        (["--strategy", "nope"], "Could not find 'strategy/nope'; Available options"),
        (["strategy.routing.nope=1"], "Could not override 'strategy.routing.nope'"),
    ],
)
def test_serve_refuses_a_bad_option_before_listening(capsys, monkeypatch, argv, says):
    monkeypatch.setattr(serve_cli.uvicorn, "run", started)
    assert says in refused(capsys, serve_cli.main, argv)


# --- mptwin-tune ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--trials", "0"], "argument --trials: must be at least 1, got 0"),
        (["--min-headcount", "0"], "argument --min-headcount: must be at least 1, got 0"),
        (
            ["--min-headcount", "5", "--max-headcount", "3"],
            "argument --max-headcount: must be at least --min-headcount (5), got 3",
        ),
        (
            ["--start-headcount", "40"],
            "argument --start-headcount: must be from --min-headcount "
            "to --max-headcount (1 to 30), got 40",
        ),
        (["--workers", "0"], "argument --workers: must be at least 1, got 0"),
        (["--batch", "0"], "argument --batch: must be at least 1, got 0"),
        (["--on-time", "0"], "argument --on-time: must be in (0, 1], got 0.0"),
        (["--on-time", "nan"], "argument --on-time: must be in (0, 1], got nan"),
        (["--target", "-4"], "argument --target: must be a finite number of hours > 0, got -4.0"),
        (["--seeds"], "argument --seeds: expected at least one argument"),
    ],
)
def test_tune_refuses_a_bad_value_before_any_trial(capsys, argv, says):
    assert says in refused(capsys, tune_cli.parse, ["automation", *argv])


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--scenario", "nope"], "Could not find 'scenario/nope'"),
        (["--override", "nope=1"], "Could not override 'nope'"),
    ],
)
def test_tune_refuses_a_bad_scenario_or_override_in_one_line(capsys, argv, says):
    assert says in refused(capsys, tune_cli.main, ["automation", *argv])


# --- every command's --help -------------------------------------------------------------------


def commands() -> dict[str, str]:
    """The console scripts of pyproject.toml: name -> module:function."""
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    return {name: target for name, target in scripts.items() if name != "mptwin"}


def help_of(target: str, monkeypatch, capsys) -> tuple[str, argparse.ArgumentParser]:
    """A command's --help text and its parser (caught as it parses)."""
    module, function = target.split(":")
    parsers = []
    real = argparse.ArgumentParser.parse_args

    def parse_args(self, *args, **kwargs):
        parsers.append(self)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", parse_args)
    with pytest.raises(SystemExit) as stop:
        getattr(importlib.import_module(module), function)(["--help"])
    assert stop.value.code == 0
    return capsys.readouterr().out, parsers[0]


def names_that_do_not_exist(text: str) -> list[str]:
    """The experiments, scenarios, strategies and repository files a help text names that do
    not exist (placeholders in <...>, the user's own my_* names and outputs are not names)."""
    missing = []
    for group, name in re.findall(r"\b(experiment|scenario|strategy)=([A-Za-z0-9_]+)", text):
        if not name.startswith("my_") and not (CONF_DIR / group / f"{name}.yaml").is_file():
            missing.append(f"{group}={name}")
    for name in re.findall(r"\bmultirun/([A-Za-z0-9_]+)", text):  # a sweep's folder
        if not (CONF_DIR / "experiment" / f"{name}.yaml").is_file():
            missing.append(f"multirun/{name}")
    for path in re.findall(r"\b((?:conf|examples|docs)/[A-Za-z0-9_./-]*[A-Za-z0-9_/])", text):
        if "my_" not in path and not (ROOT / path).exists():
            missing.append(path)
    return missing


@pytest.mark.parametrize("name", sorted(commands()))
def test_help_describes_the_command_and_names_what_exists(name, monkeypatch, capsys):
    text, parser = help_of(commands()[name], monkeypatch, capsys)
    description = parser.description.strip()
    assert description.endswith((".", ":")) or description.splitlines()[-1].startswith("    "), (
        f"{name}: the description stops mid-sentence: ...{description[-60:]!r}"
    )
    assert not names_that_do_not_exist(text), f"{name} --help names {names_that_do_not_exist(text)}"


@pytest.mark.parametrize("name", sorted(commands()))
def test_every_option_has_help_and_shows_its_default(name, monkeypatch, capsys):
    _, parser = help_of(commands()[name], monkeypatch, capsys)
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        assert action.help, f"{name}: {action.dest} has no help text"
        default = action.default  # a flag's (store_true and the like) goes without saying
        if action.option_strings and action.nargs != 0 and default not in (None, [], False):
            assert "default" in action.help, f"{name}: {action.dest} does not show its default"


def test_mptwin_help_template_is_short_and_names_what_exists():
    cfg = compose(hydra=True)
    text = cfg.hydra.help.template
    assert len(text.splitlines()) < 40
    for key in (
        "seed=",
        "decisions=",
        "figures=",
        "progress=",
        "$APP_CONFIG_GROUPS",
        "--cfg job",
        "--hydra-help",
    ):
        assert key in text
    assert not names_that_do_not_exist(text)
    headings = set(re.findall(r"^## (.+)$", (ROOT / "README.md").read_text(), re.M))
    named = re.findall(r'"([^"]+)"', text.split("README.md")[1])
    assert named and set(named) <= headings, set(named) - headings


@pytest.mark.slow
def test_mptwin_help_is_its_own_and_hydra_help_stays(tmp_path):
    """The real command: a short help with the groups; --hydra-help is still Hydra's."""
    run = [sys.executable, "-m", "mptwin.runner.cli"]
    text = subprocess.run(
        [*run, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    ).stdout
    assert text.startswith("mptwin: one run") and len(text.splitlines()) < 60
    assert re.search(r"^scenario: .*\bsmoke\b", text, re.M), text
    assert "world_seed" not in text  # no config dump
    hydra = subprocess.run(
        [*run, "--hydra-help"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    ).stdout
    assert hydra.startswith("Hydra (") and "== Flags ==" in hydra
