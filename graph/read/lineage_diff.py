"""How a node's lineage changed between two moments: nodes and edges added and removed, and the
schema changes of the datasets in its radius.

Both sides are the ordinary lineage walk (``graph.read.lineage.dataset_lineage``) over a view of the
graph as it was then (``graph.read.view``), so the diff follows the same rules as ``lineage(asOf:)``.
A node that did not exist yet at ``since`` has an empty lineage then: all of it is added.
Schemas: each side's is the dataset's schema version (``graph.change.schema_history``) newest at that
moment, so any two moments compare, retypes included. A dataset with no version then falls back
to its columns first seen by that moment, trimmed to its latest schema when ``to`` is now. Changes
are classified by ``graph.change.classifier``, as the pull-request check and schema history
classify them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graph.change.classifier import Change, FieldSpec, classify_schema
from graph.change.schema_history import versions_after
from graph.change.schema_observations import field_specs
from graph.core.model import Direction, EdgeKind, Node, NodeKind, PropertyKey
from graph.read.lineage import LineageEdge, dataset_lineage
from graph.read.view import GraphView
from graph.read.walk_defaults import Budget
from graph.stores import Store


@dataclass
class LineageDiff:
    nodes_added: list[Node] = field(default_factory=list)
    nodes_removed: list[Node] = field(default_factory=list)
    edges_added: list[tuple[str, str, str]] = field(default_factory=list)  # source, target, kind
    edges_removed: list[tuple[str, str, str]] = field(default_factory=list)
    schema_changes: list[Change] = field(default_factory=list)
    truncated: bool = False


def lineage_diff(
    store: Store,
    node_id: str,
    direction: Direction,
    budget: Budget,
    since: str,
    until: str | None = None,
) -> LineageDiff:
    """The lineage of ``node_id`` at stamp ``until`` (default now) against stamp ``since``."""
    before_view = GraphView(store, since)
    after_view = GraphView(store, until)
    after = dataset_lineage(after_view, node_id, direction, budget)
    before_nodes: list[Node] = []
    before_edges: list[LineageEdge] = []
    before_truncated = False
    if before_view.nodes([node_id]).get(node_id) is not None:  # else: not there yet, all added
        before = dataset_lineage(before_view, node_id, direction, budget)
        before_nodes, before_edges, before_truncated = before.nodes, before.edges, before.truncated
    old_nodes = {n.id: n for n in before_nodes}
    new_nodes = {n.id: n for n in after.nodes}
    old_edges = {(e.source, e.target, e.kind.name) for e in before_edges}
    new_edges = {(e.source, e.target, e.kind.name) for e in after.edges}
    diff = LineageDiff(
        nodes_added=[new_nodes[i] for i in sorted(new_nodes.keys() - old_nodes.keys())],
        nodes_removed=[old_nodes[i] for i in sorted(old_nodes.keys() - new_nodes.keys())],
        edges_added=sorted(new_edges - old_edges),
        edges_removed=sorted(old_edges - new_edges),
        truncated=before_truncated or after.truncated,
    )
    datasets = sorted(
        i
        for i, n in {**old_nodes, **new_nodes}.items()
        if n.kind is NodeKind.DATASET and i in old_nodes and i in new_nodes
    )
    old_columns = _columns(before_view, datasets)
    new_columns = _columns(after_view, datasets)
    latest = after_view.nodes(datasets) if until is None else {}
    for dataset in datasets:
        old_version = _schema_at(store, dataset, since)
        new_version = _schema_at(store, dataset, until)
        if old_version is not None and new_version is not None:
            diff.schema_changes.extend(classify_schema(dataset, old_version, new_version))
            continue
        old = old_columns.get(dataset, [])
        new = new_columns.get(dataset, [])
        node = latest.get(dataset)
        listed = node.props.get(PropertyKey.COLUMNS) if node is not None else None
        if listed is not None:  # now: the latest schema says what was removed
            names = set(listed)
            new = [c for c in new if c.name in names]
        diff.schema_changes.extend(classify_schema(dataset, old, new))
    return diff


#: How many of a dataset's schema versions a diff reads looking for one old enough.
_VERSIONS_READ = 1000


def _schema_at(store: Store, dataset: str, moment: str | None) -> list[FieldSpec] | None:
    """The dataset's schema as its newest version by ``moment`` (None: now) states it; None when
    it had no version by then (or none within the newest ``_VERSIONS_READ``)."""
    for version in versions_after(store, dataset, _VERSIONS_READ, None):  # newest first
        if moment is None or str(version.props.get("createdAt", "")) <= moment:
            return field_specs(version.props.get("fields") or ())
    return None


def _columns(view: GraphView, datasets: list[str]) -> dict[str, list[FieldSpec]]:
    """Each dataset's columns as the view has them (first seen by then), in name order."""
    edges = view.edges(set(datasets), (EdgeKind.HAS_COLUMN,), "out")
    columns = view.nodes({e.target for e in edges})
    found: dict[str, list[FieldSpec]] = {}
    for edge in sorted(edges, key=lambda e: e.target):
        column = columns.get(edge.target)
        if column is not None:
            found.setdefault(edge.source, []).append(
                FieldSpec(
                    column.props.get(PropertyKey.NAME, column.id),
                    column.props.get(PropertyKey.TYPE),
                )
            )
    return found
