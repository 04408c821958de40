"""One node's direct neighbours, for a frontend expanding a graph one hop at a time.

One hop is the first hop of the lineage walks (``graph.read.lineage``): a dataset's jobs, a job's
datasets, a column's columns, aliases collapsed as the walks collapse them. The list is in one
stable order — direction (UPSTREAM first), then neighbour id, then edge kind — so a page of it
can start right after a neighbour the client last saw, whatever changed in between.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from graph.core.errors import NodeNotFound
from graph.core.model import Direction, EdgeKind, Node, NodeKind
from graph.read import lineage
from graph.read.view import GraphView

NeighbourKey = tuple[str, str, str]
_WAYS = (Direction.UPSTREAM, Direction.DOWNSTREAM)  # the order of the list


@dataclass(frozen=True, slots=True)
class Neighbour:
    """``node`` is one hop ``direction`` of the start, over an edge of ``kind`` (which follows the data)."""

    direction: Direction
    node: Node
    kind: EdgeKind

    @property
    def key(self) -> NeighbourKey:
        """Its place in the list's order, unique within the list."""
        return (str(_WAYS.index(self.direction)), self.node.id, self.kind.value)


@dataclass(frozen=True, slots=True)
class Neighbours:
    """All of a node's neighbours that match, in order; ``truncated``: the node budget cut the hop
    short, so the list may miss some."""

    items: list[Neighbour]
    truncated: bool


def neighbours(
    view: GraphView,
    node_id: str,
    direction: Direction,
    kinds: Collection[NodeKind] | None = None,
    **budgets: float,
) -> Neighbours:
    """The direct neighbours of ``node_id`` one way or both (of ``kinds`` only, if given); a node
    both upstream and downstream is listed once each way. Nodes no lineage runs through (a
    domain, an owner) have none; a node that does not exist is a ``NodeNotFound``."""
    if not view.nodes([node_id]):
        raise NodeNotFound(f"no node with id {node_id!r}")
    found: list[Neighbour] = []
    truncated = False
    for way in _WAYS:
        if direction not in (way, Direction.BOTH):
            continue
        hop = lineage.neighbours(view, [node_id], way, **budgets)  # type: ignore[arg-type]
        truncated = truncated or hop.truncated
        nodes = {n.id: n for n in hop.nodes}
        for edge in hop.edges:
            other = nodes.get(edge.source if way is Direction.UPSTREAM else edge.target)
            if other is not None and (kinds is None or other.kind in kinds):
                found.append(Neighbour(way, other, edge.kind))
    found.sort(key=lambda n: n.key)
    return Neighbours(found, truncated)
