"""How GraphQL subscriptions live: a lineage answer, or a job with its latest run, pushed again
when it changes (the ``Subscription`` type is ``graph.serve.schema.subscriptions``; this module knows
no schema type, so the schema imports it and not the other way round).

They run over graphql-transport-ws on ``/graphql`` (``graph.serve.app`` authorises the websocket as
it does a query, and refuses other sites' pages). A subscription answers at once, then waits on
the graph's change feed (``graph.read.change_feed``): after a change, at most once per ``MIN_INTERVAL``
seconds, it asks its question again and pushes the answer only if it differs from the last one
pushed. Every ``POLL_SECONDS`` it asks anyway, which picks up what other servers sharing one
Neo4j database wrote. Each answer is computed as a query is, with the walk budgets and a fresh
operation budget of its own, and entirely in worker threads: the walk here, its completion into
JSON by ``graph.serve.execution``, both through the server's bounded and shared answer builds
(``graph.serve.live_answers``). A change heard while an answer is being built or sent yields one
newer answer afterwards, not a queue. The subscriptions one connection and the whole server hold
are capped, and one past a cap is refused with an error. A subscription holds no answer between
pushes, and what it held is freed as it ends (no reference cycles left for the collector).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncGenerator, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from graphql import GraphQLError
from strawberry.types import Info

from graph.core.model import Node, PropertyKey
from graph.read import lineage as lineage_queries
from graph.read.change_feed import POLL_SECONDS, ChangeFeed
from graph.serve.admission import Full, Slots
from graph.serve.budget import BUDGET_KEY, QueryBudget
from graph.serve.live_answers import BUILDS_KEY, MARK_KEY, SIZE_KEY, AnswerBuilds

FEED_KEY = "changes"  # context entry: the server's ChangeFeed
BREAKING_FEED_KEY = (
    "breaking"  # context entry: the server's BreakingFeed (graph.notify.breaking_feed)
)
SLOTS_KEY = (
    "subscription_slots"  # context entry: the server's Slots of subscriptions, per connection
)
MIN_INTERVAL = (
    1.0  # seconds between two answers of one subscription, however often the graph changes
)


CONNECTION_KEY = (
    "connection"  # context entry: the number naming the websocket (``graph.serve.websocket``)
)


@contextmanager
def subscription_slot(slots: Slots, connection: int) -> Iterator[None]:
    """A slot for one subscription of ``connection``; raises a GraphQL error when none is free."""
    try:
        slots.take(connection)
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
        slots.give_back(connection)


def _question(info: Info) -> tuple[Any, ...] | None:
    """What a subscription asks: its document, operation and variables (None: not to be shared)."""
    operation = info.operation
    if operation.loc is None:
        return None
    name = operation.name.value if operation.name else None
    return (operation.loc.source.body, name, repr(info.variable_values))


async def live(
    info: Info, ask: Callable[[Any], tuple[Any, bytes]], refresh: Callable[[Info], Info]
) -> AsyncGenerator[Any, None]:
    """``ask(refresh(info))`` (an answer and its fingerprint, read through the fresh view ``refresh``
    puts in the context) now and after every
    change, yielding the answer whenever its fingerprint differs from the last one yielded. The
    subscriptions asking the same question of the same graph (its generation) share one walk."""
    context = info.context
    question = _question(info)
    feed: ChangeFeed = context[FEED_KEY]
    builds: AnswerBuilds = context[BUILDS_KEY]
    slots: Slots = context[SLOTS_KEY]
    limits = context[BUDGET_KEY].limits  # the operation's budget, renewed for each answer
    try:
        with subscription_slot(slots, context[CONNECTION_KEY]):
            last: bytes | None = None
            while True:
                await builds.pace(builds.sizes.get(question, 0))  # the server's push rate
                seen = feed.generation
                context[BUDGET_KEY] = QueryBudget(limits)  # this answer's, walk and completion
                # shared by the same question of the same graph within one poll period: what
                # other servers on a shared store wrote is heard by polling, so an answer kept
                # longer than that would hide it
                period = int(asyncio.get_running_loop().time() // POLL_SECONDS)
                answer, mark = await builds.once(
                    None if question is None else ("walk", *question, seen, period),
                    lambda: ask(refresh(info)),
                )
                if mark != last:
                    last = context[MARK_KEY] = mark
                    yield answer  # resumes once it was sent
                    builds.sizes[question] = context.get(SIZE_KEY, 0)
                del answer  # nothing held between pushes: 256 subscriptions, 256 answers
                await asyncio.sleep(MIN_INTERVAL)
                await feed.wait(seen, POLL_SECONDS)
    finally:
        if not slots.held:
            builds.forget()


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
        run.get(PropertyKey.STATE),
        run.get("startedAt"),
        run.get(PropertyKey.ENDED_AT),
        job.props.get(PropertyKey.LAST_SEEN_AT),
    )
