"""GraphQL ``lineageDiff``: the types and resolver (wired into ``graph.serve.schema``'s Query).

The answer is ``graph.read.lineage_diff``'s, as plain records: nodes and edges added and removed, and
the classified schema changes of the datasets in the radius.
"""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from graph.core.errors import QueryError
from graph.core.model import Direction, Node, PropertyKey
from graph.core.mutations import stamp
from graph.read import lineage_diff as diff_queries
from graph.read.walk_defaults import Budget
from graph.serve.classified_change import ClassifiedChange
from graph.stores import Store


@strawberry.type(description="A node of a lineage diff.")
class DiffNode:
    id: str
    kind: str
    namespace: str | None
    name: str | None

    @staticmethod
    def of(node: Node) -> DiffNode:
        return DiffNode(
            id=node.id,
            kind=node.kind.name,
            namespace=node.props.get(PropertyKey.NAMESPACE),
            name=node.props.get(PropertyKey.NAME),
        )


@strawberry.type(description="An edge of a lineage diff (READS, WRITES).")
class DiffEdge:
    source: str
    target: str
    kind: str


@strawberry.type(
    description="A schema change of a dataset in the radius, classified as the pull-request "
    "check classifies it."
)
class DiffSchemaChange(ClassifiedChange):
    dataset: str


@strawberry.type(description="How a node's lineage changed between two moments.")
class LineageDiff:
    nodes_added: list[DiffNode]
    nodes_removed: list[DiffNode]
    edges_added: list[DiffEdge]
    edges_removed: list[DiffEdge]
    schema_changes: list[DiffSchemaChange]
    truncated: bool = strawberry.field(
        description="A depth, size or time budget cut a walk short: the diff is partial."
    )


def _stamp(moment: datetime, name: str) -> str:
    try:
        return stamp(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    except OverflowError:
        raise QueryError(f"{name} {moment.isoformat()} is out of range in UTC") from None


def resolve(
    store: Store,
    node_id: str,
    direction: Direction,
    budget: Budget,
    since: datetime,
    until: datetime | None,
) -> LineageDiff:
    answer = diff_queries.lineage_diff(
        store,
        node_id,
        direction,
        budget,
        _stamp(since, "from"),
        _stamp(until, "to") if until is not None else None,
    )
    return LineageDiff(
        nodes_added=[DiffNode.of(n) for n in answer.nodes_added],
        nodes_removed=[DiffNode.of(n) for n in answer.nodes_removed],
        edges_added=[DiffEdge(source=s, target=t, kind=k) for s, t, k in answer.edges_added],
        edges_removed=[DiffEdge(source=s, target=t, kind=k) for s, t, k in answer.edges_removed],
        schema_changes=[
            DiffSchemaChange(
                dataset=c.dataset_id,
                kind=c.kind.value,
                column=c.column,
                old=c.old,
                new=c.new,
                severity=c.severity,
                reason=c.reason,
            )
            for c in answer.schema_changes
        ],
        truncated=answer.truncated,
    )
