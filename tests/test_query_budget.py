"""A GraphQL operation cannot take the server: its cost, answer size and time are bounded, and so
are the operations in flight per client and in all. The probe is the one that starved a server:
nested ``outputs { writtenBy { ... } }`` on a job with 50 outputs, within the depth and alias
limits, is 50^7 objects."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from live_server import LiveServer
from openlineage.client.transport.http import HttpConfig, HttpTransport
from openlineage_events import complete

OUTPUTS = 50
JOB = '{ job(namespace: "ns", name: "J") { %s } }'


def _nested(levels: int) -> str:
    """``outputs { writtenBy { outputs ... { name } } }`` with ``levels`` pairs, then outputs."""
    inner = "outputs { name }"
    for _ in range(levels):
        inner = f"outputs {{ writtenBy {{ {inner} }} }}"
    return JOB % inner


PROBE = _nested(6)  # depth 15: 50^7 datasets


def _fan_out_event() -> dict[str, Any]:
    outputs = [{"namespace": "ns", "name": f"out{i}"} for i in range(OUTPUTS)]
    return complete("J", [], outputs, at=datetime.now(UTC), job_namespace="ns")


def _start(
    tmp_path: Path,
    store_args: list[str],
    *options: str,
    env: dict[str, str] | None = None,
    token: str | None = None,
) -> LiveServer:
    server = LiveServer(store_args, tmp_path / "server.log", env=env, token=token).start(
        list(options)
    )
    headers = {"Authorization": f"Bearer {WRITER}"} if token else None
    transport = HttpTransport(HttpConfig(url=server.url, timeout=30, custom_headers=headers or {}))
    assert transport.emit(_fan_out_event()).status_code == 201  # type: ignore[arg-type]  # a raw event dict, sent as it is
    return server


@pytest.fixture
def fan_out(tmp_path: Path, server_store_args: list[str]) -> Iterator[LiveServer]:
    server = _start(tmp_path, server_store_args)
    try:
        yield server
    finally:
        server.stop()


def _timed_only(tmp_path: Path, seconds: str, *options: str, **kwargs: Any) -> LiveServer:
    """A server on an embedded store whose queries only a deadline of ``seconds`` bounds (a cost
    cap far above any query here): for the tests of deadlines and admission."""
    return _start(
        tmp_path,
        ["--data-dir", str(tmp_path / "store")],
        "--max-query-cost",
        "1000000000",
        "--query-seconds",
        seconds,
        *options,
        **kwargs,
    )


def _post(
    server: LiveServer, query: str, timeout: float = 120, token: str | None = None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.post(
        f"{server.url}/graphql", json={"query": query}, headers=headers, timeout=timeout
    )


def _error(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert body["data"] is None, body
    [error] = body["errors"]
    return error


def test_the_probe_is_refused_as_too_costly_and_a_modest_query_still_answers(
    fan_out: LiveServer,
) -> None:
    response = _post(fan_out, PROBE)
    assert response.status_code == 200
    error = _error(response)
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert "--max-query-cost" in error["message"]
    assert error["path"][:2] == ["job", "outputs"]  # where the budget ran out
    metrics = httpx.get(f"{fan_out.url}/metrics").text
    assert 'lineagemesh_graphql_stopped_total{code="QUERY_TOO_COSTLY"} 1.0' in metrics

    modest = fan_out.graphql(_nested(1))["job"]["outputs"]  # 50 + 50 + 2500 items
    assert len(modest) == OUTPUTS
    assert all(len(d["writtenBy"][0]["outputs"]) == OUTPUTS for d in modest)


def test_the_deadline_stops_the_worker(tmp_path: Path) -> None:
    """With a cost budget too large to bite, the deadline does: the answer is QUERY_TIMEOUT, and it
    can only come once the worker has stopped (the answer waits for it), so one slot per client
    is free again at once."""
    server = _timed_only(tmp_path, "1", "--max-client-queries", "1")
    try:
        error = _error(_post(server, PROBE))
        assert error["extensions"]["code"] == "QUERY_TIMEOUT"
        assert "--query-seconds" in error["message"]
        assert (
            len(server.graphql(_nested(0))["job"]["outputs"]) == OUTPUTS
        )  # admitted: the slot was released
    finally:
        server.stop()


def test_the_result_size_is_capped(tmp_path: Path) -> None:
    server = _start(tmp_path, ["--data-dir", str(tmp_path / "store")], "--max-result-bytes", "2000")
    try:
        error = _error(
            _post(server, _nested(1))
        )  # 2,600 items: estimated over the cap while resolving
        assert error["extensions"]["code"] == "RESULT_TOO_LARGE"
        error = _error(
            _post(server, JOB % "outputs { id namespace name description facets }")
        )  # 50 items, ~3 KB exactly
        assert error["extensions"]["code"] == "RESULT_TOO_LARGE"
        assert server.graphql(JOB % "outputs { name }")["job"]["outputs"]  # a small answer passes
    finally:
        server.stop()


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _abandon(
    server: LiveServer, requests: int, token: str | None = None, after: float = 1
) -> list[httpx.Response]:
    """Send ``requests`` probes at once and give up on each ``after`` seconds; the answers that came."""
    answered: list[httpx.Response] = []

    def send() -> None:
        with contextlib.suppress(httpx.TimeoutException):
            answered.append(_post(server, PROBE, timeout=after, token=token))

    threads = [threading.Thread(target=send) for _ in range(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answered


def test_abandoned_heavy_queries_neither_starve_the_server_nor_grow_it(tmp_path: Path) -> None:
    """A dozen heavy probes given up on by their client, three times over: each round, all but a
    client's 4 are refused at once (429 with a reason), /healthz answers while the rest run, and the
    ones running stop once their client has gone (their slots come back long before the 60 s
    deadline); the server's memory stays bounded."""
    server = _timed_only(tmp_path, "60")
    try:
        before = _rss_kib(server.pid)
        for _ in range(3):
            answered = _abandon(server, 12, after=5)
            assert len(answered) >= 8 and all(r.status_code == 429 for r in answered), [
                r.text for r in answered
            ]
            assert "--max-client-queries" in answered[0].json()["error"]
            assert (
                httpx.get(f"{server.url}/healthz", timeout=5).status_code == 200
            )  # the workers are busy, not all taken
            _wait_admitted(server)
        grown_mib = (_rss_kib(server.pid) - before) / 1024
        assert grown_mib < 300, f"RSS grew {grown_mib:.0f} MiB over 36 abandoned heavy queries"
    finally:
        server.stop()


