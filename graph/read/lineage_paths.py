"""The lineage between two nodes: every path from one dataset or job to another, within a depth.

A frontend asks it to show how two nodes are connected ("path to…"). Written once over the
lineage walk (``graph.read.lineage.dataset_lineage``), so it reads the store's primitives through a view
like every walk, on every store, bounded the same way: one walk ``depth`` hops downstream of
``source``, then, within what it reached, the nodes that lead on to ``target``. When ``target`` is
not downstream of ``source``, it may be upstream: the walk is tried the other way.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from graph.core.errors import NodeNotFound, WrongNodeKind
from graph.core.model import Direction, Node, NodeKind
from graph.read.lineage import LineageEdge, dataset_lineage
from graph.read.view import GraphView, view_of
from graph.read.walk_defaults import Budget
from graph.stores import Store

_WALKED = (NodeKind.DATASET, NodeKind.JOB)
DEFAULT_PATH_DEPTH = 10  # dataset hops searched for a path


@dataclass(frozen=True, slots=True)
class LineagePaths:
    """The nodes and edges on the paths between the two nodes (edges following the data), sorted;
    ``direction``: DOWNSTREAM when data flows from the first node to the second, UPSTREAM when
    the other way, None when no path lies within the depth. ``truncated``: a walk stopped at the
    depth or a budget with more graph beyond, so a longer path may exist (with no path and not
    truncated, the two are not connected at all)."""

    nodes: list[Node]
    edges: list[LineageEdge]
    direction: Direction | None
    truncated: bool


def lineage_paths(
    reader: GraphView | Store,
    source_id: str,
    target_id: str,
    budget: Budget = Budget(depth=DEFAULT_PATH_DEPTH),
) -> LineagePaths:
    """Every path of at most ``budget.depth`` dataset hops between two datasets or jobs, either way round.

    Example: from ``dataset:food_delivery:public.orders`` to
    ``dataset:food_delivery:public.orders_7_days`` gives the jobs and datasets in between."""
    view = view_of(reader)
    for node_id in (source_id, target_id):
        node = view.nodes([node_id]).get(node_id)
        if node is None:
            raise NodeNotFound(f"no node with id {node_id!r}")
        if node.kind not in _WALKED:
            raise WrongNodeKind(f"{node_id!r} is a {node.kind.value}; paths join datasets and jobs")
    truncated = False
    for direction in (Direction.DOWNSTREAM, Direction.UPSTREAM):
        walked = dataset_lineage(view, source_id, direction, budget)
        truncated = truncated or walked.truncated
        found = _leading_to(walked.edges, source_id, target_id, direction)
        if found:
            by_id = {node.id: node for node in walked.nodes}
            edges = [e for e in walked.edges if e.source in found and e.target in found]
            return LineagePaths(
                nodes=[by_id[i] for i in sorted(found) if i in by_id],
                edges=edges,
                direction=direction,
                truncated=truncated,
            )
    return LineagePaths(nodes=[], edges=[], direction=None, truncated=truncated)


def _leading_to(
    edges: list[LineageEdge], source_id: str, target_id: str, direction: Direction
) -> set[str]:
    """The nodes of a walk from ``source_id`` that lie on a way on to ``target_id``: walked back
    from the target over the walk's edges (against the walk's direction)."""
    if source_id == target_id:
        return {source_id}
    back: dict[str, list[str]] = defaultdict(list)  # node -> the nodes one step nearer the start
    for edge in edges:
        if direction is Direction.DOWNSTREAM:
            back[edge.target].append(edge.source)
        else:
            back[edge.source].append(edge.target)
    if target_id not in back:
        return set()
    found = {target_id}
    frontier = [target_id]
    while frontier:
        node = frontier.pop()
        for previous in back.get(node, ()):
            if previous not in found:
                found.add(previous)
                frontier.append(previous)
    return found if source_id in found else set()
