"""A data product's ports, the products on either side of it (``graph.read.product_lineage``)
and its consumers declared against observed (``graph.read.product_consumers``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import strawberry
from strawberry.types import Info

from graph.core.model import Node, contract_id
from graph.intake.declared_only import DECLARED_ONLY
from graph.read import port_impact, product_consumers, product_lineage
from graph.read.impact import ChangeKind
from graph.serve.health_types import moment
from graph.serve.schema.context import store_view, walk_budgets


@strawberry.type(description="An input or output port of a data product and what it names.")
class ProductPort:
    direction: str = strawberry.field(description="input or output.")
    name: str
    type: str | None = strawberry.field(description="The port's type as its descriptor writes it.")
    version: str | None
    contract: str | None = strawberry.field(description="The id of the contract behind the port.")
    location: str | None = strawberry.field(description="The endpoint URI, as written.")
    dataset_id: str | None = strawberry.field(
        description="The dataset (table, topic, API) the location names, by id."
    )
    upstream_product: str | None = strawberry.field(
        description="An input port's upstream product, by id."
    )
    upstream_port: str | None = strawberry.field(description="The upstream's output port read.")
    deprecated: bool
    declared_only: bool = strawberry.field(
        description="What the port names was unknown to the graph when the descriptor named it, "
        "and was created for it."
    )


def ports_of(info: Info, product: Node) -> list[ProductPort]:
    ports = [p for p in product.props.get(product_lineage.PORTS) or () if isinstance(p, dict)]
    targets = {_target(p) for p in ports} - {None}
    found = store_view(info).nodes(targets)  # type: ignore[arg-type]
    return [
        ProductPort(
            direction=str(p.get("direction")),
            name=str(p.get("name")),
            type=p.get("type"),
            version=p.get("version"),
            contract=p.get("contract"),
            location=p.get("location"),
            dataset_id=p.get("dataset"),
            upstream_product=p.get("upstreamProduct"),
            upstream_port=p.get("upstreamPort"),
            deprecated=bool(p.get("deprecated")),
            declared_only=bool(
                (node := found.get(_target(p) or "")) and node.props.get(DECLARED_ONLY)
            ),
        )
        for p in ports
    ]


def _target(port: dict[str, Any]) -> str | None:
    """What a port names: its dataset, else its upstream product, else its contract."""
    if port.get("dataset") or port.get("upstreamProduct"):
        return port.get("dataset") or port.get("upstreamProduct")
    return contract_id(port["contract"]) if port.get("contract") else None


@strawberry.type(description="A job lineage shows reading a data product's datasets.")
class ObservedProductConsumer:
    job_id: str
    job_namespace: str | None
    job_name: str | None
    domains: list[str] = strawberry.field(description="Its domains (of the datasets it writes).")
    owners: list[str] = strawberry.field(description="Its owners, by id.")
    datasets: list[str] = strawberry.field(description="The product's datasets it reads, by id.")
    ports: list[str] = strawberry.field(description="The product's ports those datasets are on.")
    last_read: str | None = strawberry.field(description="When a read was last seen (UTC stamp).")
    declared_by: list[str] = strawberry.field(
        description="The declarations covering it, by id (none: an undeclared consumer)."
    )
    user: str | None = strawberry.field(
        description="The user or service a query engine ran its queries for (Trino's "
        "trino_query_context): one consumer however many queries."
    )
    jobs: list[str] = strawberry.field(
        description="The jobs it stands for, by id: a query engine's queries for one user."
    )


@strawberry.type(description="A consumer declared by a contract or a product's input port.")
class DeclaredProductConsumer:
    id: str
    kind: str = strawberry.field(description="Consumer or DataProduct.")
    name: str | None
    domain: str | None
    ports: list[str] = strawberry.field(description="The product's ports it declares reading.")
    last_read: str | None = strawberry.field(
        description="The newest read of a job it covers (none: never seen reading)."
    )


def observed_of(c: product_consumers.ObservedConsumer) -> ObservedProductConsumer:
    return ObservedProductConsumer(
        job_id=c.job.id,
        job_namespace=c.job.props.get("namespace"),
        job_name=c.job.props.get("name"),
        domains=list(c.domains),
        owners=list(c.owners),
        datasets=list(c.datasets),
        ports=list(c.ports),
        last_read=c.last_read,
        declared_by=list(c.declared_by),
        user=c.user,
        jobs=list(c.jobs),
    )


def declared_of(c: product_consumers.DeclaredConsumer) -> DeclaredProductConsumer:
    return DeclaredProductConsumer(
        id=c.node.id,
        kind=c.node.kind.value,
        name=c.node.props.get("name"),
        domain=c.node.props.get("domain"),
        ports=list(c.ports),
        last_read=c.last_read,
    )


def undeclared_of(info: Info, product: Node) -> list[ObservedProductConsumer]:
    return [
        observed_of(c) for c in product_consumers.undeclared_consumers(store_view(info), product)
    ]


def silent_of(
    info: Info, product: Node, days: int, at: datetime | None
) -> list[DeclaredProductConsumer]:
    found = product_consumers.silent_consumers(
        store_view(info), product, moment(at), timedelta(days=days)
    )
    return [declared_of(c) for c in found]


@strawberry.type(
    name="PortImpact",
    description="What a change to one port of a product reaches: the impact walk from each dataset "
    "the port names, merged.",
)
class PortImpactAnswer:
    port: str
    datasets: list[str] = strawberry.field(description="The datasets the port names, by id.")
    breaking: bool
    truncated: bool = strawberry.field(description="A traversal budget cut a walk short.")
    owners: list[str] = strawberry.field(description="Owners to notify, by name.")
    undeclared_consumers: list[str] = strawberry.field(
        description="Consumers reached that no contract or input port declares, by id."
    )
    products: list[str] = strawberry.field(description="The other products it reaches, by id.")


def port_impact_of(info: Info, product: Node, port: str, change: ChangeKind) -> PortImpactAnswer:
    found = port_impact.port_impact(store_view(info), product, port, change, **walk_budgets(info))
    return PortImpactAnswer(
        port=found.port,
        datasets=list(found.datasets),
        breaking=found.breaking,
        truncated=found.truncated,
        owners=[str(o.props.get("name", o.id)) for o in found.owners],
        undeclared_consumers=list(found.undeclared),
        products=[p.id for p in found.products],
    )
