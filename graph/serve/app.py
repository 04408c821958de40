"""The starlette application: OpenLineage and document ingest (dbt artifacts, contracts, quality
results: ``graph.serve.documents``), GraphQL (with GraphiQL), MCP, health and metrics.

Routes are thin: ingest parses and translates in a worker thread (large batches in a worker
process) and hands the mutations to the store; GraphQL executes in a worker thread so store I/O never blocks the event loop.

Who may call what (``graph.core.auth``): ``/healthz`` and the GraphiQL page are open; GraphQL and
``/metrics`` need a reader unless reading is open, and so does ``/mcp`` (``graph.mcp.http``); ingest needs a writer, and a writer only
writes its own domains (``graph.intake.authorization``). Every request is bounded: ingest by body size and
batch length, GraphQL by body size, document depth, tokens and aliases (a request error is a
400), traversals by a depth cap past which answers come back ``truncated``, each GraphQL operation
by its budget (``graph.serve.budget``: an error beyond) and the operations in flight by admission
(``graph.serve.admission``: 429 beyond). Without tokens, browsers acting for other sites are
refused (``graph.serve.origin``). Every answer carries the security and caching headers of
``graph.serve.headers``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import partial
from typing import Any

import anyio
import orjson
import strawberry
from cross_web import HTTPException as GraphQLHTTPException
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET, UnsetType

from graph.core.auth import AuthConfig, AuthError, Principal, Role
from graph.eventlog.event_log import RawEventLog
from graph.intake.ingest_service import IngestService
from graph.intake.kafka_ingest import KafkaIngest, KafkaMetrics, KafkaSettings, bound_principal
from graph.intake.quotas import Quotas
from graph.mcp.http import MCPEndpoint
from graph.notify.breaking_feed import BreakingFeed
from graph.notify.webhook_config import WebhookSettings
from graph.notify.webhooks import Deliverer
from graph.read.change_feed import ChangeFeed
from graph.read.namespaces import NamespaceIndex
from graph.serve.admission import Admission, Overloaded, Slots
from graph.serve.answers import encode_answer
from graph.serve.assets import STATIC_PATH, page, static_files
from graph.serve.budget import BUDGET_KEY, QueryAborted, QueryBudget
from graph.serve.connection_caps import ConnectionCounts, ConnectionLimits, ConnectionMetrics
from graph.serve.document_cache import DocumentCache, ValidDocuments
from graph.serve.documents import SOURCES as DOCUMENT_SOURCES
from graph.serve.documents import ingest_documents
from graph.serve.execution import JSON_FRAGMENTS
from graph.serve.headers import SecurityHeaders
from graph.serve.health_check import HealthCheck
from graph.serve.http_bodies import RequestRejected, read_capped
from graph.serve.ingest import REASONS, IngestConfig, IngestOutcome, ingest_batch, ingest_one
from graph.serve.limits import GraphQLLimits
from graph.serve.live_answers import BUILDS_KEY, AnswerBuilds
from graph.serve.logs import AccessLog
from graph.serve.manual import DOCS_PATH, Manual
from graph.serve.marquez import MarquezReadAPI
from graph.serve.marquez_request import PREFIX as MARQUEZ_PREFIX
from graph.serve.metrics import Metrics, MetricsMiddleware
from graph.serve.origin import RequestOrigin
from graph.serve.schema import LIMITS_KEY, LineageSchema, Query, Subscription, context
from graph.serve.slow_clients import DEFAULT_READ_SECONDS, BodyDeadline
from graph.serve.subscriptions import BREAKING_FEED_KEY, FEED_KEY, SLOTS_KEY
from graph.serve.translator import BatchTranslator
from graph.serve.webhook_admin import WEBHOOKS_KEY, DeliveryCollector
from graph.serve.websocket import (
    AUTHORIZATION_KEY,
    PRINCIPAL_KEY,
    AdmittedTransportWS,
    LiveMetrics,
    connection_context,
)
from graph.serve.websocket_frames import EXTENSION, FRAME_KEY, Framed
from graph.stores import Store, StoreUnavailable
from ingest.json_text import NotJSON, UnusableValue, loads_text

log = logging.getLogger(__name__)


class TraversalCaps(SchemaExtension):
    """Hands the configured maxima to the traversal resolvers (``graph.serve.schema``), which cap their
    walk arguments whatever the query asks: a lineage or impact cut short by the cap says so with
    ``truncated: true``. Once per operation, not a ``resolve`` hook: that would run on every field
    of a large answer."""

    def __init__(self, limits: GraphQLLimits) -> None:
        self.limits = limits

    def on_execute(self) -> Iterator[None]:
        self.execution_context.context[LIMITS_KEY] = self.limits
        yield


def limited_schema(
    limits: GraphQLLimits, documents: ValidDocuments | None = None
) -> strawberry.Schema:
    """The GraphQL schema of ``graph.serve.schema`` with the request limits and traversal caps, and
    its own cache of query texts that passed them (``graph.serve.document_cache``)."""
    documents = ValidDocuments() if documents is None else documents
    # The rules are made once: each limiter makes a new class of its rule, cyclic garbage.
    depth = QueryDepthLimiter(max_depth=limits.max_depth).validation_rules
    aliases = MaxAliasesLimiter(max_alias_count=limits.max_aliases).validation_rules
    return LineageSchema(
        query=Query,
        subscription=Subscription,
        extensions=[
            lambda: DocumentCache(documents),
            lambda: AddValidationRules(depth),
            lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
            lambda: AddValidationRules(aliases),
            lambda: TraversalCaps(limits),
        ],
    )


def _authorize(request: Request, auth: AuthConfig, need: Role) -> Principal:
    """The principal of a request that may act as ``need``, noted for the access log; raises AuthError."""
    principal = auth.authorize(
        request.headers.get("authorization"), request.client.host if request.client else None, need
    )
    request.state.principal = principal.name
    return principal


def _refusal(error: AuthError) -> JSONResponse:
    return JSONResponse({"error": error.error}, status_code=error.status, headers=error.headers)


class TextFrames(ASGIWebSocketAdapter):
    """graphql-transport-ws messages as text frames, as the protocol and browser clients expect
    (the view encodes JSON to bytes, which the stock adapter sends as binary frames)."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            if isinstance(message, Framed):  # made in the worker (graph.serve.websocket_frames)
                if EXTENSION in self.ws.scope.get("extensions", {}):
                    await self.ws.send({"type": "websocket.send", FRAME_KEY: message.frame})
                else:
                    await self.ws.send_text(message.text.decode())
                return
            encoded = self.view.encode_json(message)
            await self.ws.send_text(encoded if isinstance(encoded, str) else encoded.decode())
        except WebSocketDisconnect as e:
            raise WebSocketDisconnected from e


