"""/healthz answers while queries hold every query thread and admission slot
(``graph.serve.health_check``), and admitted queries beyond the query threads wait for one
(``graph.serve.admission``).

A real server (uvicorn, in a thread of this process, over real HTTP). Lineage queries are held in
flight inside their resolvers, just before their walk, by an event (their budget's
``remaining_seconds``, which the walk asks for its deadline, waits for it): then what they hold is
provably held. A health check that waited for a worker thread (as it did) would wait until the
queries are let go, which they are only after it answered.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import uvicorn

import graph.serve.app
from graph.core.model import EdgeKind, NodeKind, dataset_id, job_id
from graph.core.mutations import UpsertEdge, UpsertNode, stamp
from graph.intake.disk_health import PROBE_NAME
from graph.serve.admission import AdmissionLimits
from graph.serve.app import create_app
from graph.serve.budget import BudgetLimits, QueryBudget
from graph.serve.limits import GraphQLLimits
from graph.stores.embedded.store import EmbeddedStore

pytestmark = pytest.mark.serial  # scripts/test runs it alone: see the marker in pyproject.toml

SLOTS = 4  # admission total and per client
WAIT_S = 60  # a guard against a hang, not a measure: each wait below ends on an event
AT = stamp(datetime(2026, 1, 5, tzinfo=UTC))
LINEAGE = '{ lineage(nodeId: "%s", direction: DOWNSTREAM) { nodes { id } } }' % dataset_id(
    "ns", "a"
)


class Held:
    """Queries stopped inside their resolvers until ``go``: how many were admitted (their budget
    is made once admitted), how many are in, and events for all admitted, the first in, all in."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.admitted = 0
        self.inside = 0
        self.all_admitted = threading.Event()
        self.first_in = threading.Event()
        self.all_in = threading.Event()
        self.go = threading.Event()

    def admit(self) -> None:
        with self.changed:
            self.admitted += 1
            if self.admitted == SLOTS:
                self.all_admitted.set()
            self.changed.notify_all()

    def enter(self) -> None:
        with self.changed:
            self.inside += 1
            self.first_in.set()
            if self.inside == SLOTS:
                self.all_in.set()
            self.changed.notify_all()
        assert self.go.wait(2 * WAIT_S), "the queries were never let go"

    def until(self, admitted: int, inside: int) -> bool:
        """Whether ``admitted`` queries were admitted and ``inside`` got in (within ``WAIT_S``)."""
        with self.changed:
            return self.changed.wait_for(
                lambda: self.admitted >= admitted and self.inside >= inside, WAIT_S
            )


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Held:
    holding = Held()

    class HeldBudget(QueryBudget):
        """The operation's real budget, made once it is admitted; its first
        ``remaining_seconds`` (the walk's deadline, asked in the worker thread right before the
        walk) waits for ``go``."""

        entered = False

        def __init__(self, limits: BudgetLimits) -> None:
            super().__init__(limits)
            holding.admit()

        def remaining_seconds(self) -> float:
            if not self.entered:
                self.entered = True
                holding.enter()
            return super().remaining_seconds()

    monkeypatch.setattr(graph.serve.app, "QueryBudget", HeldBudget)
    return holding


