"""``Owner``: who owns a node, as every type that has owners shows them."""

from __future__ import annotations

from collections.abc import Sequence

import strawberry
from strawberry.types import Info

from graph.core.model import PropertyKey
from graph.read import queries
from graph.serve.schema.context import (
    store_view,
)


@strawberry.type
class Owner:
    id: str
    name: str
    type: str | None = strawberry.field(description="The ownership type (e.g. team, maintainer).")


def owner_objects(found: Sequence[queries.Ownership]) -> list[Owner]:
    return [
        Owner(id=o.owner.id, name=o.owner.props.get(PropertyKey.NAME, o.owner.id), type=o.type)
        for o in found
    ]


def owners_of(info: Info, node_id: str) -> list[Owner]:
    return owner_objects(queries.owners(store_view(info), node_id))
