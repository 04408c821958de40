"""How much one request may ask: the bounds of ingest requests and of GraphQL queries.

Every bound has a ``serve`` option. Past a request bound the answer is a 4xx naming it; past a
traversal bound the answer is partial and says so (``truncated: true``); past an operation's
budget (``graph.serve.budget``) it is a GraphQL error; past admission (``graph.serve.admission``) a 429.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.read.walk_defaults import DEFAULT_DEADLINE_SECONDS, DEFAULT_MAX_NODES
from graph.serve.admission import AdmissionLimits
from graph.serve.budget import BudgetLimits


@dataclass(frozen=True)
class IngestLimits:
    max_body_bytes: int = 16 * 1024 * 1024  # after decompression too (413 above)
    max_batch_events: int = 10_000  # events of one batch request (413 above)


@dataclass(frozen=True)
class GraphQLLimits:
    max_body_bytes: int = 1024 * 1024  # a POST /graphql body (413 above)
    max_depth: int = (
        15  # selection-set nesting of an operation, introspection not counted (400 above)
    )
    max_tokens: int = 5000  # lexical tokens of a document (400 above)
    max_aliases: int = (
        30  # aliased fields of a document, each possibly a whole traversal (400 above)
    )
    max_traversal_depth: int = (
        10_000  # a guard on lineage/columnLineage/impact depth; the budgets below do the bounding
    )
    max_traversal_nodes: int = DEFAULT_MAX_NODES  # nodes one walk may visit (truncated beyond)
    traversal_seconds: float = DEFAULT_DEADLINE_SECONDS  # time one walk may take (truncated beyond)
    max_page: int = 1000  # `first` arguments (Job.runs) are capped here
    budget: BudgetLimits = (
        BudgetLimits()
    )  # cost, answer size and time of one operation (an error beyond)
    admission: AdmissionLimits = (
        AdmissionLimits()
    )  # operations in flight per client and in all (429 beyond)
    max_connection_subscriptions: int = 8  # subscriptions one websocket may hold (an error beyond)
    max_subscriptions: int = 256  # subscriptions the server holds in all (an error beyond)
    max_answer_builds: int = 2  # subscription answers built at once, server-wide (the rest wait)
    max_push_bytes: int = 16 * 2**20  # subscription answers pushed a second, server-wide (paced)
