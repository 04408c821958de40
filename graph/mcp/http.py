"""``/mcp`` on ``lineagemesh serve``: the MCP server (``graph.mcp.server``) over the SDK's
streamable-HTTP transport, behind the same trust as ``/graphql``.

A request needs a reader, as GraphQL does (``graph.core.auth``: a token where tokens are
configured, loopback in local mode), else 401/403 before the SDK sees it; its body is capped at
GraphQL's ``--max-query-bytes``. Each tool call is one admitted operation of the GraphQL
admission (``graph.serve.admission``: per client and in all, 429-style refusal beyond) and runs in
its threads, and every GraphQL question it asks runs through the server's own schema with its
limits, traversal caps and a fresh budget (``graph.serve.budget``), exactly as a /graphql request
would. Stateless and JSON-answered: no session outlives its request, nothing is pushed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
import anyio.to_thread
from anyio.abc import TaskGroup, TaskStatus
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from graph.check.changeset import CheckError, Execute
from graph.core.auth import AuthConfig, AuthError, Role
from graph.core.errors import QueryError
from graph.serve.admission import Overloaded
from graph.serve.budget import BUDGET_KEY, QueryBudget

if TYPE_CHECKING:
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

    from graph.serve.app import ThreadedGraphQL

T = TypeVar("T")

#: The admitted client (``principal@address``) of the request a tool call came in on.
_CLIENT: ContextVar[str | None] = ContextVar("mcp_client", default=None)


class ServerBackend:
    """Tool calls on the server: admitted as GraphQL operations, answered by its schema."""

    def __init__(self, graphql: ThreadedGraphQL) -> None:
        self.graphql = graphql

    def execute(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """One GraphQL operation as /graphql runs it: the server's schema and limits, a fresh view
        of the store and a fresh budget."""
        graphql = self.graphql
        context = {
            "max_nodes": graphql.limits.max_traversal_nodes,
            "deadline_seconds": graphql.limits.traversal_seconds,
            **graphql.fresh_context(),
            BUDGET_KEY: QueryBudget(graphql.limits.budget),
        }
        result = graphql.schema.execute_sync(
            query, variable_values=variables, context_value=context
        )
        if result.errors:
            raise CheckError("; ".join(error.message for error in result.errors))
        assert result.data is not None, "a query that raised no error has data"
        return result.data

    async def run(self, work: Callable[[Execute], T]) -> T:
        client = _CLIENT.get()
        if client is None:  # never reached through MCPEndpoint: refuse rather than run unadmitted
            raise QueryError("no authorized client for this call")
        try:
            with self.graphql.admission.admit(client):
                return await self.graphql.admission.run(work, self.execute)
        except Overloaded as e:
            raise QueryError(str(e)) from None


def _session_manager(graphql: ThreadedGraphQL) -> StreamableHTTPSessionManager:
    """The MCP server over ``graphql`` and its stateless, JSON-answered transport. The SDK is
    imported here, when ``/mcp`` is first asked: most servers never are, and importing it and
    building the tools' models was ~0.5 s of every server's start."""
    from mcp.server.transport_security import TransportSecuritySettings

    from graph.mcp.server import build_server

    server = build_server(ServerBackend(graphql))
    server.streamable_http_app(
        json_response=True,
        stateless_http=True,
        max_request_body_size=graphql.limits.max_body_bytes,
        # Host and Origin are checked for every route by graph.serve.origin, by the server's rules
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    return server.session_manager


class MCPEndpoint:
    """The MCP server for AI agents (streamable HTTP; a reader's token, admitted and bounded as
    GraphQL is: ``graph.mcp``).

    The ASGI endpoint of ``/mcp``; :meth:`running` is entered by the app's lifespan. The server and
    its sessions' manager are made on the first authorized request (:func:`_session_manager`), in
    a worker thread, and run in the lifespan's task group until the app stops."""

    def __init__(self, graphql: ThreadedGraphQL, auth: AuthConfig) -> None:
        self.auth = auth
        self._graphql = graphql
        self._sessions: StreamableHTTPSessionManager | None = None
        self._tasks: TaskGroup | None = None
        self._stopping: anyio.Event | None = None
        self._making: anyio.Lock | None = None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        async with anyio.create_task_group() as tasks:
            self._tasks, self._stopping, self._making = tasks, anyio.Event(), anyio.Lock()
            try:
                yield
            finally:
                self._stopping.set()  # the sessions' manager, if made, leaves its run()

    async def _hold(self, *, task_status: TaskStatus[StreamableHTTPSessionManager]) -> None:
        sessions = await anyio.to_thread.run_sync(_session_manager, self._graphql)
        async with sessions.run():
            task_status.started(sessions)
            assert self._stopping is not None
            await self._stopping.wait()

    async def _sessions_made(self) -> StreamableHTTPSessionManager:
        assert self._making is not None and self._tasks is not None, "the app is not running"
        async with self._making:
            if self._sessions is None:
                self._sessions = await self._tasks.start(self._hold)
            return self._sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        host = request.client.host if request.client else None
        try:
            principal = self.auth.authorize(request.headers.get("authorization"), host, Role.READER)
        except AuthError as e:
            refusal = JSONResponse({"error": e.error}, status_code=e.status, headers=e.headers)
            await refusal(scope, receive, send)
            return
        request.state.principal = principal.name  # the access log's
        sessions = await self._sessions_made()
        token = _CLIENT.set(f"{principal.name}@{host or ''}")
        try:
            await sessions.handle_request(scope, receive, send)
        finally:
            _CLIENT.reset(token)
