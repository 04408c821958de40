"""Impact analysis: what breaks, and whom to tell, if a dataset or column changes.

Written once over the store primitives, like ``graph.lineage``. From a changed column the walk
follows column lineage downstream; each hop is DIRECT (the value flows on) or INDIRECT (it only
filters, joins, groups...). A node reached through DIRECT hops only is ``BREAKING`` for a drop,
rename or type change; any INDIRECT hop lowers it to ``WARNING``; a SEMANTIC change is one level
lower throughout. Where a dataset downstream has no column lineage at all, the walk falls back to
dataset lineage and marks what it finds ``certain=False``. From a changed dataset the jobs that read
it, and what they write, break; everything further downstream goes stale (``WARNING``).

Budgets bound the walk (``max_nodes``, ``deadline_seconds``): when one is hit the report is partial
and ``truncated`` says so, it never fails. Every affected node carries one shortest explaining
path from the changed node, through the jobs in between. Affected nodes are as the reader's
``summaries`` gives them: whole from a store or a plain view, with only ``graph.view.SUMMARY``
of their properties from a view reading summaries (the API's).
"""

from __future__ import annotations

import operator
import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Collection

from graph import mesh
from graph.aliases import AliasResolver
from graph.errors import NodeNotFound, WrongNodeKind
from graph.model import Edge, EdgeKind, Node, NodeKind
from graph.stores import GraphReader

DEFAULT_MAX_NODES = 100_000
DEFAULT_DEADLINE_SECONDS = 20.0


class ChangeKind(str, Enum):
    DROP = "DROP"
    RENAME = "RENAME"
    TYPE_CHANGE = "TYPE_CHANGE"
    SEMANTIC = "SEMANTIC"


class Severity(str, Enum):
    BREAKING = "BREAKING"
    WARNING = "WARNING"
    INFO = "INFO"


_RANK = {Severity.BREAKING: 2, Severity.WARNING: 1, Severity.INFO: 0}


def _lower(severity: Severity) -> Severity:
    return Severity.WARNING if severity is Severity.BREAKING else Severity.INFO


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs ~4x, and reports hold 10k+ of these
class ImpactedNode:
    node: Node
    distance: int
    path: tuple[str, ...]
    severity: Severity
    certain: bool


@dataclass(slots=True)
class ImpactReport:
    changed: Node
    change: ChangeKind
    affected: list[ImpactedNode]
    products: list[Node]
    domains: list[Node]
    owners: list[Node]
    consumers: list[mesh.ProductConsumer]
    contracts: list[Node]
    truncated: bool

    @property
    def breaking(self) -> bool:
        return any(a.severity is Severity.BREAKING for a in self.affected) or bool(self.contracts)


@dataclass(slots=True)
class _Reach:
    """The best way found so far to reach one node."""

    distance: int
    path: tuple[str, ...]
    severity: Severity
    certain: bool

    def better_than(self, other: "_Reach") -> bool:
        return (_RANK[self.severity], self.certain, -self.distance) > (_RANK[other.severity], other.certain, -other.distance)


@dataclass(slots=True)
class _Walk:
    store: GraphReader
    aliases: AliasResolver
    max_nodes: int
    deadline: float
    reached: dict[str, _Reach] = field(default_factory=dict)
    truncated: bool = False

    def out_of_budget(self) -> bool:
        if len(self.reached) >= self.max_nodes or time.monotonic() > self.deadline:
            self.truncated = True
        return self.truncated

    def offer(self, node_id: str, reach: _Reach) -> bool:
        """Record a way to reach a node; True when it is new or better (so it must be expanded)."""
        current = self.reached.get(node_id)
        if current is None:
            if len(self.reached) >= self.max_nodes:
                self.truncated = True
                return False
        elif not reach.better_than(current):
            return False
        self.reached[node_id] = reach
        return True


def _is_direct(edge: Edge) -> bool:
    """Whether a DERIVES_FROM edge carries the value itself (DIRECT), not only shapes rows."""
    transformations = edge.props.get("transformations")
    if transformations:
        return any(str(t.get("type", "DIRECT")).upper() == "DIRECT" for t in transformations)
    return True  # pre-1-2-0 column lineage (and transformationType IDENTITY/MASKED) is direct


