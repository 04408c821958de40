"""Issue 74, finding 7: large query answers over a websocket are framed in the query's worker
(``graph.serve.websocket_frames``), not copied on the event loop some seven times (four answers of
~10 MB held another client's ``/healthz`` 1.25-1.57 s, against 0.18-0.32 s for the same answers
over HTTP). A real server and a real websocket client; ``/metrics`` says where each message's frame
was made (``lineagemesh_websocket_messages_sent{framed}`` and its bytes), so the tests assert that
every answer was framed in a worker and the loop framed only the small protocol messages, and that
the answers are the ones HTTP gives."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import httpx
from live_server import LiveServer
from test_subscriptions import Connection
from test_ws_admission import HEAVY, load_fan
from ws_amplification import HUB

#: The most the event loop may frame in one test: acks and completes, never an answer.
LOOP_BYTES = 4096


def _sent(server: LiveServer) -> dict[tuple[str, str], float]:
    """Websocket messages and bytes sent so far, by where their frames were made."""
    text = httpx.get(f"{server.url}/metrics", timeout=30).text
    sent: dict[tuple[str, str], float] = {}
    for line in text.splitlines():
        for metric in ("messages", "bytes"):
            name = (
                f"lineagemesh_websocket_{'messages_sent' if metric == 'messages' else 'sent_bytes'}"
            )
            if line.startswith(name + "_total{"):
                where = line.split('framed="', 1)[1].split('"', 1)[0]
                sent[metric, where] = float(line.rsplit(" ", 1)[1])
    assert len(sent) == 4, text
    return sent


def _http_then_websocket(
    server: LiveServer,
    fan: int,
    query: dict[str, Any],
    over_websocket: Callable[[], Coroutine[Any, Any, list[dict[str, Any]]]],
) -> tuple[Any, list[dict[str, Any]], dict[tuple[str, str], float]]:
    """On a fan of ``fan`` datasets: ``query`` POSTed once, then ``over_websocket()``; HTTP's
    answer, the websocket's, and the messages and bytes framed where during the latter. The server
    is stopped afterwards."""
    try:
        load_fan(server, fan)
        http_answer = httpx.post(f"{server.url}/graphql", json=query, timeout=120).json()
        before = _sent(server)
        answers = asyncio.run(over_websocket())
        after = _sent(server)
    finally:
        server.stop()
    return http_answer, answers, {key: after[key] - before[key] for key in after}


def test_large_websocket_answers_are_framed_off_the_event_loop(tmp_path: Path) -> None:
    """Four ~10 MB answers over one websocket are the very answer HTTP gives, in text frames, each
    framed in its worker; the event loop frames only the ack and the completes."""
    server = LiveServer(["--data-dir", str(tmp_path / "store")], tmp_path / "server.log").start(
        ["--max-client-queries", "4", "--max-result-bytes", str(200 * 2**20)]
    )

    async def four_answers() -> list[dict[str, Any]]:
        connection = await Connection.open(server, max_size=None)
        await connection.acknowledged()
        for op in range(4):
            await connection.subscribe(str(op), HEAVY, id=HUB)
        answers, completed = [], 0
        while completed < 4:
            message = await connection.receive(120)  # a text frame (asserted there)
            if message["type"] == "next":
                answers.append(message)
            else:
                assert message["type"] == "complete", message
                completed += 1
        await connection.close()
        return answers

    query = {"query": HEAVY, "variables": {"id": HUB}}
    http_answer, answers, sent = _http_then_websocket(server, 4000, query, four_answers)
    assert sorted(str(a["id"]) for a in answers) == ["0", "1", "2", "3"]
    assert all(a["payload"] == http_answer for a in answers)  # the answer HTTP gives
    assert len(str(http_answer)) > 5_000_000  # a large one
    assert sent["messages", "worker"] == 4, sent  # each answer framed in its worker
    assert sent["bytes", "worker"] > 4 * 5_000_000, sent
    assert sent["messages", "loop"] >= 5 and sent["bytes", "loop"] < LOOP_BYTES, sent


#: One lineage answer of a few MB: a subscription selects one field, so the nodes carry more.
WIDE = (
    "lineage(nodeId: $id, direction: DOWNSTREAM, depth: 2) { nodes { id kind namespace name "
    "dataset deleted declared upstreamCount downstreamCount } edges { source target kind } }"
)
PUSHES = 8


def test_subscription_pushes_are_framed_off_the_event_loop(tmp_path: Path) -> None:
    """Eight pushes of a multi-MB subscription answer (built once, shared) are the answer HTTP
    gives, in text frames, each framed in a worker (``graph.serve.websocket_frames.framed_next``):
    the event loop only writes the frames, as it writes HTTP's bodies, and frames just the ack."""
    server = LiveServer(["--data-dir", str(tmp_path / "store")], tmp_path / "server.log").start(
        [
            "--max-client-queries",
            str(PUSHES),
            "--max-result-bytes",
            str(200 * 2**20),
            "--max-push-bytes",
            str(2**40),  # unpaced: all eight at once, as the loop would see them
        ]
    )

    async def pushes() -> list[dict[str, Any]]:
        connection = await Connection.open(server, max_size=None)
        await connection.acknowledged()
        for op in range(PUSHES):
            await connection.subscribe(
                str(op),
                "subscription($id: String!) { %s }"
                % WIDE.replace("lineage(", "lineageChanged(", 1),
                id=HUB,
            )
        answers = [await connection.receive(120) for _ in range(PUSHES)]  # text frames (asserted)
        await connection.close()
        return answers

    query = {"query": "query($id: String!) { %s }" % WIDE, "variables": {"id": HUB}}
    http_answer, answers, sent = _http_then_websocket(server, 12000, query, pushes)
    assert sorted(str(a["id"]) for a in answers) == [str(op) for op in range(PUSHES)]
    assert all(a["type"] == "next" for a in answers)
    expected = http_answer["data"]["lineage"]
    assert all(a["payload"] == {"data": {"lineageChanged": expected}} for a in answers)
    assert len(str(expected)) > 2_000_000  # a large one
    assert sent["messages", "worker"] == PUSHES, sent  # each push framed in a worker
    assert sent["bytes", "worker"] > PUSHES * 2_000_000, sent
    assert sent["messages", "loop"] >= 1 and sent["bytes", "loop"] < LOOP_BYTES, sent
