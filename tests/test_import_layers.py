"""The layers of the product point one way, read from the source with ``ast`` (no import runs).

- the house's layers, bottom up: the core (``graph.core`` and the native module), the pure
  translators (``ingest/``), storage (``graph.stores``, ``graph.eventlog``), the services
  (``graph.read``, ``graph.change``, ``graph.notify``, ``graph.intake``, ``graph.check``) and the
  interfaces (``graph.serve``, ``graph.mcp``, the client, ``graph.cli``): no import reaches a layer
  above its own, and every module has a layer;
- ingesters (``ingest/``) never import the API or the command line;
- stores (``graph/stores/``) never import the API;
- only the entry point (``graph/__main__.py``) imports the command line (``graph/cli/``), which is
  the composition root;
- no import inside a function stands in for a module-level one that would close a cycle: a
  function-local import of a module that imports the importer back (at module level) is a cycle
  hidden, and fails here.

Function-local imports that are not cycles stay allowed: they keep heavy optional libraries
(pyiceberg, the GraphQL schema, the HTTP server) out of the commands that do not need them. A
module importing its own package is no cycle (Python loads a package before its modules), so a
package's factory may load its implementations when asked (``graph.stores.open_store``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("graph", "ingest")


@dataclass(frozen=True, slots=True)
class Import:
    importer: str
    imported: str
    line: int
    local: bool  # inside a function (runs when called, not when the module loads)
    typing_only: bool  # under ``if TYPE_CHECKING:`` (never runs)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def product_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for top in PRODUCT
        for path in sorted((ROOT / top).rglob("*.py"))
        if "static" not in path.parts
    }


MODULES = product_modules()


def _resolve(module: str, names: list[str]) -> Iterator[str]:
    """``from module import names``: the submodules named, or the module itself."""
    plain = True
    for name in names:
        if f"{module}.{name}" in MODULES:
            plain = False
            yield f"{module}.{name}"
    if plain or module in MODULES:
        yield module


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(name: str, path: Path) -> Iterator[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]

    def visit(node: ast.AST, local: bool, typing_only: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield Import(name, alias.name, child.lineno, local, typing_only)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.rsplit(".", child.level - 1)[0] if child.level > 1 else package
                    base = f"{anchor}.{base}" if base else anchor
                for target in _resolve(base, [alias.name for alias in child.names]):
                    yield Import(name, target, child.lineno, local, typing_only)
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                yield from visit(child, True, typing_only)
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                for stmt in child.body:
                    yield from visit(ast.Module(body=[stmt], type_ignores=[]), local, True)
                for stmt in child.orelse:
                    yield from visit(ast.Module(body=[stmt], type_ignores=[]), local, typing_only)
            else:
                yield from visit(child, local, typing_only)

    yield from visit(tree, False, False)


IMPORTS = [found for name, path in MODULES.items() for found in imports_of(name, path)]


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _refused(importers: str, imported: str) -> list[str]:
    return [
        f"{MODULES[i.importer].relative_to(ROOT)}:{i.line}: imports {i.imported}"
        for i in IMPORTS
        if _within(i.importer, importers) and _within(i.imported, imported) and not i.typing_only
    ]


def test_the_source_is_read() -> None:
    """The checks below see the imports they are about (else they could not fail)."""
    assert {"graph.cli", "graph.serve.app", "ingest.contracts", "graph.stores.neo4j"} <= set(
        MODULES
    )
    seen = {(i.importer, i.imported) for i in IMPORTS}
    assert ("graph.cli.serve", "graph.core.auth") in seen
    assert ("graph.__main__", "graph.cli") in seen
    assert any(i.local for i in IMPORTS)


def test_imports_read_apart_by_when_they_run(tmp_path: Path) -> None:
    """Module-level, function-local and ``if TYPE_CHECKING:`` imports are told apart (the product
    has no typing-only import left to show it, so a module written here does)."""
    source = tmp_path / "sample.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "import graph.core.model\n"
        "if TYPE_CHECKING:\n"
        "    from graph.read.view import GraphView\n"
        "def f() -> None:\n"
        "    import graph.serve.app\n",
        encoding="utf-8",
    )
    found = {i.imported: (i.local, i.typing_only) for i in imports_of("graph.sample", source)}
    assert found["graph.core.model"] == (False, False)
    assert found["graph.read.view"] == (False, True)
    assert found["graph.serve.app"] == (True, False)


def test_ingesters_know_neither_the_api_nor_the_command_line() -> None:
    assert _refused("ingest", "graph.serve") == []
    assert _refused("ingest", "graph.cli") == []


def test_stores_do_not_know_the_api() -> None:
    assert _refused("graph.stores", "graph.serve") == []


def test_only_the_entry_point_imports_the_command_line() -> None:
    found = [
        f"{MODULES[i.importer].relative_to(ROOT)}:{i.line}: imports {i.imported}"
        for i in IMPORTS
        if _within(i.imported, "graph.cli")
        and not _within(i.importer, "graph.cli")
        and i.importer != "graph.__main__"
    ]
    assert found == []


def _module_level_reach() -> dict[str, set[str]]:
    """What loading each module loads, transitively, through its module-level imports."""
    direct: dict[str, set[str]] = {name: set() for name in MODULES}
    for i in IMPORTS:
        if (
            not i.local
            and not i.typing_only
            and i.imported in MODULES
            and not _within(i.importer, i.imported)  # its own package: loaded before it anyway
        ):
            direct[i.importer].add(i.imported)
    reach: dict[str, set[str]] = {}
    for start in MODULES:
        seen: set[str] = set()
        stack = list(direct[start])
        while stack:
            module = stack.pop()
            if module not in seen:
                seen.add(module)
                stack.extend(direct[module])
        reach[start] = seen
    return reach


def test_no_function_local_import_hides_a_cycle() -> None:
    reach = _module_level_reach()
    hidden = [
        f"{MODULES[i.importer].relative_to(ROOT)}:{i.line}: "
        f"imports {i.imported} in a function, and {i.imported} imports {i.importer} back"
        for i in IMPORTS
        if i.local
        and i.imported in MODULES
        and i.imported != i.importer
        and (i.importer in reach[i.imported])
    ]
    assert hidden == []


LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("core", ("graph._native", "graph.core")),
    ("translators", ("ingest",)),
    ("storage", ("graph.stores", "graph.eventlog")),
    ("services", ("graph.read", "graph.change", "graph.notify", "graph.intake", "graph.check")),
    (
        "interfaces",
        (
            "graph.serve",
            "graph.mcp",
            "graph.client",
            "graph.export",
            "graph.export_datahub",
            "graph.cli",
            "graph.__main__",
        ),
    ),
)


def layer_of(module: str) -> int | None:
    """The index of the layer ``module`` belongs to (``graph`` itself, the package: the core)."""
    if module == "graph":
        return 0
    for index, (_, packages) in enumerate(LAYERS):
        if any(_within(module, package) for package in packages):
            return index
    return None


def test_every_module_has_a_layer() -> None:
    assert [name for name in MODULES if layer_of(name) is None] == []


def test_no_import_reaches_a_layer_above() -> None:
    upward = []
    for i in IMPORTS:
        below, above = layer_of(i.importer), layer_of(i.imported)
        if i.typing_only or below is None or above is None or above <= below:
            continue
        upward.append(
            f"{MODULES[i.importer].relative_to(ROOT)}:{i.line}: {LAYERS[below][0]} "
            f"imports {i.imported} ({LAYERS[above][0]})"
        )
    assert upward == []


def test_a_layer_breach_is_seen(tmp_path: Path) -> None:
    """The rule above can fail: an ingester importing a service is an upward import."""
    source = tmp_path / "sample.py"
    source.write_text("from graph.read import lineage\nfrom graph.core import model\n")
    found = [i.imported for i in imports_of("ingest.sample", source)]
    assert {"graph.read.lineage", "graph.core.model"} <= set(found)
    assert [layer_of(name) for name in ("ingest.sample", "graph.read.lineage")] == [1, 3]
    assert layer_of("graph.core.model") == 0