class ThreadedGraphQL(GraphQL[dict[str, Any], None]):
    """GraphQL queries and mutations (POST, GET), subscriptions over graphql-transport-ws, and
    GraphiQL for a browser (reference/graphql.md).

    Strawberry's ASGI view, behind authorization, a body limit and admission (``graph.serve.admission``),
    executing each operation synchronously in a worker thread within its budget (``graph.serve.budget``)."""

    websocket_adapter_class = TextFrames
    graphql_transport_ws_handler_class = AdmittedTransportWS

    def __init__(
        self,
        store: Store,
        auth: AuthConfig,
        limits: GraphQLLimits,
        metrics: Metrics,
        events: RawEventLog | None = None,
        changes: ChangeFeed | None = None,
        webhooks: WebhookSettings | None = None,
        connections: ConnectionLimits = ConnectionLimits(),
        breaking: BreakingFeed | None = None,
    ) -> None:
        self.documents = ValidDocuments()
        super().__init__(
            limited_schema(limits, self.documents),
            graphql_ide="graphiql",
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )
        self.store = store
        self.events = events
        self.auth = auth
        self.limits = limits
        self.metrics = metrics
        self.admission = Admission(limits.admission)
        self.changes = changes or ChangeFeed()
        self.breaking = breaking or BreakingFeed(store)
        self.webhooks = webhooks
        self.subscriptions = Slots(limits.max_connection_subscriptions, limits.max_subscriptions)
        self.connection_limits = connections
        self.connection_init_wait_timeout = timedelta(seconds=connections.ws_auth_seconds)
        self.builds = AnswerBuilds(limits.max_answer_builds, encode_answer, limits.max_push_bytes)
        self.idle_closed = 0  # websockets closed for idling (``graph.serve.websocket``)

    @property
    def graphql_ide_html(self) -> str:
        """GraphiQL loading its scripts from this server (``graph.serve.assets``), not from a CDN."""
        return page("graphiql.html")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        wants_ide = (
            request.method == "GET"
            and "query" not in request.query_params
            and "text/html" in request.headers.get("accept", "")
        )
        try:
            principal = (
                None if wants_ide else _authorize(request, self.auth, Role.READER)
            )  # the page itself holds no data
            body = (
                await read_capped(request, self.limits.max_body_bytes)
                if request.method == "POST"
                else b""
            )
        except AuthError as e:
            await _refusal(e)(scope, receive, send)
            return
        except RequestRejected as e:
            await JSONResponse({"error": e.error}, status_code=e.status)(scope, receive, send)
            return
        if principal is None:
            await super().__call__(scope, _replay(body, receive), send)
            return
        client = f"{principal.name}@{request.client.host if request.client else ''}"
        try:
            with self.admission.admit(client):
                await super().__call__(scope, _replay(body, receive), send)
        except Overloaded as e:
            await JSONResponse({"error": str(e)}, status_code=429, headers={"Retry-After": "1"})(
                scope, receive, send
            )

    async def get_context(self, request: Any, response: Any) -> dict[str, Any]:
        connection = {
            "request": request,
            "response": response,
            "max_nodes": self.limits.max_traversal_nodes,
            "deadline_seconds": self.limits.traversal_seconds,
            JSON_FRAGMENTS: True,
            WEBHOOKS_KEY: (self.auth, self.webhooks),
        }
        if isinstance(request, WebSocket):
            # the connection's; each operation adds its view and budget (``graph.serve.websocket``)
            return {
                **connection,
                **connection_context(),
                LIMITS_KEY: self.limits,
                FEED_KEY: self.changes,
                BREAKING_FEED_KEY: self.breaking,
                SLOTS_KEY: self.subscriptions,
                BUILDS_KEY: self.builds,
            }
        return {**connection, **self.fresh_context(), BUDGET_KEY: QueryBudget(self.limits.budget)}

    def fresh_context(self) -> dict[str, Any]:
        """What one operation reads through: a new view of the store, and the raw event log."""
        return context(self.store, self.events)

    @staticmethod
    def client_host(connection: dict[str, Any]) -> str:
        websocket = connection.get("request")
        client = getattr(websocket, "client", None)
        return client.host if client else ""

    def encode_payload(self, result: ExecutionResult) -> bytes:
        """A query's answer over the websocket, encoded in its worker by ``encode_json``, as for
        HTTP: an answer over ``--max-result-bytes`` becomes the error RESULT_TOO_LARGE."""
        errors = list(result.errors or ())
        for error in errors:
            if isinstance(error, QueryAborted):
                self.metrics.graphql_stopped.labels(error.extensions["code"]).inc()  # type: ignore[index]
        payload: dict[str, Any] = {"data": result.data}
        if errors:
            payload["errors"] = [error.formatted for error in errors]
        return self.encode_json(payload)

    async def on_ws_connect(self, context: dict[str, Any]) -> UnsetType:
        """A websocket reads as a query does: its token from ``connection_init``'s payload
        (``{"Authorization": "Bearer ..."}``, which a browser can send) or the upgrade's header."""
        websocket: WebSocket = context["request"]
        params = context.get("connection_params") or {}
        header = (
            params.get("Authorization")
            or params.get("authorization")
            or websocket.headers.get("authorization")
        )
        try:
            principal = self.auth.authorize(
                header if isinstance(header, str) else None,
                websocket.client.host if websocket.client else None,
                Role.READER,
            )
        except AuthError as e:
            raise ConnectionRejectionError({"error": e.error}) from None
        context[PRINCIPAL_KEY] = principal.name
        context[AUTHORIZATION_KEY] = (
            header if isinstance(header, str) else None
        )  # every operation's
        return UNSET

    def encode_json(self, data: object) -> bytes:
        """The response as strawberry encodes it, by orjson (10x faster on large answers, and it
        splices in the answer lists the native core rendered): UTF-8 rather than ASCII escapes,
        integers past 64 bits (in a JSON facet) written exactly. An answer over
        ``--max-result-bytes`` (which the budget only estimates while executing) becomes the error
        RESULT_TOO_LARGE."""
        encoded = encode_answer(data)
        budget = self.limits.budget
        if len(encoded) <= budget.max_result_bytes:
            return encoded
        self.metrics.graphql_stopped.labels("RESULT_TOO_LARGE").inc()
        error = QueryAborted(QueryBudget(budget).too_large(), "RESULT_TOO_LARGE")
        return orjson.dumps({"data": None, "errors": [error.formatted]})

    def decode_json(self, data: str | bytes) -> object:
        """JSON as strawberry reads it, but a 400 (not a 500) for bodies that are no UTF-8 or no object."""
        try:
            value = loads_text(
                data if isinstance(data, str) else data.decode("utf-8"), integers=False
            )
        except UnicodeDecodeError as e:
            raise GraphQLHTTPException(
                400, "Unable to parse request body as JSON: not UTF-8"
            ) from e
        except UnusableValue as e:  # a lone surrogate in the query, a variable or operationName
            raise GraphQLHTTPException(400, str(e)) from e
        except NotJSON as e:
            raise GraphQLHTTPException(400, f"Unable to parse request body as JSON: {e}") from e
        if not isinstance(value, (dict, list)):
            raise GraphQLHTTPException(400, f"expected a JSON object, got {type(value).__name__}")
        return value

    async def execute_single(
        self,
        request: Any,
        request_adapter: Any,
        sub_response: Any,
        context: Any,
        root_value: Any,
        request_data: Any,
    ) -> ExecutionResult:
        allowed = OperationType.from_http(request_adapter.method)
        started = time.perf_counter()
        execute = partial(
            self.schema.execute_sync,
            request_data.query,
            root_value=root_value,
            variable_values=request_data.variables,
            context_value=context,
            operation_name=request_data.operation_name,
            allowed_operation_types=allowed,
        )
        try:
            result = await _watching_disconnect(
                request, context[BUDGET_KEY], execute, self.admission
            )
        except CannotGetOperationTypeError as e:
            raise GraphQLHTTPException(400, e.as_http_error_reason()) from e
        except InvalidOperationTypeError as e:
            raise GraphQLHTTPException(400, e.as_http_error_reason(request_adapter.method)) from e
        except MissingQueryError as e:
            raise GraphQLHTTPException(400, "No GraphQL query found in the request") from e
        finally:
            self.metrics.graphql_seconds.observe(time.perf_counter() - started)
        for error in result.errors or ():
            if isinstance(error, QueryAborted):
                self.metrics.graphql_stopped.labels(error.extensions["code"]).inc()  # type: ignore[index]
        if (
            result.errors
            and result.data is None
            and all(
                error.path is None and not isinstance(error, QueryAborted)
                for error in result.errors
            )
        ):
            sub_response.status_code = (
                400  # a request error (syntax, validation, a limit): nothing was executed
            )
        return result


