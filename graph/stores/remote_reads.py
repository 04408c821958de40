"""The reads the native core makes of a store it does not hold, as one typed interface.

``native/bindings/remote_source.cc`` reads a remote store (Neo4j) through Python, calling its
methods by name over the C API (``PyObject_CallMethod(store, "neighbourhood", ...)``): nothing
there tells mypy or a reader what the store must offer. :class:`NeighbourhoodSource` does: every
method the core calls, with the types it passes and expects, so ``graph/_native.pyi`` types the
native ``View``'s store with it and mypy checks the Neo4j store against it
(``tests/test_remote_reads.py`` fails when the C++ calls a method not named here, or stops
calling one that is).

The core always calls :class:`graph.stores.ReadsLevels`' two methods; the others only where the
store has them (it asks ``hasattr`` once per view), each a capability of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import fields
from typing import Any, Protocol, runtime_checkable

from graph.core.model import Edge, EdgeKind, Node
from graph.stores import Neighbourhood, ReadsLevels, ReadsNewest, ReadsSoon, ReadsSummaries
from graph.stores.requests import NeighbourhoodRequest


class NeighbourhoodRows(Neighbourhood):
    """A level read in summary form, its edges followed only (marks, no records), kept as the rows
    the store read: a native view installs them in its mirror as they are
    (``native/bindings/remote_rows.cc``), no Python Node or Edge made a row, where decoding them
    was most of what a large answer cost this process. A Python reader of the fields has them
    decoded on first use, by ``decode``.

    ``rows``: the edges as ``[source, type, target, mark]`` (a truthy mark: a READS/WRITES edge its
    job's newest completed run did not restate), the far ends as ``[id, labels, summary, values,
    json keys]``, the ``ahead`` keys as ``[source, type, target]``, the far ends' handles in their
    order, the ``ahead_in`` keys as ``[source, type, target, unrestated]``, their sources as the
    far ends, and their handles. A node's kind is the first of its ``labels`` that names one; its
    ``summary`` is the JSON text of an object of its summary properties (None: not a node of
    ours), of which it keeps ``kept`` (None: all); ``values`` are its values of ``extras``, in
    order (None: it has none), those named in ``json keys`` as JSON text."""

    __slots__ = ("_decode", "extras", "kept", "rows")

    def __init__(
        self,
        rows: Sequence[Sequence[Any]],
        extras: Sequence[str],
        kept: Sequence[str] | None,
        decode: Callable[[], Neighbourhood],
    ) -> None:
        self.rows = rows
        self.extras = extras
        self.kept = kept
        self._decode = decode

    def __getattr__(self, name: str) -> Any:
        if name not in _DECODED:  # (reached only for a field not decoded yet, or no attribute)
            raise AttributeError(name)
        decoded = self._decode()
        for field in _DECODED:
            object.__setattr__(self, field, getattr(decoded, field))
        return getattr(self, name)


_DECODED = frozenset(field.name for field in fields(Neighbourhood))


class NeighbourhoodKeys(Neighbourhood):
    """A lookup whose edges are mostly followed only (impact's around an answer: ``ReadsAround``),
    those kept as the ``[source, type, target, ...]`` rows the store read, ``keyed``, beside the
    edges read with their records, ``recorded``: a native view installs the rows from their ids
    (``native/bindings/remote_rows.cc``), where making a Python Edge of each of the tens of
    thousands a large answer meets was most of what the lookup cost this process. A Python reader
    of ``edges`` has both, the rows as edges with empty records, made on first use."""

    __slots__ = ("keyed", "recorded")

    def __init__(self, read: Neighbourhood, keyed: Sequence[Sequence[str]]) -> None:
        for field in _DECODED - {"edges"}:
            object.__setattr__(self, field, getattr(read, field))
        self.recorded = read.edges
        self.keyed = keyed

    def __getattr__(self, name: str) -> Any:
        if name != "edges":  # (reached only for the edges not made yet, or no attribute)
            raise AttributeError(name)
        edges = {edge.key: edge for edge in self.recorded}
        for row in self.keyed:  # (an edge between two nodes asked: met twice)
            source, target = row[0], row[2]
            key = (source, EdgeKind(row[1]), target)
            edges.setdefault(key, Edge(source, key[1], target, {}, {}))
        object.__setattr__(self, "edges", list(edges.values()))
        return self.edges


def edge_targets(found: Neighbourhood) -> frozenset[str]:
    """The targets of ``found``'s edges (of rows kept as rows, read without decoding them)."""
    if isinstance(found, NeighbourhoodRows):
        return frozenset(row[2] for row in found.rows[0])
    return frozenset(edge.target for edge in found.edges)


@runtime_checkable
class ReadsNeighbourhoodBatches(Protocol):
    """A store that reads several neighbourhoods in one go (a remote store: one round trip for the
    levels of several walks)."""

    def neighbourhoods(self, requests: Sequence[NeighbourhoodRequest]) -> Sequence[Neighbourhood]:
        """The answer to each of ``requests``, in their order."""
        ...


class FactsRows(Protocol):
    """What :class:`ReadsFacts` answers (``graph.stores.neo4j.facts_reads.FactsRows``)."""

    @property
    def neighbourhoods(self) -> Sequence[Neighbourhood]: ...
    @property
    def found(self) -> Sequence[Sequence[Sequence[Sequence[Any]]]]: ...
    @property
    def runs(self) -> Sequence[Sequence[Any]]: ...
    @property
    def owned(self) -> Sequence[tuple[Sequence[tuple[Any, Any]], Sequence[int]]]: ...
    @property
    def owners(self) -> Mapping[Any, Node | str]: ...


@runtime_checkable
class ReadsFacts(Protocol):
    """A store that reads what a lineage answer's node facts read around it in one go, naming its
    nodes by their places in a table (``FactsRead`` and the found-only reads in the core:
    ``native/bindings/remote_facts.cc``)."""

    def facts_read(
        self,
        ids: Sequence[str],
        handles: Sequence[object | None],
        aliased: Sequence[bool],
        found: Sequence[tuple[Sequence[EdgeKind], str, Sequence[int], bool]],
        requests: Sequence[NeighbourhoodRequest] = (),
        jobs: Sequence[int] = (),
        written: Sequence[int] = (),
        owning: Sequence[int] = (),
    ) -> FactsRows:
        """The nodes at places: ``ids[i]``, sought by ``handles[i]`` where not None (a node the
        caller holds, named by its place when met as a far end; ``aliased[i]``: and its ALIAS_OF
        edges both ways, not read again). Each of ``found`` is ``(kinds,
        direction, places, aliases)``: the edges of ``kinds`` one way at those nodes, answered as
        ``[place, far end (a place, or an id), unrestated mark]`` with the far ends the table lacks
        as ``[handle, id, kind, deleted]`` (and with ``aliases`` the ALIAS_OF keys at the far ends
        both ways, their other ends alike). ``neighbourhoods(requests)``; the newest run by
        ``createdAt`` (as ``newest``) of each job at ``jobs`` and of each job writing a dataset at
        ``written``, as ``[job, [id, kind, createdAt, state] or None]``; the owners of each node at
        ``owning`` as lists of (owner's handle, type), each distinct list with the places of the
        nodes it is the list of, and those owners whole by handle
        (``graph.stores.neo4j.facts_reads``)."""
        ...


@runtime_checkable
class ReadsAround(Protocol):
    """A store with a lookup of its own around what a walk reached (impact's owners, products,
    domains and contracts): the far ends whole, records only where asked."""

    def lookup_around(
        self,
        ids: Collection[str],
        kinds: Collection[EdgeKind],
        records: Collection[EdgeKind],
        handles: Mapping[str, object] | None = None,
    ) -> Neighbourhood:
        """The edges of ``kinds`` at ``ids`` both ways and their far ends whole, those of
        ``records`` with their records, the others as keys with empty records; ``handles``: for
        some of ``ids``, the handles a neighbourhood of the same query gave, to seek them by."""
        ...


@runtime_checkable
class NeighbourhoodSource(
    ReadsLevels,
    ReadsNeighbourhoodBatches,
    ReadsFacts,
    ReadsAround,
    ReadsSummaries,
    ReadsNewest,
    ReadsSoon,
    Protocol,
):
    """Every method ``native/bindings/remote_source.cc`` calls on the store a native view reads
    remotely: ``nodes`` and ``neighbourhood`` always; ``neighbourhoods``,
    ``facts_read``, ``lookup_around``, ``node_summaries``, ``newest`` and ``soon`` where the store has
    them. The Neo4j store offers them all."""
