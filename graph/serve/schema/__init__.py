"""The GraphQL schema: a thin map from GraphQL fields to the query functions in ``graph``.

Resolvers are synchronous and the whole operation runs in a worker thread (see ``graph.serve.app``),
so a slow store never blocks the event loop. ``schema.graphql`` at the repository root is this
schema exported (``lineagemesh schema``); a test fails when the two differ.

One module per concept; the root ``Query`` (``query``) lists every top-level field in SDL order:

- ``context``: the operation's context, caps and budgets; ``kinds``: the enums;
- ``lineage``: lineage walks, ``lineageDiff``, ``node``; ``neighbours``: one hop, paged;
- ``nodes``: datasets, jobs, runs, columns and the domains, products, contracts they link;
- ``mesh``: the mesh's top-level fields and owners' profiles; ``owners``: ``Owner``;
- ``impact``: blast radius; ``search``; ``catalog``: ``stats``; ``events``: raw events;
- ``history``: schema history and webhook admin; ``subscriptions``: the root ``Subscription``.
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError

from graph.core.errors import QueryError
from graph.serve.budget import QueryAborted
from graph.serve.execution import FlatListExecutor
from graph.serve.schema.context import DEFAULT_DEPTH, EVENTS_KEY, LIMITS_KEY, MAX_PAGE, context
from graph.serve.schema.impact import _IMPACTED_NODE_FIELDS, ImpactedNode, ImpactReport
from graph.serve.schema.kinds import EdgeType, LineageDirection, NodeKind
from graph.serve.schema.lineage import (
    _LINEAGE_NODE_FIELDS,
    _LINEAGE_NODE_NAMES,
    LineageEdge,
    LineageGraph,
    LineageNode,
    lineage_nodes,
)
from graph.serve.schema.nodes import Column, DataProduct, Dataset, Domain, Job, Run
from graph.serve.schema.query import Query
from graph.serve.schema.subscriptions import Subscription

__all__ = [
    "DEFAULT_DEPTH",
    "EVENTS_KEY",
    "LIMITS_KEY",
    "MAX_PAGE",
    "_IMPACTED_NODE_FIELDS",
    "_LINEAGE_NODE_FIELDS",
    "_LINEAGE_NODE_NAMES",
    "Column",
    "DataProduct",
    "Dataset",
    "Domain",
    "EdgeType",
    "ImpactReport",
    "ImpactedNode",
    "Job",
    "LineageDirection",
    "LineageEdge",
    "LineageGraph",
    "LineageNode",
    "LineageSchema",
    "NodeKind",
    "Query",
    "Run",
    "Subscription",
    "context",
    "lineage_nodes",
    "schema",
]


class LineageSchema(strawberry.Schema):
    """Completes large answers in a tight loop (``graph.serve.execution``), and logs only unexpected
    errors: a query about a missing node is the caller's business."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("execution_context_class", FlatListExecutor)
        super().__init__(*args, **kwargs)

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        # Errors without a path are the request's own (syntax, bad variables): the client's business too.
        unexpected = [
            e
            for e in errors
            if e.path is not None
            and not isinstance(e, QueryAborted)
            and not isinstance(e.original_error, QueryError)
        ]
        if unexpected:
            super().process_errors(unexpected, execution_context)


schema = LineageSchema(query=Query, subscription=Subscription)
