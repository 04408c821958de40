"""Idle connections cannot fill the server (issue 74, finding 4: idle connections from many
addresses filled the 1,024-connection cap and were closed only after ``--read-seconds``, so a clean
client on another address got 503 on 55 of 93 ingests). Over raw sockets against a real server:
a connection that sends nothing is closed after the short keep-alive timeout whatever
``--read-seconds`` says, and at the server's cap the least recently active idle connection is
closed to let a newcomer in."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from live_server import LiveServer
from openlineage_events import complete

CAP = 32
WAIT = 20  # far beyond the 5 s idle timeout, and short of --read-seconds


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(["--data-dir", str(tmp_path / "store")], tmp_path / "server.log").start(
        ["--read-seconds", "60", "--max-connections", str(CAP)]
    )
    try:
        yield server
    finally:
        server.stop()


def _bare(server: LiveServer, address: str) -> socket.socket:
    """A connection from ``address`` that sends nothing."""
    sock = socket.create_connection(("127.0.0.1", server.port), WAIT, (address, 0))
    sock.settimeout(WAIT)
    return sock


def test_a_connection_sending_nothing_is_closed_long_before_read_seconds(
    server: LiveServer,
) -> None:
    started = time.monotonic()
    with _bare(server, "127.0.0.5") as sock:
        try:
            assert sock.recv(1024) == b""
        except ConnectionResetError:
            pass
        except TimeoutError:
            pytest.fail(f"an idle connection was still open after {WAIT} s")
    assert time.monotonic() - started < 10


def _event() -> dict[str, object]:
    return complete(
        "j", [], [{"namespace": "ns", "name": "out"}], at=datetime.now(UTC), job_namespace="ns"
    )


def test_idle_connections_from_many_addresses_leave_room_for_a_clean_client(
    server: LiveServer,
) -> None:
    flood: list[socket.socket] = []
    try:
        statuses = []
        for round_ in range(20):
            # the server full of idle connections, a fresh one from each address
            flood.extend(_bare(server, f"127.0.{10 + round_}.{10 + i}") for i in range(CAP))
            response = httpx.post(f"{server.url}/api/v1/lineage", json=_event(), timeout=WAIT)
            statuses.append(response.status_code)
        assert statuses == [201] * 20, statuses
        metrics = httpx.get(f"{server.url}/metrics", timeout=WAIT).text
    finally:
        for sock in flood:
            sock.close()
    evicted = next(
        float(line.split()[-1])
        for line in metrics.splitlines()
        if line.startswith("lineagemesh_connections_evicted_total")
    )
    assert evicted >= 20
    refused = [
        line
        for line in metrics.splitlines()
        if line.startswith("lineagemesh_connections_refused_total")
    ]
    assert len(refused) == 2, refused
    assert all(line.endswith(" 0.0") for line in refused), refused
