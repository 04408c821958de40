"""Dataset and column lineage: breadth-first walks over the store's primitive reads.

Written once for every store (networkx-algorithms style: a plain function taking the graph,
returning plain data). Each BFS level is one batched ``edges()`` call per edge kind, so a store
answers a whole level in one round trip. Results are sorted, so every store returns the very same
answer, and they are bounded: ``depth`` limits hops, ``max_nodes`` limits size, and hitting either
with more graph beyond sets ``truncated`` instead of failing.

Edges in results follow the data: ``dataset → job`` (READS), ``job → dataset`` (WRITES) and
``input column → output column`` (DERIVES_FROM). Nodes in results are as the reader's
``summaries`` gives them: whole from a store or a plain view, with only ``graph.view.SUMMARY``
of their properties from a view reading summaries (the API's).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Iterable, Mapping

from graph.aliases import AliasResolver
from graph.errors import NodeNotFound, WrongNodeKind
from graph.model import Direction, EdgeKind, Node, NodeKind
from graph.stores import GraphReader

DEFAULT_MAX_NODES = 100_000
DEFAULT_DEADLINE_SECONDS = 20.0
_NO_PROPS: Mapping[str, Any] = MappingProxyType({})  # shared by every property-less edge of an answer


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs ~4x, and answers hold 10k+ of these
class LineageEdge:
    source: str
    target: str
    kind: EdgeKind
    props: Mapping[str, Any] = field(compare=False, hash=False)


@dataclass(slots=True)
class LineageGraph:
    nodes: list[Node]
    edges: list[LineageEdge]
    truncated: bool


@dataclass(slots=True)
class _Walk:
    """Accumulates one lineage answer."""

    store: GraphReader
    max_nodes: int
    deadline: float
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: dict[tuple[str, str, EdgeKind], LineageEdge] = field(default_factory=dict)
    truncated: bool = False

    def add_nodes(self, ids: set[str]) -> set[str]:
        """Fetch and keep unseen nodes, within budget; return the ids that were new."""
        new = ids.difference(self.nodes)  # not `- .keys()`: that walks every key held
        if new and time.monotonic() > self.deadline:
            self.truncated = True
            return set()
        room = self.max_nodes - len(self.nodes)
        if len(new) > room:
            self.truncated = True
            new = set(sorted(new)[:room])
        self.nodes.update(self.store.summaries(new))
        return new

    def add_edge(self, source: str, target: str, kind: EdgeKind, props: Mapping[str, Any] | None = None) -> None:
        if source in self.nodes and target in self.nodes:
            self.edges.setdefault((source, target, kind), LineageEdge(source, target, kind, props or _NO_PROPS))

    def add_edges(self, pairs: Iterable[tuple[str, str]], kind: EdgeKind) -> None:
        """:meth:`add_edge` for many property-less edges of one kind (a walk's level)."""
        nodes, edges = self.nodes, self.edges
        for source, target in pairs:
            key = (source, target, kind)
            if key not in edges and source in nodes and target in nodes:
                edges[key] = LineageEdge(source, target, kind, _NO_PROPS)

    def result(self) -> LineageGraph:
        return LineageGraph(
            nodes=[self.nodes[i] for i in sorted(self.nodes)],
            edges=[self.edges[k] for k in sorted(self.edges)],
            truncated=self.truncated,
        )


def _start(store: GraphReader, node_id: str, kinds: tuple[NodeKind, ...], hint: str) -> Node:
    node = store.nodes([node_id]).get(node_id)
    if node is None:
        raise NodeNotFound(f"no node with id {node_id!r}")
    if node.kind not in kinds:
        raise WrongNodeKind(f"{node_id!r} is a {node.kind.value}; {hint}")
    return node


def dataset_lineage(
    store: GraphReader,
    node_id: str,
    direction: Direction = Direction.BOTH,
    depth: int = 20,
    max_nodes: int = DEFAULT_MAX_NODES,
    deadline_seconds: float = DEFAULT_DEADLINE_SECONDS,
) -> LineageGraph:
    """Datasets and jobs upstream and/or downstream of a dataset or job.

    ``depth`` counts dataset-to-dataset hops (dataset → job → dataset is one). From a job, its own
    inputs or outputs are the first hop. Aliases (symlinks, renames) collapse into their canonical
    dataset. Example: ``dataset_lineage(store, "dataset:food_delivery:public.discounts",
    Direction.UPSTREAM, 1)`` gives discounts, the job writing it and that job's inputs.
    """
    start = _start(store, node_id, (NodeKind.DATASET, NodeKind.JOB), "use columnLineage for columns")
    aliases = AliasResolver(store)
    walk = _Walk(store, max_nodes, time.monotonic() + deadline_seconds)
    start_id = aliases.canonical([start.id])[start.id] if start.kind is NodeKind.DATASET else start.id
    walk.add_nodes({start_id})
    directions = [Direction.UPSTREAM, Direction.DOWNSTREAM] if direction is Direction.BOTH else [direction]
    for way in directions:
        _walk_datasets(walk, aliases, start_id, start.kind, way, max(depth, 0))
    return walk.result()


def _walk_datasets(walk: _Walk, aliases: AliasResolver, start_id: str, kind: NodeKind, way: Direction, depth: int) -> None:
    # Downstream: datasets <-READS- jobs -WRITES-> datasets; upstream the other way round.
    into_job, out_of_job = (EdgeKind.READS, EdgeKind.WRITES) if way is Direction.DOWNSTREAM else (EdgeKind.WRITES, EdgeKind.READS)
    datasets: set[str] = {start_id} if kind is NodeKind.DATASET else set()
    jobs: set[str] = {start_id} if kind is NodeKind.JOB else set()
    seen_datasets = set(datasets)
    seen_jobs = set(jobs)
    for _ in range(depth):
        if datasets:
            jobs = _datasets_to_jobs(walk, aliases, datasets, into_job, way) - seen_jobs
            seen_jobs |= jobs
        found = _jobs_to_datasets(walk, aliases, jobs, out_of_job, way)
        datasets = found - seen_datasets
        seen_datasets |= datasets
        jobs = set()
        if not datasets or walk.truncated:
            break
    else:
        if (datasets or jobs) and aliases.keys_into(datasets, (into_job,))[1]:
            walk.truncated = True
    if depth == 0 and walk.store.edges({start_id}, (into_job,), "in" if kind is NodeKind.DATASET else "out"):
        walk.truncated = True


def _datasets_to_jobs(walk: _Walk, aliases: AliasResolver, datasets: set[str], kind: EdgeKind, way: Direction) -> set[str]:
    members, keys = aliases.keys_into(datasets, (kind,))
    jobs = {source for source, _, _ in keys}
    walk.add_nodes(jobs)
    downstream = way is Direction.DOWNSTREAM
    walk.add_edges([(members[d], j) if downstream else (j, members[d]) for j, _, d in keys], kind)
    nodes = walk.nodes
    return {job for job in jobs if job in nodes}  # not `.intersection(nodes)`: that walks every key held


def _jobs_to_datasets(walk: _Walk, aliases: AliasResolver, jobs: set[str], kind: EdgeKind, way: Direction) -> set[str]:
    if not jobs:
        return set()
    keys = walk.store.edge_keys(jobs, (kind,), "out")
    canonical = aliases.canonical({d for _, _, d in keys})
    walk.add_nodes(set(canonical.values()))
    downstream = way is Direction.DOWNSTREAM
    walk.add_edges([(j, canonical[d]) if downstream else (canonical[d], j) for j, _, d in keys], kind)
    return {d for d in canonical.values() if d in walk.nodes}


def column_lineage(
    store: GraphReader,
    node_id: str,
    direction: Direction = Direction.BOTH,
    depth: int = 20,
    max_nodes: int = DEFAULT_MAX_NODES,
    deadline_seconds: float = DEFAULT_DEADLINE_SECONDS,
) -> LineageGraph:
    """Columns (``datasetField:`` nodes) a column is derived from and/or feeds, via column lineage.

    ``depth`` counts column-to-column hops. Dataset-wide (INDIRECT) dependencies from the
    columnLineage facet's ``dataset`` entries appear as edges between a column and a dataset node:
    downstream the walk stops at such a dataset; upstream its inputs count for every column of it.
    """
    start = _start(store, node_id, (NodeKind.COLUMN,), "use lineage for datasets and jobs")
    aliases = AliasResolver(store)
    walk = _Walk(store, max_nodes, time.monotonic() + deadline_seconds)
    start_id = aliases.canonical_columns([start])[start.id]
    walk.add_nodes({start_id})
    directions = [Direction.UPSTREAM, Direction.DOWNSTREAM] if direction is Direction.BOTH else [direction]
    for way in directions:
        _walk_columns(walk, aliases, start_id, way, max(depth, 0))
    return walk.result()


def _walk_columns(walk: _Walk, aliases: AliasResolver, start_id: str, way: Direction, depth: int) -> None:
    frontier = {start_id}
    seen = {start_id}
    for hop in range(depth + 1):
        columns = [walk.nodes[i] for i in frontier if i in walk.nodes and walk.nodes[i].kind is NodeKind.COLUMN]
        members = aliases.column_members(columns)
        if way is Direction.UPSTREAM:
            dataset_members = aliases.members({c.props["datasetId"] for c in columns if c.props.get("datasetId")})
            edges = walk.store.edges(set(members) | set(dataset_members), (EdgeKind.DERIVES_FROM,), "out")
            neighbours = {e.target for e in edges}
        else:
            edges = walk.store.edges(set(members), (EdgeKind.DERIVES_FROM,), "in")
            neighbours = {e.source for e in edges}
        if hop == depth:
            if edges:
                walk.truncated = True
            return
        neighbour_nodes = walk.store.summaries(neighbours)
        canonical = aliases.canonical_columns(n for n in neighbour_nodes.values() if n.kind is NodeKind.COLUMN)
        dataset_canonical = aliases.canonical(i for i, n in neighbour_nodes.items() if n.kind is NodeKind.DATASET)
        canonical.update(dataset_canonical)
        walk.add_nodes(set(canonical.values()))
        # An answer keeps one edge per pair; when a pair is reached twice (a column's own derivation
        # and its dataset-wide one, or two aliases), the column's own wins, then the smaller key,
        # so the properties kept never depend on the order a store happens to return edges in.
        for e in sorted(edges, key=lambda e: (e.source not in members, e.source, e.target)):
            if way is Direction.UPSTREAM:
                owners = [members[e.source]] if e.source in members else _column_owner(columns, dataset_members, e.source)
                for column_id in owners:
                    walk.add_edge(canonical.get(e.target, e.target), column_id, EdgeKind.DERIVES_FROM, e.props)
            else:
                walk.add_edge(members[e.target], canonical.get(e.source, e.source), EdgeKind.DERIVES_FROM, e.props)
        frontier = {c for c in canonical.values() if c in walk.nodes} - seen
        seen |= frontier
        if not frontier or walk.truncated:
            return


def _column_owner(columns: list[Node], dataset_members: dict[str, str], source: str) -> list[str]:
    """For a dataset-wide derivation edge leaving ``source`` (a dataset), the frontier columns of it."""
    dataset = dataset_members.get(source)
    return [c.id for c in columns if c.props.get("datasetId") == dataset]