@contextmanager
def serve(tmp_path: Path, admission: AdmissionLimits) -> Iterator[str]:
    """A served store (dataset a, read by a job writing b) admitting as ``admission`` says."""
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
    app = create_app(store, limits=GraphQLLimits(admission=admission))
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen(64)  # connections wait in its backlog until the server accepts them
    port = listening.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    loop = asyncio.new_event_loop()
    thread = threading.Thread(
        target=loop.run_until_complete, args=(server.serve(sockets=[listening]),)
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()
        loop.close()
        listening.close()
        store.close(snapshot=False)


def query(url: str, answers: list[httpx.Response]) -> threading.Thread:
    """A lineage query from a thread of its own, answered into ``answers``."""
    thread = threading.Thread(
        target=lambda: answers.append(
            httpx.post(f"{url}/graphql", json={"query": LINEAGE}, timeout=2 * WAIT_S)
        )
    )
    thread.start()
    return thread


def lineage_ids(answer: httpx.Response) -> set[str]:
    assert answer.status_code == 200, answer.text
    return {node["id"] for node in answer.json()["data"]["lineage"]["nodes"]}


JOB = '{ job(namespace: "ns", name: "j") { name } }'
WHOLE = {dataset_id("ns", "a"), job_id("ns", "j"), dataset_id("ns", "b")}


def test_healthz_answers_while_queries_hold_every_query_thread_and_slot(
    tmp_path: Path, held: Held
) -> None:
    with serve(
        tmp_path,
        AdmissionLimits(per_client=SLOTS, total=SLOTS, threads=SLOTS, client_threads=SLOTS),
    ) as url:
        answers: list[httpx.Response] = []
        clients = [query(url, answers) for _ in range(SLOTS)]
        try:
            assert held.all_in.wait(WAIT_S), f"only {held.inside} of {SLOTS} queries got in"
            refused = httpx.post(f"{url}/graphql", json={"query": LINEAGE}, timeout=WAIT_S)
            assert refused.status_code == 429, refused.text  # every admission slot is taken
            try:
                health = httpx.get(f"{url}/healthz", timeout=WAIT_S)
            except httpx.TimeoutException:
                pytest.fail("/healthz waited behind the queries")
            assert health.status_code == 200, health.text
            assert health.json()["status"] == "ok"
            assert held.inside == SLOTS and not held.go.is_set()  # answered while they were held
        finally:
            held.go.set()
            for client in clients:
                client.join()
    assert [lineage_ids(answer) for answer in answers] == [WHOLE] * SLOTS


def test_admitted_queries_beyond_the_query_threads_wait_for_one(tmp_path: Path, held: Held) -> None:
    """One query thread, ``SLOTS`` admitted: while the first query is held in the thread, the
    others are admitted (the next is refused) but none of them runs; let go, all are answered."""
    with serve(tmp_path, AdmissionLimits(per_client=SLOTS, total=SLOTS, threads=1)) as url:
        answers: list[httpx.Response] = []
        clients = [query(url, answers) for _ in range(SLOTS)]
        try:
            assert held.all_admitted.wait(WAIT_S), f"only {held.admitted} of {SLOTS} admitted"
            assert held.first_in.wait(WAIT_S), "no query got the thread"
            refused = httpx.post(f"{url}/graphql", json={"query": LINEAGE}, timeout=WAIT_S)
            assert refused.status_code == 429, refused.text
            assert held.inside == 1  # the others wait for the one thread, outside it
        finally:
            held.go.set()
            for client in clients:
                client.join()
    assert held.inside == SLOTS
    assert [lineage_ids(answer) for answer in answers] == [WHOLE] * SLOTS


def test_a_client_works_in_at_most_half_the_query_threads(tmp_path: Path, held: Held) -> None:
    """Two query threads: one client's two held queries are both admitted but only one gets a
    thread, so another client's query (from another address) is answered at once instead of
    waiting for the first client's to end (a slow query runs until its deadline)."""
    with serve(tmp_path, AdmissionLimits(per_client=SLOTS, total=SLOTS, threads=2)) as url:
        answers: list[httpx.Response] = []
        clients = [query(url, answers) for _ in range(2)]
        try:
            assert held.until(admitted=2, inside=1), "the first client's queries were not admitted"
            with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2")) as other:
                try:
                    answer = other.post(f"{url}/graphql", json={"query": JOB}, timeout=10)
                except httpx.TimeoutException:
                    pytest.fail("the other client waited behind the first one's queries")
            assert answer.json() == {"data": {"job": {"name": "j"}}}, answer.text
            assert held.inside == 1  # the first client's second query still waits for a thread
        finally:
            held.go.set()
            for client in clients:
                client.join()
    assert held.inside == 2
    assert [lineage_ids(answer) for answer in answers] == [WHOLE] * 2


def test_a_failing_synced_write_is_probed_again_at_each_call(tmp_path: Path) -> None:
    """The synced write probe's answer is reused between calls only while it is healthy: a disk
    that refuses it (here: a directory where the probe file goes, which ``open`` refuses while
    free space and read-only look fine) is a 503 at every call, and healthy at the very next call
    once it takes writes again."""
    blocker = tmp_path / "store" / PROBE_NAME
    blocker.mkdir(parents=True)
    with serve(tmp_path, AdmissionLimits()) as url:
        for _ in range(2):
            refused = httpx.get(f"{url}/healthz", timeout=WAIT_S)
            assert refused.status_code == 503, refused.text
            assert "Is a directory" in refused.json()["error"]
        blocker.rmdir()
        health = httpx.get(f"{url}/healthz", timeout=WAIT_S)
        assert health.status_code == 200, health.text
