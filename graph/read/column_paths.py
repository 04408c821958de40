"""A column's whole path summarised for drawing: the datasets it crosses, each with only the
columns on the path and a count of its others, and the column edges between them.

A frontend drawing a column's path wants one answer, not one request per dataset (a central
column of a 10k mesh crosses ~750 datasets). The path is the column-lineage walk's
(``graph.read.lineage.column_lineage``): nothing is walked twice or another way. What this adds is the
grouping by dataset and a budget on datasets: the ``first`` nearest (by column hops from the
start) are kept whole, the rest are counted (``more_datasets``, ``more_columns``), like a
dataset walk's "+N more".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from graph.core.model import Direction, Node, NodeKind, PropertyKey, dataset_id
from graph.read.aliases import AliasResolver
from graph.read.lineage import LineageEdge, column_lineage
from graph.read.view import GraphView, view_of
from graph.read.walk_defaults import Budget
from graph.stores import Store

DEFAULT_FIRST_DATASETS = 1000


@dataclass(frozen=True, slots=True)
class PathDataset:
    """A dataset on a column path: ``columns``, the ids of its columns on the path (in the
    dataset's schema order, then by id); ``other_columns``, how many of its schema's columns are
    not; ``distance``, the fewest column hops from the start to one of its columns."""

    node: Node
    columns: list[str]
    other_columns: int
    distance: int


@dataclass(frozen=True, slots=True)
class ColumnPath:
    """``datasets`` nearest first (then by id), ``columns`` the path's columns of those datasets,
    ``edges`` the walk's edges between them. ``more_datasets``/``more_columns``: what the budget
    left out; ``truncated``: the walk itself stopped at its depth or a budget."""

    datasets: list[PathDataset]
    columns: list[Node]
    edges: list[LineageEdge]
    more_datasets: int
    more_columns: int
    truncated: bool


def column_path(
    reader: GraphView | Store,
    node_id: str,
    direction: Direction = Direction.BOTH,
    budget: Budget = Budget(),
    first: int = DEFAULT_FIRST_DATASETS,
) -> ColumnPath:
    """The column path of ``node_id`` (a ``datasetField:`` id) grouped by dataset, at most
    ``first`` datasets. Example: ``column_path(store, "datasetField:food_delivery:public.customers:email")``
    gives customers with its ``email``, and each dataset whose columns derive from it with those."""
    view = view_of(reader)
    walked = column_lineage(view, node_id, direction, budget)
    distance = _distances(node_id, walked.edges)
    columns = [n for n in walked.nodes if n.kind is NodeKind.COLUMN]
    owner = _datasets_of(view, columns)
    members: dict[str, list[Node]] = defaultdict(list)
    for column in columns:
        members[owner[column.id]].append(column)
    for node in walked.nodes:  # a dataset-wide (INDIRECT) dependency is on the path itself
        if node.kind is NodeKind.DATASET:
            members.setdefault(node.id, [])
    reach = {
        ds: min(
            (distance.get(c.id, len(distance)) for c in cols),
            default=distance.get(ds, len(distance)),
        )
        for ds, cols in members.items()
    }
    order = sorted(members, key=lambda ds: (reach[ds], ds))
    kept, left = order[: max(first, 0)], order[max(first, 0) :]
    found = view.summaries(kept)
    datasets = [
        _path_dataset(found.get(ds) or Node(ds, NodeKind.DATASET, {}), members[ds], reach[ds])
        for ds in kept
    ]
    shown = [c for ds in kept for c in members[ds]]
    on_path = {c.id for c in shown} | set(kept)
    return ColumnPath(
        datasets=datasets,
        columns=shown,
        edges=[e for e in walked.edges if e.source in on_path and e.target in on_path],
        more_datasets=len(left),
        more_columns=sum(len(members[ds]) for ds in left),
        truncated=walked.truncated,
    )


def _distances(start: str, edges: list[LineageEdge]) -> dict[str, int]:
    """Hops from ``start`` over the walk's edges, either way (the walk went out from it)."""
    around: dict[str, list[str]] = defaultdict(list)
    for edge in edges:
        around[edge.source].append(edge.target)
        around[edge.target].append(edge.source)
    found = {start: 0}
    frontier = [start]
    while frontier:
        step = []
        for node in frontier:
            for other in around.get(node, ()):
                if other not in found:
                    found[other] = found[node] + 1
                    step.append(other)
        frontier = step
    return found


def _datasets_of(view: GraphView, columns: list[Node]) -> dict[str, str]:
    """Each column's canonical dataset id (a column recorded under an alias joins its dataset)."""
    named = {
        c.id: c.props.get(PropertyKey.DATASET_ID)
        or dataset_id(
            str(c.props.get(PropertyKey.NAMESPACE, "")), str(c.props.get(PropertyKey.DATASET, ""))
        )
        for c in columns
    }
    canonical = AliasResolver(view).canonical(set(named.values()))
    return {column: canonical.get(ds, ds) for column, ds in named.items()}


def _path_dataset(node: Node, columns: list[Node], distance: int) -> PathDataset:
    schema = node.props.get(PropertyKey.COLUMNS) or []
    place = {name: i for i, name in enumerate(schema)}
    ordered = sorted(
        columns, key=lambda c: (place.get(c.props.get(PropertyKey.NAME), len(place)), c.id)
    )
    named = {c.props.get(PropertyKey.NAME) for c in columns}
    return PathDataset(
        node=node,
        columns=[c.id for c in ordered],
        other_columns=sum(1 for name in schema if name not in named),
        distance=distance,
    )
