"""The store contract and ``open_store``, which picks an implementation from a URI.

Like pyiceberg's ``Catalog``/``load_catalog``: the abstract methods of :class:`Store` are the
whole contract, and each backend lives in a module of its own (``embedded``, ``neo4j``). Stores
only apply mutations and answer a few primitive reads; every query (lineage, search, details) is
written once, over these primitives, in the modules beside ``graph.stores``, so every store gives
the same answers by construction. What a backend can do better than the primitives it declares
as a capability (:class:`HoldsNativeGraph`, :class:`JudgesJobEdges`, :class:`ReadsNeighbourhoods`),
which a caller checks for with ``isinstance`` (or, where it asks often, with
:func:`holds_native_graph` and its siblings, which ask once per class).
"""

from __future__ import annotations

import functools
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import (
    TYPE_CHECKING,
    Any,
    Literal,
    Protocol,
    Self,
    TypeGuard,
    runtime_checkable,
)

from graph import _native
from graph.core.extras import require
from graph.core.model import JOB_IO, Edge, EdgeKind, Node, NodeKind
from graph.core.mutations import Mutation, decode
from graph.stores.requests import FirstsRequest, NeighbourhoodRequest, ObservedFields
from graph.stores.requests import Reach as Reach  # the store contract's, re-exported

if TYPE_CHECKING:
    from graph.stores.remote_reads import WalksAhead

EdgeDirection = Literal["out", "in"]
EdgeKey = tuple[str, EdgeKind, str]  # (source, kind, target), as Edge.key

DEFAULT_DATA_DIR = Path(os.environ.get("LINEAGEMESH_DATA_DIR", "~/.lineagemesh")).expanduser()


@dataclass(slots=True)
class Neighbourhood:
    """What :func:`neighbourhood` read."""

    edges: list[Edge]
    nodes: dict[str, Node]  # the far ends of ``edges``
    ahead: list[EdgeKey]  # the ``ahead`` edges leaving the far ends
    #: Those of the READS/WRITES ``edges`` (and ``ahead_in``) their job's newest completed run did
    #: not restate, as the store decided when it wrote them (None: this store does not decide it;
    #: see :class:`JudgesJobEdges`).
    unrestated: set[EdgeKey] | None
    #: Opaque handles of the far ends (and of ``ahead_nodes``), for a store that finds a node
    #: faster by its handle than by its id: pass them back (``NeighbourhoodRequest.handles``) within
    #: the same query.
    handles: dict[str, object] = field(default_factory=dict)
    ahead_in: list[EdgeKey] = field(
        default_factory=list
    )  # the ``ahead_in`` edges entering the far ends
    ahead_nodes: dict[str, Node] = field(default_factory=dict)  # the sources of ``ahead_in``


class StoreUnavailable(RuntimeError):
    """The backend cannot be reached right now; the caller should retry (HTTP 503)."""


class PrimitiveReader(Protocol):
    """Nodes and edges by id: what a store judges its own writes by (``graph.stores.job_currency``)."""

    def nodes(self, ids: Collection[str]) -> dict[str, Node]: ...

    def edges(
        self, ids: Collection[str], kinds: Collection[EdgeKind], direction: EdgeDirection
    ) -> list[Edge]: ...

    def edge_keys(
        self, ids: Collection[str], kinds: Collection[EdgeKind], direction: EdgeDirection
    ) -> list[EdgeKey]: ...


class GraphReader(PrimitiveReader, Protocol):
    """The read primitives every query is written against: a store, or a view of one."""

    uri: str

    def summaries(self, ids: Collection[str]) -> dict[str, Node]: ...

    def search(self, text: str, kinds: Collection[NodeKind], first: int) -> list[Node]: ...

    def nodes_of_kind(self, kind: NodeKind, first: int, after: str | None = None) -> list[Node]: ...

    def counts(self) -> dict[str, int]: ...


class RidingBlocks(Protocol):
    """What a store calls on the raw event log that lives in it (``Store.raw_blocks``): the log's
    blocks riding on a write go into that write's transaction. Named here, beneath the log
    (``graph.eventlog.event_log.RawEventLog``, which is one), so that the store contract need not
    import it."""

    def write_riding(self, transaction: Any) -> None:
        """Write the blocks riding on this thread's write in the store's open ``transaction``."""
        ...

    def kept_riding(self) -> bool:
        """Whether this thread's last riding write kept a block."""
        ...

    def riding_rolled_back(self) -> None:
        """The store rolled back the write that took this thread's riding blocks."""
        ...

    def unwrite_riding(self, transaction: Any) -> None:
        """Delete the blocks this thread's last riding write kept, in ``transaction``."""
        ...


