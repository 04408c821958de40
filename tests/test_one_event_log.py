"""One raw event log per deployment (graph.eventlog.event_log_migration.open_event_log), however many servers.

Three real ``lineagemesh serve --store bolt://…`` processes on one real Neo4j, started with no
options of their own, each sent a third of the Marquez food_delivery events over HTTP by the
OpenLineage client; then ``lineagemesh reindex`` rebuilds the graph from the log, and the graph
must be what the servers built: every event any of them acknowledged is in the one log. The same
on the embedded store, with events arriving by two paths (a server, then the CLI). And a log an
older lineagemesh kept on its own (``events.sqlite``) moves into the store once, on open.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import orjson
import pytest
from conftest import _wipe_neo4j
from live_server import LiveServer
from openlineage.client.transport.http import HttpConfig, HttpTransport
from store_graphs import dump

from graph.core.model import dataset_id, job_id
from graph.eventlog.event_log import FILE_NAME, EventLog, pack_events, subjects_of
from graph.eventlog.event_log_migration import MIGRATED_SUFFIX, open_event_log
from graph.stores import Store, open_store

SEARCH = 'query { searchConnection(text: "public", kinds: [DATASET], first: 100) { nodes { id } } }'
STATS = "{ stats { kind count } }"
LINEAGE = (
    "query($id: String!) { lineage(nodeId: $id, direction: BOTH, depth: 10) "
    "{ nodes { id } edges { source target kind } } }"
)
EVENTS = "query($id: String!) { events(nodeId: $id, first: 1000) { events { event } } }"
ORDERS = dataset_id("food_delivery", "public.orders")
DELIVERIES = dataset_id("food_delivery", "public.delivery_7_days")


def lineagemesh(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "graph", *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "HOME": str(home)},
    )
    assert done.returncode == 0, done.stderr
    return done


def graph_of(server: LiveServer, job: str) -> dict[str, Any]:
    """What a user sees of the graph: the datasets a search finds, the counts by kind, the
    lineage around two datasets, and the raw events of a job."""
    found = server.graphql(SEARCH)["searchConnection"]["nodes"]
    lineage = {}
    for node in (ORDERS, DELIVERIES):
        answer = server.graphql(LINEAGE, id=node)["lineage"]
        lineage[node] = (
            sorted(n["id"] for n in answer["nodes"]),
            sorted((e["source"], e["target"], e["kind"]) for e in answer["edges"]),
        )
    events = server.graphql(EVENTS, id=job)["events"]["events"]
    return {
        "search": sorted(n["id"] for n in found),
        "stats": {s["kind"]: s["count"] for s in server.graphql(STATS)["stats"]},
        "lineage": lineage,
        "job events": sorted(orjson.dumps(e["event"], option=orjson.OPT_SORT_KEYS) for e in events),
    }


def post(server: LiveServer, events: list[dict[str, Any]], failures: list[str]) -> None:
    client = HttpTransport(HttpConfig(url=server.url, timeout=60))
    try:
        for event in events:
            status = client.emit(event).status_code  # type: ignore[arg-type]  # a raw event dict
            if status != 201:
                failures.append(f"{server.url}: {status}")
    except Exception as exc:  # noqa: BLE001 - reported by the test, not lost in a thread
        failures.append(f"{server.url}: {type(exc).__name__}: {exc}")
    finally:
        client.close()


def a_job(events: list[dict[str, Any]]) -> str:
    job = events[-1]["job"]
    return job_id(job["namespace"], job["name"])


@pytest.mark.neo4j
def test_three_servers_on_one_neo4j_keep_one_log_that_reindex_rebuilds_from(
    neo4j_server: Any, tmp_path: Path, food_delivery_events: list[dict[str, Any]]
) -> None:
    _wipe_neo4j(neo4j_server.uri)
    home = tmp_path / "home"  # the servers' default places: nothing of another test's
    home.mkdir()
    servers = [
        LiveServer(
            ["--store", neo4j_server.uri], tmp_path / f"server-{i}.log", env={"HOME": str(home)}
        )
        for i in range(3)
    ]
    try:
        for server in servers:
            server.start(timeout=180)  # on one host, with no options: no per-server log to clash
        failures: list[str] = []
        senders = [
            threading.Thread(target=post, args=(server, food_delivery_events[i::3], failures))
            for i, server in enumerate(servers)
        ]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()
        assert failures == []
        job = a_job(food_delivery_events)
        before = graph_of(servers[0], job)
        assert len(before["search"]) >= 13 and len(before["job events"]) >= 2
        assert graph_of(servers[2], job) == before  # any server reads the one log
    finally:
        for server in servers:
            server.stop()
    assert not (home / ".lineagemesh").exists(), "a Neo4j deployment keeps no log on local disk"

    lineagemesh("reindex", "--store", neo4j_server.uri, home=home)

    after = LiveServer(
        ["--store", neo4j_server.uri], tmp_path / "after.log", env={"HOME": str(home)}
    )
    try:
        after.start(timeout=180)
        assert graph_of(after, job) == before
    finally:
        after.stop()


def test_the_embedded_store_keeps_one_log_whatever_path_the_events_took(
    tmp_path: Path, food_delivery_events: list[dict[str, Any]]
) -> None:
    data_dir = tmp_path / "store"
    half = len(food_delivery_events) // 2
    server = LiveServer(["--data-dir", str(data_dir)], tmp_path / "server.log")
    try:
        server.start(timeout=120)
        failures: list[str] = []
        post(server, food_delivery_events[:half], failures)
        assert failures == []
    finally:
        server.stop()
    rest = tmp_path / "rest.json"
    rest.write_bytes(orjson.dumps(food_delivery_events[half:]))
    lineagemesh("ingest", "openlineage", "--data-dir", str(data_dir), str(rest), home=tmp_path)
    assert not (data_dir / FILE_NAME).exists(), "the raw events live in the journal's database"

    job = a_job(food_delivery_events)
    server = LiveServer(["--data-dir", str(data_dir)], tmp_path / "before.log")
    try:
        before = graph_of(server.start(timeout=120), job)
    finally:
        server.stop()
    assert len(before["search"]) >= 13

    lineagemesh("reindex", "--data-dir", str(data_dir), home=tmp_path)

    server = LiveServer(["--data-dir", str(data_dir)], tmp_path / "after.log")
    try:
        assert graph_of(server.start(timeout=120), job) == before
    finally:
        server.stop()


@pytest.fixture(params=["planned-beside", "planned-after"])
def planned(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each embedded write either way ``EmbeddedStore.apply_encoded`` plans a batch: a large one on
    the planner's thread while the journal writes it, a small one after the writes."""
    from graph.stores.embedded import store as embedded

    beside = request.param == "planned-beside"
    monkeypatch.setattr(embedded, "PLAN_BESIDE_BYTES", 0 if beside else 2**40)


