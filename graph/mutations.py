"""Graph mutations: the only way anything changes the graph, and the one merge rule all stores share.

Ingesters translate source documents into a list of mutations; stores apply them. A mutation never
says "replace": it says "these properties were observed at this stamp". Each property keeps the
stamp that set it, and a write only wins against an older stamp (``props``) or a newer one
(``first``). That one rule makes ingest idempotent (the same event twice changes nothing) and
order-independent (events arriving out of order converge to the same graph), on every store.

Stamps are strings that sort chronologically: :func:`stamp` renders an event time as fixed-width UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping, NamedTuple, Sequence, Union

import orjson

from graph.model import Edge, EdgeKind, Node, NodeKind

_EMPTY: Mapping[str, Any] = MappingProxyType({})  # shared, so read-only


def stamp(moment: datetime) -> str:
    """Render an aware datetime as a fixed-width UTC string, so string order is time order."""
    utc = moment.astimezone(timezone.utc)
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S.%f}Z"  # %Y does not pad years below 1000


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


Mutation = Union[UpsertNode, UpsertEdge]


def _canonical(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def _tie_wins(new_value: Any, old_value: Any) -> bool:
    """Whether a write at the same stamp replaces the current value: ties break on the value, so
    order never matters."""
    return new_value != old_value and _canonical(new_value) > _canonical(old_value)


def merge_props(
    props: dict[str, Any],
    stamps: dict[str, str],
    latest: Mapping[str, Any],
    first: Mapping[str, Any],
    at: str,
) -> bool:
    """Merge observed properties into ``props``/``stamps`` in place; return whether anything changed.

    A write wins against an older stamp (``latest``) or a newer one (``first``), and at an equal
    stamp by :func:`_tie_wins`; every win is a change.
    """
    changed = False
    for values, newest_wins in ((latest, True), (first, False)):
        for key, value in values.items():
            old = stamps.get(key)
            if old is not None:
                if at == old:
                    if not _tie_wins(value, props.get(key)):
                        continue
                elif (at > old) != newest_wins:
                    continue
            changed = True
            stamps[key] = at
            if value is None:
                props.pop(key, None)
            else:
                props[key] = value
    return changed


def _fresh(latest: Mapping[str, Any], first: Mapping[str, Any], at: str) -> tuple[dict[str, Any], dict[str, str]]:
    """Properties and stamps of something seen for the first time (the hot path of ingest)."""
    props = dict(latest)
    if None in props.values():
        props = {k: v for k, v in latest.items() if v is not None}
    stamps = dict.fromkeys(latest, at)
    for key, value in first.items():
        if key not in stamps:
            stamps[key] = at
            if value is not None:
                props[key] = value
    return props, stamps


def placeholder_kind(node_id: str) -> NodeKind | None:
    """The kind implied by an id's prefix, for end nodes an edge mentions before they are described."""
    return _PREFIX_KINDS.get(node_id.split(":", 1)[0])


_PREFIX_KINDS = {
    "dataset": NodeKind.DATASET,
    "datasetField": NodeKind.COLUMN,
    "job": NodeKind.JOB,
    "run": NodeKind.RUN,
    "domain": NodeKind.DOMAIN,
    "dataProduct": NodeKind.DATA_PRODUCT,
    "owner": NodeKind.OWNER,
    "consumer": NodeKind.CONSUMER,
    "contract": NodeKind.CONTRACT,
}


def encode(mutations: Sequence[Mutation]) -> bytes:
    """Serialise mutations compactly (for the journal and for moving batches between processes).

    One row per mutation: ``["N", id, kind, at, props|null, first|null]`` or ``["E", source, kind,
    target, at, props|null, first|null]``. orjson does not serialise named tuples itself, so it asks
    :func:`_row` for each mutation: the rows are made one at a time and freed at once, rather
    than a list of them all (cheaper, and no garbage-collector passes over a heap of tuples).
    """
    return orjson.dumps(mutations, default=_row)


def _row(m: Any) -> tuple[Any, ...]:
    if isinstance(m, UpsertNode):
        return ("N", m.id, m.kind, m.at, m.props or None, m.first or None)
    if isinstance(m, UpsertEdge):
        return ("E", m.source, m.kind, m.target, m.at, m.props or None, m.first or None)
    raise TypeError(f"{type(m).__name__} is not a mutation")


_NODE_KINDS = {kind.value: kind for kind in NodeKind}
_EDGE_KINDS = {kind.value: kind for kind in EdgeKind}


def decode(payload: bytes) -> list[Mutation]:
    """Inverse of :func:`encode`."""
    out: list[Mutation] = []
    for row in orjson.loads(payload):
        if row[0] == "N":
            kind = _NODE_KINDS.get(row[2]) or NodeKind(row[2])  # the dict is the fast path; NodeKind() raises
            out.append(UpsertNode(row[1], kind, row[3], row[4] or _EMPTY, row[5] or _EMPTY))
        else:
            edge_kind = _EDGE_KINDS.get(row[2]) or EdgeKind(row[2])
            out.append(UpsertEdge(row[1], edge_kind, row[3], row[4], row[5] or _EMPTY, row[6] or _EMPTY))
    return out


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


def _node_of(upsert: UpsertNode, current: Node | None, props: dict[str, Any], stamps: dict[str, str]) -> Node:
    """A node keeps the kind it was created with."""
    return Node(upsert.id, upsert.kind if current is None else current.kind, props, stamps)


def _edge_of(upsert: UpsertEdge, current: Edge | None, props: dict[str, Any], stamps: dict[str, str]) -> Edge:
    return Edge(upsert.source, upsert.kind, upsert.target, props, stamps)


def _upsert(planned: dict[Any, Any], current: Mapping[Any, Any], key: Any, m: Mutation, build: Callable[..., Any]) -> None:
    """Merge one upsert into the batch's copy of an element: the copy made the first time the
    batch changes it (from ``current``, or fresh), which later upserts then change in place."""
    element = planned.get(key)
    if element is not None:
        merge_props(element.props, element.stamps, m.props, m.first, m.at)
        return
    existing = current.get(key)
    if existing is None:
        planned[key] = build(m, None, *_fresh(m.props, m.first, m.at))
        return
    props, stamps = dict(existing.props), dict(existing.stamps)
    if merge_props(props, stamps, m.props, m.first, m.at):
        planned[key] = build(m, existing, props, stamps)


def plan(
    mutations: Sequence[Mutation],
    current_nodes: Mapping[str, Node],
    current_edges: Mapping[tuple[str, EdgeKind, str], Edge],
) -> Changes:
    """Compute what a batch changes, given the current state of everything it touches.

    Pure: both stores call it with the nodes and edges named by :func:`touched_ids`, then persist
    the result in their own way. Edges mentioning a node nobody described get a placeholder node
    of the kind their id prefix implies; an id with no known prefix is a programming error.
    ``current_nodes``/``current_edges`` are never modified: an element is copied the first time
    the batch changes it, and that copy, which only this call holds, takes the batch's later
    mutations in place.
    """
    changes = Changes()
    nodes, edges = changes.nodes, changes.edges
    for m in mutations:
        if isinstance(m, UpsertNode):
            _upsert(nodes, current_nodes, m.id, m, _node_of)
            continue
        for end in (m.source, m.target):
            if end not in nodes and end not in current_nodes:
                kind = placeholder_kind(end)
                if kind is None:
                    raise ValueError(f"edge end {end!r} has no known id prefix")
                nodes[end] = Node(end, kind, {}, {})
        _upsert(edges, current_edges, (m.source, m.kind, m.target), m, _edge_of)
    return changes