class Store(ABC):
    """A durable property graph of metadata. Implementations are safe to call from many threads."""

    uri: str
    #: Whether every read is a round trip to a server, the graph held elsewhere (the process then
    #: tunes its garbage collector for that: ``graph.core.heap``).
    remote: bool = False
    #: The deployment's raw event log when it lives in this store: its blocks riding on a write
    #: are written in that write's transaction (``graph.eventlog.event_log.RawEventLog.riding``).
    raw_blocks: RidingBlocks | None = None
    #: What a query's native view of this store reads through when the store holds its graph
    #: elsewhere: made per view from what it reads of the nodes walks reach, it answers every
    #: read the core makes (:class:`graph.stores.remote_reads.WalksAhead`), reading walks ahead
    #: (Neo4j: ``graph.stores.neo4j.walk_ahead``). None: the view reads the store itself.
    walk_ahead: Callable[[Sequence[str]], WalksAhead] | None = None
    #: Whether a native view reading this store itself asks for several neighbourhoods and their
    #: facts in one call (``NeighbourhoodSource.reads_batches``); a store that does not, one level
    #: of one walk per read.
    reads_batches: bool = False

    @abstractmethod
    def apply(self, mutations: Sequence[Mutation], encoded: bytes | None = None) -> int:
        """Apply a batch atomically; return only once it is durable. Returns how many nodes and
        edges changed (0 for a batch that was already applied). Raises StoreUnavailable when the
        backend is unreachable, in which case nothing of the batch was applied.

        ``encoded`` is ``graph.core.mutations.encode(mutations)`` where the caller made it already (the
        HTTP ingest worker does, beside the translation): a store that journals the batch in that
        form need not encode it again."""

    def apply_encoded(self, payload: bytes) -> int:
        """:meth:`apply` of a batch in its wire form (``graph.core.mutations.encode``, or several such
        concatenated): what ingest hands over, translated beforehand, often in another process.
        A store that plans from the wire form itself takes it as it is."""
        return self.apply(decode(payload), payload)

    @abstractmethod
    def clear(self) -> None:
        """Remove every node and edge, durably (a reindex rebuilds the graph from the event log)."""

    @abstractmethod
    def nodes(self, ids: Collection[str]) -> dict[str, Node]:
        """The nodes among ``ids`` that exist."""

    @abstractmethod
    def edges(
        self, ids: Collection[str], kinds: Collection[EdgeKind], direction: EdgeDirection
    ) -> list[Edge]:
        """Edges of the given kinds leaving (``out``) or entering (``in``) any node in ``ids``."""

    def edge_keys(
        self, ids: Collection[str], kinds: Collection[EdgeKind], direction: EdgeDirection
    ) -> list[EdgeKey]:
        """The keys of :meth:`edges`, for callers that only follow edges: a remote store then
        sends no properties (a walk's run inputs/outputs, ownership)."""
        return [edge.key for edge in self.edges(ids, kinds, direction)]

    def summaries(self, ids: Collection[str]) -> dict[str, Node]:
        """:meth:`nodes`, for a caller that reads only ``graph.read.view.SUMMARY`` of their properties
        (a view that read them ahead in summary form answers from that; a store has them whole)."""
        return self.nodes(ids)

    @abstractmethod
    def search(self, text: str, kinds: Collection[NodeKind], first: int) -> list[Node]:
        """Nodes of ``kinds`` whose name contains ``text`` (case-insensitive): exact matches first,
        then prefix matches, then the rest, each group by name then id; at most ``first``."""

    @abstractmethod
    def nodes_of_kind(self, kind: NodeKind, first: int, after: str | None = None) -> list[Node]:
        """Nodes of one kind in id order, starting after the id ``after``; at most ``first``."""

    def first_of_kind(self, asked: FirstsRequest) -> dict[str, Node]:
        """The first node of the kind under each of the prefixes ``asked``, by prefix (for those
        that have one). A remote store answers in one round trip, the embedded one in one native
        call; this is a :meth:`nodes_of_kind` per prefix."""
        found: dict[str, Node] = {}
        for prefix in asked.prefixes:
            first = self.nodes_of_kind(asked.kind, 1, prefix)
            if first and first[0].id.startswith(prefix):
                found[prefix] = first[0]
        return found if asked.keys is None else only_keys(found, asked.keys)

    def first_holding(
        self, kind: NodeKind, prefixes: Sequence[str], key: str, values: Sequence[Any]
    ) -> list[bool | None]:
        """For each of ``prefixes``, whether the node :meth:`first_of_kind` answers for it holds
        ``values``' item at ``key`` (Python's ``==``), None where there is no such node; a store
        may answer False when unsure, so only True is a promise. Schema history asks it about
        the datasets it holds no version of yet, with the schemas a batch observed: most of a
        re-run's are their newest version's, and need no answer made. The embedded store
        answers in one native call without making a node; this reads them
        (:meth:`first_of_kind`)."""
        found = self.first_of_kind(FirstsRequest(kind, prefixes, [key]))
        return [
            None
            if prefix not in found
            else key in found[prefix].props and found[prefix].props[key] == value
            for prefix, value in zip(prefixes, values, strict=True)
        ]

    def first_holding_observed(
        self, kind: NodeKind, prefixes: Sequence[str], key: str, values: ObservedFields
    ) -> list[bool | None]:
        """:meth:`first_holding` with, for each prefix, the fields of an observation in a batch
        as the value. The embedded store compares them where they lie in the batch; this makes
        their rows."""
        return self.first_holding(kind, prefixes, key, values.lists())

    @abstractmethod
    def counts(self) -> dict[str, int]:
        """Node counts per kind and edge counts per kind, keyed by the kind's value."""

    @abstractmethod
    def ping(self) -> None:
        """Raise StoreUnavailable unless the backend answers."""

    def close(self) -> None:  # noqa: B027 - a store with nothing to release keeps this one
        """Release connections and files."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def only_keys(nodes: dict[str, Node], keys: Collection[str]) -> dict[str, Node]:
    """``nodes`` with only the properties (and stamps) of ``keys``: what
    :meth:`Store.first_of_kind` answers when asked for some keys."""
    wanted = set(keys)
    return {
        at: Node(
            n.id,
            n.kind,
            {k: v for k, v in n.props.items() if k in wanted},
            {k: v for k, v in n.stamps.items() if k in wanted},
        )
        for at, n in nodes.items()
    }


@runtime_checkable
class HoldsNativeGraph(Protocol):
    """A store whose graph is the native core's, in this process: views read it in place instead of
    mirroring what they read through the primitives."""

    def native_graph(self) -> _native.Graph: ...


@runtime_checkable
class JudgesJobEdges(Protocol):
    """A store that decides as jobs are written (``graph.stores.job_currency``) which of their
    READS/WRITES edges their newest completed run did not restate; without it, views work that out
    per query."""

    def unrestated_job_edges(self, jobs: Collection[str]) -> dict[str, frozenset[EdgeKey]]:
        """Those edges of ``jobs``, for the jobs that have some."""
        ...


@runtime_checkable
class ReadsNeighbourhoods(Protocol):
    """A store that reads a whole :func:`neighbourhood` in one go (a remote store: one round trip
    instead of four), and may hand out handles that find nodes faster than their ids."""

    def neighbourhood(self, request: NeighbourhoodRequest) -> Neighbourhood: ...


@runtime_checkable
class ReadsSummaries(Protocol):
    """A store that reads nodes by id in summary form, with only the named properties and no stamps
    (a remote store: the rest of a node is most of what reading it costs)."""

    def node_summaries(self, ids: Collection[str], names: Sequence[str]) -> dict[str, Node]:
        """The nodes among ``ids`` that exist, carrying at most ``names`` of their properties."""
        ...


@functools.cache
def _offers(kind: type, capability: type) -> bool:
    return issubclass(kind, capability)


# ``isinstance`` against a runtime protocol looks for each of its members on every call (~30 times a
# plain isinstance); a view asks per query, so these ask once per class of store.


def holds_native_graph(store: Store) -> TypeGuard[HoldsNativeGraph]:
    """``isinstance(store, HoldsNativeGraph)``, answered once per class."""
    return _offers(type(store), HoldsNativeGraph)


def judges_job_edges(store: Store) -> TypeGuard[JudgesJobEdges]:
    """``isinstance(store, JudgesJobEdges)``, answered once per class."""
    return _offers(type(store), JudgesJobEdges)


def reads_neighbourhoods(store: Store) -> TypeGuard[ReadsNeighbourhoods]:
    """``isinstance(store, ReadsNeighbourhoods)``, answered once per class."""
    return _offers(type(store), ReadsNeighbourhoods)


def reads_summaries(store: Store) -> TypeGuard[ReadsSummaries]:
    """``isinstance(store, ReadsSummaries)``, answered once per class."""
    return _offers(type(store), ReadsSummaries)


def node_summaries(store: Store, ids: Collection[str], names: Sequence[str]) -> dict[str, Node]:
    """The nodes among ``ids`` carrying at least ``names`` of their properties: in summary form from
    a store that :class:`ReadsSummaries`, whole from any other."""
    if reads_summaries(store):
        return store.node_summaries(ids, names)
    return store.nodes(ids)


def neighbourhood(store: Store, request: NeighbourhoodRequest) -> Neighbourhood:
    """What ``request`` asks (:class:`NeighbourhoodRequest`: a view's read of one level, in one
    go), with the verdict on the job edges among its edges. A store that
    :class:`ReadsNeighbourhoods` answers itself; any other, through its primitives."""
    if reads_neighbourhoods(store):
        return store.neighbourhood(request)
    ids, kinds, direction = request.ids, request.kinds, request.direction
    ahead, ahead_in = request.ahead, request.ahead_in
    ways: tuple[EdgeDirection, ...] = ("out", "in") if direction == "both" else (direction,)
    found: list[Edge] = []
    far: set[str] = set()
    for way in ways:
        read = store.edges(ids, kinds, way)
        far.update(edge.target if way == "out" else edge.source for edge in read)
        found.extend(read)
    if len(ways) > 1:
        found = list({edge.key: edge for edge in found}.values())
    nodes = store.nodes(far)
    ahead_keys = store.edge_keys(nodes.keys(), ahead, "out") if ahead and nodes else []
    entering = store.edge_keys(nodes.keys(), ahead_in, "in") if ahead_in and nodes else []
    sources = store.nodes({key[0] for key in entering}) if entering else {}
    unrestated: set[EdgeKey] | None = None
    if judges_job_edges(store):
        job_edges = [key for key in (*(e.key for e in found), *entering) if key[1] in JOB_IO]
        kept = store.unrestated_job_edges({key[0] for key in job_edges}) if job_edges else {}
        unrestated = set().union(*kept.values()).intersection(job_edges)
    return Neighbourhood(found, nodes, ahead_keys, unrestated, {}, entering, sources)


def open_store(uri: str | None = None, **options: str | None) -> Store:
    """Open the store a URI names: ``bolt://``/``neo4j://`` (and ``+s``/``+ssc`` variants) is Neo4j,
    ``embedded:PATH`` or a plain directory path is the embedded store; nothing means the embedded
    store in ``--data-dir`` (``options['data_dir']``) or ``~/.lineagemesh``."""
    return _open_store(uri, options, check_history=True)


def open_store_to_read(uri: str | None = None, **options: str | None) -> Store:
    """``open_store`` for a command that only reads (``EmbeddedStore``'s ``check_history``)."""
    return _open_store(uri, options, check_history=False)


def _open_store(uri: str | None, options: dict[str, str | None], check_history: bool) -> Store:
    named_by = f"--store {uri}" if uri else ""
    uri = uri or os.environ.get("LINEAGEMESH_STORE") or None
    if uri and uri.split("://", 1)[0] in _NEO4J_SCHEMES:
        require("neo4j", named_by or f"LINEAGEMESH_STORE={uri}")
        from graph.stores.neo4j import Neo4jStore

        return Neo4jStore(
            uri,
            user=options.get("user") or os.environ.get("LINEAGEMESH_NEO4J_USER"),
            password=options.get("password") or os.environ.get("LINEAGEMESH_NEO4J_PASSWORD"),
            database=options.get("database")
            or os.environ.get("LINEAGEMESH_NEO4J_DATABASE")
            or "neo4j",
        )
    from graph.stores.embedded.store import EmbeddedStore

    if uri:
        path = uri.removeprefix("embedded://").removeprefix("embedded:")
    else:
        path = options.get("data_dir") or str(DEFAULT_DATA_DIR)
    return EmbeddedStore(Path(path).expanduser(), check_history=check_history)


_NEO4J_SCHEMES = {"bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"}
