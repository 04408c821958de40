"""What the ``breakingChange`` subscription pushes (graph.notify.breaking_feed), on both stores: every change
written after it started, once, in the order heard, including a change whose events are dated before
changes pushed already, and those another server on the same store wrote."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from schema_events import CUSTOMERS, NS, V1, V2_NO_EMAIL, producer_event
from test_http_api import post_with_client
from test_schema_history import ingest, probed_live, unprobed

from graph.change.schema_history import SchemaHistory
from graph.core.model import dataset_id
from graph.intake.ingest_service import IngestService
from graph.notify import breaking_feed
from graph.notify.breaking_feed import BreakingFeed, FellBehind
from graph.notify.outbox import connect_outbox
from graph.read.change_feed import POLL_SECONDS
from graph.stores import Store

DETECTED = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)


def server(store: Store, moment: list[datetime], feed: BreakingFeed | None) -> IngestService:
    """An ingest service whose schema history stamps detections at ``moment[0]``, telling ``feed``
    (None: another server's)."""
    history = SchemaHistory(store, clock=lambda: moment[0])
    connect_outbox(history)
    if feed is not None:
        history.listeners.append(feed.detected)
    return IngestService(store, history=history)


def breaks(service: IngestService, name: str, year: str = "2026") -> None:
    """``name`` written with an email column, then without it: one breaking change."""
    ingest(service, producer_event(f"{year}-03-01T10:00:00Z", V1, name))
    ingest(service, producer_event(f"{year}-03-02T10:00:00Z", V2_NO_EMAIL, name))


def names(changes: list[Any]) -> list[str]:
    return [c.props["name"] for c in changes]


def test_the_feed_holds_each_change_heard_once_in_the_order_heard(store: Store) -> None:
    detected, other_detected = [DETECTED], [DETECTED]
    now = [(DETECTED + timedelta(seconds=30)).timestamp()]
    feed = BreakingFeed(store, clock=lambda: now[0])
    here, elsewhere = server(store, detected, feed), server(store, other_detected, None)
    breaks(here, "sales.before")
    breaks(elsewhere, "sales.elsewhere_before")
    start = feed.end()  # what was written before is behind it
    assert feed.after(start) == ([], start)

    # This server's change is held at once, though dated a year before the one above.
    breaks(here, CUSTOMERS, "2025")
    changes, number = feed.after(start)
    assert names(changes) == [CUSTOMERS]
    assert changes[0].props["severity"] == "BREAKING"
    assert feed.after(number) == ([], number)

    # Another server's: stamped detected before the feed's last read, written after it (its
    # walks and write take time), and found by the next read of the outbox, once.
    breaks(elsewhere, "sales.elsewhere")
    now[0] += 1
    feed.read_outbox()
    assert feed.after(number) == ([], number)  # read within POLL_SECONDS: not read again
    now[0] += POLL_SECONDS
    feed.read_outbox()
    changes, number = feed.after(number)
    assert names(changes) == ["sales.elsewhere"]
    now[0] += POLL_SECONDS
    feed.read_outbox()  # this server's and that one, heard already
    assert feed.after(number) == ([], number)

    # Detected in turn by two servers, heard in the order heard, not by their events' dates.
    other_detected[0] = DETECTED + timedelta(minutes=1)
    breaks(elsewhere, "sales.elsewhere_later", "2024")
    detected[0] = DETECTED + timedelta(minutes=2)
    breaks(here, "sales.here_later", "2027")
    now[0] += POLL_SECONDS
    feed.read_outbox()
    changes, number = feed.after(number)
    assert names(changes) == ["sales.here_later", "sales.elsewhere_later"]

    # A read after a long silence starts afresh: what is there was written before anyone listened.
    breaks(elsewhere, "sales.unheard")
    now[0] += breaking_feed.LAG_SECONDS + 1
    feed.read_outbox()
    assert feed.after(number) == ([], number)


def test_a_subscription_further_behind_than_the_ring_is_told_what_it_missed(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(breaking_feed, "RING", 2)
    feed = BreakingFeed(store)
    here = server(store, [DETECTED], feed)
    start = feed.end()
    for name in ("sales.a", "sales.b", "sales.c"):
        breaks(here, name)
    with pytest.raises(FellBehind) as behind:
        feed.after(start)
    assert behind.value.missed == 1
    assert names(feed.after(start + 1)[0]) == ["sales.b", "sales.c"]


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