def impact(
    store: GraphReader,
    node_id: str,
    change: ChangeKind = ChangeKind.DROP,
    depth: int | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    deadline_seconds: float = DEFAULT_DEADLINE_SECONDS,
) -> ImpactReport:
    """The blast radius of changing a dataset or a column (``datasetField:`` id).

    ``depth`` bounds hops (dataset or column hops; None: unbounded). Example:
    ``impact(store, "datasetField:food_delivery:public.customers:email")`` reports the three
    ``customer_email`` columns derived from it, the jobs in between and their owners.
    """
    start = store.nodes([node_id]).get(node_id)
    if start is None:
        raise NodeNotFound(f"no node with id {node_id!r}")
    if start.kind not in (NodeKind.DATASET, NodeKind.COLUMN):
        raise WrongNodeKind(f"{node_id!r} is a {start.kind.value}; impact starts at a dataset or a column")
    aliases = AliasResolver(store)
    walk = _Walk(store, aliases, max_nodes, time.monotonic() + deadline_seconds)
    top = Severity.WARNING if change is ChangeKind.SEMANTIC else Severity.BREAKING
    limit = depth if depth is not None else 1 << 30
    if start.kind is NodeKind.COLUMN:
        start_id = aliases.canonical_columns([start])[start.id]
        start = store.nodes([start_id]).get(start_id) or start
        walk.reached[start.id] = _Reach(0, (start.id,), top, True)
        _walk_columns(walk, start, limit)
    else:
        start_id = aliases.canonical([start.id])[start.id]
        start = store.nodes([start_id]).get(start_id) or start
        walk.reached[start.id] = _Reach(0, (start.id,), top, True)
        _walk_datasets(walk, {start.id: walk.reached[start.id]}, limit, first_hop=top, later_hops=_lower(top))
    return _report(walk, start, change)


def _keep_best(found: dict[str, _Reach], node_id: str, reach: _Reach) -> None:
    if node_id not in found or reach.better_than(found[node_id]):
        found[node_id] = reach


def _walk_columns(walk: _Walk, start: Node, limit: int) -> None:
    """Downstream through column lineage, with dataset-lineage fallback where there is none."""
    frontier = {start.id: start}
    fallback: dict[str, _Reach] = {}
    while frontier and not walk.out_of_budget():
        members = walk.aliases.column_members(frontier.values())
        edges = walk.store.edges(set(members), (EdgeKind.DERIVES_FROM,), "in")
        jobs = {e.props["jobId"] for e in edges if e.props.get("jobId")}
        sources = walk.store.summaries({e.source for e in edges} | jobs)
        canonical = walk.aliases.canonical_columns(n for n in sources.values() if n.kind is NodeKind.COLUMN)
        canonical.update(walk.aliases.canonical(i for i, n in sources.items() if n.kind is NodeKind.DATASET))
        reached_columns: dict[str, Node] = {}
        for edge in sorted(edges, key=lambda e: (e.target, e.source)):
            here = walk.reached[members[edge.target]]
            source = sources.get(edge.source)
            if source is None:
                continue
            if here.distance >= limit:
                walk.truncated = True
                continue
            whole_dataset = source.kind is NodeKind.DATASET  # a columnLineage `dataset` entry: always indirect
            severity = here.severity if _is_direct(edge) and not whole_dataset else _lower(here.severity)
            path = here.path
            job = edge.props.get("jobId")
            if job in sources:
                walk.offer(job, _Reach(here.distance + 1, path + (job,), severity, here.certain))
                path = path + (job,)
            target = canonical.get(edge.source, edge.source)
            reach = _Reach(here.distance + 1, path + (target,), severity, here.certain)
            if whole_dataset:
                _keep_best(fallback, target, reach)
            elif walk.offer(target, reach):
                reached_columns[target] = source
        for node_id, reach in _uncovered_outputs(walk, frontier.values()).items():
            _keep_best(fallback, node_id, reach)
        canonical_nodes = walk.store.summaries(set(reached_columns))
        frontier = {i: canonical_nodes.get(i, source) for i, source in reached_columns.items()}
    seeds = {i: r for i, r in fallback.items() if walk.offer(i, r)}
    if seeds:
        _walk_datasets(walk, seeds, limit, first_hop=None, later_hops=None)


