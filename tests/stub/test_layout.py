"""The stub's modules import no cycle: dialects register through one seam and never import the app.

Imports are read with ``ast`` from the source, all of them: module level,
inside functions and under ``if TYPE_CHECKING`` (a type-only import is how
the old cycle between ``app`` and ``dialects`` hid).
"""

import ast
import importlib
import pkgutil

import pytest

from server_stub.dialects import DIALECTS
from tests.conftest import ROOT

PACKAGE = "server_stub"


def sources(root=ROOT / PACKAGE, package=PACKAGE) -> dict[str, tuple[str, bool]]:
    """Module name -> (source, is a package) for every module of the package."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        name = ".".join([package, *(parts[:-1] if is_package else parts)])
        found[name] = (path.read_text(encoding="utf-8"), is_package)
    return found


def import_graph(modules: dict[str, tuple[str, bool]]) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports (``from . import x`` counts as module x)."""
    graph = {}
    for name, (source, is_package) in modules.items():
        here = name if is_package else name.rpartition(".")[0]
        edges = set()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                edges.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = here.rsplit(".", node.level - 1)[0] if node.level else ""
                target = ".".join(p for p in (base, node.module or "") if p)
                edges.update(f"{target}.{a.name}" if f"{target}.{a.name}" in modules else target for a in node.names)
        graph[name] = {e for e in edges if e in modules and e != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path that starts and ends at the same module, or None."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = "done"
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def importers_of(graph: dict[str, set[str]], module: str) -> set[str]:
    return {name for name, edges in graph.items() if module in edges}


def dialect_internals_imported_by_app(graph: dict[str, set[str]]) -> set[str]:
    return {m for m in graph.get(f"{PACKAGE}.app", ()) if m.startswith(f"{PACKAGE}.dialects.")}


GRAPH = import_graph(sources())
# The old layout, in miniature: the app imports the dialects, the dialects import the app for its type.
OLD = {
    f"{PACKAGE}.app": ("from . import dialects\n", False),
    f"{PACKAGE}.dialects": ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .app import Stub\n", False),
}


def test_the_graph_reads_the_real_package():
    """The reader found the modules and their imports (an empty graph would pass everything below)."""
    assert {f"{PACKAGE}.app", f"{PACKAGE}.state", f"{PACKAGE}.dialects", f"{PACKAGE}.dialects.modelarts"} <= set(GRAPH)
    assert f"{PACKAGE}.dialects" in GRAPH[f"{PACKAGE}.app"]
    assert f"{PACKAGE}.state" in GRAPH[f"{PACKAGE}.dialects.modelarts"]
    assert f"{PACKAGE}.dialects.classic" in GRAPH[f"{PACKAGE}.dialects.classic_bes"]


def test_the_stub_modules_import_no_cycle():
    assert find_cycle(GRAPH) is None


def test_a_cycle_is_found_even_through_a_type_only_import():
    cycle = find_cycle(import_graph(OLD))
    assert cycle == [f"{PACKAGE}.app", f"{PACKAGE}.dialects", f"{PACKAGE}.app"]


def test_only_the_server_imports_the_app():
    assert importers_of(GRAPH, f"{PACKAGE}.app") == {f"{PACKAGE}.server"}


def test_a_dialect_importing_the_app_is_caught():
    assert importers_of(import_graph(OLD), f"{PACKAGE}.app") == {f"{PACKAGE}.dialects"}


def test_the_app_imports_no_dialect_internals():
    assert dialect_internals_imported_by_app(GRAPH) == set()


def test_an_app_importing_a_dialect_module_is_caught():
    app = {f"{PACKAGE}.app": ("from .dialects.modelarts import ModelArts\n", False)}
    graph = import_graph({**app, f"{PACKAGE}.dialects.modelarts": ("", False), f"{PACKAGE}.dialects": ("", True)})
    assert dialect_internals_imported_by_app(graph) == {f"{PACKAGE}.dialects.modelarts"}


def unregistered(registered) -> set[str]:
    """Modules of the dialects package that have a ``register`` missing from ``registered``."""
    package = importlib.import_module(f"{PACKAGE}.dialects")
    names = {f"{package.__name__}.{m.name}" for m in pkgutil.iter_modules(package.__path__)}
    with_register = {n for n in names if hasattr(importlib.import_module(n), "register")}
    return with_register - {f.__module__ for f in registered}


def test_every_dialect_module_is_in_the_registry():
    assert DIALECTS and unregistered(DIALECTS) == set()


@pytest.mark.parametrize("missing", DIALECTS, ids=lambda f: f.__module__.rpartition(".")[2])
def test_a_dialect_left_out_of_the_registry_is_caught(missing):
    assert unregistered([d for d in DIALECTS if d is not missing]) == {missing.__module__}
