"""GraphQL types of schema history (``graph.change.schema_history``): a dataset's versions and the breaking
changes detected as schemas landed, each a page at a time (Relay connections whose cursors are the
nodes' ids, which sort newest first)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any

import strawberry
from graphql import GraphQLError
from starlette.concurrency import run_in_threadpool
from strawberry.scalars import JSON

from graph.change import schema_history
from graph.core.errors import QueryError
from graph.core.model import Node
from graph.core.mutations import stamp, stamp_time
from graph.notify.breaking_feed import BreakingFeed, FellBehind
from graph.read.change_feed import POLL_SECONDS
from graph.serve.classified_change import ClassifiedChange
from graph.serve.connections import Edge, PageInfo, decode_cursor, encode_cursor, page_size
from graph.serve.subscriptions import (
    BREAKING_FEED_KEY,
    CONNECTION_KEY,
    SLOTS_KEY,
    subscription_slot,
)
from graph.stores import Store


@strawberry.type(description="A column as a version of a schema declared it.")
class VersionField:
    name: str
    type: str | None
    description: str | None
    required: bool | None
    field_id: int | None = strawberry.field(description="The source's field id (Iceberg).")


@strawberry.type(description="One change from the version before, classified as the PR check does.")
class VersionChange(ClassifiedChange):
    description: str


def _change_fields(p: dict[str, Any]) -> dict[str, Any]:
    """A change's own fields as recorded: in a version's ``changes``, and on a breaking change's
    node (``graph.change.schema_history``'s change summary)."""
    return {
        "kind": p["kind"],
        "column": p.get("column"),
        "old": p.get("old"),
        "new": p.get("new"),
        "severity": p["severity"],
        "reason": p.get("reason", ""),
        "description": p.get("description", ""),
    }


def _provenance(node: Node) -> dict[str, Any]:
    """Which node, which version of a schema and who reported it: a version's node, and the node of
    a breaking change that version brought."""
    p = node.props
    return {
        "id": node.id,
        "version": p["version"],
        "previous_version": p.get("previousVersion"),
        "source": p.get("source", ""),
        "origin": p.get("origin"),
    }


def _change(p: dict[str, Any]) -> VersionChange:
    return VersionChange(**_change_fields(p))


@strawberry.type(description="A schema a dataset had from a moment on, and what changed then.")
class DatasetVersion:
    id: str
    version: str = strawberry.field(description="Its id in Marquez's /versions routes (a UUID).")
    created_at: str = strawberry.field(description="When the schema was observed (UTC stamp).")
    source: str = strawberry.field(description="openlineage, iceberg, contract or dbt.")
    origin: str | None = strawberry.field(description="The run (run:...) that reported it, if any.")
    previous_version: str | None
    fields: list[VersionField]
    changes: list[VersionChange]

    @staticmethod
    def of(node: Node) -> DatasetVersion:
        p = node.props
        return DatasetVersion(
            **_provenance(node),
            created_at=stamp_time(p["createdAt"]),
            fields=[
                VersionField(
                    name=f["name"],
                    type=f.get("type"),
                    description=f.get("description"),
                    required=f.get("required"),
                    field_id=f.get("fieldId"),
                )
                for f in p.get("fields") or []
            ],
            changes=[_change(c) for c in p.get("changes") or []],
        )


@strawberry.type(description="A page of a dataset's versions, newest first.")
class DatasetVersionConnection:
    edges: list[Edge[DatasetVersion]]
    page_info: PageInfo
    total_count: int


@strawberry.type(
    description="A breaking change detected as a schema landed, with its impact at that moment."
)
class SchemaChange:
    id: str
    dataset_id: str
    namespace: str
    name: str
    column_id: str | None
    kind: str
    column: str | None
    old: str | None
    new: str | None
    severity: str
    reason: str
    description: str
    version: str
    previous_version: str | None
    at: str = strawberry.field(description="When the new schema was observed (UTC stamp).")
    detected_at: str
    source: str
    origin: str | None
    domains: list[str]
    impact_computed: bool
    affected: int
    affected_breaking: int
    affected_warning: int
    affected_datasets: list[str]
    products: list[str]
    owners: list[str] = strawberry.field(description="Owners of what the change reaches.")
    consumers: list[str]
    contracts: list[str]
    impact: JSON = strawberry.field(description="Every impact fact, as recorded.")

    @staticmethod
    def of(node: Node) -> SchemaChange:
        p = node.props
        return SchemaChange(
            dataset_id=p["datasetId"],
            namespace=p.get("namespace", ""),
            name=p.get("name", ""),
            column_id=p.get("columnId"),
            **_change_fields(p),
            **_provenance(node),
            at=p["at"],
            detected_at=p.get("detectedAt", ""),
            domains=p.get("domains") or [],
            impact_computed=bool(p.get("impactComputed")),
            affected=p.get("affected") or 0,
            affected_breaking=p.get("affectedBreaking") or 0,
            affected_warning=p.get("affectedWarning") or 0,
            affected_datasets=p.get("affectedDatasets") or [],
            products=p.get("products") or [],
            owners=p.get("owners") or [],
            consumers=p.get("consumers") or [],
            contracts=p.get("contracts") or [],
            impact=JSON({k: v for k, v in p.items() if k.startswith(("affected", "impact"))}),
        )


@strawberry.type(description="A page of breaking changes, newest first.")
class SchemaChangeConnection:
    edges: list[Edge[SchemaChange]]
    nodes: list[SchemaChange]
    page_info: PageInfo


def _after(after: str | None) -> str | None:
    if after is None:
        return None
    (node_id,) = decode_cursor(after) or ("",)
    return node_id


def _page_info(ids: list[str], more: bool, after: str | None) -> PageInfo:
    cursors = [encode_cursor((i,)) for i in ids]
    return PageInfo(
        has_next_page=more,
        has_previous_page=after is not None,
        start_cursor=cursors[0] if cursors else None,
        end_cursor=cursors[-1] if cursors else None,
    )


def dataset_versions(
    store: Store, dataset: Node, first: int | None, after: str | None, max_page: int
) -> DatasetVersionConnection:
    size = page_size(first, max_page)
    found = schema_history.versions_after(store, dataset.id, size + 1, _after(after))
    page = found[:size]
    return DatasetVersionConnection(
        edges=[Edge(cursor=encode_cursor((v.id,)), node=DatasetVersion.of(v)) for v in page],
        page_info=_page_info([v.id for v in page], len(found) > size, after),
        total_count=schema_history.count_versions(store, dataset.id),
    )


def schema_changes(
    store: Store,
    node_id: str | None,
    domain: str | None,
    since: datetime | None,
    first: int | None,
    after: str | None,
    max_page: int,
) -> SchemaChangeConnection:
    size = page_size(first, max_page)
    start = _after(after)
    if start is not None and not start.startswith(schema_history.CHANGE_PREFIX + ":"):
        raise QueryError(f"invalid cursor {after!r}")
    try:
        since_stamp = (
            None if since is None else stamp(since if since.tzinfo else since.replace(tzinfo=UTC))
        )
    except OverflowError:
        raise QueryError("since is out of range in UTC") from None
    found = schema_history.schema_changes(store, size + 1, start, since_stamp, node_id, domain)
    page = found[:size]
    nodes = [SchemaChange.of(c) for c in page]
    return SchemaChangeConnection(
        edges=[Edge(cursor=encode_cursor((c.id,)), node=n) for c, n in zip(page, nodes)],
        nodes=nodes,
        page_info=_page_info([c.id for c in page], len(found) > size, after),
    )


async def breaking_changes(info: Any, domain: str | None) -> AsyncGenerator[SchemaChange, None]:
    """Each breaking change written from now on (of ``domain``'s datasets), in the order the
    server heard of them: the ``breakingChange`` subscription, reading the server's
    :class:`~graph.notify.breaking_feed.BreakingFeed`."""
    feed: BreakingFeed = info.context[BREAKING_FEED_KEY]
    with subscription_slot(info.context[SLOTS_KEY], info.context[CONNECTION_KEY]):
        number = await run_in_threadpool(feed.end)
        while True:
            seen = feed.woken.generation
            try:
                changes, number = feed.after(number)
            except FellBehind as e:
                raise GraphQLError(
                    f"{e}; subscribe again, and read what came between from schemaChanges(since:)",
                    extensions={"code": "FELL_BEHIND", "missed": e.missed},
                ) from None
            for change in changes:
                if domain is None or domain in (change.props.get("domains") or ()):
                    yield SchemaChange.of(change)
            if await feed.woken.wait(seen, POLL_SECONDS) == seen:  # what other servers wrote
                await run_in_threadpool(feed.read_outbox)