def _uncovered_outputs(walk: _Walk, columns) -> dict[str, _Reach]:
    """Where column lineage is silent: jobs reading a column's dataset that write nothing, or write
    datasets without any column lineage. The column may flow there, nobody said: such jobs and
    datasets are reported as not certain, and their datasets are followed by dataset lineage."""
    by_dataset: dict[str, str] = {}
    for column in columns:
        dataset = column.props.get("datasetId")
        if dataset and dataset not in by_dataset:
            by_dataset[dataset] = column.id
    if not by_dataset:
        return {}
    members, readers = walk.aliases.keys_into(by_dataset, (EdgeKind.READS,))
    writes_by_job = _writes_by_job(walk, {job for job, _, _ in readers})
    covered = _has_column_lineage(walk, {output for written in writes_by_job.values() for output in written})
    found: dict[str, _Reach] = {}
    for job, _, dataset in sorted(readers, key=_BY_TARGET_THEN_SOURCE):
        here = walk.reached[by_dataset[members[dataset]]]
        silent = [o for o in writes_by_job.get(job, ()) if o not in covered and o not in walk.reached]
        if job in walk.reached or (writes_by_job.get(job) and not silent):
            continue  # column lineage already explains this job, or says its outputs do not use the column
        walk.offer(job, _Reach(here.distance + 1, here.path + (job,), _lower(here.severity), False))
        for output in silent:
            _keep_best(found, output, _Reach(here.distance + 1, here.path + (job, output), _lower(here.severity), False))
    return found


def _has_column_lineage(walk: _Walk, dataset_ids: set[str]) -> set[str]:
    """The datasets (under any alias) for which some producer reported column lineage."""
    if not dataset_ids:
        return set()
    members = walk.aliases.members(dataset_ids)
    covered = {members[e.source] for e in walk.store.edges(set(members), (EdgeKind.DERIVES_FROM,), "out")}
    columns = walk.store.edges(set(members), (EdgeKind.HAS_COLUMN,), "out")
    column_owner = {e.target: members[e.source] for e in columns}
    for edge in walk.store.edges(set(column_owner), (EdgeKind.DERIVES_FROM,), "out"):
        covered.add(column_owner[edge.source])
    return covered


def _walk_datasets(walk: _Walk, seeds: dict[str, _Reach], limit: int, first_hop: Severity | None, later_hops: Severity | None) -> None:
    """Downstream through dataset lineage. ``first_hop``/``later_hops`` cap the severity of the
    readers of the seeds and of everything beyond (None: keep the seed's severity)."""
    frontier = dict(seeds)
    hop = 0
    reached, offer = walk.reached, walk.offer
    while frontier and not walk.out_of_budget():
        cap = first_hop if hop == 0 else later_hops
        members, readers = walk.aliases.keys_into(frontier, (EdgeKind.READS,))
        writes_by_job = _writes_by_job(walk, {job for job, _, _ in readers})
        next_frontier: dict[str, _Reach] = {}
        for job, _, dataset in sorted(readers, key=_BY_TARGET_THEN_SOURCE):
            here = reached[members[dataset]]
            if here.distance >= limit:
                walk.truncated = True
                continue
            severity = here.severity if cap is None or _RANK[cap] >= _RANK[here.severity] else cap
            distance = here.distance + 1
            via = here.path + (job,)
            offer(job, _Reach(distance, via, severity, here.certain))
            for output in writes_by_job.get(job, ()):
                reach = _Reach(distance, via + (output,), severity, here.certain)
                if offer(output, reach):
                    next_frontier[output] = reach
        frontier = next_frontier
        hop += 1


def _writes_by_job(walk: _Walk, jobs: set[str]) -> dict[str, list[str]]:
    """The (canonical) datasets each of ``jobs`` writes, sorted."""
    writes = walk.store.edge_keys(jobs, (EdgeKind.WRITES,), "out")
    outputs = walk.aliases.canonical({dataset for _, _, dataset in writes})
    by_job: dict[str, list[str]] = {}
    for job, _, dataset in writes:
        by_job.setdefault(job, []).append(outputs[dataset])
    for written in by_job.values():
        written.sort()
    return by_job


