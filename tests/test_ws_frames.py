"""Issue 74, finding 7: large query answers over a websocket are framed in the query's worker
(``graph.serve.websocket_frames``), not copied on the event loop some seven times, so four answers
of ~10 MB leave another client's ``/healthz`` answered (it was held 1.25-1.57 s, against
0.18-0.32 s for the same answers over HTTP). A real server, a real websocket client, and the
``/healthz`` client in a process of its own (so the websocket client's own JSON parsing does not
count against the server)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import httpx
from live_server import LiveServer
from test_subscriptions import Connection
from test_ws_admission import HEAVY, load_fan
from ws_amplification import HUB

T = TypeVar("T")

#: /healthz every 20 ms until stdin closes; then its slowest answer and how many it had.
WATCH = """
import sys, threading, time, httpx
client, url, slowest, count = httpx.Client(timeout=60), sys.argv[1], 0.0, 0
client.get(url)
print("ready", flush=True)
done = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
while not done.is_set():
    started = time.perf_counter()
    assert client.get(url).status_code == 200
    slowest, count = max(slowest, time.perf_counter() - started), count + 1
    time.sleep(0.02)
print(slowest, count)
"""


def _watched(server: LiveServer, run: Callable[[], T]) -> tuple[T, float]:
    """``run()``'s result, and the slowest ``/healthz`` answer while it ran (from another process)."""
    watcher = subprocess.Popen(
        [sys.executable, "-c", WATCH, f"{server.url}/healthz"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert watcher.stdout is not None and watcher.stdout.readline().strip() == "ready"
    try:
        result = run()
    finally:
        out, _ = watcher.communicate("", timeout=60)
    slowest, count = out.split()
    assert int(count) > 5
    return result, float(slowest)


def _http_then_websocket(
    server: LiveServer,
    fan: int,
    query: dict[str, Any],
    posts: int,
    over_websocket: Callable[[], Coroutine[Any, Any, list[dict[str, Any]]]],
) -> tuple[list[Any], float, list[dict[str, Any]], float]:
    """On a fan of ``fan`` datasets: ``posts`` concurrent POSTs of ``query``, then
    ``over_websocket()``, each watched from another process; their answers and slowest /healthz
    (HTTP's first). The server is stopped afterwards."""

    def over_http() -> list[Any]:
        with httpx.Client(timeout=120) as client, ThreadPoolExecutor(posts) as pool:
            sent = [
                pool.submit(client.post, f"{server.url}/graphql", json=query) for _ in range(posts)
            ]
            return [post.result().json() for post in sent]

    try:
        load_fan(server, fan)
        http_answers, http_slowest = _watched(server, over_http)
        answers, slowest = _watched(server, lambda: asyncio.run(over_websocket()))
    finally:
        server.stop()
    return http_answers, http_slowest, answers, slowest


def test_large_websocket_answers_are_framed_off_the_event_loop(tmp_path: Path) -> None:
    """Four ~10 MB answers over one websocket hold /healthz no longer than the same four over
    HTTP do (measured on a loaded host: 0.50-0.68 s against 0.11-0.13 s before, 0.13-0.17 s
    after), and are the very answer HTTP gives, in text frames."""
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
    http_answers, http_slowest, answers, slowest = _http_then_websocket(
        server, 4000, query, 4, four_answers
    )
    assert sorted(str(a["id"]) for a in answers) == ["0", "1", "2", "3"]
    assert all(a["payload"] == http_answers[0] for a in answers)  # the answer HTTP gives
    assert len(str(http_answers[0])) > 5_000_000  # a large one
    assert slowest < 2 * http_slowest + 0.2, (slowest, http_slowest)


#: One lineage answer of a few MB: a subscription selects one field, so the nodes carry more.
WIDE = (
    "lineage(nodeId: $id, direction: DOWNSTREAM, depth: 2) { nodes { id kind namespace name "
    "dataset deleted declared upstreamCount downstreamCount } edges { source target kind } }"
)
PUSHES = 8


def test_subscription_pushes_are_framed_off_the_event_loop(tmp_path: Path) -> None:
    """Eight pushes of a multi-MB subscription answer (built once, shared) are the answer HTTP
    gives, in text frames, each framed in a worker (``graph.serve.websocket_frames.framed_next``).
    /healthz beside them stays within a few tenths of a second of its time beside the same eight
    answers over HTTP: the event loop only writes the frames, as it writes HTTP's bodies. (On a
    2-core host at load ~11, slowest /healthz beside 16 pushes of 6.4 MB: 0.09-0.52 s framed in
    workers, 0.28-0.74 s framed on the loop; the loop's share of the encoding copies went to 0.)"""
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
    http_answers, http_slowest, answers, slowest = _http_then_websocket(
        server, 12000, query, PUSHES, pushes
    )
    assert sorted(str(a["id"]) for a in answers) == [str(op) for op in range(PUSHES)]
    assert all(a["type"] == "next" for a in answers)
    expected = http_answers[0]["data"]["lineage"]
    assert all(a["payload"] == {"data": {"lineageChanged": expected}} for a in answers)
    assert len(str(expected)) > 2_000_000  # a large one
    assert slowest < 2 * http_slowest + 0.5, (slowest, http_slowest)
