"""Graph mutations: the only way anything changes the graph, and the one merge rule all stores share.

Ingesters translate source documents into a list of mutations; stores apply them. A mutation never
says "replace": it says "these properties were observed at this stamp". Each property keeps the
stamp that set it, and a write only wins against an older stamp (``props``) or a newer one
(``first``). That one rule makes ingest idempotent (the same event twice changes nothing) and
order-independent (events arriving out of order converge to the same graph), on every store.
At an equal stamp, an unequal value wins when its canonical JSON (sorted keys) sorts after the
held one, so ties too come out the same whatever the order.

The rule is applied by the native core (``native/core/records.cc``), to the embedded store's graph
and, through :func:`plan`, to the state any other store reads: written once.

Stamps are strings that sort chronologically: :func:`stamp` renders an event time as fixed-width UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, NamedTuple

import orjson

from graph import _native
from graph.core.model import Edge, EdgeKind, Node, NodeKind

_EMPTY: Mapping[str, Any] = MappingProxyType({})  # shared, so read-only


def stamp(moment: datetime) -> str:
    """Render an aware datetime as a fixed-width UTC string, so string order is time order."""
    return _native.utc_stamp(moment.astimezone(UTC))  # years below 1000 padded, as %Y would not


def stamp_time(text: str) -> str:
    """The time a stamp holds: a contract's or descriptor's stamp orders by version after its
    time (``...Z#v13.10.10``), which people and Marquez are not shown."""
    return text.split("#", 1)[0]


def stamp_moment(text: str) -> datetime:
    """The aware UTC moment a stamp holds (its version-ordering suffix, if any, dropped)."""
    return datetime.strptime(stamp_time(text), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


#: A stamp whose string order is reversed: ids built on it list the newest first (the one rule,
#: ``native/core/schema_versions.h``, that schema versions made natively follow too).
newest_first = _native.newest_first


class UpsertNode(NamedTuple):
    """Create the node if missing; merge ``props`` (latest stamp wins) and ``first`` (earliest wins).

    Immutable; a named tuple rather than a frozen dataclass because ingest builds millions of them
    (a frozen dataclass costs ~5x more to construct).
    """

    id: str
    kind: NodeKind
    at: str
    props: Mapping[str, Any] = _EMPTY
    first: Mapping[str, Any] = _EMPTY


class UpsertEdge(NamedTuple):
    """Create the edge (and placeholder end nodes if missing); merge properties like UpsertNode."""

    source: str
    kind: EdgeKind
    target: str
    at: str
    props: Mapping[str, Any] = _EMPTY
    first: Mapping[str, Any] = _EMPTY

    @property
    def key(self) -> tuple[str, EdgeKind, str]:
        return (self.source, self.kind, self.target)


Mutation = UpsertNode | UpsertEdge


def encode(mutations: Sequence[Mutation]) -> bytes:
    """A batch in its wire form (``native/core/batch.h``): what the journal keeps and what crosses from a
    translation worker to the server. Every string once, equal props once: about a tenth of the
    JSON rows it replaced, and a graph plans from it without a Python object per mutation."""
    return _native.encode(mutations)


def concat_encoded(parts: Sequence[bytes]) -> bytes:
    """One payload holding every part's batch, in order (a payload may hold several batches)."""
    return b"".join(parts)


def decode(payload: bytes) -> list[Mutation]:
    """Inverse of :func:`encode` (and of :func:`concat_encoded`); a payload written before the wire
    form (JSON rows, ``decode_json``) decodes too. Mutations sharing props in the batch share one
    dict."""
    if payload[:1] == b"[":
        return decode_json(payload)
    return _native.decode(payload)


def decode_json(payload: bytes) -> list[Mutation]:
    """Mutations from the JSON rows journals held before the wire form: ``["N", id, kind, at,
    props|null, first|null]`` or ``["E", source, kind, target, at, props|null, first|null]``."""
    out: list[Mutation] = []
    for row in orjson.loads(payload):
        if row[0] == "N":
            kind = _NODE_KINDS.get(row[2]) or NodeKind(
                row[2]
            )  # the dict is the fast path; NodeKind() raises
            out.append(UpsertNode(row[1], kind, row[3], row[4] or _EMPTY, row[5] or _EMPTY))
        else:
            edge_kind = _EDGE_KINDS.get(row[2]) or EdgeKind(row[2])
            out.append(
                UpsertEdge(row[1], edge_kind, row[3], row[4], row[5] or _EMPTY, row[6] or _EMPTY)
            )
    return out


def as_wire(payload: bytes) -> bytes:
    """A stored payload in the wire form: as it is, or (JSON rows of an older journal) re-encoded."""
    return encode(decode_json(payload)) if payload[:1] == b"[" else payload


_NODE_KINDS = {kind.value: kind for kind in NodeKind}
_EDGE_KINDS = {kind.value: kind for kind in EdgeKind}


def touched_ids(mutations: Iterable[Mutation]) -> tuple[set[str], set[tuple[str, EdgeKind, str]]]:
    """The node ids and edge keys a batch reads and writes (edges imply their end nodes)."""
    nodes: set[str] = set()
    edges: set[tuple[str, EdgeKind, str]] = set()
    for m in mutations:
        if isinstance(m, UpsertNode):
            nodes.add(m.id)
        else:
            edges.add((m.source, m.kind, m.target))
            nodes.add(m.source)
            nodes.add(m.target)
    return nodes, edges


@dataclass(slots=True)
class Changes:
    """The new state of every node and edge a batch changes; empty when the batch is a no-op."""

    nodes: dict[str, Node] = field(default_factory=dict)
    edges: dict[tuple[str, EdgeKind, str], Edge] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.nodes or self.edges)


def plan(
    mutations: Sequence[Mutation],
    current_nodes: Mapping[str, Node],
    current_edges: Mapping[tuple[str, EdgeKind, str], Edge],
) -> Changes:
    """What a batch changes, given the current state of everything it touches (the nodes and edges
    :func:`touched_ids` names, or more): the merge rule above, as the native core applies it to
    the embedded store's graph. A store holding its graph elsewhere (Neo4j) reads that state and
    plans here. Pure: nothing passed in is changed.

    Edges mentioning a node nobody described get a placeholder node of the kind their id prefix
    implies; an id with no known prefix is a ValueError.
    """
    graph = _native.Graph()
    graph.install(list(current_nodes.values()), list(current_edges.values()))
    nodes, edges = graph.plan(encode(mutations)).changes()
    return Changes(nodes, edges)
