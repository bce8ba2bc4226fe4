"""Every config file composes: each scenario with the default strategy, each strategy (and each
policy option) on the smoke scenario, each experiment. A YAML that no test runs cannot rot.
And a config is composed in one place only (`mptwin.runner.compose`), from the one conf/ path."""

from __future__ import annotations

import ast
import re

import pytest

from mptwin.runner.compose import CONF_DIR, build_run, compose
from tests.helpers.runs import ROOT


def names(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF_DIR / group).glob("*.yaml"))


@pytest.mark.parametrize("scenario", names("scenario"))
def test_every_scenario_composes_and_builds(scenario):
    world, strategy = build_run(compose(f"scenario={scenario}"))
    assert world.name == scenario and strategy.name == "automation"


@pytest.mark.parametrize("strategy", names("strategy"))
def test_every_strategy_composes_and_builds(strategy):
    _, built = build_run(compose("scenario=smoke", f"strategy={strategy}"))
    assert built.name.startswith(strategy.removesuffix("_tuned").removesuffix("_naive"))


@pytest.mark.parametrize("group", ["routing", "promise", "pricing", "exceptions", "onboarding"])
def test_every_policy_option_composes_and_builds(group):
    for option in names(f"strategy/{group}"):
        build_run(compose("scenario=smoke", f"strategy/{group}={option}"))


@pytest.mark.parametrize("rules", names("rules"))
def test_every_rules_file_composes_and_builds(rules):
    for strategy in ("automation", "orchestration"):
        _, built = build_run(
            compose("scenario=smoke", f"strategy={strategy}", f"rules@strategy.rules={rules}")
        )
        assert built.onboarding.rules.approve_below <= built.onboarding.rules.reject_above


@pytest.mark.parametrize("experiment", names("experiment"))
def test_every_experiment_composes(experiment):
    cfg = compose(f"experiment={experiment}")
    assert cfg.scenario.name and cfg.strategy.name


# --- one composition ---------------------------------------------------------------------------

# Hydra's composition API. A config composed with it anywhere but mptwin/runner/compose.py could differ
# from the one `mptwin` runs (another folder, another config name, no schema registered).
HYDRA_COMPOSING = {"compose", "initialize", "initialize_config_dir", "initialize_config_module"}
HYDRA_COMPOSING |= {"main"}  # hydra.main: a command's entry point, composing for it
ALLOWED = {
    "mptwin/runner/compose.py": {"compose", "initialize_config_dir"},  # the one composition
    "mptwin/runner/cli.py": {
        "main"
    },  # `mptwin`: Hydra's entry point on mptwin.runner.compose's folder
}
# Tests that test the `mptwin` command itself through Hydra's API may be listed here with what
# they use; none needs to today (tests/test_cli.py runs the command in a subprocess).
CLI_TESTS: dict[str, set[str]] = {}
SCANNED = ("mptwin", "benchmarks", "notebooks", "strategies", "scenarios", "sim", "tests")


def hydra_composing(path) -> set[str]:
    """What of Hydra's composition API a module imports or calls (`from hydra import compose`,
    `hydra.initialize_config_dir(...)`, `@hydra.main`)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "hydra":
            found |= {a.name for a in node.names} & HYDRA_COMPOSING
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "hydra"
            and node.attr in HYDRA_COMPOSING
        ):
            found.add(node.attr)
    return found


def test_only_mptwin_compose_composes_with_hydra():
    allowed = {**ALLOWED, **CLI_TESTS}
    bad = []
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            where = str(path.relative_to(ROOT))
            extra = hydra_composing(path) - allowed.get(where, set())
            if extra:
                bad.append(f"{where} uses hydra's {sorted(extra)}: use mptwin.runner.compose")
    assert not bad, "\n".join(bad)


def test_the_composition_guard_sees_hydras_api(tmp_path):
    """The check is not vacuous: each way of reaching Hydra's composition is seen."""
    path = tmp_path / "bad.py"
    path.write_text(
        "import hydra\n"
        "from hydra import compose as c, initialize_config_dir\n"
        "from hydra.core.hydra_config import HydraConfig\n"
        "hydra.initialize(version_base=None)\n"
        "@hydra.main(config_path='x')\n"
        "def app(cfg): ...\n"
    )
    assert hydra_composing(path) == {"compose", "initialize_config_dir", "initialize", "main"}


def test_the_conf_folder_is_named_once():
    """conf/'s path is `mptwin.runner.compose.CONF_DIR`; the code outside tests/ names no other."""
    named = re.compile(r"""["']conf["']""")
    bad = [
        f"{path.relative_to(ROOT)}:{i}"
        for folder in SCANNED
        if folder != "tests"  # tests copy conf/ to a temporary folder of that name
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path.relative_to(ROOT).as_posix() != "mptwin/runner/compose.py"
        for i, line in enumerate(path.read_text().splitlines(), 1)
        if named.search(line)
    ]
    assert not bad, bad
