"""The root ``Subscription``: each field asks its question again as the graph changes, through
the live machinery of ``graph.serve.subscriptions`` (slots, the change feed, fingerprints)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from strawberry.types import Info

from graph.core.errors import QueryError
from graph.core.model import Direction
from graph.read import lineage as lineage_queries
from graph.read import queries
from graph.read.walk_defaults import DEFAULT_DEPTH
from graph.serve.schema.context import EVENTS_KEY, context, lineage_budget, view_at
from graph.serve.schema.kinds import LineageDirection
from graph.serve.schema.lineage import LineageGraph
from graph.serve.schema.nodes import Job
from graph.serve.schema_history_types import SchemaChange, breaking_changes
from graph.serve.subscriptions import job_mark, lineage_mark, live


def refresh(info: Info) -> Info:
    """``info`` with a new view of the store for the next answer: a view caches what it reads from
    a remote store, and a connection's context outlives many answers (its fields are resolved
    through it too, so it is replaced, not copied)."""
    info.context.update(context(info.context["store"].store, info.context.get(EVENTS_KEY)))
    return info


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="The answer of `lineage(nodeId, direction, depth)`, now and again each time "
        "ingested events change it."
    )
    async def lineage_changed(
        self,
        info: Info,
        node_id: str,
        direction: LineageDirection | None = Direction.BOTH,
        depth: int | None = DEFAULT_DEPTH,
    ) -> AsyncGenerator[LineageGraph, None]:
        def ask(info: Any) -> tuple[Any, bytes]:
            view = view_at(info, None)
            graph = lineage_queries.dataset_lineage(
                view,
                node_id,
                direction or Direction.BOTH,
                lineage_budget(info, depth),
            )
            return LineageGraph.of(view, info, graph), lineage_mark(graph)

        async for answer in live(info, ask, refresh):
            yield answer

    @strawberry.subscription(
        description="A job, now and again each time its latest run starts, changes state or ends."
    )
    async def run_state_changed(
        self, info: Info, namespace: str, name: str
    ) -> AsyncGenerator[Job, None]:
        def ask(info: Any) -> tuple[Any, bytes]:
            store = info.context["store"]
            job = queries.job(store, namespace, name)
            if job is None:
                raise QueryError(f"no job {namespace!r} {name!r}")
            return Job.of(job), job_mark(job, queries.runs(store, job, 1))

        async for answer in live(info, ask, refresh):
            yield answer

    @strawberry.subscription(
        description="Each breaking schema change detected from now on, with its impact "
        "(of the datasets of `domain`, when given; graph.change.schema_history)."
    )
    async def breaking_change(
        self, info: Info, domain: str | None = None
    ) -> AsyncGenerator[SchemaChange, None]:
        async for change in breaking_changes(info, domain):
            yield change
