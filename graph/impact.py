"""Impact analysis: what breaks, and whom to tell, if a dataset or column changes.

The walk is the native core's (``native/impact.h``), written once for every store like
``graph.lineage``; the report of whom it concerns is made here, over the view. From a changed column the walk
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

from dataclasses import dataclass
from enum import Enum
from typing import Collection

from graph import mesh
from graph.errors import NodeNotFound, WrongNodeKind
from graph.model import EdgeKind, Node, NodeKind
from graph.stores import GraphReader, Store
from graph.view import GraphView, view_of

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


_SEVERITY_OF_RANK = {rank: severity for severity, rank in _RANK.items()}


def impact(
    reader: GraphView | Store,
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
    view = view_of(reader)
    start = view.nodes([node_id]).get(node_id)
    if start is None:
        raise NodeNotFound(f"no node with id {node_id!r}")
    if start.kind not in (NodeKind.DATASET, NodeKind.COLUMN):
        raise WrongNodeKind(f"{node_id!r} is a {start.kind.value}; impact starts at a dataset or a column")
    top = Severity.WARNING if change is ChangeKind.SEMANTIC else Severity.BREAKING
    walked = view.native.impact(node_id, -1 if depth is None else max(depth, 0), _RANK[top], max_nodes, deadline_seconds)
    reached = {node: (distance, path, _SEVERITY_OF_RANK[rank], certain) for node, distance, path, rank, certain in walked.reached()}
    changed = next(iter(reached))  # the changed node as the walk started from it: canonical, where it has one
    return _report(view, reached, view.nodes([changed]).get(changed) or start, change, walked.truncated)


_Reached = dict[str, tuple[int, tuple[str, ...], Severity, bool]]  # id -> distance, path, severity, certain


def _report(store: GraphView, reached: _Reached, start: Node, change: ChangeKind, truncated: bool) -> ImpactReport:
    """The affected nodes and whom they concern. The affected are grouped by kind in one pass;
    each question below reads only the kinds it is about (at 10k affected nodes, every pass over
    all of them costs a few ms)."""
    nodes = store.summaries([i for i in reached if i != start.id])
    by_kind: dict[NodeKind, list[ImpactedNode]] = {}
    for node_id, node in nodes.items():
        distance, path, severity, certain = reached[node_id]
        by_kind.setdefault(node.kind, []).append(ImpactedNode(node, distance, path, severity, certain))
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
        truncated=truncated,
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