@pytest.mark.usefixtures("planned")
def test_a_raw_block_and_its_journal_batch_are_one_sqlite_transaction(
    tmp_path: Path, food_delivery_events: list[dict[str, Any]]
) -> None:
    """The block rides on the journal's write: a batch the store refuses keeps no block either,
    and one it applies keeps both, in the one file."""
    from graph.intake.ingest_service import IngestService, translate_events

    data_dir = tmp_path / "store"
    translation = translate_events([orjson.dumps(e) for e in food_delivery_events[:4]])
    assert translation.block is not None
    with open_store(data_dir=str(data_dir)) as store:
        service = IngestService(store, open_event_log(store))
        with pytest.raises(ValueError):  # the store cannot plan it
            service.commit(b"\x07 not a batch", translation.block)
        assert service.log is not None and service.log.last_seq() == 0
        with sqlite3.connect(data_dir / "journal.sqlite") as db:  # (planned beside: retracted)
            assert db.execute("SELECT count(*) FROM batches").fetchone()[0] == 0
        assert service.commit(translation.payload, translation.block)
        service.close()
    assert sorted(p.name for p in data_dir.glob("*.sqlite")) == ["journal.sqlite"]
    with sqlite3.connect(data_dir / "journal.sqlite") as db:
        kinds = [row[0] for row in db.execute("SELECT kind FROM blocks ORDER BY seq")]
        assert kinds[0] == "openlineage"  # then the schema history the batch made
        assert db.execute("SELECT count(*) FROM batches").fetchone()[0] >= 1


