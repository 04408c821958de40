"""The webhooks' outbox is the graph itself: when ``graph.change.schema_history`` detects breaking
changes it adds a ``Notification`` node to the very batch that carries the new schema (one journal
batch, one Neo4j transaction), so nothing acknowledged is without its notification, whatever is
killed when. The deliverer (``graph.notify.webhooks``) and the breaking-change feed read it back
as a range of ids, newest first.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from graph.change.schema_history import SchemaHistory
from graph.core.model import Node, NodeKind
from graph.core.mutations import Mutation, UpsertNode, stamp
from graph.notify.notifications import NOTIFICATION_PREFIX, notification_id, notify_of
from graph.notify.quality_alerts import QualityOutbox
from graph.notify.webhook_config import BREAKING_CHANGE
from graph.stores import Store

MOST_SCANNED = 100_000  # notifications webhookFailures reads, at most (a delivery pass reads all)


def outbox_entries(
    version: Node, changes: list[Node], at: str, created: str, writer: str | None = None
) -> list[Mutation]:
    """The notification of a version's breaking changes, as made in the batch that brings it
    (``created``: when they were detected; ``writer``: the principal whose batch it was, by
    which the deliverer paces, ``graph.notify.coalescing``)."""
    v = version.props
    facts = [c.props for c in changes]

    def union(key: str) -> list[str]:
        return sorted({x for p in facts for x in p.get(key) or []})

    props: dict[str, Any] = {
        "kind": BREAKING_CHANGE,
        "createdAt": created,
        "at": at,
        "datasetId": v["datasetId"],
        "namespace": v["namespace"],
        "name": v["name"],
        "version": v["version"],
        "versionId": version.id,
        "previousVersion": v.get("previousVersion"),
        "source": v.get("source"),
        "origin": v.get("origin"),
        "writer": writer,
        "changeIds": [c.id for c in changes],
        "changes": [
            {
                k: p.get(k)
                for k in ("kind", "column", "old", "new", "severity", "reason", "description")
            }
            | {
                "affected": p.get("affected", 0),
                "affectedBreaking": p.get("affectedBreaking", 0),
                "affectedDatasets": p.get("affectedDatasets") or [],
            }
            for p in facts
        ],
        "domains": union("domains"),
        "products": union("products"),
        "owners": union("owners"),
        "consumers": union("consumers"),
        "contracts": union("contracts"),
        "notify": sorted({x for p in facts for x in notify_of(p)}),
        "datasets": sorted({v["datasetId"], *union("affectedDatasets")}),
    }
    # Its id sorts by when it was made (not when the schema was observed): the deliverer reads the
    # retry window as a range of ids.
    made = notification_id(created, BREAKING_CHANGE, v["version"])
    return [UpsertNode(made, NodeKind.NOTIFICATION, at, props)]


def connect_outbox(history: SchemaHistory) -> None:
    """Make ``history`` write a notification with every version that has breaking changes, and
    with every new failed error-level check (``graph.notify.quality_alerts``)."""
    history.outbox = outbox_entries
    history.quality = QualityOutbox(history.store)


def scan_notifications(
    store: Store, oldest: str = "", most: int | None = MOST_SCANNED
) -> tuple[list[Node], bool]:
    """The notifications made at ``oldest`` or later, newest first (ids sort so), at most
    ``most`` (None: all of them); and whether the scan reached ``oldest`` (False when ``most``
    cut it short)."""
    found: list[Node] = []
    after = f"{NOTIFICATION_PREFIX}:"
    while most is None or len(found) < most:
        size = 1000 if most is None else min(1000, most - len(found))
        page = store.nodes_of_kind(NodeKind.NOTIFICATION, size, after)
        for node in page:
            if node.props.get("createdAt", "") < oldest:
                return found, True
            found.append(node)
        if len(page) < size:
            return found, True
        after = page[-1].id
    return found, False


def window_start(window_seconds: float, now: float) -> str:
    """The stamp of the oldest notification still within the retry window at ``now``."""
    return stamp(datetime.fromtimestamp(now - window_seconds, UTC))


def failed_deliveries(store: Store, first: int) -> list[dict[str, Any]]:
    """The deliveries kept as failed (or still failing), newest first: of any age, as one kept
    failed only after a long outage is older than its window (the newest ``MOST_SCANNED``
    notifications are read)."""
    found = []
    for node in scan_notifications(store)[0]:
        for key, value in node.props.items():
            if key.startswith("delivery:") and isinstance(value, dict) and value.get("lastError"):
                found.append(
                    {
                        "notificationId": node.id,
                        "datasetId": node.props.get("datasetId"),
                        "webhook": value.get("url"),
                        "state": value.get("state"),
                        "attempts": value.get("attempts"),
                        "lastError": value.get("lastError"),
                    }
                )
                if len(found) >= first:
                    return found
    return found
