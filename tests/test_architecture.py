"""The shape of the house: no import cycle among core modules, the kernel imports no capability,
`core/` holds the kernel and the capability packages only, no module grows past one job.

import-linter (`make test`, contracts in pyproject.toml) checks the layers between packages; this
walks every import statement itself, the ones inside functions included, down to modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

CORE = ROOT / "core"
# Modules allowed past MAX_LINES because they are one cohesive job (the brief allows the engine).
MAX_LINES = 800
ONE_JOB = {"core/kpi/engine.py"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def core_modules() -> dict[str, Path]:
    return {module_name(path): path for path in CORE.rglob("*.py")}


def imported_modules(path: Path, known: set[str]) -> set[str]:
    """Every core module `path` imports, at any depth of the file (functions included)."""
    package = module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" else module_name(path)
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != module_name(path):
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = core_modules()
    known = set(modules)
    # a package's __init__ is imported with any of its modules, but ours hold docstrings only
    return {
        name: {t for t in imported_modules(path, known) if modules[t].name != "__init__.py"}
        for name, path in modules.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module, or a module importing itself (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_among_core_modules_even_inside_functions():
    graph = import_graph()
    assert len(graph) > 60 and sum(map(len, graph.values())) > 200  # the walk sees the house
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle_through_a_function_level_import():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_kernel_imports_no_capability_even_inside_functions():
    graph = import_graph()
    upward = {
        (name, t)
        for name, targets in graph.items()
        if name.startswith("core.kernel")
        for t in targets
        if not t.startswith("core.kernel")
    }
    assert upward == set()


def test_core_top_level_is_the_kernel_the_capabilities_and_the_composition_root():
    loose = sorted(p.name for p in CORE.glob("*.py") if p.name not in {"__init__.py", "bootstrap.py"})
    assert loose == []
    packages = {p.name for p in CORE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert all((CORE / name / "__init__.py").exists() for name in packages)
    assert {"kernel", "kpi", "qa", "salary", "billing"} <= packages


def test_no_module_over_800_lines_unless_it_is_one_job():
    long = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines()) for p in CORE.rglob("*.py")}
    assert {path: n for path, n in long.items() if n > MAX_LINES and path not in ONE_JOB} == {}


def test_the_worker_process_imports_neither_streamlit_nor_the_ui_nor_the_pages():
    tree = ast.parse((ROOT / "worker.py").read_text(encoding="utf-8"))
    tops = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    tops |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert "core" in tops  # it does import something: the check looks at real imports
    assert not tops & {"streamlit", "ui", "app_pages", "demo"}