@pytest.mark.usefixtures("planned")
def test_a_batch_that_changes_nothing_keeps_its_block_and_no_journal_batch(
    tmp_path: Path, food_delivery_events: list[dict[str, Any]]
) -> None:
    """The journal writes a batch while the graph plans it (``EmbeddedStore.apply_encoded``, a
    large batch on another thread, a small one after the writes): a batch the plan finds changes
    nothing is rolled back, and its raw block, new bytes of events already applied, is kept on its
    own all the same."""
    from graph.intake.ingest_service import IngestService, translate_events

    events = food_delivery_events[:4]
    first = translate_events([orjson.dumps(e) for e in events])
    again = translate_events([orjson.dumps(e, option=orjson.OPT_INDENT_2) for e in events])
    assert first.block is not None and again.block is not None
    data_dir = tmp_path / "store"
    with open_store(data_dir=str(data_dir)) as store:
        service = IngestService(store, open_event_log(store))
        assert service.commit(first.payload, first.block)
        journal = sqlite3.connect(data_dir / "journal.sqlite")
        batches, blocks = (
            journal.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("batches", "blocks")
        )
        assert not service.commit(again.payload, again.block)  # nothing changed
        assert journal.execute("SELECT count(*) FROM batches").fetchone()[0] == batches
        assert journal.execute("SELECT count(*) FROM blocks").fetchone()[0] == blocks + 1
        journal.close()
        assert service.log is not None
        kept = [raw for stored in service.log.blocks() for raw in stored.event_bytes()]
        assert kept[-len(events) :] == [orjson.dumps(e, option=orjson.OPT_INDENT_2) for e in events]
        service.close()


_KILLED_BEFORE_RETRACTING = """
import os, sys
import orjson
from graph.eventlog.event_log_migration import open_event_log
from graph.intake.ingest_service import IngestService, translate_events
from graph.stores import journal, open_store
from graph.stores.embedded import store as embedded

embedded.PLAN_BESIDE_BYTES = 0  # every batch planned beside, committed before its plan is done
data_dir, events = sys.argv[1], orjson.loads(open(sys.argv[2], "rb").read())
store = open_store(data_dir=data_dir)
service = IngestService(store, open_event_log(store))
first = translate_events([orjson.dumps(e) for e in events])
service.commit(first.payload, first.block)
sys.path.insert(0, sys.argv[3])
from store_graphs import dump

open(sys.argv[4], "w").write(repr(dump(store)))  # the graph the killed batch must leave as it is
journal.Journal.retract = lambda *args, **kwargs: os._exit(9)  # the process dies here
again = translate_events([orjson.dumps(e, option=orjson.OPT_INDENT_2) for e in events])
service.commit(again.payload, again.block)  # new bytes that change nothing: committed, then killed
"""


