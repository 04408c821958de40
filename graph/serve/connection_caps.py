"""How many connections the server holds: a cap in all and one per client address.

Every open connection, HTTP or websocket, holds a file descriptor and a little memory until it
ends; without a bound, a flood of them (bare TCP connects, or websockets that never authenticate)
exhausts the descriptors and then nobody is served, ingest included. So a connection is counted
from the moment it is accepted until it is closed, and one past ``--max-connections`` in all or
``--max-client-connections`` from its address is refused right there: a fixed ``503`` written
straight to the socket and the socket closed, before any byte of its request is read and before
the application sees it. A websocket stays counted for as long as it lives (uvicorn hands the
socket from the HTTP protocol to the websocket one; the count follows it).

At the server's cap, an HTTP connection with nothing in progress (none of a request received since
it opened or since its last answer) is closed to make room, the least recently active first: idle
connections from many addresses filled the cap and a clean client on another address got 503 on
55 of 93 ingests (issue 74). Only when every connection is busy is a newcomer refused.

The counts live on the event loop (protocol callbacks run there); ``/metrics`` reads them.
"""

from __future__ import annotations

import asyncio
import logging
import resource
from collections import Counter, OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import h11
import orjson
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.http11 import Request
from websockets.protocol import State

from graph.serve.slow_clients import HeaderDeadline
from graph.serve.websocket_frames import EXTENSION, FRAME_KEY

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConnectionLimits:
    total: int = 1024  # connections the server holds at once, HTTP and websocket (503 beyond)
    per_address: int = 256  # ... from one client address (503 beyond)
    ws_auth_seconds: float = 5.0  # a websocket's connection_init must come within this (4408)
    ws_idle_seconds: float = 300.0  # an authenticated websocket without operations is closed after


REASONS = ("server", "address")  # why a connection was refused: the server's cap or its address's
FRAMED = ("worker", "loop")  # where a websocket message's frame was made


def _refusal(message: str) -> bytes:
    body = orjson.dumps({"error": message})
    head = (
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\nretry-after: 1\r\n\r\n"
    )
    return head.encode() + body


class ConnectionCounts:
    """The open connections, in all and per address; which to refuse."""

    def __init__(self, limits: ConnectionLimits) -> None:
        self.limits = limits
        self.open = 0
        self.websockets = 0
        self.refused: Counter[str] = Counter()
        self.evicted = 0  # idle connections closed to make room at the server's cap
        # websocket messages sent, and their bytes (a text message's characters), by where their
        # frame was made: "worker" (with the answer, graph.serve.websocket_frames) or "loop"
        # (by ``websockets`` on the event loop: only small protocol messages should be)
        self.ws_messages: Counter[str] = Counter()
        self.ws_bytes: Counter[str] = Counter()
        self._by_address: Counter[str] = Counter()
        self._idle: OrderedDict[CappedHTTP, None] = OrderedDict()  # least recently active first
        self._answers = {
            "server": _refusal(
                f"the server holds its maximum of {limits.total} connections "
                "(--max-connections); retry shortly"
            ),
            "address": _refusal(
                f"too many connections from this address (at most {limits.per_address}, "
                "the server's --max-client-connections); close some and retry"
            ),
        }

    def admit(self, address: str) -> bytes | None:
        """Count a new connection from ``address``; or, over a cap, the answer refusing it. At the
        server's cap the least recently active idle connection is closed for it, if there is one."""
        if self._by_address[address] < self.limits.per_address:
            while self.open >= self.limits.total and self._idle:
                victim, _ = self._idle.popitem(last=False)
                if victim.close_if_idle():
                    self.evicted += 1
        if self.open >= self.limits.total:
            reason = "server"
        elif self._by_address[address] >= self.limits.per_address:
            reason = "address"
        else:
            self.open += 1
            self._by_address[address] += 1
            return None
        self.refused[reason] += 1
        return self._answers[reason]

    def release(self, address: str) -> None:
        self.open -= 1
        self._by_address[address] -= 1
        if not self._by_address[address]:
            del self._by_address[address]

    def per_address(self, address: str) -> int:
        return self._by_address.get(address, 0)

    def idle(self, connection: CappedHTTP) -> None:
        """``connection`` waits for a request: the last to be closed for room, as the newest."""
        self._idle[connection] = None
        self._idle.move_to_end(connection)

    def busy(self, connection: CappedHTTP) -> None:
        """``connection`` is receiving a request, or gone: never closed for room."""
        self._idle.pop(connection, None)


def _address(transport: asyncio.BaseTransport) -> str:
    peer = transport.get_extra_info("peername")
    return str(peer[0]) if isinstance(peer, (tuple, list)) and peer else "unix"


