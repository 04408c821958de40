"""The graph's named things: datasets, jobs, runs, columns, and the mesh's domains, data
products and contracts. Datasets and the mesh types link each other both ways (a dataset's
domain, a domain's datasets), so they share one module and the imports point one way."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from graph.core.enums import declared_enum
from graph.core.model import EdgeKind, Node, PropertyKey
from graph.read import governance, health, mesh, product_lineage, queries
from graph.read.impact import ChangeKind
from graph.serve import schema_history_types as history_types
from graph.serve.connections import Connection, paginate
from graph.serve.health_types import Assertion, Health, assertions_page, moment
from graph.serve.schema.compliance import COMPLIANCE, SloCompliance, compliance_of
from graph.serve.schema.context import (
    by_id,
    capped,
    facets_of,
    health_walks,
    max_page,
    newest_first,
    store_view,
)
from graph.serve.schema.kinds import ChangeKindType, NodeKind
from graph.serve.schema.owners import Owner, owners_of
from graph.serve.schema.product_links import (
    DeclaredProductConsumer,
    ObservedProductConsumer,
    PortImpactAnswer,
    ProductPort,
    port_impact_of,
    ports_of,
    silent_of,
    undeclared_of,
)
from graph.serve.schema.product_versions import ProductVersion, versions_of


def text_of(value: Any) -> str | None:
    """Versions arrive as strings or numbers depending on the source; GraphQL shows text."""
    return None if value is None else str(value)


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
    enum: list[str] | None = strawberry.field(
        description="The allowed values its declarations state (a contract's enum or validValues, a dbt "
        "accepted_values test), as text."
    )
    required: bool | None = strawberry.field(
        default=None,
        description="Whether its declarations (a contract's `required`) make it required; null "
        "when none says.",
    )

    @strawberry.field(description="Who owns the column: the owners of its dataset.")
    def owners(self, info: Info) -> list[Owner]:
        return owners_of(info, self.dataset_id) if self.dataset_id else []

    @staticmethod
    def of(node: Node, current: frozenset[str]) -> Column:
        """``current``: the names the dataset's latest schema declares (``queries.current_column_names``)."""
        p = node.props
        return Column(
            dataset_id=p.get(PropertyKey.DATASET_ID),
            field_id=p.get("fieldId"),
            pii=governance.is_declared_pii(node),  # the one rule, as piiColumns
            classification=p.get("classification"),
            quality=p.get("quality"),
            enum=None if (allowed := declared_enum(p)) is None else list(allowed),
            id=node.id,
            name=p.get(PropertyKey.NAME, ""),
            type=p.get(PropertyKey.TYPE),
            description=p.get("description"),
            ordinal=p.get("ordinal"),
            parent=p.get("parent"),
            tags=p.get("tags"),
            declared=bool(p.get(PropertyKey.DECLARED)),
            current=p.get(PropertyKey.NAME) in current,
            required=p.get("required") if isinstance(p.get("required"), bool) else None,
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
            state=p.get(PropertyKey.STATE),
            created_at=p.get(PropertyKey.CREATED_AT),
            started_at=p.get("startedAt"),
            ended_at=p.get(PropertyKey.ENDED_AT),
            nominal_start_time=p.get("nominalStartTime"),
            nominal_end_time=p.get("nominalEndTime"),
            facets=JSON(facets_of(node)),
            _node=node,
        )

    @strawberry.field(description="The run that spawned this one (ParentRunFacet).")
    def parent(self, info: Info) -> Run | None:
        parent = queries.parent_run(store_view(info), self._node)
        return Run.of(parent) if parent else None

    @strawberry.field(
        description="The datasets this run read (each as its table, whatever name the event "
        "gave), each with its input's facets (inputFacets: subset, statistics, data quality "
        "metrics)."
    )
    def inputs(self, info: Info) -> list[RunDataset]:
        found = queries.run_datasets(store_view(info), self._node, EdgeKind.CONSUMED)
        return [RunDataset.of(d) for d in found]

    @strawberry.field(
        description="The datasets this run wrote (each as its table, whatever name the event "
        "gave), each with its output's facets (outputFacets: subset, statistics)."
    )
    def outputs(self, info: Info) -> list[RunDataset]:
        found = queries.run_datasets(store_view(info), self._node, EdgeKind.PRODUCED)
        return [RunDataset.of(d) for d in found]


