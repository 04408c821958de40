"""The GraphQL schema: a thin map from GraphQL fields to the query functions in ``graph``.

Resolvers are synchronous and the whole operation runs in a worker thread (see ``graph.api.app``),
so a slow store never blocks the event loop. ``schema.graphql`` at the repository root is this
schema exported (``lineagemesh schema``); a test fails when the two differ.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from operator import attrgetter
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError
from strawberry.scalars import JSON
from strawberry.types import Info

from graph import governance, health, mesh, queries, raw_events
from graph import impact as impact_queries
from graph import lineage as lineage_queries
from graph import neighbours as neighbour_queries
from graph import search as ranked_search
from graph.api import lineage_diff as lineage_diff_api
from graph.api import schema_history_types as history_types
from graph.api import webhook_admin
from graph.api.budget import BUDGET_KEY, QueryAborted
from graph.api.connections import Connection, PageInfo, paginate
from graph.api.execution import FlatListExecutor
from graph.api.health_types import Assertion, Health, HealthStatus, assertions_page, moment
from graph.api.limits import GraphQLLimits
from graph.api.record_list import ColumnList, Fields
from graph.api.subscriptions import Subscription
from graph.errors import QueryError
from graph.event_log import EventLog
from graph.impact import ChangeKind, Severity
from graph.model import FACET_PREFIX, Direction, EdgeKind, Node
from graph.model import NodeKind as ModelNodeKind
from graph.mutations import stamp
from graph.neighbours import Neighbour
from graph.node_facts import NodeFacts
from graph.stores import Store
from graph.view import GraphView

# strawberry.enum marks the model's enum itself (and returns it): the GraphQL names below are
# plain aliases of the model's classes, so they serve as types too.
strawberry.enum(Direction, name="LineageDirection", description="Which way to follow lineage.")
LineageDirection = Direction


strawberry.enum(ModelNodeKind, name="NodeKind", description="What a node stands for.")
NodeKind = ModelNodeKind
strawberry.enum(EdgeKind, name="EdgeKind", description="Relationship types.")
EdgeType = EdgeKind


_DESCRIBED_KINDS = (
    ModelNodeKind.DATASET,
    ModelNodeKind.COLUMN,
)  # kinds that can be mere references


DEFAULT_DEPTH = 20
MAX_SEARCH_RESULTS = 1000
MAX_PAGE = GraphQLLimits.max_page  # page sizes where no server set limits
LIMITS_KEY = "limits"  # the context entry holding the server's GraphQLLimits


def _capped(info: Info, value: int, limit: str) -> int:
    """``value``, at most the server's ``limit`` (a ``GraphQLLimits`` field, which
    ``graph.api.app`` puts in the context); uncapped where no server set limits."""
    limits = info.context.get(LIMITS_KEY)
    return value if limits is None else min(value, getattr(limits, limit))


def _depth(info: Info, depth: int | None) -> int:
    """A lineage depth: a null one means the default; a negative one means no hops."""
    return max(_capped(info, DEFAULT_DEPTH if depth is None else depth, "max_traversal_depth"), 0)


def _impact_depth(info: Info, depth: int | None) -> int | None:
    """An impact depth: a null one means unbounded (the server's cap, if any); a negative one means no hops."""
    limits = info.context.get(LIMITS_KEY)
    if depth is None:
        return None if limits is None else max(limits.max_traversal_depth, 0)
    return max(_capped(info, depth, "max_traversal_depth"), 0)


def context(store: Store, events: EventLog | None = None) -> dict[str, Any]:
    """The execution context of one operation: the current view of the store (walks' nodes in
    summary form: lineage and impact answers show only those properties), and the raw event log."""
    return {"store": GraphView(store, summaries=True), EVENTS_KEY: events}


EVENTS_KEY = "events"


def _store(info: Info) -> GraphView:
    return info.context["store"]


def _max_page_of(info: Info, first: int) -> int:
    return max(min(first, _max_page(info)), 0)


def _max_page(info: Info) -> int:
    return _capped(info, MAX_PAGE, "max_page")


def _budgets(info: Info) -> dict[str, Any]:
    """The node and time budgets of one walk, as the server is configured (library defaults
    otherwise); never more time than the operation has left (``graph.api.budget``)."""
    budgets = {
        key: info.context[key] for key in ("max_nodes", "deadline_seconds") if key in info.context
    }
    budget = info.context.get(BUDGET_KEY)
    if budget is not None:
        budget.check()
        budgets["deadline_seconds"] = min(
            budgets.get("deadline_seconds", budget.limits.seconds), budget.remaining_seconds()
        )
    return budgets


def _at(info: Info, as_of: datetime | None) -> GraphView:
    """The view for an ``asOf`` argument: the current one, or the graph as it was then."""
    if as_of is None:
        return _store(info)
    moment = as_of if as_of.tzinfo else as_of.replace(tzinfo=UTC)
    try:
        return GraphView(_store(info).store, stamp(moment))
    except OverflowError:
        raise QueryError(f"asOf {as_of.isoformat()} is out of range in UTC") from None


def _facets(node: Node) -> dict[str, Any]:
    return {k[len(FACET_PREFIX) :]: v for k, v in node.props.items() if k.startswith(FACET_PREFIX)}


@strawberry.type
class Owner:
    id: str
    name: str
    type: str | None = strawberry.field(description="The ownership type (e.g. team, maintainer).")


@strawberry.type(
    description="A node of a lineage graph, with what a frontend draws it with (read for the whole answer at once)."
)
class LineageNode:
    id: str
    kind: NodeKind
    namespace: str | None
    name: str | None
    dataset: str | None = strawberry.field(description="For columns: the dataset's name.")
    deleted: bool = strawberry.field(
        description="The dataset was dropped (lifecycleStateChange DROP)."
    )
    declared: bool = strawberry.field(
        description="Described by its source (a schema, an input/output); false for dirty references "
        "that only column lineage mentions."
    )
    upstream_count: int = strawberry.field(
        description="Direct upstream neighbours (`neighbours` UPSTREAM): a dataset's writing jobs, a job's inputs, "
        "a column's sources; 0 for other kinds."
    )
    downstream_count: int = strawberry.field(
        description="Direct downstream neighbours (`neighbours` DOWNSTREAM): a dataset's reading jobs, a job's outputs, "
        "the columns derived from a column; 0 for other kinds."
    )
    domain: str | None = strawberry.field(
        description="The domain's name: a dataset's own, a column's dataset's, a job's (of what it writes; the first "
        "by name where several), a product's."
    )
    owners: list[Owner] = strawberry.field(
        description="Its owners (a column's: its dataset's), by id."
    )
    latest_run_state: str | None = strawberry.field(
        description="The state of a job's latest run; for a dataset, of the latest run of the jobs writing it."
    )


_LINEAGE_NODE_FIELDS: Fields = {
    "id": attrgetter("id"),
    "kind": attrgetter("kind"),
    "namespace": lambda node: node.props.get("namespace"),
    "name": lambda node: node.props.get("name"),
    "dataset": lambda node: node.props.get("dataset"),
    "deleted": lambda node: bool(node.props.get("deleted")),
    "declared": lambda node: bool(node.props.get("declared")) or node.kind not in _DESCRIBED_KINDS,
}


def _owner_objects(found: Sequence[queries.Ownership]) -> list[Owner]:
    return [
        Owner(id=o.owner.id, name=o.owner.props.get("name", o.owner.id), type=o.type) for o in found
    ]


_NODE_FACTS: dict[
    str, Any
] = {  # the LineageNode fields read through graph.node_facts, a column at a time
    "upstream_count": lambda facts: facts.counts(Direction.UPSTREAM),
    "downstream_count": lambda facts: facts.counts(Direction.DOWNSTREAM),
    "domain": NodeFacts.domains,
    "owners": lambda facts: [_owner_objects(found) for found in facts.owners()],
    "latest_run_state": NodeFacts.latest_run_states,
}
_LINEAGE_NODE_NAMES = (*_LINEAGE_NODE_FIELDS, *_NODE_FACTS)


def _lineage_nodes(
    view: GraphView,
    info: Info,
    length: int,
    base: Any,
    render: Any = None,
    walk_answer: bool = False,
) -> ColumnList[LineageNode]:
    """A list of lineage nodes as columns: ``base(field)`` reads the node's own fields; the facts
    (``graph.node_facts``) are read from ``view`` for the whole list when a field of them is first asked for."""
    facts: list[NodeFacts] = []

    def column(name: str) -> list[Any]:
        read = _NODE_FACTS.get(name)
        if read is None:
            return base(name)
        if not facts:
            facts.append(
                NodeFacts(view, base("id"), base("kind"), _budgets(info))
            )  # not `nodes`: a cycle
        return read(facts[0])

    nodes: ColumnList[LineageNode] = ColumnList(
        LineageNode, _LINEAGE_NODE_NAMES, column, length, render, walk_answer
    )
    return nodes


def lineage_nodes(info: Info, records: Sequence[Node]) -> ColumnList[LineageNode]:
    """Nodes read from the store as lineage nodes."""
    return _lineage_nodes(
        _store(info),
        info,
        len(records),
        lambda name: list(map(_LINEAGE_NODE_FIELDS[name], records)),
    )


@strawberry.type(description="An OpenLineage column-lineage transformation.")
class Transformation:
    type: str | None
    subtype: str | None
    description: str | None
    masking: bool | None


@strawberry.type(
    description="An edge along the data flow: dataset → job, job → dataset, input column → output column."
)
class LineageEdge:
    source: str
    target: str
    kind: EdgeType
    transformations: list[Transformation] | None = strawberry.field(
        description="For DERIVES_FROM: how the target is computed from the source."
    )
    transformation_type: str | None = strawberry.field(
        description="Deprecated OpenLineage transformationType."
    )


def _transformations_of(props: dict[str, Any]) -> list[Transformation] | None:
    raw = props.get("transformations")
    if raw is None:
        return None
    return [
        Transformation(
            type=t.get("type"),
            subtype=t.get("subtype"),
            description=t.get("description"),
            masking=t.get("masking"),
        )
        for t in raw
    ]


_LINEAGE_EDGE_FIELDS = ("source", "target", "kind", "transformations", "transformation_type")


@strawberry.type(
    description="A lineage answer. `truncated` is true when depth or size limits cut it short."
)
class LineageGraph:
    nodes: Sequence[
        LineageNode
    ]  # RecordLists: GraphQL reads the fields asked for, no object per node
    edges: Sequence[LineageEdge]
    truncated: bool

    @staticmethod
    def of(view: GraphView, info: Info, graph: lineage_queries.LineageGraph) -> LineageGraph:
        """``graph`` as walked in ``view``, which the nodes' facts are read from too."""
        answer = graph.answer
        nodes, edges = answer.sizes
        return LineageGraph(
            nodes=_lineage_nodes(
                view, info, nodes, answer.node_column, answer.render_nodes, walk_answer=True
            ),
            edges=ColumnList(
                LineageEdge,
                _LINEAGE_EDGE_FIELDS,
                _edge_column(answer),
                edges,
                answer.render_edges,
                walk_answer=True,
            ),
            truncated=graph.truncated,
        )


def _edge_column(answer: Any) -> Any:
    """The native answer's edge columns, and the two the schema derives from edge props."""

    def column(name: str) -> list[Any]:
        if name == "transformations":
            return [
                None if props is None else _transformations_of(props)
                for props in answer.edge_column("props")
            ]
        if name == "transformation_type":
            return [
                None if props is None else props.get("transformationType")
                for props in answer.edge_column("props")
            ]
        return answer.edge_column(name)

    return column


@strawberry.type(
    description="One edge of the domain dependency graph: a domain consuming another's product."
)
class DomainDependency:
    consumer_domain: str = strawberry.field(description="Id of the consuming domain.")
    provider_domain: str = strawberry.field(description="Id of the domain publishing the product.")
    product: DataProduct
    via: list[ProductConsumer] = strawberry.field(
        description="The consumers (declared or observed jobs) that make it so."
    )


@strawberry.type(description="An owner and everything it owns.")
class OwnerProfile:
    id: str
    name: str
    _node: strawberry.Private[Node]

    @strawberry.field(
        description="Datasets, jobs, products, domains and contracts it owns, by id.",
        deprecation_reason="Use ownsConnection, which pages.",
    )
    def owns(self, info: Info) -> Sequence[LineageNode]:
        return lineage_nodes(info, mesh.owned(_store(info), self._node))

    @strawberry.field(
        description="Datasets, jobs, products, domains and contracts it owns, by id, a page at a time."
    )
    def owns_connection(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[LineageNode]:
        found = paginate(
            mesh.owned(_store(info), self._node), _by_id, first, after, _max_page(info)
        )
        return found.connection_of(lineage_nodes(info, found.items))


def _text(value: Any) -> str | None:
    """Versions arrive as strings or numbers depending on the source; GraphQL shows text."""
    return None if value is None else str(value)


def _owners(info: Info, node_id: str) -> list[Owner]:
    return _owner_objects(queries.owners(_store(info), node_id))


@strawberry.type
class Column:
    id: str
    name: str
    type: str | None
    description: str | None
    ordinal: int | None
    parent: str | None = strawberry.field(description="For nested fields: the parent field's path.")
    tags: list[str] | None
    declared: bool = strawberry.field(
        description="Declared by a schema facet (false: only referenced by lineage)."
    )
    current: bool = strawberry.field(description="Present in the dataset's latest schema.")
    dataset_id: str | None
    field_id: int | None = strawberry.field(
        description="The Iceberg field id, for catalog-crawled columns."
    )
    pii: bool = strawberry.field(
        description="Flagged as personal data by a contract, catalog or dbt project."
    )
    classification: str | None
    quality: JSON | None = strawberry.field(description="Quality rules declared for the column.")

    @strawberry.field(description="Who owns the column: the owners of its dataset.")
    def owners(self, info: Info) -> list[Owner]:
        return _owners(info, self.dataset_id) if self.dataset_id else []

    @staticmethod
    def of(node: Node, current: frozenset[str]) -> Column:
        """``current``: the names the dataset's latest schema declares (``queries.current_column_names``)."""
        p = node.props
        return Column(
            dataset_id=p.get("datasetId"),
            field_id=p.get("fieldId"),
            pii=governance.is_declared_pii(node),  # the one rule, as piiColumns
            classification=p.get("classification"),
            quality=p.get("quality"),
            id=node.id,
            name=p.get("name", ""),
            type=p.get("type"),
            description=p.get("description"),
            ordinal=p.get("ordinal"),
            parent=p.get("parent"),
            tags=p.get("tags"),
            declared=bool(p.get("declared")),
            current=p.get("name") in current,
        )


@strawberry.type
class Run:
    id: str
    run_id: str
    external_run_id: str | None = strawberry.field(
        description="The run id as the producer sent it, when it was not a UUID (runId is then its name-based UUID)."
    )
    state: str | None
    created_at: str | None
    started_at: str | None
    ended_at: str | None
    nominal_start_time: str | None
    nominal_end_time: str | None
    facets: JSON
    _node: strawberry.Private[Node]

    @staticmethod
    def of(node: Node) -> Run:
        p = node.props
        return Run(
            id=node.id,
            run_id=p.get("runId", ""),
            external_run_id=p.get("externalRunId"),
            state=p.get("state"),
            created_at=p.get("createdAt"),
            started_at=p.get("startedAt"),
            ended_at=p.get("endedAt"),
            nominal_start_time=p.get("nominalStartTime"),
            nominal_end_time=p.get("nominalEndTime"),
            facets=JSON(_facets(node)),
            _node=node,
        )

    @strawberry.field(description="The run that spawned this one (ParentRunFacet).")
    def parent(self, info: Info) -> Run | None:
        parent = queries.parent_run(_store(info), self._node)
        return Run.of(parent) if parent else None


@strawberry.interface(description="A dataset or a job: a named thing producers describe.")
class Entity:
    id: str
    namespace: str
    name: str
    description: str | None
    facets: JSON = strawberry.field(
        description="Facets kept verbatim (custom and unstructured ones), by name."
    )
    created_at: str | None = strawberry.field(
        description="When a source first mentioned it (UTC stamp)."
    )
    updated_at: str | None = strawberry.field(
        description="When a source last mentioned it (UTC stamp)."
    )
    tags: list[str] | None = strawberry.field(
        description="Its tags (OpenLineage tags facet as key or key:value, dbt, contracts)."
    )
    _node: strawberry.Private[Node]

    @strawberry.field(description="Who owns it, with the kind of ownership.")
    def owners(self, info: Info) -> list[Owner]:
        return _owners(info, self.id)


def _entity(node: Node) -> dict[str, Any]:
    """The Entity fields of a node."""
    p = node.props
    return {
        "id": node.id,
        "namespace": p.get("namespace", ""),
        "name": p.get("name", ""),
        "description": p.get("description"),
        "facets": _facets(node),
        "created_at": p.get("firstSeenAt"),
        "updated_at": p.get("lastSeenAt"),
        "tags": p.get("tags") if isinstance(p.get("tags"), list) else None,
        "_node": node,
    }


@strawberry.type
class Job(Entity):
    sql: str | None
    processing_type: str | None = strawberry.field(
        description="BATCH or STREAMING (jobType facet): a streaming job's inputs and outputs count from its start."
    )
    job_type: str | None = strawberry.field(
        description="The jobType facet's jobType (QUERY, DAG, ...)."
    )
    integration: str | None = strawberry.field(
        description="The jobType facet's integration (SPARK, FLINK, ...)."
    )

    @staticmethod
    def of(node: Node) -> Job:
        p = node.props
        return Job(
            **_entity(node),
            sql=p.get("sql"),
            processing_type=p.get("jobType.processingType"),
            job_type=p.get("jobType.jobType"),
            integration=p.get("jobType.integration"),
        )

    @strawberry.field
    def inputs(self, info: Info) -> list[Dataset]:
        return [
            Dataset.of(d) for d in queries.job_datasets(_store(info), self._node, EdgeKind.READS)
        ]

    @strawberry.field
    def outputs(self, info: Info) -> list[Dataset]:
        return [
            Dataset.of(d) for d in queries.job_datasets(_store(info), self._node, EdgeKind.WRITES)
        ]

    @strawberry.field(
        description="Runs, newest first.", deprecation_reason="Use runsConnection, which pages."
    )
    def runs(self, info: Info, first: int = 10) -> list[Run]:
        return [
            Run.of(r)
            for r in queries.runs(_store(info), self._node, _capped(info, first, "max_page"))
        ]

    @strawberry.field(
        description="Runs, newest first (by their first event, then id), a page at a time."
    )
    def runs_connection(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Run]:
        found = queries.runs(_store(info), self._node, sys.maxsize)
        return paginate(
            found, _newest_first, first, after, _max_page(info), descending=True
        ).connection(Run.of)

    @strawberry.field
    def latest_run(self, info: Info) -> Run | None:
        found = queries.runs(_store(info), self._node, 1)
        return Run.of(found[0]) if found else None

    @strawberry.field(description="The state of the latest run.")
    def state(self, info: Info) -> str | None:
        found = queries.runs(_store(info), self._node, 1)
        return found[0].props.get("state") if found else None


@strawberry.type
class Dataset(Entity):
    source_name: str | None
    source_uri: str | None
    deleted: bool
    declared: bool
    lifecycle_state: str | None
    dataset_type: str | None = strawberry.field(
        description="TABLE, VIEW, TOPIC, ... (datasetType facet)."
    )
    dataset_sub_type: str | None

    @staticmethod
    def of(node: Node) -> Dataset:
        p = node.props
        return Dataset(
            **_entity(node),
            source_name=p.get("sourceName"),
            source_uri=p.get("sourceUri"),
            deleted=bool(p.get("deleted")),
            declared=bool(p.get("declared")),
            lifecycle_state=p.get("lifecycleState"),
            dataset_type=p.get("datasetType"),
            dataset_sub_type=p.get("datasetSubType"),
        )

    @strawberry.field
    def columns(self, info: Info) -> list[Column]:
        current = queries.current_column_names(self._node)
        return [Column.of(c, current) for c in queries.columns(_store(info), self._node)]

    @strawberry.field(description="Jobs that write this dataset.")
    def written_by(self, info: Info) -> list[Job]:
        return [Job.of(j) for j in queries.dataset_jobs(_store(info), self._node, EdgeKind.WRITES)]

    @strawberry.field(description="Jobs that read this dataset.")
    def read_by(self, info: Info) -> list[Job]:
        return [Job.of(j) for j in queries.dataset_jobs(_store(info), self._node, EdgeKind.READS)]

    @strawberry.field(
        description="Other identifiers of this dataset (symlinks, storage paths, former names)."
    )
    def aliases(self, info: Info) -> list[str]:
        return queries.aliases(_store(info), self._node)

    @strawberry.field(
        description="The domain it belongs to: declared by a catalog/contract/dbt, else by a mapping rule."
    )
    def domain(self, info: Info) -> Domain | None:
        found = mesh.dataset_domains(_store(info), [self.id]).get(self.id)
        node = queries.node(_store(info), found) if found else None
        return Domain.of(node) if node else None

    @strawberry.field(description="Data products that publish this dataset.")
    def products(self, info: Info) -> list[DataProduct]:
        return [DataProduct.of(p) for p in mesh.publishing_products(_store(info), self._node)]

    @strawberry.field(description="Its schema history, newest first (graph.schema_history).")
    def versions(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> history_types.DatasetVersionConnection:
        return history_types.dataset_versions(
            _store(info).store, self._node, first, after, _max_page(info)
        )

    @strawberry.field(description="Quality checks of it and its columns, by id, a page at a time.")
    def assertions(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Assertion]:
        return assertions_page(_store(info), self.id, first, after, _max_page(info))

    @strawberry.field(description="Its checks, SLO and upstream, now or at a given moment.")
    def health(self, info: Info, at: datetime | None = None) -> Health:
        return Health.of(health.dataset_health(_store(info), self.id, moment(at), **_budgets(info)))


@strawberry.type(description="A data contract (ODCS or datacontract.com) and what it promises.")
class Contract:
    id: str
    name: str | None
    version: str | None
    status: str | None
    standard: str | None
    sla: JSON | None
    quality: JSON | None
    _node: strawberry.Private[Node]

    @staticmethod
    def of(node: Node) -> Contract:
        p = node.props
        return Contract(
            id=node.id,
            name=p.get("name"),
            version=_text(p.get("version")),
            status=p.get("status"),
            standard=p.get("standard"),
            sla=p.get("sla"),
            quality=p.get("quality"),
            _node=node,
        )

    @strawberry.field(description="Datasets the contract governs.")
    def datasets(self, info: Info) -> list[Dataset]:
        return [Dataset.of(d) for d in mesh.governed_datasets(_store(info), self._node)]


@strawberry.type(
    description="Who depends on a data product: a consumer declared in a contract, or a job of another domain reading it."
)
class ProductConsumer:
    id: str
    kind: NodeKind
    name: str | None
    domain: str | None = strawberry.field(description="The consumer's domain id, when known.")
    declared: bool = strawberry.field(
        description="Declared in a contract (false: observed in lineage)."
    )
    datasets: list[str] = strawberry.field(
        description="For observed consumers: the product's datasets they read."
    )


@strawberry.type(
    description="A column holding personal data: flagged by its source, or derived from one without masking."
)
class PiiColumn:
    id: str
    name: str
    dataset_id: str | None
    declared: bool = strawberry.field(
        description="Flagged by its source; false: PII because of `path`."
    )
    path: list[str] = strawberry.field(
        description="Column ids from the flagged PII column to this one."
    )

    @staticmethod
    def of(item: governance.PiiColumn) -> PiiColumn:
        return PiiColumn(
            id=item.column.id,
            name=item.column.props.get("name", ""),
            dataset_id=item.column.props.get("datasetId"),
            declared=item.declared,
            path=list(item.path),
        )


@strawberry.type(description="A data product's freshness against its SLO.")
class Freshness:
    status: str = strawberry.field(
        description="OK, LATE or UNKNOWN (no SLO, or no update on record)."
    )
    slo_hours: float | None
    last_updated: str | None = strawberry.field(
        description="When its stalest dataset was last written (UTC)."
    )
    age_hours: float | None
    stalest_dataset: str | None


def _consumer(consumer: mesh.ProductConsumer) -> ProductConsumer:
    return ProductConsumer(
        id=consumer.node.id,
        kind=consumer.node.kind,
        name=consumer.node.props.get("name"),
        domain=consumer.domain,
        declared=consumer.declared,
        datasets=list(consumer.datasets),
    )


@strawberry.type(
    description="A data product: datasets a domain publishes, with owner, SLO and contract."
)
class DataProduct:
    id: str
    name: str
    domain_name: str = strawberry.field(name="domain")
    description: str | None
    version: str | None
    status: str | None
    freshness_hours: float | None = strawberry.field(description="The freshness SLO in hours.")
    sla: JSON | None
    properties: JSON | None
    tags: list[str] | None
    _node: strawberry.Private[Node]

    @staticmethod
    def of(node: Node) -> DataProduct:
        p = node.props
        return DataProduct(
            id=node.id,
            name=p.get("name", ""),
            domain_name=p.get("domain", ""),
            description=p.get("description"),
            version=_text(p.get("version")),
            status=p.get("status"),
            freshness_hours=p.get("freshnessHours"),
            sla=p.get("sla"),
            properties=p.get("properties"),
            tags=p.get("tags"),
            _node=node,
        )

    @strawberry.field
    def owners(self, info: Info) -> list[Owner]:
        return _owners(info, self.id)

    @strawberry.field(description="The product's contracts, by id.")
    def contracts(self, info: Info) -> list[Contract]:
        return [Contract.of(c) for c in mesh.contracts(_store(info), self._node)]

    @strawberry.field(
        description="Datasets the product exposes.",
        deprecation_reason="Use datasetsConnection, which pages.",
    )
    def datasets(self, info: Info) -> list[Dataset]:
        return [Dataset.of(d) for d in mesh.exposed_datasets(_store(info), self._node)]

    @strawberry.field(description="Datasets the product exposes, by id, a page at a time.")
    def datasets_connection(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Dataset]:
        return paginate(
            mesh.exposed_datasets(_store(info), self._node), _by_id, first, after, _max_page(info)
        ).connection(Dataset.of)

    @strawberry.field(
        description="Declared consumers and jobs of other domains reading its datasets."
    )
    def consumers(self, info: Info) -> list[ProductConsumer]:
        return [_consumer(c) for c in mesh.product_consumers(_store(info), self._node)]

    @strawberry.field(
        description="Columns of its datasets holding personal data, declared or derived."
    )
    def pii_columns(self, info: Info) -> list[PiiColumn]:
        columns = governance.dataset_columns(
            _store(info), mesh.exposed_datasets(_store(info), self._node)
        )
        return [PiiColumn.of(p) for p in governance.pii_columns(_store(info), columns)]

    @strawberry.field(description="Its datasets' health and its SLO, now or at a given moment.")
    def health(self, info: Info, at: datetime | None = None) -> Health:
        return Health.of(
            health.product_health(_store(info), self._node, moment(at), **_budgets(info))
        )

    @strawberry.field(description="Freshness against the SLO, now or at a given moment.")
    def freshness(self, info: Info, at: datetime | None = None) -> Freshness:
        moment = datetime.now(UTC) if at is None else at if at.tzinfo else at.replace(tzinfo=UTC)
        found = governance.product_freshness(_store(info), self._node, moment)
        return Freshness(
            status=found.status,
            slo_hours=found.slo_hours,
            last_updated=found.last_updated,
            age_hours=None if found.age_hours is None else round(found.age_hours, 3),
            stalest_dataset=found.stalest_dataset,
        )


@strawberry.type(
    description="A domain of the mesh: its products, datasets, owners and who consumes it."
)
class Domain:
    id: str
    name: str
    description: str | None
    _node: strawberry.Private[Node]

    @staticmethod
    def of(node: Node) -> Domain:
        return Domain(
            id=node.id,
            name=node.props.get("name", ""),
            description=node.props.get("description"),
            _node=node,
        )

    @strawberry.field
    def owners(self, info: Info) -> list[Owner]:
        return _owners(info, self.id)

    @strawberry.field
    def products(self, info: Info) -> list[DataProduct]:
        return [DataProduct.of(p) for p in mesh.domain_products(_store(info), self._node)]

    @strawberry.field(
        description="Datasets of the domain (declared, or assigned by a mapping rule).",
        deprecation_reason="Use datasetsConnection, which pages.",
    )
    def datasets(self, info: Info) -> list[Dataset]:
        return [Dataset.of(d) for d in mesh.domain_datasets(_store(info), self._node)]

    @strawberry.field(
        description="Datasets of the domain (declared, or assigned by a mapping rule), by id, a page at a time."
    )
    def datasets_connection(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Dataset]:
        return paginate(
            mesh.domain_datasets(_store(info), self._node), _by_id, first, after, _max_page(info)
        ).connection(Dataset.of)

    @strawberry.field(description="Data products of the domain, by id, a page at a time.")
    def products_connection(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[DataProduct]:
        found = mesh.domain_products(_store(info), self._node)
        return paginate(found, _by_id, first, after, _max_page(info)).connection(DataProduct.of)

    @strawberry.field(
        description="Columns of the domain's datasets holding personal data, declared or derived."
    )
    def pii_columns(self, info: Info) -> list[PiiColumn]:
        columns = governance.dataset_columns(
            _store(info), mesh.domain_datasets(_store(info), self._node)
        )
        return [PiiColumn.of(p) for p in governance.pii_columns(_store(info), columns)]

    @strawberry.field(description="Its products' (or datasets') health, now or at a given moment.")
    def health(self, info: Info, at: datetime | None = None) -> Health:
        return Health.of(
            health.domain_health(_store(info), self._node, moment(at), **_budgets(info))
        )

    @strawberry.field(description="Other domains that consume this domain's products.")
    def consumed_by(self, info: Info) -> list[Domain]:
        ids = mesh.consuming_domains(_store(info), self._node)
        found = _store(info).nodes(ids)
        return [Domain.of(found[i]) for i in ids if i in found]


@strawberry.type(description="A search hit.")
class SearchResult:
    id: str
    kind: NodeKind
    namespace: str | None
    name: str | None
    dataset: str | None = strawberry.field(description="A column's dataset (its name).")
    domain: str | None = strawberry.field(description="The hit's domain, where it has one.")


def _search_result(hit: ranked_search.Hit) -> SearchResult:
    return SearchResult(
        id=hit.node.id,
        kind=hit.node.kind,
        namespace=hit.node.props.get("namespace"),
        name=hit.node.props.get("name"),
        dataset=hit.dataset.props.get("name") if hit.dataset else None,
        domain=hit.domain,
    )


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
            _store(info), node_id, direction, kinds, **_budgets(info)
        )
        page = paginate(found.items, attrgetter("key"), first, after, _max_page(info))
        return NeighbourConnection(
            nodes=lineage_nodes(info, [n.node for n in page.items]),
            page_info=page.page_info(),
            total_count=page.total_count,
            truncated=found.truncated,
            _items=page.items,
            _cursors=page.cursors,
        )


def _domains(info: Info, status: HealthStatus | None, at: datetime | None) -> list[Node]:
    """All domains, or those of one health status (judged ``at`` a moment, now by default)."""
    found = mesh.all_of_kind(_store(info), ModelNodeKind.DOMAIN)
    if status is None:
        return found
    now = moment(at)
    return [
        d
        for d in found
        if health.domain_health(_store(info), d, now, **_budgets(info)).status == status
    ]


def _by_id(node: Node) -> tuple[str]:
    return (node.id,)


def _hit_id(hit: ranked_search.Hit) -> tuple[str]:
    return (hit.node.id,)


def _newest_first(run: Node) -> tuple[str, str]:
    return (run.props.get("createdAt") or "", run.id)


@strawberry.type(description="How many nodes or edges of one kind the graph holds.")
class KindCount:
    kind: str
    count: int


strawberry.enum(
    ChangeKind, name="ChangeKind", description="The kind of change whose impact is asked."
)
ChangeKindType = ChangeKind
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


_IMPACTED_NODE_FIELDS = (
    "id",
    "kind",
    "namespace",
    "name",
    "dataset",
    "distance",
    "path",
    "via",
    "severity",
    "certain",
)


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
    """The native answer's affected columns; severities by their rank."""

    def column(name: str) -> list[Any]:
        if name == "severity":
            return [impact_queries.SEVERITIES[rank] for rank in answer.affected_column("severity")]
        return answer.affected_column(name)

    return column


@strawberry.type(description="The blast radius of a change, and whom to tell.")
class ImpactReport:
    _changed: strawberry.Private[Node]
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
        return lineage_nodes(info, [self._changed])[0]

    @staticmethod
    def of(report: impact_queries.ImpactReport) -> ImpactReport:
        return ImpactReport(
            _changed=report.changed,
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
            owners=[
                Owner(id=o.id, name=o.props.get("name", o.id), type=None) for o in report.owners
            ],
            consumers=[_consumer(c) for c in report.consumers],
            contracts=[Contract.of(c) for c in report.contracts],
            truncated=report.truncated,
            breaking=report.breaking,
        )


def _walk(
    walker: Any,
    info: Info,
    node_id: str,
    direction: Direction | None,
    depth: int | None,
    as_of: datetime | None,
) -> LineageGraph:
    """Run a lineage walk with the request's view, defaults and budgets."""
    view = _at(info, as_of)
    return LineageGraph.of(
        view,
        info,
        walker(view, node_id, direction or Direction.BOTH, _depth(info, depth), **_budgets(info)),
    )


@strawberry.type
class Query:
    @strawberry.field(
        description="Datasets and jobs upstream/downstream of a dataset or job; depth counts dataset hops."
    )
    def lineage(
        self,
        info: Info,
        node_id: str,
        direction: LineageDirection | None = Direction.BOTH,
        depth: int | None = DEFAULT_DEPTH,
        as_of: Annotated[
            datetime | None, strawberry.argument(description="Show the graph as it was then.")
        ] = None,
    ) -> LineageGraph:
        return _walk(lineage_queries.dataset_lineage, info, node_id, direction, depth, as_of)

    @strawberry.field(
        description="Column lineage of a datasetField node; depth counts column hops."
    )
    def column_lineage(
        self,
        info: Info,
        node_id: str,
        direction: LineageDirection | None = Direction.BOTH,
        depth: int | None = DEFAULT_DEPTH,
        as_of: Annotated[
            datetime | None, strawberry.argument(description="Show the graph as it was then.")
        ] = None,
    ) -> LineageGraph:
        return _walk(lineage_queries.column_lineage, info, node_id, direction, depth, as_of)

    @strawberry.field(
        description="Breaking schema changes as they landed, newest first, with their impact then: "
        "of a dataset or column (`nodeId`), of a domain's datasets, none older than `since`."
    )
    def schema_changes(
        self,
        info: Info,
        node_id: str | None = None,
        domain: str | None = None,
        since: datetime | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> history_types.SchemaChangeConnection:
        return history_types.schema_changes(
            _store(info).store, node_id, domain, since, first, after, _max_page(info)
        )

    @strawberry.field(
        description="Admin: webhook deliveries that failed (kept as failed, or still being retried)."
    )
    def webhook_failures(self, info: Info, first: int = 100) -> JSON:
        return JSON(webhook_admin.admin_failed_deliveries(info.context, _max_page_of(info, first)))

    @strawberry.field(
        description="A dataset by namespace and name (aliases resolve to the canonical dataset)."
    )
    def dataset(self, info: Info, namespace: str, name: str) -> Dataset | None:
        found = queries.dataset(_store(info), namespace, name)
        return Dataset.of(found) if found else None

    @strawberry.field
    def job(self, info: Info, namespace: str, name: str) -> Job | None:
        found = queries.job(_store(info), namespace, name)
        return Job.of(found) if found else None

    @strawberry.field(
        description="Datasets, jobs, columns, products, domains and owners by name.",
        deprecation_reason="Use searchConnection, which pages.",
    )
    def search(self, info: Info, text: str, first: int | None = 20) -> list[SearchResult]:
        found = ranked_search.search(
            _store(info), text, min(20 if first is None else first, MAX_SEARCH_RESULTS)
        )
        return [_search_result(hit) for hit in ranked_search.describe(_store(info), found)]

    @strawberry.field(
        description="Datasets, jobs, columns, products, domains and owners whose name contains `text` "
        "(case-insensitive), filtered by kind, namespace, domain, owner and tag: exact matches first "
        "(a dataset's name also without its schema), then prefix, word and other matches; datasets "
        f"and jobs before columns; the first {MAX_SEARCH_RESULTS} matches, a page at a time."
    )
    def search_connection(
        self,
        info: Info,
        text: str,
        first: int | None = None,
        after: str | None = None,
        kinds: list[NodeKind] | None = None,
        namespace: str | None = None,
        domain: str | None = None,
        owner: str | None = None,
        tag: str | None = None,
    ) -> Connection[SearchResult]:
        where = ranked_search.SearchFilter(tuple(kinds or ()), namespace, domain, owner, tag)
        found = ranked_search.search(_store(info), text, MAX_SEARCH_RESULTS, where)
        page = paginate(found, _hit_id, first, after, _max_page(info), ranked=True)
        page = dataclasses.replace(page, items=ranked_search.describe(_store(info), page.items))
        return page.connection(_search_result)

    @strawberry.field(
        description="How the lineage of a dataset or job changed from `from` to `to` (default now): "
        "nodes and edges added and removed, schema changes of datasets in the radius."
    )
    def lineage_diff(
        self,
        info: Info,
        node_id: str,
        from_: Annotated[datetime, strawberry.argument(name="from")],
        direction: LineageDirection | None = Direction.BOTH,
        depth: int | None = DEFAULT_DEPTH,
        to: datetime | None = None,
    ) -> lineage_diff_api.LineageDiff:
        return lineage_diff_api.resolve(
            _store(info).store,
            node_id,
            direction or Direction.BOTH,
            _depth(info, depth),
            from_,
            to,
            _budgets(info),
        )

    @strawberry.field(
        description="What breaks, and whom to tell, if a dataset or column (datasetField id) changes."
    )
    def impact(
        self,
        info: Info,
        node_id: str,
        change: ChangeKindType | None = ChangeKind.DROP,
        depth: int | None = None,
        as_of: Annotated[
            datetime | None,
            strawberry.argument(description="Judge the change against the graph as it was then."),
        ] = None,
    ) -> ImpactReport:
        view = _at(info, as_of)
        report = impact_queries.impact(
            view, node_id, change or ChangeKind.DROP, _impact_depth(info, depth), **_budgets(info)
        )
        return ImpactReport.of(report)

    @strawberry.field(
        description="All domains, by name.",
        deprecation_reason="Use domainsConnection, which pages.",
    )
    def domains(
        self, info: Info, health: HealthStatus | None = None, at: datetime | None = None
    ) -> list[Domain]:
        return [Domain.of(d) for d in _domains(info, health, at)]

    @strawberry.field(
        description="All domains (of one health status, judged now or `at` a moment), by id, a page at a time."
    )
    def domains_connection(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        health: HealthStatus | None = None,
        at: datetime | None = None,
    ) -> Connection[Domain]:
        found = _domains(info, health, at)
        return paginate(found, _by_id, first, after, _max_page(info)).connection(Domain.of)

    @strawberry.field(
        description="The direct neighbours of a dataset, job or column, one hop of `lineage` (a dataset's "
        "jobs, a job's datasets) or `columnLineage` (a column's columns), a page at a time, ordered by "
        "direction (UPSTREAM first), then neighbour id, then edge kind."
    )
    def neighbours(
        self,
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

    @strawberry.field(description="Which domains depend on which, with the products in between.")
    def domain_dependencies(self, info: Info) -> list[DomainDependency]:
        return [
            DomainDependency(
                consumer_domain=d.consumer,
                provider_domain=d.provider,
                product=DataProduct.of(d.product),
                via=[_consumer(c) for c in d.via],
            )
            for d in mesh.domain_dependencies(_store(info))
        ]

    @strawberry.field
    def domain(self, info: Info, name: str) -> Domain | None:
        found = mesh.domain(_store(info), name)
        return Domain.of(found) if found else None

    @strawberry.field
    def data_product(self, info: Info, domain: str, name: str) -> DataProduct | None:
        found = mesh.product(_store(info), domain, name)
        return DataProduct.of(found) if found else None

    @strawberry.field(description="An owner (team or person) and everything it owns.")
    def owner(self, info: Info, name: str) -> OwnerProfile | None:
        found = mesh.owner(_store(info), name)
        return (
            OwnerProfile(id=found.id, name=found.props.get("name", name), _node=found)
            if found
            else None
        )

    @strawberry.field(
        description="Node counts per node kind and edge counts per edge kind, by kind name."
    )
    def stats(self, info: Info) -> list[KindCount]:
        return [KindCount(kind=k, count=v) for k, v in sorted(_store(info).counts().items())]

    @strawberry.field(description="Any node by id.")
    def node(self, info: Info, id: str) -> LineageNode | None:
        found = queries.node(_store(info), id)
        return lineage_nodes(info, [found])[0] if found else None

    @strawberry.field(
        description="The OpenLineage events naming a job, run or dataset (a column: its dataset), as sent, oldest first."
    )
    def events(
        self, info: Info, node_id: str, after: str | None = None, first: int = 100
    ) -> RawEventPage:
        return _events(info, node_id, after, first)


@strawberry.type(
    description="An OpenLineage event as its producer sent it, kept in the raw event log."
)
class RawEvent:
    cursor: str = strawberry.field(
        description="Where it is in the log: pass as `after` for the events after it."
    )
    received_at: datetime = strawberry.field(description="When lineagemesh accepted it.")
    event: JSON = strawberry.field(description="The event, verbatim.")


@strawberry.type(description="A page of raw events, oldest first.")
class RawEventPage:
    events: list[RawEvent]
    has_next_page: bool


def _events(info: Info, node_id: str, after: str | None, first: int) -> RawEventPage:
    log = info.context.get(EVENTS_KEY)
    if log is None:
        raise QueryError("this server keeps no raw event log")
    try:
        found, more = raw_events.events_of_node(_store(info), log, node_id, after, first)
    except ValueError as e:
        raise QueryError(str(e)) from None
    return RawEventPage(
        events=[
            RawEvent(cursor=e.cursor, received_at=raw_events.received(e), event=e.event)
            for e in found
        ],
        has_next_page=more,
    )


class LineageSchema(strawberry.Schema):
    """Completes large answers in a tight loop (``graph.api.execution``), and logs only unexpected
    errors: a query about a missing node is the caller's business."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("execution_context_class", FlatListExecutor)
        super().__init__(*args, **kwargs)

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        # Errors without a path are the request's own (syntax, bad variables): the client's business too.
        unexpected = [
            e
            for e in errors
            if e.path is not None
            and not isinstance(e, QueryAborted)
            and not isinstance(e.original_error, QueryError)
        ]
        if unexpected:
            super().process_errors(unexpected, execution_context)


schema = LineageSchema(query=Query, subscription=Subscription)
