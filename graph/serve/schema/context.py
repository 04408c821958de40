"""One operation's context and what resolvers read from it: the store's view, the server's caps
(page sizes, traversal depth), the walk budgets, and the ``asOf`` view of the past."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from strawberry.types import Info

from graph.core.errors import QueryError
from graph.core.model import FACET_PREFIX, Node, PropertyKey
from graph.core.mutations import stamp
from graph.eventlog.event_log import RawEventLog
from graph.read.health import UPSTREAM_MAX_NODES, Walks
from graph.read.view import GraphView
from graph.read.walk_defaults import DEFAULT_DEADLINE_SECONDS, DEFAULT_DEPTH, Budget
from graph.serve.budget import BUDGET_KEY
from graph.serve.limits import GraphQLLimits
from graph.stores import Store

MAX_PAGE = GraphQLLimits.max_page  # page sizes where no server set limits
LIMITS_KEY = "limits"  # the context entry holding the server's GraphQLLimits


def capped(info: Info, value: int, limit: str) -> int:
    """``value``, at most the server's ``limit`` (a ``GraphQLLimits`` field, which
    ``graph.serve.app`` puts in the context); uncapped where no server set limits."""
    limits = info.context.get(LIMITS_KEY)
    return value if limits is None else min(value, getattr(limits, limit))


def lineage_budget(info: Info, depth: int | None) -> Budget:
    """A lineage walk's budget: ``depth`` hops (a null one means the default, a negative one no
    hops; never past the server's cap) and :func:`walk_budgets`' nodes and time."""
    hops = max(capped(info, DEFAULT_DEPTH if depth is None else depth, "max_traversal_depth"), 0)
    return Budget(hops, **walk_budgets(info))


def impact_depth(info: Info, depth: int | None) -> int | None:
    """An impact depth: a null one means unbounded (the server's cap, if any); a negative one means no hops."""
    limits = info.context.get(LIMITS_KEY)
    if depth is None:
        return None if limits is None else max(limits.max_traversal_depth, 0)
    return max(capped(info, depth, "max_traversal_depth"), 0)


def context(store: Store, events: RawEventLog | None = None) -> dict[str, Any]:
    """The execution context of one operation: the current view of the store (walks' nodes in
    summary form: lineage and impact answers show only those properties), and the raw event log."""
    return {"store": GraphView(store, summaries=True), EVENTS_KEY: events}


EVENTS_KEY = "events"


def store_view(info: Info) -> GraphView:
    return info.context["store"]


def page_size(info: Info, first: int) -> int:
    return max(min(first, max_page(info)), 0)


def max_page(info: Info) -> int:
    return capped(info, MAX_PAGE, "max_page")


def walk_budgets(info: Info) -> dict[str, Any]:
    """The node and time budgets of one walk, as the server is configured (library defaults
    otherwise); never more time than the operation has left (``graph.serve.budget``)."""
    budgets = {
        key: info.context[key] for key in ("max_nodes", "deadline_seconds") if key in info.context
    }
    budget = info.context.get(BUDGET_KEY)
    if budget is not None:
        budget.check()
        budgets["deadline_seconds"] = min(
            budgets.get("deadline_seconds", budget.limits.seconds), budget.remaining_seconds()
        )
    return budgets


def health_walks(info: Info) -> Walks:
    """The bounds of a health judgement's upstream walks: :func:`walk_budgets`' nodes and time for
    all of its walks together, the operation's budget checked before each (so a rollup over a
    whole mesh stops at ``--query-seconds`` with QUERY_TIMEOUT, not after its last walk)."""
    budgets = walk_budgets(info)
    budget = info.context.get(BUDGET_KEY)
    return Walks.of(
        max_nodes=budgets.get("max_nodes", UPSTREAM_MAX_NODES),
        deadline_seconds=budgets.get("deadline_seconds", DEFAULT_DEADLINE_SECONDS),
        check=None if budget is None else budget.check,
    )


def view_at(info: Info, as_of: datetime | None) -> GraphView:
    """The view for an ``asOf`` argument: the current one, or the graph as it was then."""
    if as_of is None:
        return store_view(info)
    moment = as_of if as_of.tzinfo else as_of.replace(tzinfo=UTC)
    try:
        return GraphView(store_view(info).store, stamp(moment))
    except OverflowError:
        raise QueryError(f"asOf {as_of.isoformat()} is out of range in UTC") from None


def facets_of(node: Node) -> dict[str, Any]:
    return {k[len(FACET_PREFIX) :]: v for k, v in node.props.items() if k.startswith(FACET_PREFIX)}


def by_id(node: Node) -> tuple[str]:
    return (node.id,)


def newest_first(run: Node) -> tuple[str, str]:
    return (run.props.get(PropertyKey.CREATED_AT) or "", run.id)
