"""graphql-transport-ws on ``/graphql``, under the same rules as HTTP.

Every ``subscribe`` message is an operation like any POST, with its own budget
(``graph.serve.budget``). A query or mutation is admitted (``graph.serve.admission``: the client's and
the server's operations in flight; beyond, an ``error`` message with the code ``TOO_MANY_QUERIES``,
the websocket's 429), parsed, validated and run in a worker thread like an HTTP one, and its answer
encoded there too. A subscription is held by its own caps (``graph.serve.subscriptions``), which
builds each answer in a worker as well. Which of the two a message is, a small document tells at
once (parsing a few KiB costs microseconds, and a known text is not parsed again); a larger one is
admitted and parsed in a worker like a query, so no document of any size stalls the event loop.
The message itself is at most ``--max-query-bytes``: the websocket protocol refuses a longer one
(close 1009) without reading it.
A ``complete`` from the client, or its going away, abandons a running query's budget, so the worker
stops at its next charge; the admission slot is held until it has.

A websocket has ``--ws-auth-seconds`` to send ``connection_init`` (else it is closed with 4408) and,
once authenticated, is closed with 4408 too after ``--ws-idle-seconds`` without any operation.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from contextlib import suppress
from typing import Any

import anyio.to_thread
import orjson
from graphql import GraphQLError, get_operation_ast, parse
from graphql.language import OperationType as GraphQLOperationType
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
    _OperationStreamClosed,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    SubscribeMessage,
)
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType
from strawberry.utils.aio import aclosing

from graph.serve.admission import Overloaded
from graph.serve.budget import BUDGET_KEY, QueryAborted, QueryBudget
from graph.serve.subscriptions import CONNECTION_KEY
from graph.serve.websocket_frames import Framed, framed, framed_next

PRINCIPAL_KEY = "principal"  # context entry: who authenticated the websocket
AUTHORIZATION_KEY = "authorization"  # ... and with what (connection_init's, else the upgrade's)
IDLE_CODE = 4408  # as for a late connection_init: the socket timed out
OVERLOADED_CODE = "TOO_MANY_QUERIES"
SMALL_DOCUMENT = 4096  # characters of a document whose operation type is read on the event loop
_READS = (OperationType.QUERY, OperationType.MUTATION)
_ALL = (*_READS, OperationType.SUBSCRIPTION)
_numbers = itertools.count(1)


def connection_context() -> dict[str, Any]:
    """The entry naming one websocket for as long as the server runs (an ``id()`` may be reused)."""
    return {CONNECTION_KEY: next(_numbers)}


def _error_payload(message: str, code: str) -> list[Any]:
    return [{"message": message, "extensions": {"code": code}}]


class AdmittedTransportWS(BaseGraphQLTransportWSHandler[dict[str, Any], None]):
    """strawberry's graphql-transport-ws handler with one admission, one budget per operation and
    worker threads for all the work; see the module docstring. ``view`` is the app's
    ``ThreadedGraphQL``, which holds the admission, the limits and the encoder."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app: Any = self.view  # the app's ThreadedGraphQL
        self._budgets: dict[str, QueryBudget] = {}
        self._idle: asyncio.TimerHandle | None = None
        self._closing: asyncio.Task[None] | None = None
        self._shut = False

    # -- the connection --------------------------------------------------------------------------

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged:
            self._arm_idle()

    def _arm_idle(self) -> None:
        """Close the socket after ``ws_idle_seconds`` unless an operation starts before."""
        self._disarm_idle()
        if not self.operations and not self._shut:
            self._idle = asyncio.get_running_loop().call_later(
                self.app.connection_limits.ws_idle_seconds, self._idle_out
            )

    def _disarm_idle(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None

    def _idle_out(self) -> None:
        self._idle = None
        if not self.operations and self._closing is None:
            self.app.idle_closed += 1
            self._closing = asyncio.ensure_future(
                self.websocket.close(code=IDLE_CODE, reason="Idle timeout")
            )

    async def shutdown(self) -> None:
        self._shut = True
        self._disarm_idle()
        for budget in self._budgets.values():
            budget.abandon()
        await super().shutdown()
        if self._closing is not None:
            with suppress(Exception):
                await self._closing
            self._closing = None
        self.operations.clear()
        self._budgets.clear()
        self.context.clear()  # the connection's store view, request and principal: now, not at a GC

    async def cleanup_operation(self, operation_id: str) -> None:
        budget = self._budgets.get(operation_id)
        if budget is not None:
            budget.abandon()  # a query still running stops at its next charge
        await super().cleanup_operation(operation_id)
        if not self.operations and self.connection_acknowledged:
            self._arm_idle()

    def forget_id(self, id: str) -> None:
        super().forget_id(id)
        if not self.operations and self.connection_acknowledged:
            self._arm_idle()

    # -- operations ------------------------------------------------------------------------------

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if not self.connection_acknowledged:
            await self.websocket.close(code=4401, reason="Unauthorized")
            return
        op_id = message.get("id")
        payload = message.get("payload")
        query = payload.get("query") if isinstance(payload, dict) else None
        variables = payload.get("variables") if isinstance(payload, dict) else None
        name = payload.get("operationName") if isinstance(payload, dict) else None
        if (
            not isinstance(op_id, str)
            or not isinstance(query, str)
            or not isinstance(variables, dict | None)
            or not isinstance(name, str | None)
        ):
            await self.websocket.close(code=4400, reason="Invalid subscribe message")
            return
        if op_id in self.operations:
            await self.websocket.close(
                code=4409, reason=f"Subscriber for {op_id[:64]} already exists"
            )
            return
        operation = Operation(self, op_id, query, variables, name)
        self._disarm_idle()
        operation.task = asyncio.create_task(self._run(operation))
        operation.task.add_done_callback(self._task_done)
        self.operations[op_id] = operation

    def _operation_context(self, budget: QueryBudget) -> dict[str, Any]:
        """The connection's context with a fresh view of the store and this operation's budget."""
        return {**self.context, **self.app.fresh_context(), BUDGET_KEY: budget}

    async def _run(self, operation: Operation[dict[str, Any], None]) -> None:
        view = self.app
        budget = QueryBudget(view.limits.budget)
        self._budgets[operation.id] = budget
        context = self._operation_context(budget)
        client = f"{self.context.get(PRINCIPAL_KEY)}@{view.client_host(self.context)}"
        try:
            if self._known_subscription(operation):
                del self._budgets[operation.id]  # a subscription renews its budget per answer
                await self._subscribe(operation, context)
                return
            try:
                with view.admission.admit(client):
                    started = time.perf_counter()
                    try:
                        outcome = await view.admission.run(
                            _execute_or_prepare, view, operation, context
                        )
                    finally:
                        view.metrics.graphql_seconds.observe(time.perf_counter() - started)
            except Overloaded as e:
                await operation.send_initial_errors(
                    [GraphQLError(str(e), extensions={"code": OVERLOADED_CODE})]
                )
                return
            if isinstance(outcome, _Refused):
                refusal: Any = {"id": operation.id, "type": "error", "payload": outcome.payload}
                await operation.send_operation_message(refusal)
                return
            if isinstance(outcome, Framed):  # the answer, framed in the worker
                await operation.send_operation_message(outcome)  # type: ignore[arg-type]
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
                return
            del self._budgets[operation.id]  # a subscription renews its budget per answer
            await self._subscribe(operation, context)
        except _OperationStreamClosed:
            return
        finally:
            self._budgets.pop(operation.id, None)
            context.clear()  # what the operation read through, freed as it ends

    def _known_subscription(self, operation: Operation[dict[str, Any], None]) -> bool:
        """Whether a small document (or one validated before) is a subscription; a large unknown
        one is left to a worker, as are documents that do not parse."""
        document = self.app.documents.get(operation.query)
        if document is None:
            if len(operation.query) > SMALL_DOCUMENT:
                return False
            try:
                document = parse(operation.query, max_tokens=self.app.limits.max_tokens)
            except GraphQLError:
                return False
        found = get_operation_ast(document, operation.operation_name)
        return found is not None and found.operation is GraphQLOperationType.SUBSCRIPTION

    async def _subscribe(
        self, operation: Operation[dict[str, Any], None], context: dict[str, Any]
    ) -> None:
        """strawberry's own subscription run, with this operation's context (its document was
        validated and kept by the worker, so it is not parsed again here)."""
        result_source = await self.schema.stream(
            operation.query,
            variable_values=operation.variables,
            context_value=context,
            root_value=self.root_value,
            operation_name=operation.operation_name,
        )
        async with aclosing(result_source):
            await self._send_result_stream(operation, result_source)
        await operation.send_operation_message({"id": operation.id, "type": "complete"})

    async def _send_result_stream(
        self, operation: Operation[dict[str, Any], None], result_source: Any
    ) -> None:
        """strawberry's loop over a subscription's answers, but an answer the worker encoded
        (an ``orjson.Fragment``, ``graph.serve.live_answers``) is framed in a worker too: framing
        copies it several times, which on the event loop stalls every request for a large one."""
        first = True
        async for result in result_source:
            if first and isinstance(result, PreExecutionError):
                await self._handle_pre_execution_error(operation, result)
                return
            if not isinstance(result, ExecutionResult):
                await self._reject_incremental_delivery(operation)
                return
            first = False
            if isinstance(result.data, orjson.Fragment) and not result.errors:
                made = await anyio.to_thread.run_sync(
                    framed_next, operation.id, result.data, result.extensions
                )
                await operation.send_operation_message(made)
            else:
                await operation.send_next(result)


class _Refused:
    """The operation was refused before it ran: the ``error`` message's payload."""

    def __init__(self, payload: list[Any]) -> None:
        self.payload = payload


def _execute_or_prepare(
    view: Any, operation: Operation[dict[str, Any], None], context: dict[str, Any]
) -> Framed | _Refused | None:
    """In a worker: a query or mutation executed and its ``next`` message encoded and framed
    (``graph.serve.websocket_frames``); for a
    subscription, None once its document is validated (and kept); else why it was refused."""
    schema = view.schema
    try:
        result = schema.execute_sync(
            operation.query,
            variable_values=operation.variables,
            context_value=context,
            operation_name=operation.operation_name,
            allowed_operation_types=_READS,
        )
    except InvalidOperationTypeError:
        return _prepare_subscription(schema, operation, context)
    except CannotGetOperationTypeError as e:
        return _Refused(_error_payload(e.as_http_error_reason(), "BAD_REQUEST"))
    except MissingQueryError:
        return _Refused(_error_payload("No GraphQL query found in the request", "BAD_REQUEST"))
    if (
        result.data is None
        and result.errors
        and all(
            error.path is None and not isinstance(error, QueryAborted) for error in result.errors
        )
    ):
        return _Refused([error.formatted for error in result.errors])  # nothing was executed
    return framed({"id": operation.id, "type": "next"}, view.encode_payload(result))


def _prepare_subscription(
    schema: Any, operation: Operation[dict[str, Any], None], context: dict[str, Any]
) -> _Refused | None:
    """Parse and validate a subscription's document as strawberry would, with the schema's
    limits; a valid one is kept by the document cache (``graph.serve.document_cache``), so the
    event loop finds it there instead of parsing it."""
    execution_context = schema._create_execution_context(
        query=operation.query,
        allowed_operation_types=_ALL,
        variable_values=operation.variables,
        context_value=context,
        operation_name=operation.operation_name,
    )
    extensions = schema.get_extensions(sync=True)
    for extension in extensions:
        extension.execution_context = execution_context
    runner = schema.create_extensions_runner(execution_context, extensions)
    try:
        with runner.operation():
            failed: ExecutionResult | None = schema._prepare_operation_sync(
                execution_context, runner
            )
    except CannotGetOperationTypeError as e:
        return _Refused(_error_payload(e.as_http_error_reason(), "BAD_REQUEST"))
    if failed is not None:
        return _Refused([error.formatted for error in failed.errors or ()])
    return None


class LiveMetrics(Collector):
    """The websocket side in ``/metrics``: subscriptions held, answers being built, shared."""

    def __init__(self, view: Any) -> None:
        self.view = view

    def collect(self) -> Iterator[Metric]:
        view = self.view
        yield GaugeMetricFamily(
            "lineagemesh_subscriptions_open",
            "GraphQL subscriptions held now.",
            value=view.subscriptions.held,
        )
        yield GaugeMetricFamily(
            "lineagemesh_subscription_answers_building",
            "Subscription answers being built now (at most --max-answer-builds).",
            value=view.builds.building,
        )
        yield CounterMetricFamily(
            "lineagemesh_subscription_answers_shared",
            "Subscription answers handed over as built for another identical subscription.",
            value=view.builds.shared,
        )
        yield CounterMetricFamily(
            "lineagemesh_websockets_idle_closed",
            "Authenticated websockets closed after --ws-idle-seconds without an operation.",
            value=view.idle_closed,
        )