async def _watching_disconnect(
    request: Request,
    budget: QueryBudget,
    work: Callable[[], ExecutionResult],
    admission: Admission,
) -> ExecutionResult:
    """``work`` in a worker thread of ``admission``; if the client disconnects meanwhile, the
    budget is abandoned so the worker stops at its next charge instead of finishing an answer no
    one will read."""

    async def watch() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass
        budget.abandon()

    failure: Exception | None = None
    async with (
        anyio.create_task_group() as group
    ):  # errors of ``work`` are raised outside it, not as a group
        group.start_soon(watch)
        try:
            result = await admission.run(work)
        except Exception as e:  # noqa: BLE001 - re-raised below
            failure = e
        finally:
            group.cancel_scope.cancel()
    if failure is not None:
        raise failure
    return result


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands over an already read body, then waits on the real one (disconnects)."""
    pending = True

    async def replayed() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


IngestHandler = Callable[
    [Request, IngestService, IngestConfig, Principal], Awaitable[IngestOutcome]
]


def create_app(
    store: Store,
    config: IngestConfig = IngestConfig(),
    auth: AuthConfig = AuthConfig(),
    limits: GraphQLLimits = GraphQLLimits(),
    access_log: bool = False,
    allowed_hosts: Iterable[str] = (),
    read_seconds: float = DEFAULT_READ_SECONDS,
    events: RawEventLog | None = None,
    kafka: KafkaSettings | None = None,
    webhooks: WebhookSettings | None = None,
    connections: ConnectionLimits = ConnectionLimits(),
) -> Starlette:
    """The ASGI app serving one store. ``auth`` defaults to local mode (loopback clients only);
    ``access_log`` logs every request once through ``lineagemesh.access`` (``graph.serve.logs``).
    Large ingest batches are translated in a worker process
    (``graph.serve.translator``), stopped with the app. Without tokens, cross-origin changes are
    refused, and in local mode Host names other than loopback ones and ``allowed_hosts``
    (``graph.serve.origin``). A body not received within ``read_seconds`` of its headers is answered
    408 (``graph.serve.slow_clients``). ``events``: the raw event log accepted events are kept in
    (``graph.intake.ingest_service``), also read by GraphQL ``events``. ``kafka``: topics a consumer in
    this process ingests from (``graph.intake.kafka_ingest``), started and stopped with the app.
    ``connections``: the connection caps and websocket timeouts; the app's ``state.connections``
    holds the counts the server's protocols keep (``graph.serve.connection_caps``)."""
    metrics = Metrics(store)
    changes = ChangeFeed()  # subscriptions hear every apply (``graph.serve.subscriptions``)
    service = IngestService(
        store,
        events,
        config.rules,
        on_change=changes.notify,
        on_written=metrics.written.inc,
        max_clock_skew=config.max_clock_skew,
        quotas=Quotas(config.principal_quota),
    )
    breaking = BreakingFeed(store)  # what breakingChange subscriptions push
    assert service.history is not None
    service.history.listeners.append(breaking.detected)
    translator = BatchTranslator(config)
    health = HealthCheck(store, service.disk_probe())  # /healthz, never behind queries
    deliverer = None  # breaking-change webhooks (``graph.notify.webhooks``), from the outbox
    if webhooks is not None and webhooks.webhooks:
        deliverer = Deliverer(store, webhooks)
        service.history.listeners.append(deliverer.wake)
        service.history.outbox_listeners.append(deliverer.wake)  # quality_failed
        metrics.registry.register(DeliveryCollector(deliverer))

    consumer = (
        None
        if kafka is None
        else KafkaIngest(
            service,
            kafka,
            KafkaMetrics(metrics.registry),
            bound_principal(auth, kafka.principal) if kafka.principal else None,
        )
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        thread = None
        if deliverer is not None:
            deliverer.start()
        if consumer is not None:
            thread = threading.Thread(
                target=consumer.supervise, name="lineagemesh-kafka", daemon=True
            )
            thread.start()
        try:
            async with mcp.running():  # /mcp's sessions (``graph.mcp.http``)
                yield
        finally:
            if consumer is not None and thread is not None:
                consumer.stop()  # finishes and commits the batch in hand
                await run_in_threadpool(thread.join)
            translator.close()
            health.close()
            if deliverer is not None:
                await run_in_threadpool(deliverer.stop)

    async def ingest(request: Request, endpoint: str, handler: IngestHandler) -> Response:
        started = time.perf_counter()
        try:
            principal = _authorize(request, auth, Role.WRITER)
        except AuthError as e:
            outcome = IngestOutcome(_refusal(e), rejected=Counter({REASONS[e.status]: 1}))
        else:
            outcome = await handler(request, service, config, principal)
        metrics.record_ingest(endpoint, outcome, time.perf_counter() - started)
        request.state.events = outcome.events
        return outcome.response

    async def lineage(request: Request) -> Response:
        """Takes one OpenLineage event (a writer's token; ``graph.serve.ingest``), as Marquez's
        endpoint of the same path does."""
        return await ingest(request, "single", ingest_one)

    async def lineage_batch(request: Request) -> Response:
        """Takes a JSON array or NDJSON of OpenLineage events (a writer's token), each accepted or
        refused with its reason (``graph.serve.ingest``)."""
        return await ingest(
            request, "batch", partial(ingest_batch, translate_body=translator.translate)
        )

    async def documents(request: Request) -> Response:
        """Takes the documents of a source the path names — dbt artifacts, data contracts, data
        product descriptors or quality results — as JSON (a writer's token;
        ``graph.serve.documents``), all applied or none, as ``lineagemesh ingest
        dbt|contracts|products|quality --server`` sends them."""
        source = request.url.path.rsplit("/", 1)[-1]
        handler = partial(ingest_documents, source=source, admission=graphql.admission)
        return await ingest(request, source, handler)

    async def healthz(request: Request) -> Response:
        """200 when the store answers and the disk takes writes (``degraded`` with the reason
        when the Kafka consumer is down or its lag does not move); else 503 saying why. Never
        behind queries (``graph.serve.health_check``)."""
        try:
            unwritable = await health.unhealthy()
        except StoreUnavailable as e:
            unwritable = str(e)
        if unwritable is not None:
            return JSONResponse(
                {"status": "unavailable", "store": store.uri, "error": unwritable}, status_code=503
            )
        lagging = None if consumer is None else consumer.trouble()
        if lagging is not None:  # still serving: queries and HTTP ingest work
            return JSONResponse({"status": "degraded", "store": store.uri, "kafka": lagging})
        return JSONResponse({"status": "ok", "store": store.uri})

    async def metrics_endpoint(request: Request) -> Response:
        """Prometheus metrics of ingest, queries, connections and the store (a reader's token)."""
        try:
            _authorize(request, auth, Role.READER)
        except AuthError as e:
            return _refusal(e)
        return await metrics.endpoint(request)

    async def explorer(request: Request) -> Response:
        """The explorer page (``static/explorer``): it holds no data, its queries carry the token."""
        return HTMLResponse(page("explorer.html"))

    graphql = ThreadedGraphQL(
        store, auth, limits, metrics, events, changes, webhooks, connections, breaking
    )
    mcp = MCPEndpoint(graphql, auth)  # the MCP server, trusted and admitted as GraphQL is
    counts = ConnectionCounts(connections)
    metrics.registry.register(ConnectionMetrics(counts))
    metrics.registry.register(LiveMetrics(graphql))
    middleware = [Middleware(AccessLog)] if access_log else []
    middleware.append(Middleware(SecurityHeaders))  # on refusals too
    middleware.append(Middleware(MetricsMiddleware, metrics=metrics))
    middleware.append(
        Middleware(
            RequestOrigin,
            local_mode=auth.local_mode,
            check_origin=auth.local_mode or auth.insecure,
            allowed_hosts=allowed_hosts,
        )
    )
    middleware.append(
        Middleware(BodyDeadline, seconds=read_seconds)
    )  # innermost: its 408 is an answer like any
    app = Starlette(
        routes=[
            Route("/", explorer),
            Route("/api/v1/lineage", lineage, methods=["POST"]),
            Route("/api/v1/lineage/batch", lineage_batch, methods=["POST"]),
            *(
                Route(f"/api/v1/ingest/{source}", documents, methods=["POST"])
                for source in DOCUMENT_SOURCES
            ),
            Route("/healthz", healthz),
            Route("/metrics", metrics_endpoint, methods=["GET"]),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/mcp", mcp, methods=["GET", "POST", "DELETE"]),
            Mount(STATIC_PATH, static_files()),
            Mount(DOCS_PATH, Manual()),
            Mount(
                MARQUEZ_PREFIX,
                MarquezReadAPI(
                    store,
                    auth,
                    limits,
                    graphql.admission,
                    events,
                    NamespaceIndex(store, changes, on_build=metrics.namespace_index_builds.inc),
                ),
            ),  # after the write routes it shares
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
    app.state.connections = counts
    return app
