"""``impact``: the blast radius of a change, and whom to tell."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from graph.core.model import Node, PropertyKey
from graph.read import impact as impact_queries
from graph.read.impact import ChangeKind, Severity
from graph.read.view import GraphView
from graph.serve.impact_pages import WorstFirst, severity_counts
from graph.serve.record_list import ColumnList
from graph.serve.schema.context import (
    impact_depth,
    max_page,
    view_at,
    walk_budgets,
)
from graph.serve.schema.kinds import ChangeKindType, NodeKind
from graph.serve.schema.lineage import LineageNode, lineage_nodes
from graph.serve.schema.nodes import Contract, DataProduct, Domain, ProductConsumer, consumer_of
from graph.serve.schema.owners import Owner

strawberry.enum(Severity, name="Severity", description="How badly a node is hit by a change.")
SeverityType = Severity


@strawberry.type(description="A node a change reaches, with one shortest explaining path.")
class ImpactedNode:
    id: str
    kind: NodeKind
    namespace: str | None
    name: str | None
    dataset: str | None
    distance: int = strawberry.field(description="Dataset or column hops from the changed node.")
    path: list[str] = strawberry.field(
        description="Node ids from the changed node to this one, jobs included."
    )
    via: str = strawberry.field(
        description="The node before this one on its path (a job, a dataset or a column): the affected nodes and their `via` "
        "make the tree of shortest explaining paths, in a fraction of the answer `path` makes."
    )
    severity: SeverityType
    certain: bool = strawberry.field(
        description="False where column lineage was missing and dataset lineage stood in."
    )


_IMPACTED_NODE_FIELDS = impact_queries.AFFECTED_FIELDS


def _affected_render(answer: Any) -> Any:
    """The native renderer of the affected, told severities' names by their ranks."""

    def render(specs: list[tuple[Any, ...]]) -> bytes | None:
        by_rank = [
            (
                key,
                field,
                how,
                {rank: names[severity] for rank, severity in enumerate(impact_queries.SEVERITIES)}
                if field == "severity" and names
                else names,
                nullable,
            )
            for key, field, how, names, nullable in specs
        ]
        return answer.render_affected(by_rank)

    return render


def _affected_column(answer: Any) -> Any:
    """The native answer's affected columns (of every row, or of ``rows``); severities by their rank."""

    def column(name: str, rows: list[int] | None = None) -> list[Any]:
        if name == "severity":
            ranks = answer.affected_column("severity", rows)
            return [impact_queries.SEVERITIES[rank] for rank in ranks]
        return answer.affected_column(name, rows)

    return column


@strawberry.type(description="How many affected nodes have one severity.")
class SeverityCount:
    severity: SeverityType
    count: int


@strawberry.type(description="The owners to tell of one domain's part of a change.")
class DomainOwners:
    domain: str | None = strawberry.field(
        description="The domain's name; null for what belongs to no domain."
    )
    owners: list[Owner]


@strawberry.type(description="The blast radius of a change, and whom to tell.")
class ImpactReport:
    _changed: strawberry.Private[Node]
    _view: strawberry.Private[GraphView]  # what the report was judged against (asOf)
    _report: strawberry.Private[impact_queries.ImpactReport]
    _answer: strawberry.Private[Any]  # the native answer (graph._native.Impact)
    _worst: strawberry.Private[WorstFirst]
    change: ChangeKindType
    affected: Sequence[ImpactedNode]  # a RecordList, as LineageGraph's lists
    products: list[DataProduct] = strawberry.field(
        description="Data products publishing the changed or an affected dataset."
    )
    domains: list[Domain]
    owners: list[Owner] = strawberry.field(
        description="Owners of affected datasets, jobs and products: whom to notify."
    )
    consumers: list[ProductConsumer] = strawberry.field(description="Consumers of those products.")
    contracts: list[Contract] = strawberry.field(
        description="Contracts whose promised schema the change breaks."
    )
    truncated: bool = strawberry.field(
        description="A depth, size or time budget cut the walk short: the report is partial."
    )
    breaking: bool = strawberry.field(
        description="Something BREAKING is hit (or a contract broken)."
    )

    @strawberry.field(description="The node whose change is judged.")
    def changed(self, info: Info) -> LineageNode:
        return lineage_nodes(info, [self._changed], self._view)[0]

    @strawberry.field(
        description="`owners` by the domain of what each owns among the affected datasets and "
        "jobs and the products (a job's: of what it writes): whom to notify, per domain. An "
        "owner of things in several domains is under each."
    )
    def owners_by_domain(self) -> list[DomainOwners]:
        return [
            DomainOwners(domain=domain, owners=[_owner(o) for o in owners])
            for domain, owners in impact_queries.owners_by_domain(self._view, self._report)
        ]

    @strawberry.field(
        description="How many affected nodes of each severity, worst first: `affected`'s counts "
        "without listing it."
    )
    def severity_counts(self) -> list[SeverityCount]:
        return [SeverityCount(severity=s, count=n) for s, n in severity_counts(self._answer)]

    @strawberry.field(
        description="A page of `affected` worst severity first, then by distance and id (a "
        "blast-radius report's order): the worst few of a large answer without the rest. "
        "`first` is capped at the server's page size."
    )
    def affected_worst(
        self, info: Info, first: int, offset: int = 0
    ) -> Sequence[ImpactedNode]:  # a ColumnList, as affected
        return self._worst.page(ImpactedNode, _IMPACTED_NODE_FIELDS, first, offset, max_page(info))

    @staticmethod
    def of(report: impact_queries.ImpactReport, view: GraphView) -> ImpactReport:
        return ImpactReport(
            _changed=report.changed,
            _view=view,
            _report=report,
            _answer=report.answer,
            _worst=WorstFirst(report.answer, _affected_column(report.answer)),
            change=report.change,
            affected=ColumnList(
                ImpactedNode,
                _IMPACTED_NODE_FIELDS,
                _affected_column(report.answer),
                report.answer.size,
                _affected_render(report.answer),
                walk_answer=True,
            ),
            products=[DataProduct.of(p) for p in report.products],
            domains=[Domain.of(d) for d in report.domains],
            owners=[_owner(o) for o in report.owners],
            consumers=[consumer_of(c, report.undeclared) for c in report.consumers],
            contracts=[Contract.of(c) for c in report.contracts],
            truncated=report.truncated,
            breaking=report.breaking,
        )


def _owner(node: Node) -> Owner:
    return Owner(id=node.id, name=node.props.get(PropertyKey.NAME, node.id), type=None)


def impact(
    info: Info,
    node_id: str,
    change: ChangeKindType | None = ChangeKind.DROP,
    depth: int | None = None,
    as_of: Annotated[
        datetime | None,
        strawberry.argument(description="Judge the change against the graph as it was then."),
    ] = None,
) -> ImpactReport:
    view = view_at(info, as_of)
    report = impact_queries.impact(
        view, node_id, change or ChangeKind.DROP, impact_depth(info, depth), **walk_budgets(info)
    )
    return ImpactReport.of(report, view)
