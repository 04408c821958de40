"""Two ``lineagemesh serve`` processes on one Neo4j database, as a deployment scales out.

Both ingest overlapping OpenLineage events at once over HTTP (the real openlineage-python client;
the same jobs, datasets and columns from both sides, in opposite orders, eventTimes out of order),
while both answer lineage and impact queries. Afterwards the graph must be the one a single server
builds from the same events, sent one at a time: the merge rule is order-independent, and its
read-modify-write in Neo4j must not lose a concurrent writer's update. A subscriber of one server
hears what the other wrote (subscriptions poll the store).
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from conftest import _wipe_neo4j
from graph_invariants import dump
from live_server import LiveServer
from openlineage.client.transport.http import HttpConfig, HttpTransport
from websockets.typing import Subprotocol

from graph.core.model import NodeKind, dataset_id
from graph.stores import JudgesJobEdges, Store, open_store

pytestmark = pytest.mark.neo4j

NS = "postgres://warehouse"
JOB_NS = "airflow"
PRODUCER = "https://example.com/lineagemesh-multiserver-test"
RUN_EVENT = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
FACET = "https://openlineage.io/spec/facets/1-0-0/X.json"
JOBS = 4  # job i reads tables i and i+1 and writes table i+2: every table but the ends is shared
RUNS = 6  # runs per job, each a START and a COMPLETE
ONE_SIDE = 8  # events only one server gets, per server, about the same tables
DEADLINE = 300.0  # seconds any loop of the test may run

LINEAGE = (
    "query($id: String!) { lineage(nodeId: $id, direction: BOTH, depth: 10) "
    "{ nodes { id kind latestRunState } edges { source target kind } truncated } }"
)
IMPACT = "query($id: String!) { impact(nodeId: $id, change: DROP) { affected { id severity distance } truncated } }"
JOB = (
    'query($name: String!) { job(namespace: "airflow", name: $name) '
    "{ updatedAt sql latestRun { runId state } } }"
)
DATASET = (
    'query($name: String!) { dataset(namespace: "postgres://warehouse", name: $name) '
    "{ description updatedAt columns { name type } } }"
)


def table(k: int) -> str:
    return f"public.table_{k}"


def _moment(hour: int, minute: int) -> str:
    return f"2026-03-01T{hour:02d}:{minute:02d}:00.000000Z"


def _schema(fields: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "_producer": PRODUCER,
        "_schemaURL": FACET,
        "fields": [{"name": n, "type": t} for n, t in fields],
    }


def run_event(
    job: str, reads: list[str], writes: list[str], state: str, run_id: str, when: str, version: int
) -> dict[str, Any]:
    """One event of job ``job``: its tables with a schema and column lineage that change with
    ``version`` (a later run's win), a description and SQL as of ``version``."""
    fields = [
        ("id", "BIGINT"),
        ("amount", "DECIMAL" if version % 2 else "DOUBLE"),
        (f"v{version}", "STRING"),
    ]
    lineage = {
        "id": {"inputFields": [{"namespace": NS, "name": name, "field": "id"} for name in reads]},
        f"v{version}": {
            "inputFields": [
                {
                    "namespace": NS,
                    "name": reads[-1],
                    "field": "amount",
                    "transformations": [{"type": "DIRECT", "subtype": "TRANSFORMATION"}],
                }
            ]
        },
    }
    doc = {"_producer": PRODUCER, "_schemaURL": FACET, "description": f"{job} v{version}"}
    return {
        "eventType": state,
        "eventTime": when,
        "run": {"runId": run_id},
        "job": {
            "namespace": JOB_NS,
            "name": job,
            "facets": {
                "sql": {"_producer": PRODUCER, "_schemaURL": FACET, "query": f"-- {job} v{version}"}
            },
        },
        "inputs": [
            {"namespace": NS, "name": name, "facets": {"schema": _schema(fields)}} for name in reads
        ],
        "outputs": [
            {
                "namespace": NS,
                "name": name,
                "facets": {
                    "schema": _schema(fields),
                    "documentation": doc,
                    "columnLineage": {
                        "_producer": PRODUCER,
                        "_schemaURL": FACET,
                        "fields": lineage,
                    },
                },
            }
            for name in writes
        ],
        "producer": PRODUCER,
        "schemaURL": RUN_EVENT,
    }


def job_events(rng: random.Random) -> list[dict[str, Any]]:
    """Every job's runs, START and COMPLETE, the runs hours apart (run r of job i at hour 2r+i);
    every other run restates the schemas and column lineage of the one before (a steady re-run,
    which the Neo4j store records by moving its dataset's column clock)."""
    events = []
    for i in range(JOBS):
        for r in range(RUNS):
            run_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            hour = 2 * r + i
            reads, writes = [table(i), table(i + 1)], [table(i + 2)]
            version = (
                r // 2
            ) * JOBS + i  # runs in pairs: the second re-runs the first's schema and lineage
            events.append(
                run_event(f"job_{i}", reads, writes, "START", run_id, _moment(hour, 0), version)
            )
            events.append(
                run_event(f"job_{i}", reads, writes, "COMPLETE", run_id, _moment(hour, 30), version)
            )
    return events


def one_side_events(side: str, rng: random.Random) -> list[dict[str, Any]]:
    """Runs of a job only ``side``'s server hears, writing the shared tables."""
    events = []
    for r in range(ONE_SIDE // 2):
        run_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        k = 1 + r % JOBS
        when = rng.randrange(2 * RUNS + JOBS)
        version = 100 + r + (10 if side == "b" else 0)
        events.append(
            run_event(
                f"only_{side}", [table(0)], [table(k)], "START", run_id, _moment(when, 10), version
            )
        )
        events.append(
            run_event(
                f"only_{side}",
                [table(0)],
                [table(k)],
                "COMPLETE",
                run_id,
                _moment(when, 50),
                version,
            )
        )
    return events


def split(
    events: list[dict[str, Any]], rng: random.Random
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The events each server hears: a run's START goes to one, its COMPLETE to the other, and
    every third event to both (a producer retrying through another replica). An update one server lost would be
    lost for good: most events reach one server only."""
    a: list[dict[str, Any]] = []
    b: list[dict[str, Any]] = []
    for n, event in enumerate(events):
        (a if (n // 2 + n) % 2 else b).append(event)
        if n % 3 == 0:
            (b if (n // 2 + n) % 2 else a).append(event)
    return a, b


def transport(server: LiveServer) -> HttpTransport:
    """The OpenLineage HTTP transport as a producer configures it: a 503 (the store said it
    cannot serve now) is retried by the client, as it does by default."""
    return HttpTransport(HttpConfig(url=server.url, timeout=60))


def post_all(server: LiveServer, events: list[dict[str, Any]], failures: list[str]) -> None:
    client = transport(server)
    try:
        for event in events:
            status = client.emit(event).status_code  # type: ignore[arg-type]  # a raw event dict, sent as it is
            if status != 201:
                failures.append(
                    f"{server.url}: {status} for {event['job']['name']} {event['eventType']}"
                )
    except Exception as exc:  # noqa: BLE001 - reported by the test, not lost in a thread
        failures.append(f"{server.url}: {type(exc).__name__}: {exc}")
    finally:
        client.close()


def graphql(server: LiveServer, query: str, **variables: Any) -> dict[str, Any]:
    response = httpx.post(
        f"{server.url}/graphql", json={"query": query, "variables": variables}, timeout=60
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body["errors"]
    return body["data"]


def ask_while(
    servers: list[LiveServer], running: Callable[[], bool], failures: list[str], answered: list[int]
) -> None:
    """Lineage and impact queries against both servers while ingest goes on (bounded)."""
    deadline = time.monotonic() + DEADLINE
    asked = 0
    while running() and time.monotonic() < deadline and asked < 400:
        server = servers[asked % 2]
        try:
            graphql(server, LINEAGE, id=f"dataset:{NS}:{table(asked % (JOBS + 2))}")
            graphql(server, IMPACT, id=f"dataset:{NS}:{table(0)}")
        except AssertionError as exc:
            # Asked before its first event arrived, or stopped by the server's time budget (a
            # loaded machine): an answer refused as the API says, not a wrong one.
            if "no node with id" not in str(exc) and "QUERY_TIMEOUT" not in str(exc):
                failures.append(f"{server.url}: {exc}")
        except httpx.HTTPError as exc:
            failures.append(f"{server.url}: {type(exc).__name__}: {exc}")
        asked += 1
    answered.append(asked)


def sorted_answer(data: dict[str, Any]) -> dict[str, Any]:
    graph = data["lineage"]
    return {
        "nodes": sorted(graph["nodes"], key=lambda n: n["id"]),
        "edges": sorted(graph["edges"], key=lambda e: (e["source"], e["kind"], e["target"])),
        "truncated": graph["truncated"],
    }


def store_state(store: Store) -> tuple[dict, dict, dict]:
    """Every node and edge with props and stamps, and every job's unrestated inputs/outputs."""
    nodes, edges = dump(store)
    jobs = [node_id for node_id, (kind, _, _) in nodes.items() if kind is NodeKind.JOB]
    assert isinstance(store, JudgesJobEdges)
    return nodes, edges, store.unrestated_job_edges(jobs)


def marquez_lineage(server: LiveServer, node_id: str) -> dict[str, Any]:
    answer = httpx.get(
        f"{server.url}/api/v1/lineage", params={"nodeId": node_id, "depth": 10}, timeout=60
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def without_run_versions(lineage: dict[str, Any]) -> dict[str, Any]:
    """A Marquez lineage without its latest runs' dataset versions. Which version a run names
    depends on the order events arrived in (schema history keeps what arrived: an older schema
    arriving after a newer one makes no version), and the single server's order is another."""
    for node in lineage["graph"]:
        run = node["data"].get("latestRun") if isinstance(node.get("data"), dict) else None
        if isinstance(run, dict):
            run.pop("inputDatasetVersions", None)
            run.pop("outputDatasetVersions", None)
    return lineage


def metric(server: LiveServer, name: str, labels: str = "") -> float:
    text = httpx.get(f"{server.url}/metrics", timeout=30).text
    match = re.search(rf"^{re.escape(name)}{re.escape(labels)} (\S+)$", text, re.MULTILINE)
    assert match, f"{name}{labels} not in /metrics"
    return float(match.group(1))


@pytest.fixture
def neo4j_uri(neo4j_server: Any) -> str:
    _wipe_neo4j(neo4j_server.uri)
    return neo4j_server.uri


@pytest.fixture
def two_servers(neo4j_uri: str, tmp_path: Path) -> Iterator[list[LiveServer]]:
    """Two servers on one Neo4j database, each with a raw event log of its own."""
    servers = [
        LiveServer(
            ["--store", neo4j_uri, "--event-log", str(tmp_path / f"events-{side}")],
            tmp_path / f"server-{side}.log",
        )
        for side in "ab"
    ]
    try:
        for server in servers:
            server.start(timeout=180)
        yield servers
    finally:
        for server in servers:
            server.stop()


async def _subscribe(server: LiveServer, node_id: str) -> Any:
    socket = await websockets.connect(
        server.url.replace("http", "ws", 1) + "/graphql",
        subprotocols=[Subprotocol("graphql-transport-ws")],
    )
    await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
    assert json.loads(await asyncio.wait_for(socket.recv(), 60))["type"] == "connection_ack"
    query = "subscription($id: String!) { lineageChanged(nodeId: $id, direction: UPSTREAM, depth: 10) { nodes { id } } }"
    await socket.send(
        json.dumps(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": query, "variables": {"id": node_id}},
            }
        )
    )
    return socket


async def _pushed_ids(socket: Any, timeout: float) -> set[str]:
    message = json.loads(await asyncio.wait_for(socket.recv(), timeout))
    assert message["type"] == "next" and not message["payload"].get("errors"), message
    return {node["id"] for node in message["payload"]["data"]["lineageChanged"]["nodes"]}


def test_two_servers_on_one_database_build_the_graph_one_server_builds(
    two_servers: list[LiveServer], tmp_path: Path
) -> None:
    a, b = two_servers
    rng = random.Random(24)
    jobs = job_events(rng)
    only_a, only_b = one_side_events("a", rng), one_side_events("b", rng)
    to_a, to_b = split(jobs, rng)
    in_a_order, in_b_order = to_a + only_a, to_b + only_b
    rng.shuffle(in_a_order)
    rng.shuffle(in_b_order)
    assert {e["run"]["runId"] for e in to_a} & {e["run"]["runId"] for e in to_b}, (
        "the servers share runs"
    )

    # Both servers at once, two producers each (a's halves and b's halves interleave in time).
    failures: list[str] = []
    posters = [
        threading.Thread(target=post_all, args=(server, events[half::2], failures))
        for server, events in ((a, in_a_order), (b, in_b_order))
        for half in (0, 1)
    ]
    answered: list[int] = []
    asker = threading.Thread(
        target=ask_while,
        args=([a, b], lambda: any(t.is_alive() for t in posters), failures, answered),
    )
    for thread in (*posters, asker):
        thread.start()
    for thread in (*posters, asker):
        thread.join(DEADLINE)
    assert not any(thread.is_alive() for thread in (*posters, asker)), (
        "a client did not finish in time"
    )
    assert not failures, failures
    assert answered and answered[0] > 0
    retried = [
        metric(server, "lineagemesh_store_transient_retries_total", f'{{transaction="{what}"}}')
        for server in (a, b)
        for what in ("read", "write")
    ]
    unavailable = [
        metric(server, "lineagemesh_ingest_events_rejected_total", '{reason="unavailable"}')
        for server in (a, b)
    ]
    print(
        f"queries {answered[0]}, transient retries (read, write per server) {retried}, 503s {unavailable}"
    )

    # A subscriber of b hears a write made through a (b's own change feed never hears it).
    late = run_event(
        "late",
        ["late.source"],
        [table(JOBS + 1)],
        "COMPLETE",
        str(uuid.uuid4()),
        _moment(23, 0),
        999,
    )
    watched = f"dataset:{NS}:{table(JOBS + 1)}"

    async def hear_from_the_other_server() -> None:
        socket = await _subscribe(b, watched)
        try:
            assert f"job:{JOB_NS}:late" not in await _pushed_ids(socket, 60)
            await asyncio.to_thread(post_all, a, [late], failures)
            assert f"job:{JOB_NS}:late" in await _pushed_ids(socket, 60)
        finally:
            await socket.close()

    asyncio.run(hear_from_the_other_server())
    assert not failures, failures

    # One server on its own store, the same events one at a time, in a third order.
    every = jobs + only_a + only_b + [late]
    random.Random(7).shuffle(every)
    single = LiveServer(["--data-dir", str(tmp_path / "single")], tmp_path / "single.log").start(
        timeout=180
    )
    try:
        post_all(single, every, failures)
        assert not failures, failures
        for k in range(JOBS + 2):
            node = f"dataset:{NS}:{table(k)}"
            want = sorted_answer(graphql(single, LINEAGE, id=node))
            assert sorted_answer(graphql(a, LINEAGE, id=node)) == want
            assert sorted_answer(graphql(b, LINEAGE, id=node)) == want
            assert graphql(a, DATASET, name=table(k)) == graphql(single, DATASET, name=table(k))
            # Marquez's answer shows each dataset's fields from the copy it keeps on Neo4j
            from_a = marquez_lineage(a, node)
            assert from_a == marquez_lineage(b, node)  # one database: the same answer, whole
            assert without_run_versions(from_a) == without_run_versions(
                marquez_lineage(single, node)
            )
        for name in [f"job_{i}" for i in range(JOBS)] + ["only_a", "only_b", "late"]:
            want = graphql(single, JOB, name=name)
            assert graphql(a, JOB, name=name) == want == graphql(b, JOB, name=name)
        impact = graphql(single, IMPACT, id=f"dataset:{NS}:{table(0)}")
        assert graphql(b, IMPACT, id=f"dataset:{NS}:{table(0)}") == impact
    finally:
        single.stop()

    # The newest run and the newest schema won, whichever server heard them last.
    job_0 = graphql(a, JOB, name="job_0")["job"]
    assert (
        job_0["latestRun"]["state"] == "COMPLETE"
        and job_0["sql"] == f"-- job_0 v{(RUNS - 1) // 2 * JOBS}"
    )
    assert job_0["updatedAt"].startswith(_moment(2 * (RUNS - 1), 30)[:19])

    # The whole graph, through the store reads: every property with the stamp that set it.
    shared_store, single_store = (
        open_store(two_servers[0].store_args[1]),
        open_store(data_dir=str(tmp_path / "single")),
    )
    try:
        assert store_state(shared_store) == store_state(single_store)
    finally:
        shared_store.close()
        single_store.close()


def test_a_breaking_change_written_through_one_server_is_pushed_by_the_other(
    two_servers: list[LiveServer],
) -> None:
    """A ``breakingChange`` subscriber of b hears a change made through a, dated before those it
    was told of (b's own feed never hears a's writes: b reads the outbox)."""
    from schema_events import CUSTOMERS, V1, V2_NO_EMAIL, producer_event
    from schema_events import NS as SCHEMA_NS
    from test_http_api import post_with_client
    from test_schema_history import probed_live, unprobed
    from test_subscriptions import Connection

    a, b = two_servers
    query = "subscription { breakingChange { datasetId column } }"

    async def scenario() -> None:
        connection = await Connection.open(b)
        await connection.acknowledged()
        await connection.subscribe("all", query)
        await probed_live(connection, "all", b.url)
        for when, fields in (("2025-06-01T10:00:00Z", V1), ("2025-06-02T10:00:00Z", V2_NO_EMAIL)):
            await asyncio.to_thread(post_with_client, a.url, [producer_event(when, fields)])
        message = await unprobed(connection, 60)  # b reads every POLL_SECONDS
        assert message["payload"]["data"]["breakingChange"] == {
            "datasetId": dataset_id(SCHEMA_NS, CUSTOMERS),
            "column": "email",
        }, message
        await connection.close()

    asyncio.run(scenario())
