"""Schema history (``schemaChanges``) and the webhook deliveries it notifies (admin)."""

from __future__ import annotations

from datetime import datetime

from strawberry.scalars import JSON
from strawberry.types import Info

from graph.serve import schema_history_types as history_types
from graph.serve import webhook_admin
from graph.serve.schema.context import (
    max_page,
    page_size,
    store_view,
)


def schema_changes(
    info: Info,
    node_id: str | None = None,
    domain: str | None = None,
    since: datetime | None = None,
    first: int | None = None,
    after: str | None = None,
) -> history_types.SchemaChangeConnection:
    return history_types.schema_changes(
        store_view(info).store, node_id, domain, since, first, after, max_page(info)
    )


def webhook_failures(info: Info, first: int = 100) -> JSON:
    return JSON(webhook_admin.admin_failed_deliveries(info.context, page_size(info, first)))
