"""GraphQL subscriptions over graphql-transport-ws, against a real server on both stores: a real
websocket client (``websockets``) subscribes, the real OpenLineage client posts events, and the
pushed answers must follow the graph; caps, tokens and other sites' pages are refused."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import websockets
from live_server import LiveServer
from openlineage.client.transport.http import ApiKeyTokenProvider, HttpConfig, HttpTransport
from websockets.typing import Subprotocol

PROTOCOL = Subprotocol("graphql-transport-ws")
LINEAGE = "subscription($id: String!) { lineageChanged(nodeId: $id, direction: UPSTREAM, depth: 3) { nodes { id upstreamCount } truncated } }"
RUNS = 'subscription { runStateChanged(namespace: "airflow", name: "load_orders") { name latestRun { runId state } } }'
QUIET = (
    3.0  # seconds in which no push may come (a subscription answers again at most once a second)
)


def event(
    job: str,
    inputs: list[str],
    outputs: list[str],
    state: str = "COMPLETE",
    run_id: str | None = None,
    time: str = "2026-01-05T06:00:00Z",
) -> dict[str, Any]:
    return {
        "eventType": state,
        "eventTime": time,
        "run": {"runId": run_id or str(uuid.uuid4())},
        "job": {"namespace": "airflow", "name": job},
        "producer": "https://example.com/tests",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "inputs": [{"namespace": "postgres://db", "name": name} for name in inputs],
        "outputs": [{"namespace": "postgres://db", "name": name} for name in outputs],
    }


def emit(server: LiveServer, payload: dict[str, Any], token: str | None = None) -> None:
    config = HttpConfig(url=server.url, timeout=30)
    if token:
        config.auth = ApiKeyTokenProvider({"apiKey": token})
    transport = HttpTransport(config)
    try:
        assert transport.emit(payload).status_code == 201  # type: ignore[arg-type]  # a raw event dict, sent as it is
    finally:
        transport.close()


class Connection:
    """One graphql-transport-ws connection."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket

    @classmethod
    async def open(
        cls, server: LiveServer, payload: dict[str, Any] | None = None, **connect: Any
    ) -> Connection:
        socket = await websockets.connect(
            server.url.replace("http", "ws", 1) + "/graphql", subprotocols=[PROTOCOL], **connect
        )
        await socket.send(json.dumps({"type": "connection_init", "payload": payload or {}}))
        return cls(socket)

    async def acknowledged(self) -> None:
        message = await self.receive()
        assert message["type"] == "connection_ack", message

    async def subscribe(self, op: str, query: str, **variables: Any) -> None:
        await self.socket.send(
            json.dumps(
                {"id": op, "type": "subscribe", "payload": {"query": query, "variables": variables}}
            )
        )

    async def receive(self, timeout: float = 30) -> dict[str, Any]:
        frame = await asyncio.wait_for(self.socket.recv(), timeout)
        assert isinstance(frame, str), "graphql-transport-ws messages are text frames"
        return json.loads(frame)

    async def silent_for(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self.socket.recv(), seconds)
        except TimeoutError:
            return True
        return False

    async def close(self) -> None:
        await self.socket.close()


def node_ids(message: dict[str, Any]) -> set[str]:
    assert message["type"] == "next" and not message["payload"].get("errors"), message
    return {node["id"] for node in message["payload"]["data"]["lineageChanged"]["nodes"]}


def test_lineage_is_pushed_again_when_an_event_changes_it_and_only_then(
    live_server: LiveServer,
) -> None:
    emit(live_server, event("load_orders", ["raw_orders"], ["orders"]))

    async def scenario() -> None:
        connection = await Connection.open(live_server)
        await connection.acknowledged()
        await connection.subscribe("1", LINEAGE, id="dataset:postgres://db:orders")
        assert node_ids(await connection.receive()) == {
            "dataset:postgres://db:orders",
            "job:airflow:load_orders",
            "dataset:postgres://db:raw_orders",
        }
        await asyncio.to_thread(emit, live_server, event("unrelated", ["a"], ["b"]))
        assert await connection.silent_for(QUIET), "an unrelated change pushed an unchanged answer"
        await asyncio.to_thread(emit, live_server, event("extract", ["source"], ["raw_orders"]))
        assert node_ids(await connection.receive()) >= {
            "job:airflow:extract",
            "dataset:postgres://db:source",
        }
        await connection.close()

    asyncio.run(scenario())