_BY_TARGET_THEN_SOURCE = operator.itemgetter(2, 0)  # of an edge key


def _report(walk: _Walk, start: Node, change: ChangeKind) -> ImpactReport:
    """The affected nodes and whom they concern. The affected are grouped by kind in one pass;
    each question below reads only the kinds it is about (at 10k affected nodes, every pass over
    all of them costs a few ms)."""
    store = walk.store
    reached = walk.reached
    nodes = store.summaries([i for i in reached if i != start.id])
    by_kind: dict[NodeKind, list[ImpactedNode]] = {}
    for node_id, node in nodes.items():
        r = reached[node_id]
        by_kind.setdefault(node.kind, []).append(ImpactedNode(node, r.distance, r.path, r.severity, r.certain))
    columns = by_kind.get(NodeKind.COLUMN, [])
    datasets = by_kind.setdefault(NodeKind.DATASET, [])
    datasets += _datasets_of_columns(store, columns, nodes.keys())
    affected = [item for items in by_kind.values() for item in items]
    affected.sort(key=_by_distance_then_id)
    dataset_ids = [a.node.id for a in datasets]
    changed_dataset = start.id if start.kind is NodeKind.DATASET else start.props.get("datasetId")
    published = ([changed_dataset] if changed_dataset else []) + dataset_ids
    products = {p.id: p for p in mesh.products_publishing(store, published)}
    domain_ids = set(mesh.dataset_domains(store, dataset_ids).values())
    domain_ids |= {f"domain:{p.props['domain']}" for p in products.values() if p.props.get("domain")}
    subjects = {*dataset_ids, *(a.node.id for a in by_kind.get(NodeKind.JOB, ())), *products}
    owner_ids = {owner for _, _, owner in store.edge_keys(subjects, (EdgeKind.OWNED_BY,), "out")}
    consumers = [c for p in sorted(products) for c in mesh.product_consumers(store, products[p])]
    contracts = _broken_contracts(store, change, changed_dataset, columns, datasets)
    found = store.nodes(domain_ids | owner_ids)
    return ImpactReport(
        changed=start,
        change=change,
        affected=affected,
        products=[products[i] for i in sorted(products)],
        domains=[found[i] for i in sorted(domain_ids) if i in found],
        owners=[found[i] for i in sorted(owner_ids) if i in found],
        consumers=consumers,
        contracts=contracts,
        truncated=walk.truncated,
    )


def _datasets_of_columns(store: GraphReader, columns: list[ImpactedNode], present: Collection[str]) -> list[ImpactedNode]:
    """Each dataset of an affected column, unless ``present`` already, is affected too, as badly
    as its worst column."""
    best: dict[str, ImpactedNode] = {}
    for item in columns:
        dataset = item.node.props.get("datasetId")
        if dataset is None or dataset in present:
            continue
        candidate = best.get(dataset)
        if candidate is None or (_RANK[item.severity], item.certain, -item.distance) > (_RANK[candidate.severity], candidate.certain, -candidate.distance):
            best[dataset] = item
    found = store.summaries(set(best))
    return [ImpactedNode(found[d], via.distance, via.path + (d,), via.severity, via.certain) for d, via in sorted(best.items()) if d in found]


def _by_distance_then_id(item: ImpactedNode) -> tuple[int, str]:
    return item.distance, item.node.id


def _broken_contracts(store: GraphReader, change: ChangeKind, changed_dataset: str | None,
                      columns: list[ImpactedNode], datasets: list[ImpactedNode]) -> list[Node]:
    """Contracts governing the changed dataset (for a structural change) or a dataset with a
    BREAKING-affected column: they promised a schema that will no longer hold."""
    if change is ChangeKind.SEMANTIC:
        return []
    governed = {a.node.props.get("datasetId") for a in columns if a.severity is Severity.BREAKING}
    governed |= {a.node.id for a in datasets if a.severity is Severity.BREAKING and a.distance == 1}
    if changed_dataset:
        governed.add(changed_dataset)
    governed.discard(None)
    edges = store.edges(governed, (EdgeKind.GOVERNS,), "in")
    found = store.nodes({e.source for e in edges})
    return [found[i] for i in sorted(found)]
