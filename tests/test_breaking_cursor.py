"""What a follower of breaking changes is told (graph.breaking_cursor, the ``breakingChange``
subscription), on both stores: every change written after it started, once, in the order detected,
including a change whose events are dated before changes it was told of already."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from schema_events import CUSTOMERS, NS, V1, V2_NO_EMAIL, producer_event
from test_http_api import post_with_client
from test_schema_history import ingest, probed_live, unprobed

from graph import breaking_cursor
from graph.breaking_cursor import BreakingCursor
from graph.ingest_service import IngestService
from graph.model import dataset_id
from graph.schema_history import SchemaHistory
from graph.stores import Store
from graph.webhooks import connect_outbox

DETECTED = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)


def service_detecting_at(store: Store, moment: list[datetime]) -> IngestService:
    """An ingest service whose schema history stamps detections at ``moment[0]``."""
    history = SchemaHistory(store, clock=lambda: moment[0])
    connect_outbox(history)
    return IngestService(store, history=history)


def ids(changes: list[Any]) -> list[tuple[str, str | None]]:
    return [(c.props["datasetId"], c.props.get("column")) for c in changes]


def test_a_cursor_tells_each_change_written_after_it_started_once(store: Store) -> None:
    detected = [DETECTED]
    now = [(DETECTED + timedelta(seconds=30)).timestamp()]
    service = service_detecting_at(store, detected)
    ingest(service, producer_event("2026-03-01T10:00:00Z", V1, "sales.before"))
    ingest(service, producer_event("2026-03-02T10:00:00Z", V2_NO_EMAIL, "sales.before"))
    everything = BreakingCursor(store, None, clock=lambda: now[0])
    finance = BreakingCursor(store, "finance", clock=lambda: now[0])
    everything.skip_present()
    finance.skip_present()
    assert everything.fresh() == []  # written before it started

    # Stamped detected before the cursor's last read, written after it (the batch's walks and
    # write take time), and dated a year before the change above: it is told all the same.
    now[0] += 1
    ingest(service, producer_event("2025-03-01T10:00:00Z", V1))
    ingest(service, producer_event("2025-03-02T10:00:00Z", V2_NO_EMAIL))
    now[0] += 1
    told = everything.fresh()
    assert ids(told) == [(dataset_id(NS, CUSTOMERS), "email")]
    assert told[0].props["severity"] == "BREAKING"
    assert everything.fresh() == []  # once
    assert finance.fresh() == []  # of another domain's datasets

    # Two more, detected in turn: told in the order detected, not by their events' dates.
    for name, day, minutes in (("sales.later", "2026-05", 1), ("sales.earlier", "2026-01", 2)):
        detected[0] = DETECTED + timedelta(minutes=minutes)
        ingest(service, producer_event(f"{day}-01T10:00:00Z", V1, name))
        ingest(service, producer_event(f"{day}-02T10:00:00Z", V2_NO_EMAIL, name))
    now[0] = (DETECTED + timedelta(minutes=3)).timestamp()
    assert ids(everything.fresh()) == [
        (dataset_id(NS, "sales.later"), "email"),
        (dataset_id(NS, "sales.earlier"), "email"),
    ]

    # What it read is forgotten once older than the lag: nothing is told twice meanwhile.
    for _ in range(2):  # a read looks back LAG_SECONDS from the one before it
        now[0] += breaking_cursor.LAG_SECONDS + 10
        assert everything.fresh() == []
    assert everything._read == {}


def test_a_late_event_s_breaking_change_is_pushed_to_subscribers(live_server) -> None:
    """A change whose events are dated before every change pushed already (a late event, a
    producer's clock behind, a backfill) is pushed: the subscription follows detection."""
    from test_subscriptions import Connection

    query = "subscription { breakingChange { datasetId column at } }"

    async def scenario() -> None:
        connection = await Connection.open(live_server)
        await connection.acknowledged()
        await connection.subscribe("all", query)
        await probed_live(connection, "all", live_server.url)  # February 2026
        for when, fields in (("2025-06-01T10:00:00Z", V1), ("2025-06-02T10:00:00Z", V2_NO_EMAIL)):
            await asyncio.to_thread(
                post_with_client, live_server.url, [producer_event(when, fields)]
            )
        message = await unprobed(connection)
        change = message["payload"]["data"]["breakingChange"]
        assert (change["datasetId"], change["column"]) == (dataset_id(NS, CUSTOMERS), "email")
        assert change["at"].startswith("2025-06-02T10:00:00"), change
        await connection.close()

    asyncio.run(scenario())