@strawberry.type(description="A dataset as one run read or wrote it.")
class RunDataset:
    dataset: Dataset = strawberry.field(description="The dataset (its table, under any name).")
    facets: JSON = strawberry.field(
        description="The facets the run's event stated for this read or write, by name."
    )

    @staticmethod
    def of(found: queries.RunDataset) -> RunDataset:
        return RunDataset(dataset=Dataset.of(found.dataset), facets=JSON(found.facets))


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
        return owners_of(info, self.id)


def _entity(node: Node) -> dict[str, Any]:
    """The Entity fields of a node."""
    p = node.props
    return {
        "id": node.id,
        "namespace": p.get(PropertyKey.NAMESPACE, ""),
        "name": p.get(PropertyKey.NAME, ""),
        "description": p.get("description"),
        "facets": facets_of(node),
        "created_at": p.get(PropertyKey.FIRST_SEEN_AT),
        "updated_at": p.get(PropertyKey.LAST_SEEN_AT),
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
    emission_pattern: JSON | None = strawberry.field(
        description="The jobType facet's emissionPattern (2-0-4): when the job's runs send events"
        " (eventTrigger, windowDuration) and whether each is whole (eventContentMode)."
    )

    @staticmethod
    def of(node: Node) -> Job:
        p = node.props
        return Job(
            **_entity(node),
            sql=p.get("sql"),
            processing_type=p.get(PropertyKey.PROCESSING_TYPE),
            job_type=p.get("jobType.jobType"),
            integration=p.get("jobType.integration"),
            emission_pattern=p.get("jobType.emissionPattern"),
        )

    @strawberry.field
    def inputs(self, info: Info) -> list[Dataset]:
        return [
            Dataset.of(d)
            for d in queries.job_datasets(store_view(info), self._node, EdgeKind.READS)
        ]

    @strawberry.field
    def outputs(self, info: Info) -> list[Dataset]:
        return [
            Dataset.of(d)
            for d in queries.job_datasets(store_view(info), self._node, EdgeKind.WRITES)
        ]

    @strawberry.field(
        description="Runs, newest first.", deprecation_reason="Use runsConnection, which pages."
    )
    def runs(self, info: Info, first: int = 10) -> list[Run]:
        return [
            Run.of(r)
            for r in queries.runs(store_view(info), self._node, capped(info, first, "max_page"))
        ]

    @strawberry.field(
        description="Runs, newest first (by their first event, then id), a page at a time."
    )
    def runs_connection(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Run]:
        found = queries.runs(store_view(info), self._node, sys.maxsize)
        return paginate(
            found, newest_first, first, after, max_page(info), descending=True
        ).connection(Run.of)

    @strawberry.field
    def latest_run(self, info: Info) -> Run | None:
        found = queries.runs(store_view(info), self._node, 1)
        return Run.of(found[0]) if found else None

    @strawberry.field(description="The state of the latest run.")
    def state(self, info: Info) -> str | None:
        found = queries.runs(store_view(info), self._node, 1)
        return found[0].props.get(PropertyKey.STATE) if found else None


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
    _aliases: strawberry.Private[list[str] | None] = None  # known when read by name

    @staticmethod
    def of(node: Node, aliases: list[str] | None = None) -> Dataset:
        p = node.props
        return Dataset(
            **_entity(node),
            _aliases=aliases,
            source_name=p.get("sourceName"),
            source_uri=p.get("sourceUri"),
            deleted=bool(p.get(PropertyKey.DELETED)),
            declared=bool(p.get(PropertyKey.DECLARED)),
            lifecycle_state=p.get("lifecycleState"),
            dataset_type=p.get("datasetType"),
            dataset_sub_type=p.get("datasetSubType"),
        )

    @strawberry.field
    def columns(self, info: Info) -> list[Column]:
        current = queries.current_column_names(self._node)
        return [Column.of(c, current) for c in queries.columns(store_view(info), self._node)]

    @strawberry.field(description="Jobs that write this dataset.")
    def written_by(self, info: Info) -> list[Job]:
        return [
            Job.of(j) for j in queries.dataset_jobs(store_view(info), self._node, EdgeKind.WRITES)
        ]

    @strawberry.field(description="Jobs that read this dataset.")
    def read_by(self, info: Info) -> list[Job]:
        return [
            Job.of(j) for j in queries.dataset_jobs(store_view(info), self._node, EdgeKind.READS)
        ]

    @strawberry.field(
        description="Other identifiers of this dataset (symlinks, storage paths, former names)."
    )
    def aliases(self, info: Info) -> list[str]:
        if self._aliases is not None:
            return self._aliases
        return queries.aliases(store_view(info), self._node)

    @strawberry.field(
        description="The domain it belongs to: declared by a catalog/contract/dbt, else by a mapping rule."
    )
    def domain(self, info: Info) -> Domain | None:
        found = mesh.dataset_domains(store_view(info), [self.id]).get(self.id)
        node = queries.node(store_view(info), found) if found else None
        return Domain.of(node) if node else None

    @strawberry.field(description="Data products that publish this dataset.")
    def products(self, info: Info) -> list[DataProduct]:
        return [DataProduct.of(p) for p in mesh.publishing_products(store_view(info), self._node)]

    @strawberry.field(description="Its schema history, newest first (graph.change.schema_history).")
    def versions(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> history_types.DatasetVersionConnection:
        return history_types.dataset_versions(
            store_view(info).store, self._node, first, after, max_page(info)
        )

    @strawberry.field(description="Quality checks of it and its columns, by id, a page at a time.")
    def assertions(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Assertion]:
        return assertions_page(store_view(info), self.id, first, after, max_page(info))

    @strawberry.field(description="Its checks, SLO and upstream, now or at a given moment.")
    def health(self, info: Info, at: datetime | None = None) -> Health:
        return Health.of(
            health.dataset_health(store_view(info), self.id, moment(at), walks=health_walks(info))
        )

    @strawberry.field(description=COMPLIANCE)
    def slo_compliance(
        self, info: Info, days: int = 30, at: datetime | None = None
    ) -> SloCompliance:
        return compliance_of(info, self._node, days, at)


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
            name=p.get(PropertyKey.NAME),
            version=text_of(p.get("version")),
            status=p.get("status"),
            standard=p.get("standard"),
            sla=p.get("sla"),
            quality=p.get("quality"),
            _node=node,
        )

    @strawberry.field(description="Datasets the contract governs.")
    def datasets(self, info: Info) -> list[Dataset]:
        return [Dataset.of(d) for d in mesh.governed_datasets(store_view(info), self._node)]


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
    undeclared: bool = strawberry.field(
        default=False,
        description="An observed consumer no contract or input port declares "
        "(graph.read.product_consumers).",
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
            name=item.column.props.get(PropertyKey.NAME, ""),
            dataset_id=item.column.props.get(PropertyKey.DATASET_ID),
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


def consumer_of(
    consumer: mesh.ProductConsumer, undeclared: frozenset[str] = frozenset()
) -> ProductConsumer:
    return ProductConsumer(
        id=consumer.node.id,
        kind=consumer.node.kind,
        name=consumer.node.props.get(PropertyKey.NAME),
        domain=consumer.domain,
        declared=consumer.declared,
        datasets=list(consumer.datasets),
        undeclared=consumer.node.id in undeclared,
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
            name=p.get(PropertyKey.NAME, ""),
            domain_name=p.get(PropertyKey.DOMAIN, ""),
            description=p.get("description"),
            version=text_of(p.get("version")),
            status=p.get("status"),
            freshness_hours=p.get("freshnessHours"),
            sla=p.get("sla"),
            properties=p.get("properties"),
            tags=p.get("tags"),
            _node=node,
        )

    @strawberry.field
    def owners(self, info: Info) -> list[Owner]:
        return owners_of(info, self.id)

    @strawberry.field(description="The product's contracts, by id.")
    def contracts(self, info: Info) -> list[Contract]:
        return [Contract.of(c) for c in mesh.contracts(store_view(info), self._node)]

    @strawberry.field(
        description="Datasets the product exposes.",
        deprecation_reason="Use datasetsConnection, which pages.",
    )
    def datasets(self, info: Info) -> list[Dataset]:
        return [Dataset.of(d) for d in mesh.exposed_datasets(store_view(info), self._node)]

    @strawberry.field(description="Datasets the product exposes, by id, a page at a time.")
    def datasets_connection(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Dataset]:
        return datasets_page(
            info, mesh.exposed_datasets(store_view(info), self._node), first, after
        )

    @strawberry.field(description="Its input and output ports (from its descriptor).")
    def ports(self, info: Info) -> list[ProductPort]:
        return ports_of(info, self._node)

    @strawberry.field(
        description="Its descriptor's versions, newest first: each change of its contracts, SLO, "
        "ports or owners."
    )
    def versions(self, info: Info, first: int = 20) -> list[ProductVersion]:
        return versions_of(info, self._node, first)

    @strawberry.field(
        description="The products feeding it: declared by its input ports, observed in lineage, or both."
    )
    def upstream_products(self, info: Info) -> list[ProductLink]:
        return links_of(info, self._node, upstream=True)

    @strawberry.field(
        description="The products it feeds: declared by their input ports, observed in lineage, or both."
    )
    def downstream_products(self, info: Info) -> list[ProductLink]:
        return links_of(info, self._node, upstream=False)

    @strawberry.field(
        description="What a change to one of its ports reaches: products, owners, undeclared consumers."
    )
    def port_impact(
        self,
        info: Info,
        port: str,
        change: ChangeKindType = ChangeKind.DROP,
    ) -> PortImpactAnswer:
        return port_impact_of(info, self._node, port, change)

    @strawberry.field(
        description="Jobs of other domains reading its datasets that no contract or input port declares."
    )
    def undeclared_consumers(self, info: Info) -> list[ObservedProductConsumer]:
        return undeclared_of(info, self._node)

    @strawberry.field(
        description="Declared consumers no job has been seen reading for `days` (before `at`, now by default)."
    )
    def silent_consumers(
        self, info: Info, days: int = 90, at: datetime | None = None
    ) -> list[DeclaredProductConsumer]:
        return silent_of(info, self._node, days, at)

    @strawberry.field(
        description="Declared consumers and jobs of other domains reading its datasets."
    )
    def consumers(self, info: Info) -> list[ProductConsumer]:
        return [consumer_of(c) for c in mesh.product_consumers(store_view(info), self._node)]

    @strawberry.field(
        description="Columns of its datasets holding personal data, declared or derived."
    )
    def pii_columns(self, info: Info) -> list[PiiColumn]:
        return pii_columns_of(info, mesh.exposed_datasets(store_view(info), self._node))

    @strawberry.field(description="Its datasets' health and its SLO, now or at a given moment.")
    def health(self, info: Info, at: datetime | None = None) -> Health:
        return Health.of(
            health.product_health(
                store_view(info), self._node, moment(at), walks=health_walks(info)
            )
        )

    @strawberry.field(description="Freshness against the SLO, now or at a given moment.")
    def freshness(self, info: Info, at: datetime | None = None) -> Freshness:
        found = governance.product_freshness(store_view(info), self._node, moment(at))
        return Freshness(
            status=found.status,
            slo_hours=found.slo_hours,
            last_updated=found.last_updated,
            age_hours=None if found.age_hours is None else round(found.age_hours, 3),
            stalest_dataset=found.stalest_dataset,
        )

    @strawberry.field(description=COMPLIANCE)
    def slo_compliance(
        self, info: Info, days: int = 30, at: datetime | None = None
    ) -> SloCompliance:
        return compliance_of(info, self._node, days, at)


@strawberry.type(
    description="One product feeding another: the ports at each end, the contracts, and whether "
    "an input port declares it, lineage shows it, or both."
)
class ProductLink:
    upstream_ports: list[str] = strawberry.field(description="The upstream product's ports.")
    downstream_ports: list[str] = strawberry.field(
        description="The downstream product's input ports that declare it."
    )
    contracts: list[str] = strawberry.field(description="The contracts behind it, by id.")
    declared: bool
    observed: bool
    datasets: list[str] = strawberry.field(
        description="The upstream's datasets the link starts from, by id."
    )
    jobs: list[str] = strawberry.field(description="The jobs lineage shows carrying it, by id.")
    _other: strawberry.Private[Node]

    @strawberry.field(description="The product at the other end.")
    def product(self) -> DataProduct:
        return DataProduct.of(self._other)


def links_of(info: Info, product: Node, upstream: bool) -> list[ProductLink]:
    """The products on one side of ``product`` (graph.read.product_lineage)."""
    walk = product_lineage.upstream_products if upstream else product_lineage.downstream_products
    return [
        ProductLink(
            upstream_ports=list(link.upstream_ports),
            downstream_ports=list(link.downstream_ports),
            contracts=list(link.contracts),
            declared=link.declared,
            observed=link.observed,
            datasets=list(link.datasets),
            jobs=list(link.jobs),
            _other=link.upstream if upstream else link.downstream,
        )
        for link in walk(store_view(info), product)
    ]


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
            name=node.props.get(PropertyKey.NAME, ""),
            description=node.props.get("description"),
            _node=node,
        )

    @strawberry.field
    def owners(self, info: Info) -> list[Owner]:
        return owners_of(info, self.id)

    @strawberry.field
    def products(self, info: Info) -> list[DataProduct]:
        return [DataProduct.of(p) for p in mesh.domain_products(store_view(info), self._node)]

    @strawberry.field(
        description="Datasets of the domain (declared, or assigned by a mapping rule).",
        deprecation_reason="Use datasetsConnection, which pages.",
    )
    def datasets(self, info: Info) -> list[Dataset]:
        return [Dataset.of(d) for d in mesh.domain_datasets(store_view(info), self._node)]

    @strawberry.field(
        description="Datasets of the domain (declared, or assigned by a mapping rule), by id, a page at a time."
    )
    def datasets_connection(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Dataset]:
        return datasets_page(info, mesh.domain_datasets(store_view(info), self._node), first, after)

    @strawberry.field(description="Data products of the domain, by id, a page at a time.")
    def products_connection(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[DataProduct]:
        found = mesh.domain_products(store_view(info), self._node)
        return paginate(found, by_id, first, after, max_page(info)).connection(DataProduct.of)

    @strawberry.field(
        description="Columns of the domain's datasets holding personal data, declared or derived."
    )
    def pii_columns(self, info: Info) -> list[PiiColumn]:
        return pii_columns_of(info, mesh.domain_datasets(store_view(info), self._node))

    @strawberry.field(description="Its products' (or datasets') health, now or at a given moment.")
    def health(self, info: Info, at: datetime | None = None) -> Health:
        return Health.of(
            health.domain_health(store_view(info), self._node, moment(at), walks=health_walks(info))
        )

    @strawberry.field(description="Other domains that consume this domain's products.")
    def consumed_by(self, info: Info) -> list[Domain]:
        ids = mesh.consuming_domains(store_view(info), self._node)
        found = store_view(info).nodes(ids)
        return [Domain.of(found[i]) for i in ids if i in found]


def datasets_page(
    info: Info, datasets: list[Node], first: int | None, after: str | None
) -> Connection[Dataset]:
    """A page of ``datasets`` by id (a product's or a domain's ``datasetsConnection``)."""
    return paginate(datasets, by_id, first, after, max_page(info)).connection(Dataset.of)


def pii_columns_of(info: Info, datasets: list[Node]) -> list[PiiColumn]:
    """The columns of ``datasets`` holding personal data, declared or derived (a product's or a
    domain's ``piiColumns``)."""
    columns = governance.dataset_columns(store_view(info), datasets)
    return [PiiColumn.of(p) for p in governance.pii_columns(store_view(info), columns)]


def dataset(info: Info, namespace: str, name: str) -> Dataset | None:
    found = queries.named_dataset(store_view(info), namespace, name)
    return Dataset.of(found.node, found.aliases) if found else None


def job(info: Info, namespace: str, name: str) -> Job | None:
    found = queries.job(store_view(info), namespace, name)
    return Job.of(found) if found else None
