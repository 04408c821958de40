"""``neighbours``: one hop of lineage, a page at a time."""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter
from typing import Annotated

import strawberry
from strawberry.types import Info

from graph.core.model import Direction
from graph.core.model import NodeKind as ModelNodeKind
from graph.read import neighbours as neighbour_queries
from graph.read.neighbours import Neighbour
from graph.serve.connections import PageInfo, paginate
from graph.serve.schema.context import (
    max_page,
    store_view,
    walk_budgets,
)
from graph.serve.schema.kinds import EdgeType, LineageDirection, NodeKind
from graph.serve.schema.lineage import LineageNode, lineage_nodes


@strawberry.type(description="A direct neighbour of a node, and the edge between them.")
class NeighbourEdge:
    cursor: str
    node: LineageNode
    kind: EdgeType = strawberry.field(
        description="The edge's kind; edges follow the data (dataset → job READS, "
        "job → dataset WRITES, input column → output column DERIVES_FROM)."
    )
    direction: LineageDirection = strawberry.field(
        description="UPSTREAM: the neighbour feeds the node; DOWNSTREAM: the node feeds it."
    )


@strawberry.type(description="A page of a node's direct neighbours (`neighbours`).")
class NeighbourConnection:
    nodes: Sequence[LineageNode] = strawberry.field(
        description="The page's neighbours, as `edges { node }` (a node both "
        "upstream and downstream appears once each way)."
    )
    page_info: PageInfo
    total_count: int = strawberry.field(description="How many neighbours match, over all pages.")
    truncated: bool = strawberry.field(
        description="The node budget cut the hop short: `totalCount` is a lower bound."
    )
    _items: strawberry.Private[list[Neighbour]]
    _cursors: strawberry.Private[list[str]]

    @strawberry.field(description="The page's neighbours with their cursors and edges.")
    def edges(self) -> list[NeighbourEdge]:
        return [
            NeighbourEdge(cursor=cursor, node=node, kind=item.kind, direction=item.direction)
            for item, cursor, node in zip(self._items, self._cursors, self.nodes)
        ]

    @staticmethod
    def of(
        info: Info,
        node_id: str,
        direction: Direction,
        kinds: list[ModelNodeKind] | None,
        first: int | None,
        after: str | None,
    ) -> NeighbourConnection:
        found = neighbour_queries.neighbours(
            store_view(info), node_id, direction, kinds, **walk_budgets(info)
        )
        page = paginate(found.items, attrgetter("key"), first, after, max_page(info))
        return NeighbourConnection(
            nodes=lineage_nodes(info, [n.node for n in page.items]),
            page_info=page.page_info(),
            total_count=page.total_count,
            truncated=found.truncated,
            _items=page.items,
            _cursors=page.cursors,
        )


def neighbours(
    info: Info,
    node_id: str,
    direction: LineageDirection,
    kinds: Annotated[
        list[NodeKind] | None,
        strawberry.argument(description="Only neighbours of these kinds."),
    ] = None,
    first: int | None = None,
    after: str | None = None,
) -> NeighbourConnection:
    return NeighbourConnection.of(info, str(node_id), direction, kinds, first, after)
