"""End to end: the command the README tells people to run works, from a subprocess, and writes
everything the README and KPIS.md promise.

The command is read from README.md (the first line of a fenced code block that runs `mptwin`,
the part after its last `&&`, e.g. `uv run --locked mptwin -m experiment=compare_strategies`),
so the test follows the README. When it is a sweep (`-m`), every one of its runs is checked,
and so are the paired comparison it prints and the report it builds.
"""

from __future__ import annotations

import json
import math
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from omegaconf import OmegaConf

from mptwin.results.measure.run_tables import TABLE_COLUMNS
from sim.exceptions import EXCEPTION_TYPES
from tests.helpers.runs import NETWORK

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
KPI_DOCS = [ROOT.parent / "shared" / "KPIS.md", ROOT / "docs" / "KPIS.md"]
INTENDED_COMMAND = (
    "python3 -m pip install uv && uv run --locked mptwin -m experiment=compare_strategies"
)
TIMEOUT_S = 600
TABLES = TABLE_COLUMNS
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def readme_command() -> list[str]:
    """The README's main command, as an argument list (the part after the last `&&`)."""
    text = README.read_text() if README.exists() else ""
    line = INTENDED_COMMAND
    for block in re.findall(r"^```[^\n]*\n(.*?)^```", text, flags=re.M | re.S):
        runs = [ln for ln in block.splitlines() if re.search(r"\bmptwin\b", ln.split("#")[0])]
        if runs:
            line = runs[0].split("#")[0]
            break
    return shlex.split(line.split("&&")[-1])


def is_multirun(args: list[str]) -> bool:
    return "-m" in args or "--multirun" in args


def program(args: list[str]) -> list[str]:
    """The command without its overrides: `uv run --locked mptwin`."""
    return args[: args.index("mptwin") + 1]


def job_dirs(out: Path, args: list[str]) -> list[Path]:
    """The run folders a command wrote: `out` itself, or every complete job of a sweep in `out`."""
    if not is_multirun(args):
        return [out]
    return sorted(p.parent for p in out.rglob("kpis.json"))


def kpi_keys() -> set[str]:
    """Every key named in the tables of the KPI definitions (shared and in-repo copies)."""
    docs = [p for p in KPI_DOCS if p.exists()]
    assert docs, f"no KPI definitions found at {KPI_DOCS}"
    keys: set[str] = set()
    for doc in docs:
        for line in doc.read_text().splitlines():
            cells = line.split("|")
            if len(cells) < 3 or set(cells[1].strip()) <= set("-: "):
                continue
            names = re.findall(r"`([^`]+)`", cells[1])
            for name in names:
                if name.startswith("_"):  # shorthand: `click_to_door_p50_h`, `_p90_h`
                    tail = len(name.split("_")) - 1
                    name = "_".join(names[0].split("_")[:-tail]) + name
                if "<" not in name:
                    keys.add(name)
    keys.discard("key")
    return keys


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    if args[0] == "uv":
        assert shutil.which("uv"), "the README's command needs `uv` on PATH"
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_S)


def test_readme_command_is_found():
    args = readme_command()
    assert "mptwin" in args, args
    assert args[0] in ("uv", "mptwin", "python", "python3"), args


def test_kpi_definitions_parse():
    keys = kpi_keys()
    for key in (
        "orders",
        "gmv",
        "operator_margin",
        "on_time_rate",
        "click_to_door_p90_h",
        "reviewer_utilisation",
        "touchless_rate",
    ):
        assert key in keys, f"{key} not found in the KPI tables: {sorted(keys)}"


@pytest.fixture(scope="module")
def single_run(tmp_path_factory):
    """The README's main command on the smoke world, writing into a temporary folder; with a
    seller network and a rogue founding seller, so that every table has rows."""
    out = tmp_path_factory.mktemp("cli") / "run"
    args = readme_command()
    where = f"hydra.sweep.dir={out}" if is_multirun(args) else f"hydra.run.dir={out}"
    args = [
        *args,
        f"hydra.searchpath=[file://{ROOT / 'tests' / 'conf'}]",
        "scenario=smoke_rogue",
        *NETWORK,
        where,
    ]
    proc = run(args, ROOT)
    return proc, out, args


@pytest.mark.slow
def test_single_run_exits_zero(single_run):
    proc, _, args = single_run
    assert proc.returncode == 0, (
        f"{shlex.join(args)} exited {proc.returncode}\n--- stdout\n{proc.stdout[-3000:]}"
        f"\n--- stderr\n{proc.stderr[-3000:]}"
    )


@pytest.mark.slow
def test_single_run_prints_the_kpi_table(single_run):
    proc, out, _ = single_run
    for key in ("on_time_rate", "operator_margin", "reviewer_utilisation", "orders"):
        assert key in proc.stdout, f"{key} missing from stdout:\n{proc.stdout[-3000:]}"
    assert str(out) in proc.stdout, "stdout should say where the results are"


