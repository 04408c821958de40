"""The websocket path under the same rules as HTTP, and the connection caps, against a real server
(embedded store): a real websocket client (``websockets``) speaks graphql-transport-ws, real
sockets flood, the real OpenLineage client posts events.

- queries over a websocket are admitted like POSTs (429-equivalent ``error`` beyond), run in
  worker threads (``/healthz`` answers while they run) and each gets its own budget;
- a websocket message is bounded by ``--max-query-bytes`` (closed 1009, unread);
- connections are capped in all and per address (503 at once), a websocket must authenticate
  within ``--ws-auth-seconds`` and is closed after ``--ws-idle-seconds`` without an operation;
- many subscribers on one large lineage do not slow ingest down, and the server's memory comes
  back after they leave (``scripts/ws_amplification.py`` is the full-size run).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from live_server import LiveServer
from starlette.testclient import TestClient
from test_subscriptions import PROTOCOL, Connection, emit
from ws_amplification import HUB, fan_event
from ws_amplification import SUBSCRIPTION as FAN_LINEAGE

from graph.core.auth import AuthConfig
from graph.read.view import GraphView
from graph.serve.app import create_app
from graph.serve.execution import FlatListExecutor
from graph.serve.record_list import ColumnList
from graph.serve.schema import LineageGraph
from graph.stores.embedded.store import EmbeddedStore

HEAVY = "query($id: String!) { %s }" % " ".join(
    f"a{i}: lineage(nodeId: $id, direction: DOWNSTREAM, depth: 2) "
    "{ nodes { id name upstreamCount downstreamCount } }"
    for i in range(12)
)


def load_fan(server: LiveServer, fan: int) -> None:
    for start in range(0, fan, 500):
        batch = [fan_event(i) for i in range(start, min(start + 500, fan))]
        response = httpx.post(f"{server.url}/api/v1/lineage/batch", json=batch, timeout=120)
        assert response.status_code == 200, response.text


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Any]:
    """Starts servers with extra ``serve`` options; stops them all afterwards."""
    servers: list[LiveServer] = []

    def started(*options: str) -> LiveServer:
        number = len(servers)
        server = LiveServer(
            ["--data-dir", str(tmp_path / f"store{number}")], tmp_path / f"server{number}.log"
        ).start(list(options))
        servers.append(server)
        return server

    yield started
    for server in servers:
        server.stop()


def test_queries_over_a_websocket_are_admitted_like_posts_and_run_off_the_event_loop(
    start: Any,
) -> None:
    server = start("--max-client-queries", "2", "--max-concurrent-queries", "4")
    load_fan(server, 1500)

    async def scenario() -> None:
        # /healthz asked through a client already connected, from a worker thread already
        # started: its answer then waits only for the server, not for a client being made (an
        # SSL context, a connection, a thread) while the queries run, as it did at load ~4
        http = httpx.Client(timeout=60)
        assert (await asyncio.to_thread(http.get, f"{server.url}/healthz")).status_code == 200
        connection = await Connection.open(server, max_size=None)
        await connection.acknowledged()
        for op in range(6):
            await connection.subscribe(str(op), HEAVY, id=HUB)
        answered: list[str] = []
        completed: list[str] = []
        refused: list[dict[str, Any]] = []
        health = asyncio.ensure_future(asyncio.to_thread(http.get, f"{server.url}/healthz"))
        answers_before_health: int | None = None
        while len(completed) + len(refused) < 6:
            message = await connection.receive(60)
            if health.done() and answers_before_health is None:
                answers_before_health = len(answered)
            if message["type"] == "next":
                assert message["payload"]["data"]["a0"]["nodes"], message
                answered.append(message["id"])
            elif message["type"] == "complete":
                completed.append(message["id"])
            else:
                assert message["type"] == "error", message
                refused.append(message)
        assert (await health).status_code == 200
        if answers_before_health is None:
            answers_before_health = len(answered)
        assert len(answered) == 2, f"{len(answered)} of 6 queries admitted, the client may run 2"
        assert {m["payload"][0]["extensions"]["code"] for m in refused} == {"TOO_MANY_QUERIES"}
        assert "--max-client-queries" in refused[0]["payload"][0]["message"]
        assert answers_before_health < 2, "/healthz waited for the websocket's queries"
        assert sorted(completed) == sorted(answered)
        await connection.close()
        http.close()

    asyncio.run(scenario())


def test_every_websocket_query_has_its_own_budget(start: Any) -> None:
    server = start("--max-query-cost", "100", "--query-seconds", "1")
    load_fan(server, 200)
    costly = '{ search(text: "fan_out", first: 60) { id } }'  # 60 of the 100 items allowed

    async def scenario() -> None:
        connection = await Connection.open(server)
        await connection.acknowledged()
        for op in ("first", "second", "third"):
            await connection.subscribe(op, costly)
            message = await connection.receive()
            assert message["type"] == "next" and "errors" not in message["payload"], message
            assert len(message["payload"]["data"]["search"]) == 60
            assert await connection.receive() == {"id": op, "type": "complete"}
        await asyncio.sleep(1.5)  # the time budget is the operation's, not the connection's
        await connection.subscribe("later", costly)
        message = await connection.receive()
        assert message["type"] == "next" and "errors" not in message["payload"], message
        await connection.close()

    asyncio.run(scenario())


def test_a_websocket_message_is_bounded_like_a_post(start: Any) -> None:
    server = start("--max-query-bytes", "20000")

    async def scenario() -> None:
        connection = await Connection.open(server, max_size=None)
        await connection.acknowledged()
        padded = "{ __typename }\n#" + "x" * 30_000
        await connection.subscribe("big", padded)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await connection.receive()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
        assert len(closed.value.rcvd.reason) < 200
        small = await Connection.open(server)
        await small.acknowledged()
        await small.subscribe("fits", "{ __typename }\n#" + "x" * 10_000)
        assert (await small.receive())["payload"]["data"] == {"__typename": "Query"}
        assert await small.receive() == {"id": "fits", "type": "complete"}
        await small.subscribe("bad", "{ nothing_here }\n#" + "x" * 10_000)
        refused = await small.receive()
        assert refused["type"] == "error" and len(json.dumps(refused)) < 1000, refused
        await small.close()

    asyncio.run(scenario())


def _bare(server: LiveServer, source: str = "127.0.0.1") -> socket.socket:
    sock = socket.create_connection(
        ("127.0.0.1", server.port), timeout=10, source_address=(source, 0)
    )
    return sock


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _metric(server: LiveServer, line_start: str) -> float:
    text = httpx.get(f"{server.url}/metrics", timeout=30).text
    for line in text.splitlines():
        if line.startswith(line_start):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no {line_start} in /metrics")


def test_connections_are_capped_per_address_and_refused_at_once(start: Any) -> None:
    server = start("--max-client-connections", "20", "--max-connections", "40")
    held = [_bare(server) for _ in range(20)]  # silent connections, as a flood's
    try:
        refused = _bare(server)
        answer = _read_all(refused)  # at once: not after the read deadline
        refused.close()
        assert answer.startswith(b"HTTP/1.1 503"), answer
        assert b"--max-client-connections" in answer
        other = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"))
        with other:  # another address still gets in, and ingest answers
            response = other.post(
                f"{server.url}/api/v1/lineage", json=fan_event(1, "other"), timeout=30
            )
            assert response.status_code == 201
            metrics = other.get(f"{server.url}/metrics", timeout=30).text
        assert 'lineagemesh_connections_refused_total{reason="address"} 1.0' in metrics
        assert 'lineagemesh_connections_limit{scope="address"} 20.0' in metrics
    finally:
        for sock in held:
            sock.close()


def test_the_server_cap_refuses_websockets_too(start: Any) -> None:
    server = start("--max-client-connections", "5", "--max-connections", "5")

    async def scenario() -> None:
        sockets = [await Connection.open(server) for _ in range(5)]
        for connection in sockets:
            await connection.acknowledged()
        with pytest.raises(websockets.InvalidStatus) as refused:
            await Connection.open(server)
        assert refused.value.response.status_code == 503
        await sockets[0].close()
        for _ in range(100):  # the count follows the websocket's close
            if _metric(server, "lineagemesh_websockets_open") <= 4:
                break
            await asyncio.sleep(0.05)
        again = await Connection.open(server)
        await again.acknowledged()
        for connection in (again, *sockets[1:]):
            await connection.close()

    asyncio.run(scenario())


def test_a_websocket_must_authenticate_soon_and_not_idle(start: Any) -> None:
    server = start("--ws-auth-seconds", "1", "--ws-idle-seconds", "1")

    async def scenario() -> None:
        silent = await websockets.connect(
            server.url.replace("http", "ws", 1) + "/graphql", subprotocols=[PROTOCOL]
        )
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(silent.recv(), 10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4408

        idle = await Connection.open(server)
        await idle.acknowledged()
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await idle.receive(10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4408

        busy = await Connection.open(server)
        await busy.acknowledged()
        await busy.subscribe(
            "runs", 'subscription { runStateChanged(namespace: "amp", name: "nothing") { name } }'
        )
        refused = await busy.receive()  # no such job: an error ends the operation
        assert refused["type"] == "next" and refused["payload"]["errors"], refused
        assert await busy.receive() == {"id": "runs", "type": "complete"}
        with pytest.raises(websockets.ConnectionClosed):  # idle again: closed
            await busy.receive(10)
        assert _metric(server, "lineagemesh_websockets_idle_closed_total") == 2

    asyncio.run(scenario())


def test_a_held_subscription_keeps_its_websocket_open(start: Any) -> None:
    server = start("--ws-idle-seconds", "1")
    emit(server, fan_event(0))

    async def scenario() -> None:
        connection = await Connection.open(server)
        await connection.acknowledged()
        await connection.subscribe("1", FAN_LINEAGE, id=HUB)
        assert (await connection.receive())["type"] == "next"
        assert await connection.silent_for(2.5)  # past the idle time: still open, nothing sent
        await connection.socket.send(json.dumps({"type": "ping"}))
        assert await connection.receive() == {"type": "pong"}
        await connection.close()

    asyncio.run(scenario())


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


async def _subscribers(server: LiveServer, connections: int, per: int) -> list[Connection]:
    opened = []
    for _ in range(connections):
        connection = await Connection.open(server, max_size=None)
        await connection.acknowledged()
        for op in range(per):
            await connection.subscribe(str(op), FAN_LINEAGE, id=HUB)
        opened.append(connection)
    return opened


async def _first_answers(opened: list[Connection], per: int) -> None:
    for connection in opened:
        for _ in range(per):
            message = await connection.receive(120)
            assert message["type"] == "next" and not message["payload"].get("errors"), message


async def _all_closed(server: LiveServer, opened: list[Connection]) -> None:
    for connection in opened:
        await connection.close()
    for _ in range(400):  # the server's side of the close
        if _metric(server, "lineagemesh_subscriptions_open") == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("subscriptions still held after their websockets closed")


def test_memory_of_closed_subscriptions_comes_back(start: Any) -> None:
    server = start()
    load_fan(server, 2000)

    async def scenario() -> list[float]:
        # A first round warms what any server holds after a while (its threads, their malloc
        # arenas, caches): a baseline taken before it would count them as the rounds' growth.
        warm = await _subscribers(server, 32, 8)
        await _first_answers(warm, 8)
        await _all_closed(server, warm)
        baseline = _rss_mb(server.pid)
        after = []
        for _ in range(4):
            opened = await _subscribers(server, 32, 8)
            await _first_answers(opened, 8)
            await _all_closed(server, opened)
            after.append(_rss_mb(server.pid))
        return [baseline, *after]

    baseline, *rounds = asyncio.run(scenario())
    print(f"RSS {baseline:.0f} MB, after rounds of 256: {[round(r) for r in rounds]}")
    # Held memory grows with every round, so the last two rounds hold the most of it. One round's
    # RSS may stand high while the allocator keeps a freed arena (74 MB, then 82, then 74.5 in a
    # loaded suite): the lower of the last two is what stayed.
    stayed = min(rounds[-2:])
    assert stayed <= baseline * 1.10, f"RSS {baseline:.0f} MB before, {rounds} after rounds of 256"


@pytest.mark.serial  # times acks: the other workers' load would be timed with them
def test_subscribers_on_a_large_lineage_do_not_slow_ingest(start: Any) -> None:
    """A writer's acks keep their pace while 16 subscribers watch a 1,500-job lineage. Were the
    subscriptions' answers computed on the ack's path, every ack would wait for them: so at most one
    of ten acks (a pause of the host's) may pass the bound."""
    server = start()
    load_fan(server, 1500)

    def acks(tag: str, count: int) -> list[float]:
        latencies = []
        with httpx.Client(timeout=120) as http:
            for i in range(count):
                response = http.post(f"{server.url}/api/v1/lineage", json=fan_event(i, tag))
                assert response.status_code == 201
                latencies.append(response.elapsed.total_seconds())
                threading.Event().wait(0.5)  # a writer posting twice a second
        return latencies

    baseline = acks("quiet", 6)
    rss_before = _rss_mb(server.pid)

    async def scenario() -> tuple[list[float], float]:
        opened = await _subscribers(server, 16, 8)
        await _first_answers(opened, 8)
        stop = asyncio.Event()

        async def read(connection: Connection) -> None:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await connection.receive(0.2)

        readers = [asyncio.ensure_future(read(c)) for c in opened]
        peak = rss_before
        writer = asyncio.ensure_future(asyncio.to_thread(acks, "live", 10))
        while not writer.done():
            peak = max(peak, _rss_mb(server.pid))
            await asyncio.sleep(0.2)
        stop.set()
        await asyncio.gather(*readers, return_exceptions=True)
        await _all_closed(server, opened)
        return await writer, peak

    live, peak = asyncio.run(scenario())
    bound = max(10 * max(baseline), 0.25)
    assert sorted(live)[-2] <= bound, f"acks {live} vs {baseline} without subscribers"
    assert peak < 1024, f"RSS peaked at {peak:.0f} MB"


def _alive(*kinds: type) -> int:
    """Objects of ``kinds`` still alive, found without collecting anything."""
    return sum(1 for o in gc.get_objects() if isinstance(o, kinds))


def test_closed_subscriptions_leave_nothing_for_the_collector(tmp_path: Path) -> None:
    """What a subscription held (its executor, store view, answers) is freed as it closes, by
    reference counting alone: the cyclic collector stays off throughout."""
    with EmbeddedStore(tmp_path) as store:
        app = create_app(store, auth=AuthConfig(insecure=True))
        with TestClient(app) as client:
            batch = [fan_event(i) for i in range(300)]
            assert client.post("/api/v1/lineage/batch", json=batch).status_code == 200

            def subscribe_and_close(count: int) -> None:
                with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
                    ws.send_json({"type": "connection_init", "payload": {}})
                    assert ws.receive_json()["type"] == "connection_ack"
                    for op in range(count):
                        payload = {"query": FAN_LINEAGE, "variables": {"id": HUB}}
                        ws.send_json({"id": str(op), "type": "subscribe", "payload": payload})
                    for _ in range(count):
                        assert ws.receive_json()["type"] == "next"
                for _ in range(500):  # the server's side of the close
                    if "lineagemesh_subscriptions_open 0.0" in client.get("/metrics").text:
                        return
                    threading.Event().wait(0.01)
                raise AssertionError("subscriptions still held after their websocket closed")

            subscribe_and_close(1)  # caches: documents, answers
            gc.collect()
            gc.disable()
            try:
                kinds = (FlatListExecutor, ColumnList, GraphView, LineageGraph)
                before = _alive(*kinds)
                subscribe_and_close(8)
                assert _alive(*kinds) == before, "a closed subscription left cyclic garbage"
            finally:
                gc.enable()
