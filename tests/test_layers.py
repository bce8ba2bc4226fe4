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
    path.write_text(
        "from mptwin.results.measure.metrics import compute_kpis\nimport pandas as pd\n"
    )
    assert {"mptwin.results.measure.metrics", "pandas"} <= imported_modules(path)


def module_imports(path, module: str, known: set[str]) -> set[str]:
    """The modules of `known` that the module `module` (at `path`) imports, wherever in it the
    import is: at the top, inside a function, or under `if TYPE_CHECKING:` (a cycle hidden in
    any of them is still a cycle). Importing `a.b.c` runs `a.b`'s `__init__` too."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, up level - 1
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, base] if base else parts)
            names.add(base)
            names.update(f"{base}.{a.name}" for a in node.names)  # `from pkg import module`
    found = set()
    for name in names:
        parts = name.split(".")
        found.update(".".join(parts[:k]) for k in range(1, len(parts) + 1))
    return (found & known) - {module}


def import_graph(package: str, root=ROOT) -> dict[str, set[str]]:
    """Module -> the modules of `package` it imports."""
    paths = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        paths[name] = path
    known = set(paths)
    return {name: module_imports(path, name, known) for name, path in paths.items()}


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


def test_no_import_cycles_in_sim():
    """No module of `sim` imports, however indirectly, a module that imports it back: each
    module can be read, and imported, after the modules it uses."""
    cycles = import_cycles(import_graph("sim"))
    assert not cycles, "import cycles in sim:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_the_cycle_check_finds_a_hidden_cycle(tmp_path):
    """The check is not vacuous: a cycle hidden in a function or behind TYPE_CHECKING is seen,
    and so is one through `from package import module`."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg.b import thing\n")
    (pkg / "b.py").write_text("def thing():\n    from pkg import a\n")
    (pkg / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.sub.d import D\n"
    )
    (pkg / "sub" / "d.py").write_text("from ..c import C\n")
    (pkg / "e.py").write_text("import pkg.sub.d\n")
    graph = import_graph("pkg", root=tmp_path)
    assert import_cycles(graph) == [["pkg.a", "pkg.b"], ["pkg.c", "pkg.sub.d"]]


# The parts of mptwin (docs/design-notes.md draws them) and the parts each may import. A part
# not named here is a shared helper at mptwin's top (cli_args, progress, memory), which imports
# no part. Nothing imports the experiments, calibration or the decision service but themselves.
MPTWIN_PARTS = {
    "results": (),  # what runs leave behind, made readable: knows no runner
    "runner": ("results",),  # the composition root: runs jobs, writes their results
    "calibration": ("runner", "results"),  # builds scenarios from logs, checks them by running
    "experiments": ("runner", "results"),  # tuning and the gate: drive many jobs
    "decision_service": ("runner",),  # the example service: composes a strategy to serve
}


def mptwin_part(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "mptwin" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in MPTWIN_PARTS else "shared"


def test_each_part_of_mptwin_imports_only_the_parts_below_it():
    graph = import_graph("mptwin")
    bad = []
    for module, imported in sorted(graph.items()):
        part = mptwin_part(module)
        allowed = {part, "shared", *MPTWIN_PARTS.get(part, ())} if part != "shared" else {part}
        below = [name for name in sorted(imported) if mptwin_part(name)]
        bad += [f"{module} ({part}) imports {n}" for n in below if mptwin_part(n) not in allowed]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("package", ["sim", "mptwin", "strategies", "scenarios"])
def test_no_import_cycles(package):
    """No module imports, however indirectly, a module that imports it back: each module can be
    read, and imported, after the modules it uses."""
    cycles = import_cycles(import_graph(package))
    assert not cycles, f"import cycles in {package}:\n" + "\n".join(" <-> ".join(c) for c in cycles)