def test_a_start_replays_a_batch_killed_before_its_retraction_as_the_nothing_it_changes(
    tmp_path: Path, food_delivery_events: list[dict[str, Any]]
) -> None:
    """A large batch of new events is committed while its plan runs, and retracted if it changes
    nothing (``EmbeddedStore._planned``). A process killed between the two leaves that batch in
    the journal's tail: the next start replays it, the graph is what the first batch made, and
    writing goes on."""
    from graph.intake.ingest_service import IngestService, translate_events

    events = food_delivery_events[:4]
    (tmp_path / "events.json").write_bytes(orjson.dumps(events))
    data_dir = tmp_path / "store"
    before = tmp_path / "before.txt"
    ran = subprocess.run(
        [
            sys.executable,
            "-c",
            _KILLED_BEFORE_RETRACTING,
            str(data_dir),
            str(tmp_path / "events.json"),
            str(Path(__file__).parent),
            str(before),
        ],
        capture_output=True,
        timeout=120,
    )
    assert ran.returncode == 9, ran.stderr.decode()
    with sqlite3.connect(data_dir / "journal.sqlite") as db:
        rows = db.execute("SELECT count(*) FROM batches").fetchone()[0]
    assert rows == 2  # the first batch (with the schema history it made) and the killed one
    with open_store(data_dir=str(data_dir)) as store:
        assert repr(dump(store)) == before.read_text()  # replayed as the nothing it changes
        service = IngestService(store, open_event_log(store))
        more = translate_events([orjson.dumps(e) for e in food_delivery_events[4:8]])
        assert service.commit(more.payload, more.block)
        service.close()
    with sqlite3.connect(data_dir / "journal.sqlite") as db:
        assert db.execute("SELECT count(*) FROM batches").fetchone()[0] > rows


def old_log(directory: Path, events: list[dict[str, Any]]) -> None:
    """A log as an older lineagemesh kept it beside a server, before its eventTime columns and
    event hashes existed."""
    with EventLog(directory) as log:
        for start in range(0, len(events), 5):
            chunk = [orjson.dumps(e) for e in events[start : start + 5]]
            subjects: set[str] = set()
            for event in events[start : start + 5]:
                subjects |= subjects_of(event)
            log.append(pack_events(chunk, subjects), received_at=1_700_000_000.0 + start)
    with sqlite3.connect(directory / FILE_NAME) as db:
        db.execute("DROP INDEX blocks_first_time")
        db.execute("DROP INDEX blocks_last_time")
        for column in ("times", "first_time", "last_time"):
            db.execute(f"ALTER TABLE blocks DROP COLUMN {column}")
        db.execute("DROP TABLE event_hashes")
        db.execute("DELETE FROM meta")


@pytest.mark.parametrize("kind", ["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def test_an_old_events_sqlite_moves_into_the_store_once(
    kind: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    food_delivery_events: list[dict[str, Any]],
) -> None:
    old = tmp_path / "old-log"
    old_log(old, food_delivery_events)
    kept = old / FILE_NAME
    shutil.copy(kept, tmp_path / "copy.sqlite")

    def store() -> Store:
        if kind == "embedded":
            return open_store(data_dir=str(tmp_path / "store"))
        return open_store(request.getfixturevalue("neo4j_server").uri)

    if kind == "neo4j":
        _wipe_neo4j(request.getfixturevalue("neo4j_server").uri)
    with store() as graph:
        log = open_event_log(graph, old)
        blocks = list(log.blocks())
        assert [b.received_at for b in blocks] == [1_700_000_000.0 + s for s in range(0, 26, 5)]
        assert sum(b.events for b in blocks) == len(food_delivery_events)
        orders = log.events_of({ORDERS}, None, 1000)[0]
        assert orders and all(ORDERS in subjects_of(e.event) for e in orders)
        log.close()
    assert not kept.exists() and (old / (FILE_NAME + MIGRATED_SUFFIX)).exists()

    shutil.copy(tmp_path / "copy.sqlite", kept)  # the same file again (a restored backup)
    with store() as graph:
        log = open_event_log(graph, old)
        assert [b.received_at for b in log.blocks()] == [b.received_at for b in blocks]
        log.close()

    args = ["--data-dir", str(tmp_path / "store")] if kind == "embedded" else []
    if kind == "neo4j":
        args = ["--store", request.getfixturevalue("neo4j_server").uri]
    lineagemesh("reindex", *args, home=tmp_path)
    with store() as graph:
        assert graph.nodes([ORDERS, DELIVERIES]).keys() == {ORDERS, DELIVERIES}
