"""What a new user types wrong: every `mptwin-*` command refuses a bad value with one clear line
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
import shutil
import subprocess
import sys
import tomllib

import pandas as pd
import pytest
from hydra import compose, initialize_config_dir

from mptwin.calibration import cli as calibrate_cli
from mptwin.calibration import export, validate
from mptwin.calibration import scenario as calibration
from mptwin.calibration.log import LogError, read_log
from mptwin.calibration.log_files import CENTROIDS, CUSTOMERS, ORDERS, SELLERS
from mptwin.calibration.scenario import calibrate
from mptwin.explain import main as explain_main
from mptwin.gate import cli as gate_cli
from mptwin.report import build as report
from mptwin.report.load import load_sweep
from mptwin.report.tables import paired, summary
from mptwin.service import cli as serve_cli
from mptwin.tuning import cli as tune_cli
from tests.helpers.runs import CONF, ROOT
from tests.test_report_load import make_run

EXAMPLE = ROOT / "examples" / "synthetic-log"


class Started(AssertionError):
    """Long work began although the input was bad."""


def started(*args, **kwargs):
    raise Started("long work started on a bad input")


def refused(capsys, main, argv, code: int = 2) -> str:
    """Run a command that must refuse `argv`: its exit code (returned or raised) and the last
    line it wrote to stderr, which must say it all."""
    try:
        got = main(argv)
    except SystemExit as stop:
        got = stop.code
    err = capsys.readouterr().err
    assert got == code, f"{argv}: exit {got}, expected {code}\n{err}"
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines and "Traceback" not in err, err
    return lines[-1]


# --- mptwin-calibrate -------------------------------------------------------------------------


@pytest.fixture
def no_fit(monkeypatch):
    """Reading the log or fitting must not start on a bad command line."""
    monkeypatch.setattr(calibrate_cli, "read_log", started)
    monkeypatch.setattr(calibrate_cli, "calibrate", started)


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--fit-share", "1.7", "must be in [0.1, 1]"),
        ("--fit-share", "nan", "finite"),
        ("--fit-share", "0", "got 0"),
        ("--fit-share", "most", "not a number"),
        ("--censor-days", "-1", "got -1"),
        ("--censor-days", "inf", "finite"),
    ],
)
def test_calibrate_refuses_a_bad_number(tmp_path, capsys, no_fit, option, value, says):
    line = refused(capsys, calibrate_cli.main,
                   [str(EXAMPLE), "--out", str(tmp_path / "m.yaml"), option, value])  # fmt: skip
    assert f"argument {option}" in line and says in line, line


@pytest.mark.parametrize("name", ["", "a b/c", "my.market"])
def test_calibrate_refuses_a_name_that_is_no_folder_name(tmp_path, capsys, no_fit, name):
    line = refused(capsys, calibrate_cli.main,
                   [str(EXAMPLE), "--out", str(tmp_path / "m.yaml"), "--name", name])  # fmt: skip
    assert "--name" in line and repr(name) in line


def test_calibrate_refuses_to_overwrite_without_overwrite(tmp_path, capsys, no_fit):
    """As mptwin-export-log does: an existing scenario (or its sidecar) is replaced only with
    --overwrite, and the error says so."""
    out = tmp_path / "m.yaml"
    out.write_text("name: mine\n")
    line = refused(capsys, calibrate_cli.main, [str(EXAMPLE), "--out", str(out)])
    assert str(out) in line and "--overwrite" in line
    assert out.read_text() == "name: mine\n"
    out.unlink()
    (tmp_path / "m.calibration.json").write_text("{}")
    assert "--overwrite" in refused(capsys, calibrate_cli.main, [str(EXAMPLE), "--out", str(out)])
    with pytest.raises(Started):  # with it, the command goes on to read the log
        calibrate_cli.main([str(EXAMPLE), "--out", str(out), "--overwrite"])


def test_calibrate_refuses_an_out_it_cannot_write(tmp_path, capsys, no_fit):
    (tmp_path / "file").write_text("")
    line = refused(capsys, calibrate_cli.main,
                   [str(EXAMPLE), "--out", str(tmp_path / "file" / "m.yaml")])  # fmt: skip
    assert "--out" in line and "cannot write" in line


# --- the order log: malformed files and logs a fit cannot use ---------------------------------


def example_copy(tmp_path, name: str | None = None, edit=None):
    """The shipped log, with one file's text (as a table of strings) edited."""
    folder = tmp_path / "log"
    shutil.copytree(EXAMPLE, folder)
    if name is not None:
        table = pd.read_csv(folder / name, dtype=str, keep_default_na=False)
        edit(table).to_csv(folder / name, index=False)
    return folder


