"""``stats``: what the graph holds, by kind."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from graph.serve.schema.context import (
    store_view,
)


@strawberry.type(description="How many nodes or edges of one kind the graph holds.")
class KindCount:
    kind: str
    count: int


def stats(info: Info) -> list[KindCount]:
    return [KindCount(kind=k, count=v) for k, v in sorted(store_view(info).counts().items())]
