"""The layers hold: gui → sim → engine, tasks; cli on top; no Qt below gui; no import cycle.

Every ``import`` statement counts, at the top of a module or inside a function: an import
moved into a function still couples the two modules. A package importing its own
sub-modules (``rnnsim/cli/__init__.py`` importing ``rnnsim.cli.train``) is not a cycle.
"""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "rnnsim"
QT = ("PySide6", "pyqtgraph", "shiboken6")
#: modules below every layer: anyone may import them, they import none of the layers
BASE = {"package_data", "usage"}
#: layer → the layers its modules may import (besides the standard library and NumPy)
ALLOWED = {
    "base": set(),
    "engine": {"engine"},
    "tasks": {"tasks", "engine"},
    "sim": {"sim", "tasks", "engine"},
    "catalog": {"sim", "tasks", "engine"},
    "gui": {"gui", "sim", "tasks", "engine", "catalog"},
    "cli": {"cli", "gui", "sim", "tasks", "engine", "catalog"},
    "": {"cli", "gui", "sim", "tasks", "engine", "catalog", ""},  # rnnsim/__init__, __main__
}
for _layers in ALLOWED.values():
    _layers.add("base")


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = ["rnnsim", *path.relative_to(ROOT).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Every rnnsim module (or package) and foreign top-level package ``name`` imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                out.add(full if full in MODULES else base)
    return out


def _rnnsim_module(target: str) -> str | None:
    while target and target not in MODULES:
        target = target.rpartition(".")[0]
    return target or None


def _layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in BASE:
        return "base"
    return parts[1] if len(parts) > 1 and parts[1] in ALLOWED else ""


def _graph() -> dict[str, set[str]]:
    graph = {}
    for name, path in MODULES.items():
        deps = set()
        for target in _imports(name, path):
            module = _rnnsim_module(target) if target.startswith("rnnsim") else None
            if module and module != name and not name.startswith(module + "."):
                deps.add(module)  # a module importing its own package is Python's doing
        graph[name] = deps
    return graph


def test_every_import_respects_the_layers():
    wrong = []
    for name, path in MODULES.items():
        layer = _layer(name)
        for target in _imports(name, path):
            if target.split(".")[0] in QT and layer not in ("gui", "cli", ""):
                wrong.append(f"{name} imports {target} (Qt below gui)")
            if target.startswith("rnnsim") and target != "rnnsim":
                used = _layer(_rnnsim_module(target) or target)
                if used not in ALLOWED[layer]:
                    wrong.append(f"{name} ({layer or 'rnnsim'}) imports {target} ({used})")
    assert wrong == []


def _cycles(graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
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
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle():
    assert _cycles(_graph()) == []


def _qt_modules_after_importing(modules) -> str:
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {QT!r}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return out.stdout.strip()


def test_engine_tasks_and_sim_load_no_qt_in_a_fresh_interpreter():
    lower = sorted(m for m in MODULES if _layer(m) in ("base", "engine", "tasks", "sim", "catalog"))
    assert len(lower) > 40
    assert _qt_modules_after_importing(lower) == "[]"


def test_the_command_line_loads_qt_only_for_the_window():
    assert _qt_modules_after_importing(["rnnsim.cli"]) == "[]"


def _unexplained_function_imports(source: str, name: str) -> list[str]:
    """``name:line`` of each import inside a function with no comment saying why.

    Consecutive imports form one block: a comment line right above the block, or a comment at
    the end of one of its lines, explains the whole block.
    """
    lines = source.splitlines()
    found = []

    def commented(first, last):
        above = lines[first - 2].strip() if first >= 2 else ""
        return above.startswith("#") or any("#" in lines[i - 1] for i in range(first, last + 1))

    def check_body(body):
        block = []
        for stmt in [*body, None]:
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                block.append(stmt)
                continue
            if block and not commented(block[0].lineno, block[-1].end_lineno):
                found.append(f"{name}:{block[0].lineno}")
            block = []

    def visit(node, in_function):
        for field in ("body", "orelse", "finalbody", "handlers"):
            body = getattr(node, field, None)
            if isinstance(body, list) and in_function:
                check_body(body)
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            visit(child, inner)

    visit(ast.parse(source), False)
    return found


def test_an_import_inside_a_function_says_why():
    """Imports go at the top of a module; one kept inside a function (heavy, optional, or Qt
    that the command line must not load) carries a comment saying why."""
    found = []
    for name, path in MODULES.items():
        found += _unexplained_function_imports(path.read_text(encoding="utf-8"), name)
    assert found == []


def test_the_function_import_check_finds_an_unexplained_import():
    source = (
        "import os\n"
        "def f():\n"
        "    import json\n"
        "    return json\n"
        "def g():\n"
        "    # heavy and optional\n"
        "    import dask\n"
        "    import distributed\n"
        "    try:\n"
        "        import av  # optional extra\n"
        "    except ImportError:\n"
        "        import PIL\n"
    )
    assert _unexplained_function_imports(source, "m") == ["m:3", "m:12"]