def test_a_comma_at_the_end_of_every_line_is_an_error_not_shifted_columns(tmp_path):
    """pandas takes a first row one field longer than the header as an index and shifts every
    column left: reviews would silently join on review ids."""
    folder = example_copy(tmp_path)
    path = folder / "olist_order_reviews_dataset.csv"
    head, *rows = path.read_text().splitlines()
    path.write_text("\n".join([head, *(row + "," for row in rows)]) + "\n")
    with pytest.raises(LogError, match="olist_order_reviews_dataset.csv: the first row has 8"):
        read_log(folder)


@pytest.mark.parametrize(
    ("column", "value", "says"),
    [
        ("order_purchase_timestamp", "9999-01-01 00:00:00", "a timestamp outside the years"),
        ("order_approved_at", "1600-01-01 00:00:00", "a timestamp outside the years"),
    ],
)
def test_a_timestamp_pandas_cannot_hold_names_file_column_and_value(tmp_path, column, value, says):
    def edit(t):
        t.loc[3, column] = value
        return t

    with pytest.raises(LogError, match=rf"{ORDERS}, column '{column}': {says}.*row 4.*{value}"):
        read_log(example_copy(tmp_path, ORDERS, edit))


def test_a_zip_prefix_too_long_for_a_number_names_it(tmp_path):
    def edit(t):
        t.loc[0, "customer_zip_code_prefix"] = "9" * 25
        return t

    with pytest.raises(LogError, match=rf"{CUSTOMERS}, column 'customer_zip_code_prefix'"):
        read_log(example_copy(tmp_path, CUSTOMERS, edit))


@pytest.mark.parametrize(
    ("name", "edit", "says"),
    [
        (SELLERS, lambda t: t.iloc[:0], "0 with a seller"),  # an IndexError in the promise fit
        (CENTROIDS, lambda t: t.iloc[:0], "0 with a customer"),  # a ZeroDivisionError
        (ORDERS, lambda t: t.assign(order_estimated_delivery_date=""), "0 with a promised"),
        (ORDERS, lambda t: t.assign(order_status="shipped"), "0 with a delivery"),
        ("olist_order_items_dataset.csv", lambda t: t.assign(product_id=""), "product id"),
    ],
)
def test_a_log_without_what_the_fit_needs_says_what_is_missing(tmp_path, name, edit, says):
    log = read_log(example_copy(tmp_path, name, edit))
    with pytest.raises(LogError, match="cannot calibrate") as error:
        calibrate(log, "x")
    assert says in str(error.value) and "at least 10" in str(error.value)


def test_a_log_of_a_few_days_says_it_is_too_short(tmp_path):
    def edit(t):
        return t[t["order_purchase_timestamp"] < "2026-01-15"]

    log = read_log(example_copy(tmp_path, ORDERS, edit))
    with pytest.raises(LogError, match="at least 7 days"):
        calibrate(log, "x")


# --- mptwin-validate --------------------------------------------------------------------------


@pytest.fixture
def calibrated(tmp_path, monkeypatch):
    """A conf/ copy holding scenario `mine` (smoke's world) with a sidecar whose hold-out is the
    shipped log's last weeks; returns the sidecar's path."""
    conf = tmp_path / "conf"
    shutil.copytree(CONF, conf, ignore=shutil.ignore_patterns("*.calibration.json"))
    monkeypatch.setattr(calibration, "CONF", conf)
    shutil.copy(conf / "scenario" / "smoke.yaml", conf / "scenario" / "mine.yaml")
    sidecar = conf / "scenario" / "mine.calibration.json"
    sidecar.write_text('{"holdout_period": ["2026-05-01T00:00:00", "2026-06-01T00:00:00"], '
                       '"observed_operation": {"strategy": "automation", "overrides": []}}')  # fmt: skip
    return sidecar


def test_validate_names_a_scenario_that_does_not_exist(calibrated, capsys, monkeypatch):
    monkeypatch.setattr(validate, "read_log", started)
    line = refused(capsys, validate.main, [str(EXAMPLE), "scenario=mnie"])
    assert "no scenario 'mnie'" in line and "calibrated scenarios: mine" in line
    assert "calibration.json not found" not in line


@pytest.mark.parametrize("seeds", ["0", "-2", "two"])
def test_validate_refuses_a_bad_seed_count(calibrated, capsys, monkeypatch, seeds):
    monkeypatch.setattr(validate, "read_log", started)
    line = refused(capsys, validate.main, [str(EXAMPLE), "scenario=mine", "--seeds", seeds])
    assert "argument --seeds" in line and seeds in line


def test_validate_refuses_a_log_without_orders_in_the_hold_out(calibrated, capsys, monkeypatch):
    calibrated.write_text(calibrated.read_text().replace("2026-0", "2030-0"))
    monkeypatch.setattr(validate, "simulated_logs", started)
    line = refused(capsys, validate.main, [str(EXAMPLE), "scenario=mine"])
    assert "no orders bought in the scenario's hold-out (2030-05-01 .. 2030-06-01" in line


