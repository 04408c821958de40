"""The server's GraphQL schema (with its default limits) executed in the test's own process on a
store, for tests of what the resolvers answer that need no HTTP between them and the store."""

from __future__ import annotations

from typing import Any

from strawberry.types import ExecutionResult

from graph.serve.app import limited_schema
from graph.serve.limits import GraphQLLimits
from graph.serve.schema import context
from graph.stores import Store

SCHEMA = limited_schema(GraphQLLimits())


def execute(store: Store, query: str, **variables: Any) -> ExecutionResult:
    """``query`` with ``variables`` on ``store``, as a request without HTTP details."""
    return SCHEMA.execute_sync(
        query,
        variable_values=variables,
        context_value={"request": None, "response": None, **context(store)},
    )


def run(store: Store, query: str, **variables: Any) -> dict[str, Any]:
    """The data ``query`` answers, which must come without errors."""
    result = execute(store, query, **variables)
    assert not result.errors, result.errors
    return result.data  # type: ignore[return-value]


def errors(store: Store, query: str, **variables: Any) -> list[str]:
    """The messages of the errors ``query`` answers (none: an empty list)."""
    return [e.message for e in execute(store, query, **variables).errors or []]
