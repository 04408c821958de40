"""``columnPath``: a column's whole path grouped by dataset, for drawing in one request
(``graph.read.column_paths``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from graph.core.model import Direction
from graph.read import column_paths as path_queries
from graph.serve.record_list import RecordList
from graph.serve.schema.context import DEFAULT_DEPTH, capped, lineage_budget, view_at
from graph.serve.schema.kinds import LineageDirection
from graph.serve.schema.lineage import LineageEdge, LineageNode, edge_fields, lineage_nodes


@strawberry.type(description="The columns a dataset has on a column path (`columnPath`).")
class ColumnPathGroup:
    dataset: str = strawberry.field(description="The dataset's id, as in `ColumnPath.datasets`.")
    columns: list[str] = strawberry.field(
        description="Its columns on the path, by id, in the dataset's schema order."
    )
    other_columns: int = strawberry.field(
        description="Columns of its current schema not on the path (drawn as one '+N columns')."
    )
    distance: int = strawberry.field(
        description="The fewest column hops from the start to one of its columns."
    )


@strawberry.type(
    description="A column's path summarised for drawing: the datasets it crosses (nearest first), "
    "only the path's columns in them, and the column edges between those."
)
class ColumnPath:
    datasets: Sequence[LineageNode] = strawberry.field(
        description="The datasets on the path, nearest first (then by id), at most `first`."
    )
    groups: list[ColumnPathGroup] = strawberry.field(
        description="Each dataset's columns on the path, in the order of `datasets`."
    )
    columns: Sequence[LineageNode] = strawberry.field(
        description="The path's columns in those datasets."
    )
    edges: Sequence[LineageEdge] = strawberry.field(
        description="The walk's edges between them: column → column DERIVES_FROM, and dataset → "
        "column for a dataset-wide dependency."
    )
    more_datasets: int = strawberry.field(
        description="Datasets on the path past `first`, left out (with their columns and edges)."
    )
    more_columns: int = strawberry.field(description="Path columns of the datasets left out.")
    truncated: bool = strawberry.field(
        description="The walk stopped at `depth` or a server budget with more graph beyond."
    )


def column_path(
    info: Info,
    node_id: str,
    direction: LineageDirection | None = Direction.BOTH,
    depth: int | None = DEFAULT_DEPTH,
    first: Annotated[
        int | None,
        strawberry.argument(description="Datasets kept, nearest first (the server caps it)."),
    ] = path_queries.DEFAULT_FIRST_DATASETS,
    as_of: Annotated[
        datetime | None, strawberry.argument(description="Show the graph as it was then.")
    ] = None,
) -> ColumnPath:
    view = view_at(info, as_of)
    kept = path_queries.DEFAULT_FIRST_DATASETS if first is None else first
    found = path_queries.column_path(
        view,
        node_id,
        direction or Direction.BOTH,
        lineage_budget(info, depth),
        max(capped(info, kept, "max_page"), 0),
    )
    return ColumnPath(
        datasets=lineage_nodes(info, [d.node for d in found.datasets], view),
        groups=[
            ColumnPathGroup(
                dataset=d.node.id,
                columns=d.columns,
                other_columns=d.other_columns,
                distance=d.distance,
            )
            for d in found.datasets
        ],
        columns=lineage_nodes(info, found.columns, view),
        edges=RecordList(LineageEdge, edge_fields, found.edges),
        more_datasets=found.more_datasets,
        more_columns=found.more_columns,
        truncated=found.truncated,
    )