def test_validate_says_a_bad_override_in_one_line(calibrated, capsys, monkeypatch, tmp_path):
    monkeypatch.setattr("mptwin.run.simulate", started)
    line = refused(capsys, validate.main,
                   [str(EXAMPLE), "scenario=mine", "scenario.dyas=3", "--out", str(tmp_path)])  # fmt: skip
    assert "config error" in line and "scenario.dyas" in line


# --- mptwin-export-log ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "says"),
    [
        (
            "scenario=nope",
            "Could not find 'scenario/nope'; Available options in 'scenario': baseline",
        ),
        ("seed=abc", "seed=abc: Value 'abc' of type 'str' could not be converted to Integer"),
        ("notakey=1", "Could not override 'notakey'"),
    ],
)
def test_export_log_says_a_bad_override_in_one_line(tmp_path, capsys, monkeypatch, override, says):
    monkeypatch.setattr(export, "simulate", started)
    line = refused(capsys, export.main, ["--out", str(tmp_path / "log"), override])
    assert line.startswith("mptwin-export-log: config error:") and says in line, line


def test_export_log_refuses_an_out_it_cannot_write_before_simulating(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(export, "simulate", started)
    (tmp_path / "file").write_text("")
    line = refused(capsys, export.main, ["--out", str(tmp_path / "file" / "log"), "scenario=smoke"])
    assert "argument --out: cannot write" in line


# --- mptwin-report ----------------------------------------------------------------------------


@pytest.fixture
def two_arms(tmp_path):
    """Hand-made runs of two arms with long names, three seeds (no simulation)."""
    root = tmp_path / "sweep"
    for seed in (1, 2, 3):
        for arm, bump in (("automation_tuned_s1", 0.0), ("orchestration_tuned_s2", 10.0)):
            make_run(root, f"{arm}/seed={seed}", seed, arm, 3, 100.0 + bump + seed,
                     [f"strategy={arm}", f"seed={seed}"])  # fmt: skip
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
    out = {"sweep": two_arms, "parent": two_arms.parent,
           "a run": two_arms / "automation_tuned_s1" / "seed=1"}[where]  # fmt: skip
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
        (["--min-headcount", "5", "--max-headcount", "3"],
         "argument --max-headcount: must be at least --min-headcount (5), got 3"),
        (["--start-headcount", "40"], "argument --start-headcount: must be from --min-headcount "
         "to --max-headcount (1 to 30), got 40"),
        (["--workers", "0"], "argument --workers: must be at least 1, got 0"),
        (["--batch", "0"], "argument --batch: must be at least 1, got 0"),
        (["--on-time", "0"], "argument --on-time: must be in (0, 1], got 0.0"),
        (["--on-time", "nan"], "argument --on-time: must be in (0, 1], got nan"),
        (["--target", "-4"], "argument --target: must be a finite number of hours > 0, got -4.0"),
        (["--seeds"], "argument --seeds: expected at least one argument"),
    ],
)  # fmt: skip
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
        if not name.startswith("my_") and not (CONF / group / f"{name}.yaml").is_file():
            missing.append(f"{group}={name}")
    for name in re.findall(r"\bmultirun/([A-Za-z0-9_]+)", text):  # a sweep's folder
        if not (CONF / "experiment" / f"{name}.yaml").is_file():
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
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose("config", return_hydra_config=True)
    text = cfg.hydra.help.template
    assert len(text.splitlines()) < 40
    for key in ("seed=", "decisions=", "figures=", "progress=", "$APP_CONFIG_GROUPS", "--cfg job",
                "--hydra-help"):  # fmt: skip
        assert key in text
    assert not names_that_do_not_exist(text)
    headings = set(re.findall(r"^## (.+)$", (ROOT / "README.md").read_text(), re.M))
    named = re.findall(r'"([^"]+)"', text.split("README.md")[1])
    assert named and set(named) <= headings, set(named) - headings


@pytest.mark.slow
def test_mptwin_help_is_its_own_and_hydra_help_stays(tmp_path):
    """The real command: a short help with the groups; --hydra-help is still Hydra's."""
    run = [sys.executable, "-m", "mptwin.cli"]
    text = subprocess.run([*run, "--help"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=True).stdout  # fmt: skip
    assert text.startswith("mptwin: one run") and len(text.splitlines()) < 60
    assert re.search(r"^scenario: .*\bsmoke\b", text, re.M), text
    assert "world_seed" not in text  # no config dump
    hydra = subprocess.run([*run, "--hydra-help"], cwd=ROOT, capture_output=True, text=True,
                           timeout=120, check=True).stdout  # fmt: skip
    assert hydra.startswith("Hydra (") and "== Flags ==" in hydra
