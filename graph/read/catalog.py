"""Browsing the graph the way a catalog UI does: namespaces, and the datasets or jobs of one, paged.

Written once over the store primitives like ``graph.read.queries``. Namespaces are not nodes: they are
what datasets and jobs name in their ``namespace`` property, so listing them reads every dataset
and job (a page at a time; only the names found are kept). Listing one namespace reads only its
own nodes: ids start with ``{kind}:{namespace}:`` and ``nodes_of_kind`` answers in id order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from graph.core.model import Node, NodeKind, PropertyKey
from graph.read.aliases import with_table_lifecycles
from graph.stores import GraphReader

_PAGE = 5000
SOURCE_NAME, SOURCE_URI = "sourceName", "sourceUri"  # a dataset's dataSource facet
_PREFIX = {NodeKind.DATASET: "dataset:", NodeKind.JOB: "job:"}


@dataclass(slots=True)
class Namespace:
    """A namespace, first and last seen as the earliest and latest stamps of its nodes."""

    name: str
    created_at: str | None
    updated_at: str | None


@dataclass(slots=True)
class Source:
    """A dataset source: the ``sourceName`` datasets carry (their ``dataSource`` facet), else their
    namespace, as Marquez's renderer names it; first and last seen as its datasets'."""

    name: str
    connection_url: str | None
    created_at: str | None
    updated_at: str | None


@dataclass(frozen=True, slots=True)
class Listing:
    """What one scan of every dataset and job tells: namespaces, dataset sources and the distinct
    tags datasets and jobs carry, each by name."""

    namespaces: list[Namespace]
    sources: list[Source]
    tags: list[str]


@dataclass(frozen=True, slots=True)
class Page:
    nodes: list[Node]
    total: int


def _scan(
    reader: GraphReader, kind: NodeKind, after: str | None = None, size: int = _PAGE
) -> Iterator[Node]:
    while page := reader.nodes_of_kind(kind, size, after):
        yield from page
        after = page[-1].id


def listed(node: Node) -> bool:
    """Whether a catalog lists the node: a job, or a dataset something stated (an event's input
    or output, a crawl, a contract: ``declared``). A dataset only named (by a column lineage
    ``inputFields`` entry, a symlink, a product's port) is a reference, which Marquez never makes
    a dataset of (it keeps a column lineage input only when the run read that dataset): its
    namespace, source and tags are not listed either."""
    return node.kind is not NodeKind.DATASET or bool(node.props.get(PropertyKey.DECLARED))


def _listed(reader: GraphReader, kind: NodeKind) -> Iterator[Node]:
    return (node for node in _scan(reader, kind) if listed(node))


def namespaces(reader: GraphReader) -> list[Namespace]:
    """Every namespace a dataset or job names, by name."""
    return listing(reader).namespaces


def listing(reader: GraphReader) -> Listing:
    """Namespaces, sources and tags, read in one scan of every dataset and job."""
    sources: dict[str, Source] = {}
    tags: set[str] = set()

    def seen(node: Node) -> Node:
        tags.update(str(t) for t in node.props.get("tags") or ())
        if node.kind == NodeKind.DATASET:
            _add_source(sources, node)
        return node

    found = _namespaces_of(
        seen(node) for kind in (NodeKind.DATASET, NodeKind.JOB) for node in _listed(reader, kind)
    )
    return Listing(found, [sources[name] for name in sorted(sources)], sorted(tags))


def _add_source(sources: dict[str, Source], dataset: Node) -> None:
    props = dataset.props
    name = props.get(SOURCE_NAME) or props.get(PropertyKey.NAMESPACE)
    if not isinstance(name, str):
        return
    first, last = props.get(PropertyKey.FIRST_SEEN_AT), props.get(PropertyKey.LAST_SEEN_AT)
    uri = props.get(SOURCE_URI)
    known = sources.setdefault(name, Source(name, None, first, last))
    if isinstance(uri, str) and uri and known.connection_url is None:
        known.connection_url = uri
    if first and (known.created_at is None or first < known.created_at):
        known.created_at = first
    if last and (known.updated_at is None or last > known.updated_at):
        known.updated_at = last


def namespace(reader: GraphReader, name: str) -> Namespace | None:
    """The namespace of that name, if a dataset or job names it."""
    found = _namespaces_of(
        node
        for kind in (NodeKind.DATASET, NodeKind.JOB)
        for node in _of_namespace(reader, kind, name)
    )
    return found[0] if found else None


def _namespaces_of(nodes: Iterable[Node]) -> list[Namespace]:
    found: dict[str, Namespace] = {}
    for node in nodes:
        name = node.props.get(PropertyKey.NAMESPACE)
        if not isinstance(name, str):
            continue
        first, last = (
            node.props.get(PropertyKey.FIRST_SEEN_AT),
            node.props.get(PropertyKey.LAST_SEEN_AT),
        )
        known = found.get(name)
        if known is None:
            found[name] = Namespace(name, first, last)
            continue
        if first and (known.created_at is None or first < known.created_at):
            known.created_at = first
        if last and (known.updated_at is None or last > known.updated_at):
            known.updated_at = last
    return [found[name] for name in sorted(found)]


def namespace_exists(reader: GraphReader, namespace: str) -> bool:
    return any(
        next(_of_namespace(reader, kind, namespace, 100), None) is not None
        for kind in (NodeKind.DATASET, NodeKind.JOB)
    )


def _of_namespace(
    reader: GraphReader, kind: NodeKind, namespace: str, size: int = _PAGE
) -> Iterator[Node]:
    prefix = f"{_PREFIX[kind]}{namespace}:"
    for node in _scan(reader, kind, prefix, size):
        if not node.id.startswith(prefix):
            return
        # not a namespace whose name extends this one
        if node.props.get(PropertyKey.NAMESPACE) == namespace and listed(node):
            yield node


def in_namespace(
    reader: GraphReader, kind: NodeKind, namespace: str | None, limit: int, offset: int
) -> Page:
    """The datasets or jobs of a namespace (all namespaces for None), by name: ``limit`` of them
    from ``offset``, with how many there are in all; a dataset with its table's lifecycle (the
    newest statement under any of its names, ``graph.read.aliases.with_table_lifecycles``)."""
    nodes = _listed(reader, kind) if namespace is None else _of_namespace(reader, kind, namespace)
    page: list[Node] = []
    total = 0
    for node in nodes:
        if offset <= total < offset + limit:
            page.append(node)
        total += 1
    return Page(with_table_lifecycles(reader, page), total)


#: The OpenLineage event types a run's node still tells: its START, and how it ended.
RUN_EVENT_TYPES = ("START", "COMPLETE", "FAIL", "ABORT")


def run_event_counts(reader: GraphReader, bounds: list[tuple[str, str]]) -> list[dict[str, int]]:
    """Per ``[start, end)`` interval (UTC stamps, ``YYYY-MM-DDTHH:MM:SS``), how many runs started
    and how many completed, failed or were aborted in it: the events a run's node still tells (its
    first START and its last terminal event), not every event received."""
    counts = [dict.fromkeys(RUN_EVENT_TYPES, 0) for _ in bounds]

    def add(moment: object, kind: str) -> None:
        if not isinstance(moment, str):
            return
        for i, (start, end) in enumerate(bounds):
            if start <= moment[:19] < end:
                counts[i][kind] += 1
                return

    for run in _scan(reader, NodeKind.RUN):
        add(run.props.get("startedAt"), "START")
        state = run.props.get(PropertyKey.STATE)
        if state in ("COMPLETE", "FAIL", "ABORT"):
            add(run.props.get(PropertyKey.ENDED_AT), state)
    return counts