def test_a_jobs_run_state_is_pushed_as_it_starts_and_completes(live_server: LiveServer) -> None:
    run = str(uuid.uuid4())
    emit(
        live_server,
        event(
            "load_orders",
            ["raw_orders"],
            ["orders"],
            state="START",
            run_id=run,
            time="2026-01-05T06:00:00Z",
        ),
    )

    async def scenario() -> None:
        connection = await Connection.open(live_server)
        await connection.acknowledged()
        await connection.subscribe("runs", RUNS)
        first = (await connection.receive())["payload"]["data"]["runStateChanged"]
        assert first == {"name": "load_orders", "latestRun": {"runId": run, "state": "START"}}
        await asyncio.to_thread(
            emit,
            live_server,
            event("load_orders", [], [], state="COMPLETE", run_id=run, time="2026-01-05T06:10:00Z"),
        )
        second = (await connection.receive())["payload"]["data"]["runStateChanged"]
        assert second["latestRun"] == {"runId": run, "state": "COMPLETE"}
        await connection.close()

    asyncio.run(scenario())


def test_a_subscription_to_nothing_is_an_error_not_a_silent_stream(live_server: LiveServer) -> None:
    async def scenario() -> None:
        connection = await Connection.open(live_server)
        await connection.acknowledged()
        await connection.subscribe("1", LINEAGE, id="dataset:nowhere:nothing")
        message = await connection.receive()
        assert (
            message["payload"]["errors"][0]["message"]
            == "no node with id 'dataset:nowhere:nothing'"
        )
        assert (await connection.receive()) == {"id": "1", "type": "complete"}
        await connection.close()

    asyncio.run(scenario())


@pytest.mark.parametrize("store_args", ["embedded"], indirect=True)
def test_subscriptions_per_connection_are_capped(live_server: LiveServer) -> None:
    emit(live_server, event("load_orders", ["raw_orders"], ["orders"]))

    async def scenario() -> None:
        connection = await Connection.open(live_server)
        await connection.acknowledged()
        for op in range(8):
            await connection.subscribe(str(op), LINEAGE, id="dataset:postgres://db:orders")
            assert node_ids(await connection.receive())
        await connection.subscribe("9th", LINEAGE, id="dataset:postgres://db:orders")
        refused = await connection.receive()
        assert (
            refused["id"] == "9th"
            and refused["payload"]["errors"][0]["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"
        )
        await connection.close()
        other = await Connection.open(
            live_server
        )  # the caps are per connection: another one may subscribe
        await other.acknowledged()
        await other.subscribe("1", LINEAGE, id="dataset:postgres://db:orders")
        assert node_ids(await other.receive())
        await other.close()

    asyncio.run(scenario())


def test_a_token_server_reads_the_token_from_connection_init(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.json"
    tokens.write_text(
        json.dumps(
            {
                "tokens": [
                    {"principal": "ui", "token": "reader-token-0123456789", "roles": ["reader"]},
                    {"principal": "etl", "token": "writer-token-0123456789", "roles": ["writer"]},
                ]
            }
        )
    )
    server = LiveServer(["--data-dir", str(tmp_path / "store")], tmp_path / "server.log").start(
        ["--auth-file", str(tokens)]
    )
    try:
        emit(
            server,
            event("load_orders", ["raw_orders"], ["orders"]),
            token="writer-token-0123456789",
        )

        async def scenario() -> None:
            anonymous = await Connection.open(server)
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await anonymous.receive()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
            reader = await Connection.open(
                server, {"Authorization": "Bearer reader-token-0123456789"}
            )
            await reader.acknowledged()
            await reader.subscribe("1", LINEAGE, id="dataset:postgres://db:orders")
            assert "job:airflow:load_orders" in node_ids(await reader.receive())
            await reader.close()

        asyncio.run(scenario())
    finally:
        server.stop()


@pytest.mark.parametrize("store_args", ["embedded"], indirect=True)
def test_local_mode_refuses_websockets_from_other_sites_pages(live_server: LiveServer) -> None:
    async def scenario() -> None:
        with pytest.raises(websockets.InvalidStatus) as refused:
            await Connection.open(live_server, origin="https://evil.example")
        assert refused.value.response.status_code == 403
        own = await Connection.open(live_server, origin=live_server.url)
        await own.acknowledged()
        await own.close()

    asyncio.run(scenario())
