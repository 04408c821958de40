"""The reads the native core makes of a store it does not hold, as one typed interface.

The core's mirror (``native/core/mirror_source.h``) reads a remote store (Neo4j) through its
``MirrorStore``, which ``native/bindings/remote_source.cc`` implements by
calling this store's methods by name (``store_.attr("neighbourhood")(request)``) and converting
their answers. :class:`NeighbourhoodSource` names them all, declared once here, with the types the core
passes and expects: ``graph/_native.pyi`` types the native ``View``'s store with it, the Neo4j store
and its read ahead (``graph.stores.neo4j.walk_ahead.WalkAhead``) implement every member (mypy
checks both), and the core calls them unconditionally: no capability is probed for
(``tests/test_remote_reads.py`` fails when the C++ calls a method not named here, or stops
calling one that is).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, fields
from typing import Any, Protocol, TypeVar

from graph.core.model import Edge, EdgeKind, Node
from graph.stores import EdgeDirection, Neighbourhood
from graph.stores.requests import NeighbourhoodRequest, WalkPlan


class NeighbourhoodRows(Neighbourhood):
    """A level read in summary form, its edges followed only (marks, no records), kept as the rows
    the store read: a native view installs them in its mirror as they are
    (``native/core/remote_rows.cc``), no Python Node or Edge made a row, where decoding them
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
    """A lookup whose edges are mostly followed only (impact's around an answer: ``NeighbourhoodSource.lookup_around``),
    those kept as the ``[source, type, target, ...]`` rows the store read, ``keyed``, beside the
    edges read with their records, ``recorded``: a native view installs the rows from their ids
    (``native/core/remote_rows.cc``), where making a Python Edge of each of the tens of
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


@dataclass(frozen=True, slots=True, eq=False)
class FactsRequest:
    """A lineage answer's node facts, asked in one call (``NeighbourhoodSource.facts_read``). The
    nodes at places: ``ids[i]``, sought by ``handles[i]`` where not None (a node the caller holds,
    named by its place when met as a far end; ``aliased[i]``: and its ALIAS_OF edges both ways, not
    read again). Each of ``found`` is ``(kinds, direction, places, aliases)``: the edges of
    ``kinds`` one way at those nodes, answered as ``[place, far end (a place, or an id), unrestated
    mark]`` with the far ends the table lacks as ``[handle, id, kind, deleted]`` (and with
    ``aliases`` the ALIAS_OF keys at the far ends both ways, their other ends alike).
    ``neighbourhoods(requests)``; the newest run by ``createdAt`` (as ``newest``) of each job at
    ``jobs`` and of each job writing a dataset at ``written``, as ``[job, run id, kind, props]``
    (kind None: none); the owners of each node at ``owning`` as lists of (owner, type), each
    distinct list with the places of the nodes it is the list of, the owners whole (an owner not
    of ours: its id) (``graph.stores.neo4j.facts_reads``)."""

    ids: Sequence[str]
    handles: Sequence[object | None]
    aliased: Sequence[bool]
    found: Sequence[tuple[Sequence[EdgeKind], str, Sequence[int], bool]]
    requests: Sequence[NeighbourhoodRequest] = ()
    jobs: Sequence[int] = ()
    written: Sequence[int] = ()
    owning: Sequence[int] = ()


class FactsRows(Protocol):
    """What ``NeighbourhoodSource.facts_read`` answers (``graph.stores.neo4j.facts_reads.FactsRows``)."""

    @property
    def neighbourhoods(self) -> Sequence[Neighbourhood]: ...
    @property
    def found(self) -> Sequence[Sequence[Sequence[Sequence[Any]]]]: ...
    @property
    def runs(self) -> Sequence[Sequence[Any]]: ...
    @property
    def owned(self) -> Sequence[tuple[Sequence[tuple[Node | str, Any]], Sequence[int]]]: ...


@dataclass(frozen=True, slots=True, eq=False)
class AroundRequest:
    """Impact's lookup around what a walk reached (``NeighbourhoodSource.lookup_around``): the edges
    of ``kinds`` at ``ids`` both ways and their far ends whole, those of ``records`` with their
    records, the others as keys with empty records; ``handles``: for some of ``ids``, the handles a
    neighbourhood of the same query gave, to seek them by."""

    ids: Collection[str]
    kinds: Collection[EdgeKind]
    records: Collection[EdgeKind]
    handles: Mapping[str, object] | None = None


_T = TypeVar("_T")


class NeighbourhoodSource(Protocol):
    """Every read the native core makes of a store it does not hold, each always called: nodes
    by id, whole or in summary form; a walk's level per ``neighbourhood`` (several at once:
    ``neighbourhoods``); a lineage answer's node facts (``facts_read``); impact's lookup around
    what a walk reached (``lookup_around``); each node's newest neighbour (``newest``), started
    beside the caller's read (``soon``). The Neo4j store answers them all, and so does its read
    ahead (``graph.stores.neo4j.walk_ahead.WalkAhead``), which a view of it reads through."""

    #: Whether the core reads several neighbourhoods, and a lineage answer's node facts, in one
    #: round trip (``neighbourhoods``, ``facts_read``); False: each on its own (a baseline).
    reads_batches: bool

    def nodes(self, ids: Collection[str]) -> dict[str, Node]:
        """The nodes among ``ids`` that exist, whole."""
        ...

    def node_summaries(self, ids: Collection[str], names: Sequence[str]) -> dict[str, Node]:
        """The nodes among ``ids`` that exist, carrying at most ``names`` of their properties
        and no stamps (the rest of a node is most of what reading it costs)."""
        ...

    def neighbourhood(self, request: NeighbourhoodRequest) -> Neighbourhood:
        """What ``request`` asks: a view's read of one level, in one round trip, with handles
        that find its nodes faster than their ids."""
        ...

    def neighbourhoods(self, requests: Sequence[NeighbourhoodRequest]) -> Sequence[Neighbourhood]:
        """The answer to each of ``requests``, in their order (the levels of several walks in
        one round trip)."""
        ...

    def facts_read(self, request: FactsRequest) -> FactsRows:
        """What ``request`` asks, in one round trip (two at once for a hub)."""
        ...

    def lookup_around(self, request: AroundRequest) -> NeighbourhoodKeys:
        """What ``request`` asks, in one round trip."""
        ...

    def newest(
        self, ids: Collection[str], kind: EdgeKind, direction: EdgeDirection, key: str
    ) -> dict[str, Node]:
        """For each of ``ids`` that has ``kind`` edges in ``direction``, the far end written by us
        that is greatest by (its ``key`` property if a string, else ""; then its id), whole (a
        job's latest run read without reading the names of all its runs first)."""
        ...

    def soon(self, read: Callable[..., _T], /, *args: Any) -> Future[_T]:
        """``read(*args)`` started now on another connection; its answer (or its error) from the
        future (the database answers two reads at once, each on a core of its own)."""
        ...


class WalksAhead(NeighbourhoodSource, Protocol):
    """A :class:`NeighbourhoodSource` that reads a query's walks ahead (``Store.walk_ahead``:
    ``graph.stores.neo4j.walk_ahead.WalkAhead``) by each walk's plan: given as the walk begins
    (``start_walk``) and with each of its level reads (``NeighbourhoodRequest.plan``)."""

    def start_walk(self, plan: WalkPlan, start: str | None) -> None:
        """The walk of ``plan`` begins at ``start`` (None: at a node the view holds already), read
        now with the first levels the plan says the walk reads, held for the walk's reads
        (``nodes`` of the start among them)."""
        ...

    def expect_starts(self, ids: Collection[str], around: Collection[str] = ()) -> None:
        """The walks asked next start at ``ids``, one after another, reading around ``around``
        first."""
        ...
