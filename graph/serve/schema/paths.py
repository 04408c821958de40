"""``lineagePaths``: how two datasets or jobs are connected (``graph.read.lineage_paths``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from graph.read import lineage_paths as path_queries
from graph.serve.schema.context import lineage_budget, view_at
from graph.serve.schema.kinds import EdgeType, LineageDirection
from graph.serve.schema.lineage import LineageNode, lineage_nodes


@strawberry.type(description="An edge on a path, along the data flow.")
class PathEdge:
    source: str
    target: str
    kind: EdgeType


@strawberry.type(
    description="The datasets and jobs on every path between two nodes within `depth` hops."
)
class LineagePaths:
    nodes: Sequence[LineageNode]
    edges: list[PathEdge]
    direction: LineageDirection | None = strawberry.field(
        description="DOWNSTREAM: data flows from `fromId` to `toId`; UPSTREAM: from `toId` to `fromId`; "
        "null: no path within `depth`."
    )
    depth: int = strawberry.field(description="The depth searched, in dataset hops.")
    truncated: bool = strawberry.field(
        description="A walk stopped at `depth` or a server budget with more graph beyond: a longer path "
        "may exist. With no path and not truncated, the two are not connected at all."
    )


def lineage_paths(
    info: Info,
    from_id: str,
    to_id: str,
    depth: Annotated[
        int | None, strawberry.argument(description="Dataset hops searched (the server caps it).")
    ] = path_queries.DEFAULT_PATH_DEPTH,
    as_of: Annotated[
        datetime | None, strawberry.argument(description="Search the graph as it was then.")
    ] = None,
) -> LineagePaths:
    budget = lineage_budget(info, depth)
    found = path_queries.lineage_paths(view_at(info, as_of), from_id, to_id, budget)
    return LineagePaths(
        nodes=lineage_nodes(info, found.nodes),
        edges=[PathEdge(source=e.source, target=e.target, kind=e.kind) for e in found.edges],
        direction=found.direction,
        depth=budget.depth,
        truncated=found.truncated,
    )