class CappedHTTP(HeaderDeadline):
    """uvicorn's HTTP protocol (with the header deadline), counting its connection and refusing
    it over a cap. ``counts`` is set on a subclass per server (``capped``)."""

    counts: ConnectionCounts

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._counted: str | None = None
        address = _address(transport)
        refusal = self.counts.admit(address)
        if refusal is not None:
            transport.write(refusal)
            transport.close()  # reads nothing more: its request never reaches the application
            return
        self._counted = address
        self.counts.idle(self)

    def data_received(self, data: bytes) -> None:
        self.counts.busy(self)
        super().data_received(data)

    def on_response_complete(self) -> None:
        super().on_response_complete()  # may start a request already received (pipelined)
        if self._counted is not None and self._waiting():
            self.counts.idle(self)

    def _waiting(self) -> bool:
        """Nothing of a request received and no answer being sent."""
        conn = self.conn
        return (
            conn.their_state is h11.IDLE
            and conn.our_state is h11.IDLE
            and not conn.trailing_data[0]
            and (self.cycle is None or self.cycle.response_complete)
            and not self.transport.is_closing()
        )

    def close_if_idle(self) -> bool:
        """Close the connection to make room, if it is still waiting for a request; its count is
        given back now (the transport reports the loss only at the loop's next turn)."""
        if self._counted is None or not self._waiting():
            return False
        counted, self._counted = self._counted, None
        self.counts.release(counted)
        self.transport.close()
        return True

    def handle_websocket_upgrade(self, event: h11.Request) -> None:
        self._counted = None  # the websocket protocol takes the socket, and its count, over
        self.counts.busy(self)
        super().handle_websocket_upgrade(event)

    def connection_lost(self, exc: Exception | None) -> None:
        self.counts.busy(self)
        counted = getattr(self, "_counted", None)
        if counted is not None:
            self._counted = None
            self.counts.release(counted)
        super().connection_lost(exc)


class CappedWebSockets(WebSocketsSansIOProtocol):
    """uvicorn's websocket protocol, giving the connection's count back when it closes, and
    writing the frames a worker made (``graph.serve.websocket_frames``) as they are."""

    counts: ConnectionCounts

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        self.scope["extensions"][EXTENSION] = {}  # (the app runs later)

    async def send(self, message: Any) -> None:
        if message.get("type") != "websocket.send":
            return await super().send(message)
        frame = message.get(FRAME_KEY)
        if frame is None:
            self.counts.ws_messages["loop"] += 1
            self.counts.ws_bytes["loop"] += len(message.get("text") or message.get("bytes") or "")
            return await super().send(message)
        await self.writable.wait()  # as uvicorn's: the transport's buffer drained enough
        if self.disconnected or self.close_sent or self.conn.state is not State.OPEN:
            raise ClientDisconnected()
        self.transport.write(frame)
        self.counts.ws_messages["worker"] += 1
        self.counts.ws_bytes["worker"] += len(frame)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._counted: str | None = _address(transport)
        self.counts.websockets += 1

    def connection_lost(self, exc: Exception | None) -> None:
        counted, self._counted = self._counted, None
        if counted is not None:
            self.counts.websockets -= 1
            self.counts.release(counted)
        super().connection_lost(exc)


class ConnectionMetrics(Collector):
    """The connection counts and caps in ``/metrics``."""

    def __init__(self, counts: ConnectionCounts) -> None:
        self.counts = counts

    def collect(self) -> Iterator[Metric]:
        counts = self.counts
        yield GaugeMetricFamily(
            "lineagemesh_connections_open",
            "Connections open now, HTTP and websocket.",
            value=counts.open,
        )
        yield GaugeMetricFamily(
            "lineagemesh_websockets_open",
            "Websocket connections open now.",
            value=counts.websockets,
        )
        limit = GaugeMetricFamily(
            "lineagemesh_connections_limit",
            "The connection caps: in all (server) and per client address (address).",
            labels=["scope"],
        )
        limit.add_metric(["server"], counts.limits.total)
        limit.add_metric(["address"], counts.limits.per_address)
        yield limit
        refused = CounterMetricFamily(
            "lineagemesh_connections_refused",
            "Connections refused at once over a cap, by which cap.",
            labels=["reason"],
        )
        for reason in REASONS:
            refused.add_metric([reason], counts.refused[reason])
        yield refused
        yield CounterMetricFamily(
            "lineagemesh_connections_evicted",
            "Idle connections closed at the server's cap to make room for a new one.",
            value=counts.evicted,
        )
        messages = CounterMetricFamily(
            "lineagemesh_websocket_messages_sent",
            "Websocket messages sent, by where their frame was made: with the answer in a worker "
            "thread (worker) or on the event loop (loop: small protocol messages only).",
            labels=["framed"],
        )
        sent = CounterMetricFamily(
            "lineagemesh_websocket_sent_bytes",
            "Bytes of the websocket messages sent (a text message's characters), by where their "
            "frame was made (framed: worker or loop).",
            labels=["framed"],
        )
        for where in FRAMED:
            messages.add_metric([where], counts.ws_messages[where])
            sent.add_metric([where], counts.ws_bytes[where])
        yield messages
        yield sent


def uvicorn_options(
    read_seconds: float, counts: ConnectionCounts, max_message_bytes: int
) -> dict[str, Any]:
    """The uvicorn ``Config`` options enforcing the header deadline, the connection caps and the
    largest websocket message (``--max-query-bytes``, as a GraphQL POST body: a longer one
    closes the socket with 1009, unread). Websocket messages are not compressed: deflating is
    done on the event loop, ~10 ms a megabyte, for every subscriber of every pushed answer."""
    _check_descriptors(counts.limits.total)
    return {
        "ws_max_size": max_message_bytes,
        "ws_per_message_deflate": False,
        "http": type("CappedHTTP", (CappedHTTP,), {"counts": counts, "read_seconds": read_seconds}),
        "ws": type("CappedWebSockets", (CappedWebSockets,), {"counts": counts}),
    }


SPARE_DESCRIPTORS = 256  # for the store, the event log, worker processes and refused sockets


def _check_descriptors(connections: int) -> None:
    """Raise the soft descriptor limit towards the hard one if the cap needs it; say if it cannot."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = connections + SPARE_DESCRIPTORS
    if soft != resource.RLIM_INFINITY and soft < need:
        target = need if hard == resource.RLIM_INFINITY else min(need, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        if target < need:
            log.warning(
                "--max-connections %d needs ~%d file descriptors, the limit is %d: lower it",
                connections,
                need,
                target,
            )
