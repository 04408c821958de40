"""A request must arrive within ``--read-seconds``: slow clients cannot hold connections.

A client that trickles its request (headers or body, a byte now and then) holds a connection, a
file descriptor and, once its handler runs, a task reading its body; enough of them exhaust the
descriptors and no one else is served. uvicorn bounds neither, so:

- ``HeaderDeadline``, the HTTP protocol, closes a connection that sends nothing within uvicorn's
  keep-alive timeout (5 s) of its opening, as uvicorn closes one idle after a response: idle
  connections from many addresses filled the server's cap for the whole ``--read-seconds`` (issue
  74); and one whose request line and headers have not all arrived within the deadline of the
  connection opening (or of the previous response);
- ``BodyDeadline``, ASGI middleware, answers 408 (with ``Connection: close``) a request whose
  body has not all arrived within the deadline of its headers; its handler stops reading.
"""

from __future__ import annotations

import asyncio
import math

import anyio
import h11
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

DEFAULT_READ_SECONDS = 30.0


class HeaderDeadline(H11Protocol):
    """uvicorn's h11 protocol, closing connections whose headers come too slowly. ``read_seconds``
    is set on a subclass per server (``graph.serve.connection_caps.uvicorn_options``): uvicorn
    makes the protocol from its class."""

    read_seconds = DEFAULT_READ_SECONDS

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._header_timer: asyncio.TimerHandle | None = None
        self._await_headers()
        # idle from the start as after a response; uvicorn cancels it at the first byte
        self.timeout_keep_alive_task = self.loop.call_later(
            self.timeout_keep_alive, self.timeout_keep_alive_handler
        )

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._await_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)

    def _await_headers(self) -> None:
        self._cancel_header_timer()
        if not self.transport.is_closing():
            self._header_timer = self.loop.call_later(self.read_seconds, self._headers_overdue)

    def _cancel_header_timer(self) -> None:
        timer = getattr(self, "_header_timer", None)
        if timer is not None:
            timer.cancel()
            self._header_timer = None

    def _headers_overdue(self) -> None:
        self._header_timer = None
        if (
            self.conn.their_state is h11.IDLE and not self.transport.is_closing()
        ):  # still no complete request
            self.transport.close()


class _BodyOverdue(Exception):
    """The body did not arrive in time."""


class BodyDeadline:
    """ASGI middleware: the whole body within ``seconds`` of the request's headers, or 408."""

    def __init__(self, app: ASGIApp, seconds: float = DEFAULT_READ_SECONDS) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        deadline = anyio.current_time() + self.seconds
        body_done = False
        started = False

        async def timed_receive() -> Message:
            nonlocal body_done
            if (
                body_done
            ):  # nothing more to read: waiting now is waiting for a disconnect, not reading
                return await receive()
            with anyio.move_on_after(max(deadline - anyio.current_time(), 0)) as scope_:
                message = await receive()
            if scope_.cancelled_caught:
                raise _BodyOverdue
            body_done = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, timed_receive, tracked_send)
        except _BodyOverdue:
            if started:
                raise
            refusal = JSONResponse(
                {
                    "error": f"request body not received within {_seconds(self.seconds)} s (--read-seconds)"
                },
                status_code=408,
                headers={"Connection": "close"},
            )
            await refusal(scope, receive, send)


def _seconds(value: float) -> str:
    return str(int(value)) if math.isclose(value, round(value)) else f"{value:g}"
