"""What a new user types wrong in the calibration commands (mptwin-calibrate, mptwin-validate,
mptwin-export-log) and the order logs they read: one clear line naming the option, the file or
the value, and a non-zero exit, before any long work starts."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from mptwin.calibration import backtest, export
from mptwin.calibration import cli as calibrate_cli
from mptwin.calibration.log import LogError, read_log
from mptwin.calibration.log_files import CENTROIDS, CUSTOMERS, ORDERS, SELLERS
from mptwin.calibration.scenario import calibrate
from mptwin.runner.compose import CONF_DIR
from tests.helpers.commands import EXAMPLE, Started, refused, started

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
    line = refused(
        capsys, calibrate_cli.main, [str(EXAMPLE), "--out", str(tmp_path / "m.yaml"), option, value]
    )
    assert f"argument {option}" in line and says in line, line


@pytest.mark.parametrize("name", ["", "a b/c", "my.market"])
def test_calibrate_refuses_a_name_that_is_no_folder_name(tmp_path, capsys, no_fit, name):
    line = refused(
        capsys,
        calibrate_cli.main,
        [str(EXAMPLE), "--out", str(tmp_path / "m.yaml"), "--name", name],
    )
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
    line = refused(
        capsys, calibrate_cli.main, [str(EXAMPLE), "--out", str(tmp_path / "file" / "m.yaml")]
    )
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
    shutil.copytree(CONF_DIR, conf, ignore=shutil.ignore_patterns("*.calibration.json"))
    monkeypatch.setattr("mptwin.runner.compose.CONF_DIR", conf)  # every composition reads it
    shutil.copy(conf / "scenario" / "smoke.yaml", conf / "scenario" / "mine.yaml")
    sidecar = conf / "scenario" / "mine.calibration.json"
    sidecar.write_text(
        '{"holdout_period": ["2026-05-01T00:00:00", "2026-06-01T00:00:00"], '
        '"observed_operation": {"strategy": "automation", "overrides": []}}'
    )
    return sidecar


def test_validate_names_a_scenario_that_does_not_exist(calibrated, capsys, monkeypatch):
    monkeypatch.setattr(backtest, "read_log", started)
    line = refused(capsys, backtest.main, [str(EXAMPLE), "scenario=mnie"])
    assert "no scenario 'mnie'" in line and "calibrated scenarios: mine" in line
    assert "calibration.json not found" not in line


@pytest.mark.parametrize("seeds", ["0", "-2", "two"])
def test_validate_refuses_a_bad_seed_count(calibrated, capsys, monkeypatch, seeds):
    monkeypatch.setattr(backtest, "read_log", started)
    line = refused(capsys, backtest.main, [str(EXAMPLE), "scenario=mine", "--seeds", seeds])
    assert "argument --seeds" in line and seeds in line


def test_validate_refuses_a_log_without_orders_in_the_hold_out(calibrated, capsys, monkeypatch):
    calibrated.write_text(calibrated.read_text().replace("2026-0", "2030-0"))
    monkeypatch.setattr(backtest, "simulated_logs", started)
    line = refused(capsys, backtest.main, [str(EXAMPLE), "scenario=mine"])
    assert "no orders bought in the scenario's hold-out (2030-05-01 .. 2030-06-01" in line


def test_validate_says_a_bad_override_in_one_line(calibrated, capsys, monkeypatch, tmp_path):
    monkeypatch.setattr("mptwin.runner.job.simulate", started)
    line = refused(
        capsys,
        backtest.main,
        [str(EXAMPLE), "scenario=mine", "scenario.dyas=3", "--out", str(tmp_path)],
    )
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
