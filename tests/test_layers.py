"""The layers of DESIGN.md, checked on the source: data flows down and nothing imports upward.
The world (`sim`) knows no strategy, scenario generator, analysis or plotting library; strategies
know the world only through its public seam; scenarios build worlds and know no strategy."""

from __future__ import annotations

import ast

import pytest

from tests.helpers.runs import ROOT

FORBIDDEN = {
    "sim": ("strategies", "scenarios", "mptwin", "pandas", "matplotlib", "hydra"),
    "strategies": ("scenarios", "mptwin", "pandas", "matplotlib", "hydra"),
    "scenarios": ("strategies", "mptwin", "matplotlib"),
}


def imported_modules(path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_package_imports_a_layer_above_it(package):
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in imported_modules(path):
            if name.split(".")[0] in FORBIDDEN[package]:
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not bad, "\n".join(bad)


def test_the_check_finds_an_upward_import(tmp_path):
    """The check is not vacuous: an upward import is seen."""
    path = tmp_path / "bad.py"
    path.write_text("from mptwin.analysis.metrics import compute_kpis\nimport pandas as pd\n")
    assert {"mptwin.analysis.metrics", "pandas"} <= imported_modules(path)
