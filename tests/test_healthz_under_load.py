"""/healthz answers while queries hold every worker (``graph.api.health_check``).

A real server (uvicorn, in a thread of this process, over real HTTP) whose thread pool and
admission both take ``SLOTS`` operations. ``SLOTS`` lineage queries are held in flight inside
their resolvers, just before their walk, by an event (their budget's ``remaining_seconds``, which
the walk asks for its deadline, waits for it): then every admission slot and every pool thread is
provably taken, and /healthz must still answer. A health check that waited for a pool thread (as
it did) would wait until the queries are let go, which they are only after it answered.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import anyio.to_thread
import httpx
import pytest
import uvicorn

import graph.api.app
from graph.api.admission import AdmissionLimits
from graph.api.app import create_app
from graph.api.budget import QueryBudget
from graph.api.limits import GraphQLLimits
from graph.model import EdgeKind, NodeKind, dataset_id, job_id
from graph.mutations import UpsertEdge, UpsertNode, stamp
from graph.stores.embedded import EmbeddedStore

SLOTS = 4  # admission total, per client, and the server's worker threads
WAIT_S = 60  # a guard against a hang, not a measure: each wait below ends on an event
AT = stamp(datetime(2026, 1, 5, tzinfo=UTC))
LINEAGE = '{ lineage(nodeId: "%s", direction: DOWNSTREAM) { nodes { id } } }' % dataset_id(
    "ns", "a"
)


class Held:
    """Queries stopped inside their resolvers until ``go``: how many are in, and all of them in."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.inside = 0
        self.all_in = threading.Event()
        self.go = threading.Event()

    def enter(self) -> None:
        with self.lock:
            self.inside += 1
            if self.inside == SLOTS:
                self.all_in.set()
        assert self.go.wait(2 * WAIT_S), "the queries were never let go"


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Held:
    holding = Held()

    class HeldBudget(QueryBudget):
        """The operation's real budget; its first ``remaining_seconds`` (the walk's deadline,
        asked in the worker thread right before the walk) waits for ``go``."""

        entered = False

        def remaining_seconds(self) -> float:
            if not self.entered:
                self.entered = True
                holding.enter()
            return super().remaining_seconds()

    monkeypatch.setattr(graph.api.app, "QueryBudget", HeldBudget)
    return holding


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """A served store (dataset a, read by a job writing b) whose server runs ``SLOTS`` queries at once."""
    store = EmbeddedStore(tmp_path / "store")
    job = job_id("ns", "j")
    store.apply(
        [
            UpsertNode(dataset_id("ns", "a"), NodeKind.DATASET, AT, {"name": "a"}),
            UpsertNode(dataset_id("ns", "b"), NodeKind.DATASET, AT, {"name": "b"}),
            UpsertNode(job, NodeKind.JOB, AT, {"name": "j"}),
            UpsertEdge(job, EdgeKind.READS, dataset_id("ns", "a"), AT),
            UpsertEdge(job, EdgeKind.WRITES, dataset_id("ns", "b"), AT),
        ]
    )
    limits = GraphQLLimits(admission=AdmissionLimits(per_client=SLOTS, total=SLOTS))
    app = create_app(store, limits=limits)
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen(64)  # connections wait in its backlog until the server accepts them
    port = listening.getsockname()[1]
    uvicorn_server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    loop = asyncio.new_event_loop()

    async def serve() -> None:
        anyio.to_thread.current_default_thread_limiter().total_tokens = SLOTS
        await uvicorn_server.serve(sockets=[listening])

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),))
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        uvicorn_server.should_exit = True
        thread.join()
        loop.close()
        listening.close()
        store.close(snapshot=False)


def test_healthz_answers_while_queries_hold_every_worker_and_slot(server: str, held: Held) -> None:
    answers: list[httpx.Response] = []

    def query() -> None:
        answers.append(httpx.post(f"{server}/graphql", json={"query": LINEAGE}, timeout=WAIT_S))

    clients = [threading.Thread(target=query) for _ in range(SLOTS)]
    for client in clients:
        client.start()
    try:
        assert held.all_in.wait(WAIT_S), f"only {held.inside} of {SLOTS} queries got in"
        refused = httpx.post(f"{server}/graphql", json={"query": LINEAGE}, timeout=WAIT_S)
        assert refused.status_code == 429, refused.text  # every admission slot is taken

        try:
            health = httpx.get(f"{server}/healthz", timeout=WAIT_S)
        except httpx.TimeoutException:
            pytest.fail("/healthz waited behind the queries")
        assert health.status_code == 200, health.text
        assert health.json()["status"] == "ok"
        assert held.inside == SLOTS and not held.go.is_set()  # answered while they were held
    finally:
        held.go.set()
        for client in clients:
            client.join()
    assert [answer.status_code for answer in answers] == [200] * SLOTS
    ids = {node["id"] for node in answers[0].json()["data"]["lineage"]["nodes"]}
    assert ids == {dataset_id("ns", "a"), job_id("ns", "j"), dataset_id("ns", "b")}
