"""How GraphQL subscriptions live: a lineage answer, or a job with its latest run, pushed again
when it changes (the ``Subscription`` type is ``graph.api.schema.subscriptions``; this module knows
no schema type, so the schema imports it and not the other way round).

They run over graphql-transport-ws on ``/graphql`` (``graph.api.app`` authorises the websocket as
it does a query, and refuses other sites' pages). A subscription answers at once, then waits on
the graph's change feed (``graph.changes``): after a change, at most once per ``MIN_INTERVAL``
seconds, it asks its question again and pushes the answer only if it differs from the last one
pushed. Every ``POLL_SECONDS`` it asks anyway, which picks up what other servers sharing one
Neo4j database wrote. Each answer is computed as a query is (in a worker thread, with the walk
budgets, and the operation budget renewed per push); the subscriptions one connection and the
whole server hold are capped, and one past a cap is refused with an error.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncGenerator, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from graphql import GraphQLError
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from graph import lineage as lineage_queries
from graph.api.admission import Full, Slots
from graph.api.budget import BUDGET_KEY
from graph.changes import ChangeFeed
from graph.model import Node

FEED_KEY = "changes"  # context entry: the server's ChangeFeed
SLOTS_KEY = (
    "subscription_slots"  # context entry: the server's Slots of subscriptions, per connection
)
MIN_INTERVAL = (
    1.0  # seconds between two answers of one subscription, however often the graph changes
)
POLL_SECONDS = 15.0  # ask again after this long without a change heard


@contextmanager
def _slot(slots: Slots, connection: object) -> Iterator[None]:
    """A slot for one subscription of ``connection``; raises a GraphQL error when none is free."""
    try:
        slots.take(id(connection))
    except Full as e:
        if e.holder_full:
            raise GraphQLError(
                f"at most {slots.per_holder} subscriptions per connection",
                extensions={"code": "TOO_MANY_SUBSCRIPTIONS"},
            ) from None
        raise GraphQLError(
            f"the server holds its maximum of {slots.total} subscriptions; retry later",
            extensions={"code": "TOO_MANY_SUBSCRIPTIONS"},
        ) from None
    try:
        yield
    finally:
        slots.give_back(id(connection))


async def live(
    info: Info, ask: Callable[[Any], tuple[Any, bytes]], refresh: Callable[[Info], Info]
) -> AsyncGenerator[Any, None]:
    """``ask(refresh(info))`` (an answer and its fingerprint, read through the fresh view
    ``refresh`` puts in the context) now and after every change, yielding the answer whenever its
    fingerprint differs from the last one yielded."""
    feed: ChangeFeed = info.context[FEED_KEY]
    budget = info.context.get(BUDGET_KEY)
    with _slot(info.context[SLOTS_KEY], info.context):
        last: bytes | None = None
        while True:
            seen = feed.generation
            if budget is not None:
                budget.renew()
            answer, mark = await run_in_threadpool(ask, refresh(info))
            if mark != last:
                last = mark
                yield answer
            await asyncio.sleep(MIN_INTERVAL)
            await feed.wait(seen, POLL_SECONDS)


def _digest(*parts: Any) -> bytes:
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).digest()


def lineage_mark(graph: lineage_queries.LineageGraph) -> bytes:
    """What a lineage answer shows: its nodes (and whether dropped or declared), edges, truncation."""
    answer = graph.answer
    return _digest(
        answer.node_column("id"),
        answer.node_column("deleted"),
        answer.node_column("declared"),
        answer.edge_column("source"),
        answer.edge_column("target"),
        answer.edge_column("kind"),
        graph.truncated,
    )


def job_mark(job: Node, runs: list[Node]) -> bytes:
    """What a job's live view shows: its latest run and that run's state and times."""
    run = runs[0].props if runs else {}
    return _digest(
        job.id,
        runs[0].id if runs else None,
        run.get("state"),
        run.get("startedAt"),
        run.get("endedAt"),
        job.props.get("lastSeenAt"),
    )
