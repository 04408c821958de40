"""Reading the raw event log back: the events about a node (GraphQL ``events``) and the newest
events in Marquez's ``/api/v1/events/lineage`` and ``/api/v1/events/{namespace}`` shapes. Written once, over the store's primitives
and ``graph.eventlog.event_log``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from graph.core.model import EdgeKind, NodeKind, PropertyKey, kind_prefix
from graph.eventlog.event_log import RawEvent, RawEventLog
from graph.stores import GraphReader

MAX_FIRST = 1000  # events one page may hold


def subjects_for(store: GraphReader, node_id: str) -> set[str]:
    """The ids under which the log indexes what is about ``node_id``: a job, run or dataset
    itself (with a dataset's other names, its aliases), a column by its dataset."""
    subjects = {node_id}
    node = store.nodes([node_id]).get(node_id)
    if node is None:
        return subjects
    if node.kind is NodeKind.COLUMN and node.props.get(PropertyKey.DATASET_ID):
        subjects = {node.props[PropertyKey.DATASET_ID]}
    datasets = [s for s in subjects if s.startswith(kind_prefix(NodeKind.DATASET))]
    if datasets:
        subjects.update(
            target for _, _, target in store.edge_keys(datasets, [EdgeKind.ALIAS_OF], "out")
        )
        subjects.update(
            source for source, _, _ in store.edge_keys(datasets, [EdgeKind.ALIAS_OF], "in")
        )
    return subjects


def events_of_node(
    store: GraphReader, log: RawEventLog, node_id: str, after: str | None, first: int
) -> tuple[list[RawEvent], bool]:
    """The raw events about ``node_id``, oldest first, after the cursor ``after``; at most
    ``first`` (capped at MAX_FIRST), and whether more follow. Raises ValueError for a bad cursor."""
    return log.events_of(subjects_for(store, node_id), after, max(0, min(first, MAX_FIRST)))


#: Marquez's default window of ``/events/lineage`` (its ``before`` and ``after`` defaults).
DEFAULT_AFTER = datetime(1970, 1, 1, tzinfo=UTC)
DEFAULT_BEFORE = datetime(2030, 1, 1, tzinfo=UTC)


def lineage_events(
    log: RawEventLog,
    limit: int = 100,
    offset: int = 0,
    after: datetime = DEFAULT_AFTER,
    before: datetime = DEFAULT_BEFORE,
    descending: bool = True,
) -> dict[str, Any]:
    """The events whose eventTime is in [``after``, ``before``), by eventTime (newest first when
    ``descending``), as Marquez's ``GET /api/v1/events/lineage`` answers: ``{"events": [...],
    "totalCount": n}`` (n: how many are in the window)."""
    events, total = log.by_time(
        after.timestamp(),
        before.timestamp(),
        descending,
        max(0, min(limit, MAX_FIRST)),
        max(0, offset),
    )
    return {"events": [event.event for event in events], "totalCount": total}


def names_namespace(event: Any, namespace: str) -> bool:
    """Whether an event's job or any of its datasets is in ``namespace`` (Marquez's
    ``EventDao.getByNamespace``: the job's namespace or an input's or output's)."""
    if not isinstance(event, dict):
        return False
    job = event.get("job")
    if isinstance(job, dict) and job.get("namespace") == namespace:
        return True
    datasets = [event.get("dataset"), *(event.get("inputs") or ()), *(event.get("outputs") or ())]
    return any(isinstance(d, dict) and d.get("namespace") == namespace for d in datasets)


def namespace_events(
    log: RawEventLog, namespace: str, limit: int, offset: int, check: Callable[[], None]
) -> list[Any]:
    """The events naming ``namespace`` (:func:`names_namespace`), newest eventTime first, ``limit``
    of them after skipping ``offset``, as Marquez's ``GET /api/v1/events/{namespace}`` lists them
    (each event once). The log has no namespace index, so the newest events are read in growing
    prefixes (8x each time) until the page is filled or the log ends; ``check`` runs before each
    read (the request's time budget)."""
    limit, offset = max(0, min(limit, MAX_FIRST)), max(0, offset)
    wanted = offset + limit
    first = max(wanted * 4, 100)
    while True:
        check()
        newest, total = log.by_time(
            DEFAULT_AFTER.timestamp(), DEFAULT_BEFORE.timestamp(), True, first, 0
        )
        hits = [e.event for e in newest if names_namespace(e.event, namespace)]
        if len(hits) >= wanted or first >= total:
            return hits[offset:wanted]
        first *= 8


def received(event: RawEvent) -> datetime:
    return datetime.fromtimestamp(event.received_at, tz=UTC)