def _wait_admitted(server: LiveServer, attempts: int = 60) -> None:
    """Until a small query is admitted again (each attempt ~0.25 s apart): the abandoned workers stopped."""
    for _ in range(attempts):
        response = _post(server, JOB % "outputs { name }", timeout=30)
        if response.status_code == 200:
            return
        assert response.status_code == 429, response.text
        threading.Event().wait(0.25)
    raise AssertionError("abandoned queries still hold their slots")


READER_A, READER_B, WRITER = (
    "reader-a-token-0123456789",
    "reader-b-token-0123456789",
    "writer-token-0123456789",
)
TOKENS = json.dumps(
    {
        "tokens": [
            {"principal": "a", "token": READER_A, "roles": ["reader"]},
            {"principal": "b", "token": READER_B, "roles": ["reader"]},
            {"principal": "w", "token": WRITER, "roles": ["admin"]},
        ]
    }
)


def _hold(server: LiveServer, token: str, seconds: float) -> None:
    """Run a probe as ``token`` (retried while refused) and give up on it after ``seconds``."""
    for _ in range(200):
        try:
            response = _post(server, PROBE, timeout=seconds, token=token)
        except httpx.TimeoutException:
            return
        assert response.status_code == 429, response.text
        threading.Event().wait(0.05)


def test_the_server_wide_limit_refuses_whoever_comes_over_it(tmp_path: Path) -> None:
    server = _timed_only(
        tmp_path,
        "60",
        "--max-client-queries",
        "2",
        "--max-concurrent-queries",
        "2",
        env={"LINEAGEMESH_TOKENS": TOKENS},
        token=WRITER,
    )
    try:
        holders = [
            threading.Thread(target=_hold, args=(server, READER_A, 10)) for _ in range(2)
        ]  # a's two fill the server
        for holder in holders:
            holder.start()
        refused = None
        for _ in range(200):  # b runs one query at a time: a refusal can only be the server's limit
            response = _post(server, JOB % "outputs { name }", timeout=30, token=READER_B)
            if response.status_code == 429:
                refused = response.json()["error"]
                break
            threading.Event().wait(0.05)
        for holder in holders:
            holder.join()
        assert refused is not None and "--max-concurrent-queries" in refused
    finally:
        server.stop()


def test_pages_of_connections_count_towards_the_cost(
    tmp_path: Path, server_store_args: list[str]
) -> None:
    """A connection's page costs its items, however it is held (a page of lineage nodes is a column
    list, as a walk's answer is, but unlike one no traversal budget bounds it)."""
    server = _start(tmp_path, server_store_args, "--max-query-cost", "60")
    try:
        page = 'neighbours(nodeId: "job:ns:J", direction: DOWNSTREAM, first: 50) { totalCount nodes { id downstreamCount } %s }'
        assert len(server.graphql("{ %s }" % (page % ""))["neighbours"]["nodes"]) == OUTPUTS
        error = _error(_post(server, "{ %s }" % (page % "edges { cursor }")))  # 100 items
        assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
        assert error["path"][0] == "neighbours"
    finally:
        server.stop()
