"""Errors a query reports to its caller as a plain message (a GraphQL error, a CLI line), never a crash."""

from __future__ import annotations


class QueryError(Exception):
    """The question cannot be answered as asked; the message says why."""


class NodeNotFound(QueryError, LookupError):
    """The node a query starts from does not exist."""


class WrongNodeKind(QueryError, ValueError):
    """The node exists but the query does not apply to its kind."""
