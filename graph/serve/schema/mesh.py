"""The mesh's top-level fields: domains, products, owners and who depends on whom."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import strawberry
from strawberry.types import Info

from graph.core.model import Node, PropertyKey
from graph.core.model import NodeKind as ModelNodeKind
from graph.read import health_rollup, mesh, product_consumers
from graph.serve.connections import Connection, paginate
from graph.serve.health_types import HealthStatus, moment
from graph.serve.schema.context import (
    by_id,
    health_walks,
    max_page,
    store_view,
)
from graph.serve.schema.lineage import LineageNode, lineage_nodes
from graph.serve.schema.nodes import DataProduct, Domain, ProductConsumer, consumer_of
from graph.serve.schema.product_links import (
    DeclaredProductConsumer,
    ObservedProductConsumer,
    declared_of,
    observed_of,
)


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
        return lineage_nodes(info, mesh.owned(store_view(info), self._node))

    @strawberry.field(
        description="Datasets, jobs, products, domains and contracts it owns, by id, a page at a time."
    )
    def owns_connection(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[LineageNode]:
        found = paginate(
            mesh.owned(store_view(info), self._node), by_id, first, after, max_page(info)
        )
        return found.connection_of(lineage_nodes(info, found.items))


def domains_with(info: Info, status: HealthStatus | None, at: datetime | None) -> list[Node]:
    """All domains, or those of one health status (judged ``at`` a moment, now by default)."""
    found = mesh.all_of_kind(store_view(info), ModelNodeKind.DOMAIN)
    if status is None:
        return found
    # one pass over the mesh (graph.read.health_rollup), not a walk per dataset of each domain
    statuses = health_rollup.domain_statuses(
        store_view(info), found, moment(at), health_walks(info)
    )
    return [d for d in found if statuses[d.id] == status]


def domains(
    info: Info, health: HealthStatus | None = None, at: datetime | None = None
) -> list[Domain]:
    return [Domain.of(d) for d in domains_with(info, health, at)]


def domains_connection(
    info: Info,
    first: int | None = None,
    after: str | None = None,
    health: HealthStatus | None = None,
    at: datetime | None = None,
) -> Connection[Domain]:
    found = domains_with(info, health, at)
    return paginate(found, by_id, first, after, max_page(info)).connection(Domain.of)


def domain_dependencies(info: Info) -> list[DomainDependency]:
    return [
        DomainDependency(
            consumer_domain=d.consumer,
            provider_domain=d.provider,
            product=DataProduct.of(d.product),
            via=[consumer_of(c) for c in d.via],
        )
        for d in mesh.domain_dependencies(store_view(info))
    ]


def domain(info: Info, name: str) -> Domain | None:
    found = mesh.domain(store_view(info), name)
    return Domain.of(found) if found else None


def data_product(info: Info, domain: str, name: str) -> DataProduct | None:
    found = mesh.product(store_view(info), domain, name)
    return DataProduct.of(found) if found else None


def owner(info: Info, name: str) -> OwnerProfile | None:
    found = mesh.owner(store_view(info), name)
    return (
        OwnerProfile(id=found.id, name=found.props.get(PropertyKey.NAME, name), _node=found)
        if found
        else None
    )


@strawberry.type(
    description="A data product whose consumers and declarations disagree: jobs reading it that "
    "nobody declared, declarations nobody honours."
)
class ConsumerGap:
    product: DataProduct
    undeclared: list[ObservedProductConsumer]
    silent: list[DeclaredProductConsumer]


def consumer_gaps(info: Info, days: int = 90, at: datetime | None = None) -> list[ConsumerGap]:
    """Every product with an undeclared or a silent consumer, by id."""
    view, now = store_view(info), moment(at)
    found = []
    for product in mesh.all_of_kind(view, ModelNodeKind.DATA_PRODUCT):
        undeclared, silent = product_consumers.gaps(view, product, now, timedelta(days=days))
        if undeclared or silent:
            found.append(
                ConsumerGap(
                    product=DataProduct.of(product),
                    undeclared=[observed_of(c) for c in undeclared],
                    silent=[declared_of(c) for c in silent],
                )
            )
    return found
