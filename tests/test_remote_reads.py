"""The native core's reads of a remote store are the typed :class:`NeighbourhoodSource`: every
method ``native/bindings/remote_source.cc`` calls on the store (by name) is one of
its members and each member is called, so the Protocol the stub types the native view with, and
mypy checks the Neo4j store against, cannot drift from what the C++ does."""

from __future__ import annotations

import re
from pathlib import Path

from graph.stores.neo4j.store import Neo4jStore
from graph.stores.remote_reads import NeighbourhoodSource

BINDINGS = Path(__file__).resolve().parent.parent / "native" / "bindings"
SOURCES = [BINDINGS / "remote_source.cc"]
# store_.attr("nodes")(...), attr(store_, "reads_batches")
_CALLED_ON_THE_STORE = re.compile(r"(?:\(\s*store_?\s*,\s*|store_\.attr\(\s*)\"(\w+)\"")


def _members(protocol: type) -> set[str]:
    return {
        name
        for klass in protocol.__mro__
        if getattr(klass, "_is_protocol", False) and klass.__module__.startswith("graph.")
        for name, value in [*vars(klass).items(), *vars(klass).get("__annotations__", {}).items()]
        if (callable(value) or name in vars(klass).get("__annotations__", {}))
        and not name.startswith("_")
    }


def test_the_methods_the_core_calls_on_a_remote_store_are_exactly_the_protocols():
    called = {name for s in SOURCES for name in _CALLED_ON_THE_STORE.findall(s.read_text())}
    assert called, f"no store calls found in {SOURCES}: the pattern no longer matches the C++"
    assert called == _members(NeighbourhoodSource), (
        f"the remote reads call {sorted(called)}; NeighbourhoodSource names "
        f"{sorted(_members(NeighbourhoodSource))}"
    )


def test_the_neo4j_store_is_a_neighbourhood_source():
    assert _members(NeighbourhoodSource) <= set(dir(Neo4jStore))
    for name in _members(NeighbourhoodSource):  # its own, not the Protocol's empty bodies
        assert getattr(Neo4jStore, name) is not getattr(NeighbourhoodSource, name, None), name


def test_the_core_asks_nothing_of_a_remote_store_but_its_reads():
    """No capability probed: the core calls each read of the one interface, always."""
    for source in SOURCES:
        assert "HasAttr" not in source.read_text(), source
