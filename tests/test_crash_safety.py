"""Crashes: the server is SIGKILLed mid-stream, the journal is left torn or damaged.

What must hold: every event answered 201 is in the graph after a restart, whole; an event whose
request got no answer is whole or absent, never half there; a torn journal tail is dropped with
one WARNING and the store starts; damage in the middle of the journal is refused loudly (see
``graph.stores.journal``). The SIGKILL test runs once per store.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import struct
import subprocess
import sys
import threading
import time
import uuid
import zlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from command_line import lineagemesh
from crashing import APPLY_ALL, batch_lines, run_then_sigkill
from graph_invariants import invariant_violations
from live_server import LiveServer
from torn_journal import (
    STAMP,
    batch,
    batches_present,
    damage_row,
    fill,
    journal_cli,
    journal_warnings,
)

from graph.core.mutations import UpsertNode, decode, encode, plan, touched_ids
from graph.stores import Store, StoreUnavailable
from graph.stores.embedded.store import EmbeddedStore
from graph.stores.journal import (
    Journal,
    JournalCorrupt,
    JournalInUse,
    wal_path,
)
from ingest.openlineage import translate

PRODUCER = "https://example.com/tests"
NS = "crash"
REFUSED = -1  # the connection was refused: the server never saw the request
UNANSWERED = 0  # sent, but no answer came back: outcome unknown


def facet(**fields: Any) -> dict[str, Any]:
    return {
        "_producer": PRODUCER,
        "_schemaURL": "https://openlineage.io/spec/facets/1-0-0/X.json",
        **fields,
    }


def crash_event(client: int, n: int) -> dict[str, Any]:
    """A COMPLETE event with its own job, run, output dataset, columns and column lineage, all
    reading one shared source, so each event can be checked on its own."""
    out = f"out_{client}_{n}"
    return {
        "eventType": "COMPLETE",
        "eventTime": "2026-01-05T06:00:00Z",
        "run": {"runId": str(uuid.uuid4())},
        "job": {
            "namespace": NS,
            "name": f"job_{client}_{n}",
            "facets": {"sql": facet(query=f"INSERT INTO {out} SELECT id, payload FROM source")},
        },
        "inputs": [
            {
                "namespace": NS,
                "name": "source",
                "facets": {
                    "schema": facet(
                        fields=[
                            {"name": "id", "type": "BIGINT"},
                            {"name": "payload", "type": "STRING"},
                        ]
                    )
                },
            }
        ],
        "outputs": [
            {
                "namespace": NS,
                "name": out,
                "facets": {
                    "schema": facet(
                        fields=[
                            {"name": "id", "type": "BIGINT"},
                            {"name": "value", "type": "STRING"},
                        ]
                    ),
                    "columnLineage": facet(
                        fields={
                            "id": {
                                "inputFields": [{"namespace": NS, "name": "source", "field": "id"}]
                            },
                            "value": {
                                "inputFields": [
                                    {"namespace": NS, "name": "source", "field": "payload"}
                                ]
                            },
                        }
                    ),
                },
            }
        ],
        "producer": PRODUCER,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    }


# -- what an event leaves in the graph ------------------------------------------------------------


class Footprints:
    """For each event, the nodes and edges only it writes, as it alone would leave them."""

    def __init__(self, events: dict[Any, dict[str, Any]]) -> None:
        batches = {key: translate(event) for key, event in events.items()}
        touched = {key: touched_ids(m) for key, m in batches.items()}
        node_uses = Counter(i for nodes, _ in touched.values() for i in nodes)
        edge_uses = Counter(k for _, edges in touched.values() for k in edges)
        self.expected = {}
        for key, mutations in batches.items():
            alone = plan(mutations, {}, {})
            nodes = {i: n for i, n in alone.nodes.items() if node_uses[i] == 1}
            edges = {k: e for k, e in alone.edges.items() if edge_uses[k] == 1}
            assert nodes and edges, f"event {key} writes nothing of its own"
            self.expected[key] = (nodes, edges)

    def states(self, store: Store) -> dict[Any, str]:
        """'whole', 'absent' or a description of what is half there, per event."""
        result = {}
        for key, (nodes, edges) in self.expected.items():
            found_nodes = store.nodes(nodes)
            found_edges = {
                e.key: e
                for e in store.edges({s for s, _, _ in edges}, {k for _, k, _ in edges}, "out")
                if e.key in edges
            }
            if not found_nodes and not found_edges:
                result[key] = "absent"
                continue
            wrong: list[object] = [
                i for i, n in nodes.items() if _state(found_nodes.get(i)) != _state(n)
            ]
            wrong += [k for k, e in edges.items() if _state(found_edges.get(k)) != _state(e)]
            result[key] = "whole" if not wrong else f"half there: missing or different {wrong[:3]}"
        return result


def _state(item: Any) -> Any:
    return None if item is None else (item.props, item.stamps)


# -- SIGKILL in the middle of a stream of posts ---------------------------------------------------


def _post_until_stopped(
    url: str, client: int, stop: threading.Event, sent: dict, outcomes: dict
) -> None:
    """Post events (client 0: batches of three) until stopped or the server is gone."""
    n = 0
    with httpx.Client(timeout=30) as http:
        while not stop.is_set():
            batch = client == 0
            events = [crash_event(client, n + k) for k in range(3 if batch else 1)]
            key = (client, n)
            sent[key] = events
            try:
                if batch:
                    response = http.post(f"{url}/api/v1/lineage/batch", json=events)
                    body = response.json() if response.status_code == 200 else {}
                    outcome = 201 if body.get("accepted") == len(events) else response.status_code
                else:
                    outcome = http.post(f"{url}/api/v1/lineage", json=events[0]).status_code
            except httpx.ConnectError:
                outcome = REFUSED
            except httpx.HTTPError:
                outcome = UNANSWERED
            outcomes[key] = outcome
            n += len(events)
            if outcome == REFUSED:
                return


def test_sigkill_mid_stream_keeps_every_acknowledged_event_whole(
    store_args: list[str], tmp_path: Path, open_test_store: Callable[[], Store]
) -> None:
    server = LiveServer(store_args, tmp_path / "server.log").start()
    sent: dict[tuple[int, int], list[dict]] = {}
    outcomes: dict[tuple[int, int], int] = {}
    stop = threading.Event()
    clients = [
        threading.Thread(target=_post_until_stopped, args=(server.url, c, stop, sent, outcomes))
        for c in range(4)
    ]
    try:
        for thread in clients:
            thread.start()
        # (only a guard: the kill comes at the 150th acknowledgement, which under the sanitizers
        # on Neo4j with the host's two cores shared took over 60 s once)
        deadline = time.monotonic() + 300
        while (
            sum(1 for o in list(outcomes.values()) if o == 201) < 150
            and time.monotonic() < deadline
        ):
            time.sleep(0.05)
        server.kill()  # SIGKILL, requests in flight
        for thread in clients:
            thread.join(60)
    finally:
        stop.set()
        server.kill()
    assert set(outcomes.values()) <= {201, REFUSED, UNANSWERED}, Counter(outcomes.values())
    acknowledged = [key for key, o in outcomes.items() if o == 201]
    assert len(acknowledged) >= 150

    server.start()  # same data dir or Neo4j database
    try:
        query = "query($ns: String!, $name: String!) { job(namespace: $ns, name: $name) { outputs { id } latestRun { state } } }"
        for key in acknowledged[
            :: max(1, len(acknowledged) // 50)
        ]:  # over HTTP, as a client sees it
            for event in sent[key]:
                job = server.graphql(query, ns=NS, name=event["job"]["name"])["job"]
                assert job == {
                    "outputs": [{"id": f"dataset:{NS}:{event['outputs'][0]['name']}"}],
                    "latestRun": {"state": "COMPLETE"},
                }
    finally:
        server.stop()

    events = {(key, i): event for key, batch in sent.items() for i, event in enumerate(batch)}
    store = open_test_store()
    states = Footprints(events).states(store)
    for key, outcome in outcomes.items():
        got = {states[(key, i)] for i in range(len(sent[key]))}
        if outcome == 201:
            assert got == {"whole"}, f"acknowledged request {key}: {got}"
        elif outcome == REFUSED:
            assert got == {"absent"}, f"refused request {key}: {got}"
        else:
            assert got in ({"whole"}, {"absent"}), (
                f"unanswered request {key} (a batch applies whole or not at all): {got}"
            )
    assert invariant_violations(store) == []


# -- the journal's own recovery (embedded store) ---------------------------------------------------


def write_and_crash(data_dir: Path, n: int) -> None:
    """Apply batches 0..n-1 in a child process that then dies by SIGKILL (no close, no checkpoint)."""
    batches = data_dir.parent / f"{data_dir.name}.batches"
    batches.write_bytes(batch_lines(encode(batch(i)) for i in range(n)))
    run_then_sigkill(APPLY_ALL, str(data_dir), str(batches))


def test_sigkill_after_commits_loses_nothing_and_warns_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_and_crash(tmp_path, 40)
    assert wal_path(tmp_path / "journal.sqlite").stat().st_size > 0  # the crash left the WAL behind
    with caplog.at_level(logging.INFO), EmbeddedStore(tmp_path) as store:
        assert batches_present(store, 40) == list(range(40))
    assert journal_warnings(caplog) == []


@pytest.mark.parametrize("damage", ["cut mid-frame", "cut at a frame boundary", "garbage appended"])
def test_torn_wal_recovers_to_the_last_complete_batch(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    write_and_crash(tmp_path, 40)
    wal = wal_path(tmp_path / "journal.sqlite")
    size = wal.stat().st_size
    with wal.open("r+b") as f:
        frame = (
            24 + struct.unpack(">I", f.read(12)[8:])[0]
        )  # a frame header, then a page (the WAL header says its size)
        if damage == "cut mid-frame":
            f.truncate(size - frame // 2)
        elif damage == "cut at a frame boundary":
            f.truncate(
                size - frame
            )  # the last commit frame: its transaction has no commit any more
        else:
            f.seek(0, os.SEEK_END)
            f.write(os.urandom(1000))
    with caplog.at_level(logging.INFO), EmbeddedStore(tmp_path) as store:
        expected = list(range(40)) if damage == "garbage appended" else list(range(39))
        assert batches_present(store, 40) == expected
        store.apply(batch(100))  # and it takes writes again
    warnings = journal_warnings(caplog)
    assert len(warnings) == 1 and "write-ahead log" in warnings[0], warnings
    assert f"batch {len(expected)}, the last complete one" in warnings[0]
    assert ("partial frame" in warnings[0]) == (damage != "cut at a frame boundary")
    caplog.clear()
    with EmbeddedStore(tmp_path) as store:
        assert batches_present(store, 40) == expected and store.nodes({"dataset:torn:t100"})
    assert journal_warnings(caplog) == []


def test_garbage_appended_to_the_database_file_is_ignored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with EmbeddedStore(tmp_path) as store:
        for i in range(20):
            store.apply(batch(i))
    with (tmp_path / "journal.sqlite").open("ab") as f:
        f.write(os.urandom(5000))
    with caplog.at_level(logging.INFO), EmbeddedStore(tmp_path) as store:
        assert batches_present(store, 20) == list(range(20))
        store.apply(batch(20))
    with EmbeddedStore(tmp_path) as store:
        assert batches_present(store, 21) == list(range(21))
    assert journal_warnings(caplog) == []


@pytest.mark.parametrize("how", ["truncated", "bit flip", "garbage, no checksum"])
def test_torn_row_at_the_tail_is_dropped_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, how: str
) -> None:
    path = fill(tmp_path, 30)
    damage_row(path, 30, how)
    check = journal_cli("check", tmp_path)  # reports, changes nothing
    assert (
        check.returncode == 0
        and "29 batches replay; a torn tail of 1 will be dropped" in check.stdout
    ), check
    with caplog.at_level(logging.INFO), EmbeddedStore(tmp_path) as store:
        assert batches_present(store, 30) == list(range(29))
        store.apply(batch(30))  # the next batch gets a new seq after the dropped one
    (warning,) = journal_warnings(caplog)
    assert "torn tail of 1 batch (seq 30:" in warning and "recovers to batch 29" in warning, warning
    db = sqlite3.connect(path)
    try:
        assert [r[0] for r in db.execute("SELECT seq FROM quarantine")] == [30]  # kept, not deleted
        assert db.execute("SELECT max(seq) FROM batches").fetchone()[0] == 31
    finally:
        db.close()
    caplog.clear()
    with EmbeddedStore(tmp_path) as store:
        assert batches_present(store, 31) == [*range(29), 30]
    assert journal_warnings(caplog) == []


def test_several_torn_rows_at_the_tail(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = fill(tmp_path, 10)
    for seq in (9, 10):
        damage_row(path, seq, "truncated")
    with caplog.at_level(logging.INFO), EmbeddedStore(tmp_path) as store:
        assert batches_present(store, 10) == list(range(8))
    (warning,) = journal_warnings(caplog)
    assert "torn tail of 2 batches (seq 9:" in warning and "seq 10:" in warning


def test_every_row_torn_starts_empty(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = fill(tmp_path, 1)
    damage_row(path, 1, "bit flip")
    with caplog.at_level(logging.INFO), EmbeddedStore(tmp_path) as store:
        assert store.counts() == {}
    (warning,) = journal_warnings(caplog)
    assert "an empty graph" in warning


@pytest.mark.parametrize("how", ["truncated", "bit flip", "garbage, no checksum"])
def test_damage_in_the_middle_refuses_to_start_until_salvaged(tmp_path: Path, how: str) -> None:
    path = fill(tmp_path, 30)
    damage_row(path, 12, how)
    with pytest.raises(JournalCorrupt) as refused:
        EmbeddedStore(tmp_path)
    message = str(refused.value)
    assert "seq 12" in message and "before intact batch 13" in message and "salvage" in message
    assert "damage" in message

    check = journal_cli("check", tmp_path)
    assert check.returncode == 1 and "seq 12" in check.stderr
    salvage = journal_cli("salvage", tmp_path)
    assert salvage.returncode == 0 and "quarantined batch 12" in salvage.stdout
    with EmbeddedStore(tmp_path) as store:
        assert batches_present(store, 30) == [i for i in range(30) if i != 11]
    assert journal_cli("check", tmp_path).returncode == 0


def test_an_intact_row_that_does_not_decode_is_refused_wherever_it_is(tmp_path: Path) -> None:
    path = fill(tmp_path, 5)
    db = sqlite3.connect(path, isolation_level=None)
    bogus = (
        b'[["N","dataset:x:y","NoSuchKind","2026",null,null]]'  # a kind this version does not know
    )
    db.execute(
        "UPDATE batches SET payload = ?, length = ?, crc32 = ? WHERE seq = 5",
        (bogus, len(bogus), zlib.crc32(bogus)),
    )
    db.close()
    with pytest.raises(JournalCorrupt, match=r"batch 5 is intact .* cannot be decoded"):
        EmbeddedStore(tmp_path)


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "journal.sqlite").write_bytes(os.urandom(8192))
    with pytest.raises(JournalCorrupt, match="SQLite cannot read it"):
        EmbeddedStore(tmp_path)


def test_a_failed_write_is_unavailable_and_changes_nothing(tmp_path: Path) -> None:
    """A full disk (here: SQLite's page limit) makes apply raise StoreUnavailable (HTTP 503) with
    memory and disk exactly as before; the same batch succeeds once there is room."""
    with EmbeddedStore(tmp_path) as store:
        store.apply(batch(0))
        before = store.counts()
        journal: Journal = store._journal
        pages = journal._db.execute("PRAGMA page_count").fetchone()[0]
        journal._db.execute(f"PRAGMA max_page_count = {pages}")
        big = batch(1)
        big[0] = UpsertNode(
            big[0].id, big[0].kind, STAMP, {**big[0].props, "pad": os.urandom(200_000).hex()}
        )  # ~200 KB compressed: more than the free pages
        with pytest.raises(StoreUnavailable, match="full"):
            store.apply(big)
        assert store.counts() == before and not store.nodes({"dataset:torn:t1"})
        journal._db.execute("PRAGMA max_page_count = 1073741823")
        assert store.apply(big) > 0
    with EmbeddedStore(tmp_path) as store:
        assert batches_present(store, 2) == [0, 1]


def test_decode_of_every_replayed_row_matches_what_was_applied(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path) as store:
        for i in range(5):
            store.apply(batch(i))
    journal = Journal(tmp_path / "journal.sqlite")
    try:
        assert list(journal.replay(decode)) == [batch(i) for i in range(5)]
    finally:
        journal.close()


# -- the same, through a real server process -------------------------------------------------------


def _post(server: LiveServer, n: int) -> None:
    response = httpx.post(f"{server.url}/api/v1/lineage", json=crash_event(9, n), timeout=30)
    assert response.status_code == 201, response.text


def _log_lines(server: LiveServer, level: str) -> list[str]:
    return [
        line
        for line in server.log_path.read_text().splitlines()
        if f" {level} graph.stores.journal" in line
    ]


def test_server_starts_over_a_torn_tail_and_names_what_it_dropped(tmp_path: Path) -> None:
    data_dir = tmp_path / "store"
    server = LiveServer(["--data-dir", str(data_dir)], tmp_path / "server.log").start()
    for n in range(10):
        _post(server, n)
    server.kill()
    damage_row(data_dir / "journal.sqlite", 10, "truncated")  # the last event's row
    server.start()
    try:
        job = 'query($name: String!) { job(namespace: "crash", name: $name) { id } }'
        assert server.graphql(job, name="job_9_8")["job"] is not None
        assert server.graphql(job, name="job_9_9")["job"] is None
        _post(server, 10)
    finally:
        server.stop()
    (warning,) = _log_lines(server, "WARNING")
    assert "torn tail of 1 batch (seq 10:" in warning


def test_server_refuses_to_start_over_damage_in_the_middle(tmp_path: Path) -> None:
    data_dir = tmp_path / "store"
    server = LiveServer(["--data-dir", str(data_dir)], tmp_path / "server.log").start()
    for n in range(5):
        _post(server, n)
    server.stop()
    damage_row(data_dir / "journal.sqlite", 2, "bit flip")
    with pytest.raises(RuntimeError, match="server exited") as refused:
        server.start(timeout=30)
    assert "refusing to start" in str(refused.value) and "seq 2" in str(refused.value)


def test_refusal_is_one_clear_line_not_a_traceback(tmp_path: Path) -> None:
    path = fill(tmp_path, 5)
    damage_row(path, 2, "bit flip")
    result = subprocess.run(
        [sys.executable, "-m", "graph", "serve", "--data-dir", str(tmp_path), "--port", "1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and "Error: journal" in result.stderr


def test_a_second_process_on_the_same_data_dir_is_refused_and_changes_nothing(
    tmp_path: Path, food_delivery_events
) -> None:
    """Two processes on one journal would each serve a graph blind to the other's writes."""
    events = tmp_path / "events.ndjson"
    events.write_text("\n".join(json.dumps(e) for e in food_delivery_events[:4]) + "\n")
    store = EmbeddedStore(tmp_path / "store")
    try:
        store.apply([m for e in food_delivery_events[:2] for m in translate(e)])
        before = store.counts()
        with pytest.raises(
            JournalInUse, match=f"in use by another lineagemesh process \\(pid {os.getpid()}\\)"
        ):
            EmbeddedStore(tmp_path / "store")
        cli = lineagemesh(
            "ingest",
            "openlineage",
            "--data-dir",
            str(tmp_path / "store"),
            str(events),
        )
        assert cli.returncode != 0
        assert (
            f"in use by another lineagemesh process (pid {os.getpid()})" in cli.stderr
            and "Traceback" not in cli.stderr
        )
    finally:
        store.close()
    with EmbeddedStore(
        tmp_path / "store"
    ) as reopened:  # closing released it; the refused ingest wrote nothing
        assert reopened.counts() == before


def test_a_killed_holder_leaves_no_lock_behind(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sys, time; from pathlib import Path; from graph.stores.embedded.store import EmbeddedStore; "
                "EmbeddedStore(Path(sys.argv[1])); print('open', flush=True); time.sleep(600)"
            ),
            str(tmp_path / "store"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(JournalInUse, match=f"pid {holder.pid}"):
            EmbeddedStore(tmp_path / "store")
    finally:
        holder.kill()
        holder.wait()
    EmbeddedStore(tmp_path / "store").close()
