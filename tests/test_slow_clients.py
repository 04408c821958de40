"""Slow clients cannot hold connections, over raw sockets against a real server with
``--read-seconds 1``: a body trickling in gets 408 and the connection closed, headers trickling
in get the connection closed, and meanwhile everyone else is served."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from live_server import LiveServer

WAIT = (
    20  # socket timeout: far beyond the 1 s deadline, so a server that never closes fails the test
)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(["--data-dir", str(tmp_path / "store")], tmp_path / "server.log").start(
        ["--read-seconds", "1"]
    )
    try:
        yield server
    finally:
        server.stop()


def _connect(server: LiveServer) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=WAIT)
    sock.settimeout(WAIT)
    return sock


def _read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a timeout fails the test)."""
    received = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return received
        if not chunk:
            return received
        received += chunk


def _partial_post(server: LiveServer, path: str) -> socket.socket:
    """A POST announcing 1000 bytes of JSON body and sending 10 of them."""
    sock = _connect(server)
    sock.sendall(
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Type: application/json\r\n"
        'Content-Length: 1000\r\n\r\n{"eventTy'.encode()
    )
    return sock


@pytest.mark.parametrize("path", ["/api/v1/lineage", "/api/v1/lineage/batch", "/graphql"])
def test_a_slow_body_gets_408_and_the_connection_closed(server: LiveServer, path: str) -> None:
    with _partial_post(server, path) as sock:
        answer = _read_until_closed(sock)
    status, _, rest = answer.partition(b"\r\n")
    assert status.startswith(b"HTTP/1.1 408"), answer
    assert b"connection: close" in rest.lower()
    assert "--read-seconds" in json.loads(rest.partition(b"\r\n\r\n")[2])["error"]


def test_trickled_headers_get_the_connection_closed(server: LiveServer) -> None:
    with _connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        started = time.monotonic()
        closed = False
        while (
            time.monotonic() - started < WAIT
        ):  # a header byte now and then, as a slowloris client sends them
            try:
                sock.sendall(b"X")
                sock.settimeout(0.2)
                if sock.recv(1) == b"":
                    closed = True
                    break
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
        assert closed, "the server kept a connection whose headers never ended"


def test_many_slow_clients_do_not_stop_anyone_else(
    server: LiveServer, food_delivery_events: list[dict]
) -> None:
    slow = [_partial_post(server, "/api/v1/lineage") for _ in range(50)]
    try:
        assert httpx.get(f"{server.url}/healthz", timeout=WAIT).status_code == 200
        assert (
            httpx.post(
                f"{server.url}/api/v1/lineage", json=food_delivery_events[0], timeout=WAIT
            ).status_code
            == 201
        )
        for sock in slow:
            assert _read_until_closed(sock).startswith(b"HTTP/1.1 408")
    finally:
        for sock in slow:
            sock.close()
