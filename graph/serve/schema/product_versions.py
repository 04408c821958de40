"""A data product's version history (``graph.read.product_versions``) in GraphQL: each distinct
descriptor, newest first, with its contracts, SLO, ports and owners and what changed."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from graph.core.model import Node
from graph.read import product_versions
from graph.serve.schema.context import store_view


@strawberry.type(
    description="A data product's descriptor as one version stated it (ingest products): a "
    "changed contract, SLO, port or owner is a new version."
)
class ProductVersion:
    id: str
    version: str | None = strawberry.field(description="The version the descriptor names.")
    since: str = strawberry.field(
        description="When it was first stated (UTC stamp): the descriptor's creation time, "
        "1970 when it gives none."
    )
    status: str | None
    owners: list[str] = strawberry.field(description="Its owners' names.")
    contracts: list[str] = strawberry.field(description="The contracts its ports name.")
    slo: JSON | None = strawberry.field(
        description="Its SLOs as written (freshnessHours, and the spec's slo or ODPS's own)."
    )
    ports: JSON = strawberry.field(description="Its ports, as the product's ports are written.")
    descriptor: JSON = strawberry.field(description="Everything this version stated.")
    changed: list[str] = strawberry.field(
        description="What differs from the version before it (slo, ports, owners, contracts, "
        "version, status, any other key by name); for the first, everything it states."
    )

    @staticmethod
    def of(found: product_versions.ProductVersion) -> ProductVersion:
        d: dict[str, Any] = found.descriptor
        slo = {k: v for k, v in (("freshnessHours", d.get("freshnessHours")),) if v is not None}
        if isinstance(d.get("slo"), dict):
            slo.update(d["slo"])
        return ProductVersion(
            id=found.node.id,
            version=d.get("version"),
            since=found.since,
            status=d.get("status"),
            owners=[o["name"] for o in d.get("owners") or []],
            contracts=list(d.get("contracts") or []),
            slo=JSON(slo) if slo else None,
            ports=JSON(d.get("ports") or []),
            descriptor=JSON(d),
            changed=found.changed,
        )


def versions_of(info: Info, node: Node, first: int) -> list[ProductVersion]:
    """A product's versions, newest first, at most ``first``."""
    found = product_versions.product_versions(store_view(info), node.id)
    return [ProductVersion.of(v) for v in found[: max(0, min(first, 1000))]]