@pytest.mark.slow
def test_a_sweep_prints_the_paired_comparison_and_where_the_report_is(single_run):
    proc, out, args = single_run
    if not is_multirun(args):
        pytest.skip("the README's main command is a single run")
    assert "Paired comparison: orchestration_tuned - automation_tuned" in proc.stdout, proc.stdout[
        -3000:
    ]
    # the arms were tuned on baseline: the table says its numbers are not the finding
    assert "Note: automation_tuned was tuned on scenario baseline, not smoke_rogue" in proc.stdout
    for key in ("operator_margin", "on_time_rate", "touchless_rate"):
        assert re.search(
            rf"^\s+{key}\s.*\s(better|worse|no clear difference)$", proc.stdout, re.M
        ), f"{key} has no paired row"
    page = out / "report" / "report.html"
    assert f"Report: {page}" in proc.stdout
    assert page.stat().st_size > 10_000


@pytest.mark.slow
def test_single_run_writes_the_resolved_config(single_run):
    _, out, args = single_run
    jobs = job_dirs(out, args)
    cfgs = [OmegaConf.load(job / "config.yaml") for job in jobs]
    assert cfgs and all(cfg.scenario.name == "smoke_rogue" for cfg in cfgs)
    if not is_multirun(args):
        assert cfgs[0].strategy.name == "automation" and cfgs[0].seed == 1
        return
    runs = sorted((cfg.strategy.name, cfg.seed) for cfg in cfgs)
    seeds = sorted({seed for _, seed in runs})
    assert len(seeds) >= 3, f"a comparison needs a few seeds, got {seeds}"
    arms = ("automation_tuned", "orchestration_tuned")  # the fair fight: both arms tuned
    assert runs == sorted((s, n) for s in arms for n in seeds)


@pytest.mark.slow
def test_single_run_writes_kpis_json_with_every_documented_key(single_run):
    _, out, args = single_run
    for job in job_dirs(out, args):
        check_kpis_json(job)


def check_kpis_json(out: Path) -> None:
    kpis = json.loads((out / "kpis.json").read_text())
    assert isinstance(kpis, dict) and kpis, "kpis.json must be one flat JSON object"
    expected = kpi_keys() | {f"exceptions_{t}" for t in EXCEPTION_TYPES}
    missing = sorted(expected - kpis.keys())
    assert not missing, f"kpis.json lacks documented keys {missing}"
    for key, value in kpis.items():
        assert value is None or (
            isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        ), f"kpis.json[{key!r}] = {value!r}: must be a finite number or null"
    for key, value in kpis.items():
        if value is not None and key.endswith("_rate"):
            assert 0.0 <= value <= 1.0, f"{key} = {value} is not a fraction"
    assert kpis["orders"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("name", list(TABLES))
def test_single_run_writes_readable_parquet_tables(single_run, name):
    """Every job writes every table with its columns; rows in every job, except a table that
    may rightly be empty in one run (nobody suspended): it needs rows in some job."""
    _, out, args = single_run
    rows = 0
    for job in job_dirs(out, args):
        df = pd.read_parquet(job / f"{name}.parquet")
        rows += len(df)
        assert name in MAY_BE_EMPTY or len(df) > 0, f"{job}/{name}.parquet is empty"
        missing = sorted(set(TABLES[name]) - set(df.columns))
        assert not missing, f"{job}/{name}.parquet lacks columns {missing}"
    assert rows > 0, f"{name}.parquet is empty in every job"


MAY_BE_EMPTY = {"suspensions"}


@pytest.mark.slow
def test_single_run_writes_figures(single_run):
    _, out, args = single_run
    for job in job_dirs(out, args):
        pngs = sorted((job / "figures").glob("*.png"))
        assert pngs, f"no figures in {job / 'figures'}"
        for png in pngs:
            data = png.read_bytes()
            assert len(data) > 1000 and data.startswith(PNG_MAGIC), f"{png} is not a real PNG"


@pytest.mark.slow
def test_multirun_writes_one_result_folder_per_seed(tmp_path):
    sweep = tmp_path / "sweep"
    args = [
        *program(readme_command()),
        "-m",
        "scenario=smoke",
        "seed=1,2",
        f"hydra.sweep.dir={sweep}",
        "figures=false",
    ]
    proc = run(args, ROOT)
    assert proc.returncode == 0, (
        f"{shlex.join(args)} exited {proc.returncode}\n--- stdout\n{proc.stdout[-3000:]}"
        f"\n--- stderr\n{proc.stderr[-3000:]}"
    )
    found = sorted(sweep.rglob("kpis.json"))
    assert len(found) == 2, f"expected two kpis.json under {sweep}, found {found}"
    seeds = sorted(int(OmegaConf.load(p.parent / "config.yaml").seed) for p in found)
    assert seeds == [1, 2]
    a, b = (json.loads(p.read_text()) for p in found)
    assert a.keys() == b.keys()
    assert a != b, "two seeds gave identical KPIs"
