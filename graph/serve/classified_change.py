"""The GraphQL fields of one classified schema change (``graph.change.classifier``), stated once
for every type that shows one: a dataset version's changes, a lineage diff's schema changes."""

from __future__ import annotations

import strawberry


@strawberry.type(description="A schema change, classified as the pull-request check classifies it.")
class ClassifiedChange:
    kind: str
    column: str | None
    old: str | None
    new: str | None
    severity: str = strawberry.field(description="BREAKING, WARNING or NONE.")
    reason: str
