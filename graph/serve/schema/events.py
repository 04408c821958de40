"""``events``: the raw OpenLineage events about a node, as their producers sent them."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from graph.core.errors import QueryError
from graph.eventlog import raw_events
from graph.serve.schema.context import (
    EVENTS_KEY,
    store_view,
)


@strawberry.type(
    description="An OpenLineage event as its producer sent it, kept in the raw event log."
)
class RawEvent:
    cursor: str = strawberry.field(
        description="Where it is in the log: pass as `after` for the events after it."
    )
    received_at: datetime = strawberry.field(description="When lineagemesh accepted it.")
    event: JSON = strawberry.field(description="The event, verbatim.")


@strawberry.type(description="A page of raw events, oldest first.")
class RawEventPage:
    events: list[RawEvent]
    has_next_page: bool


def events(info: Info, node_id: str, after: str | None = None, first: int = 100) -> RawEventPage:
    log = info.context.get(EVENTS_KEY)
    if log is None:
        raise QueryError("this server keeps no raw event log")
    try:
        found, more = raw_events.events_of_node(store_view(info), log, node_id, after, first)
    except ValueError as e:
        raise QueryError(str(e)) from None
    return RawEventPage(
        events=[
            RawEvent(cursor=e.cursor, received_at=raw_events.received(e), event=e.event)
            for e in found
        ],
        has_next_page=more,
    )
