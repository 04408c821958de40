"""The starlette application: OpenLineage ingest, GraphQL (with GraphiQL) and health.

Routes are thin: ingest parses and translates in a worker thread and hands the mutations to the
store; GraphQL executes in a worker thread so store I/O never blocks the event loop.
"""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from cross_web import HTTPException as GraphQLHTTPException
from strawberry.types.graphql import OperationType

from graph.api.ingest import IngestConfig, ingest_batch, ingest_one
from graph.api.schema import context, schema
from graph.stores import Store, StoreUnavailable

log = logging.getLogger(__name__)


class ThreadedGraphQL(GraphQL):
    """Strawberry's ASGI view, executing each operation synchronously in a worker thread."""

    def __init__(self, store: Store) -> None:
        super().__init__(schema, graphql_ide="graphiql")
        self.store = store

    async def get_context(self, request, response):  # type: ignore[no-untyped-def]
        return {"request": request, "response": response, **context(self.store)}

    async def execute_single(self, request, request_adapter, sub_response, context, root_value, request_data):  # type: ignore[no-untyped-def]
        allowed = OperationType.from_http(request_adapter.method)
        try:
            return await run_in_threadpool(
                self.schema.execute_sync,
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
            )
        except CannotGetOperationTypeError as e:
            raise GraphQLHTTPException(400, e.as_http_error_reason()) from e
        except InvalidOperationTypeError as e:
            raise GraphQLHTTPException(400, e.as_http_error_reason(request_adapter.method)) from e
        except MissingQueryError as e:
            raise GraphQLHTTPException(400, "No GraphQL query found in the request") from e


def create_app(store: Store, config: IngestConfig = IngestConfig()) -> Starlette:
    """The ASGI app serving one store."""

    async def lineage(request: Request) -> Response:
        return await ingest_one(request, store, config)

    async def lineage_batch(request: Request) -> Response:
        return await ingest_batch(request, store, config)

    async def healthz(request: Request) -> Response:
        try:
            await run_in_threadpool(store.ping)
        except StoreUnavailable as e:
            return JSONResponse({"status": "unavailable", "store": store.uri, "error": str(e)}, status_code=503)
        return JSONResponse({"status": "ok", "store": store.uri})

    async def root(request: Request) -> Response:
        return RedirectResponse("/graphql")

    return Starlette(
        routes=[
            Route("/", root),
            Route("/api/v1/lineage", lineage, methods=["POST"]),
            Route("/api/v1/lineage/batch", lineage_batch, methods=["POST"]),
            Route("/healthz", healthz),
            Route("/graphql", ThreadedGraphQL(store), methods=["GET", "POST"]),
        ]
    )
