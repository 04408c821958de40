"""What only the Neo4j store does, on a real Neo4j: it says so when the server is unreachable,
it creates its schema, it rewrites only the properties that changed, it judges a database
from before job-currency marks when it opens it, and it runs again a read that a concurrent
write overtook. (What both stores must do alike is tests/test_store_conformance.py.)"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from openlineage_events import complete
from store_graphs import ALL_EDGE_KINDS, T1, T2

from graph.core.model import EdgeKind, NodeKind, dataset_id
from graph.core.mutations import Mutation, UpsertEdge, UpsertNode
from graph.read.walk_defaults import Budget
from graph.stores import StoreUnavailable
from ingest.openlineage import translate


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.neo4j
def test_unreachable_neo4j_raises_store_unavailable() -> None:
    from graph.stores.neo4j import Neo4jStore

    began = time.monotonic()
    store = Neo4jStore(f"bolt://127.0.0.1:{_closed_port()}", retry_time=0.0, connection_timeout=2.0)
    try:
        batch = [UpsertNode(dataset_id("u", "x"), NodeKind.DATASET, T1, {"name": "x"})]
        calls: list[Callable[[], Any]] = [
            store.ping,
            lambda: store.apply(batch),
            lambda: store.nodes(["dataset:u:x"]),
            lambda: store.edges(["dataset:u:x"], ALL_EDGE_KINDS, "out"),
            lambda: store.search("x", list(NodeKind), 5),
            lambda: store.nodes_of_kind(NodeKind.DATASET, 5),
            store.counts,
        ]
        for call in calls:
            with pytest.raises(StoreUnavailable, match="unavailable"):
                call()
    finally:
        store.close()
    assert time.monotonic() - began < 60


@pytest.mark.neo4j
def test_open_store_picks_neo4j_and_schema_exists(neo4j_server) -> None:
    import neo4j

    from graph.stores import open_store
    from graph.stores.neo4j import Neo4jStore

    with open_store(neo4j_server.uri) as store:
        assert isinstance(store, Neo4jStore)
        store.ping()
    with neo4j.GraphDatabase.driver(neo4j_server.uri, auth=None) as driver:
        records, _, _ = driver.execute_query(
            "SHOW CONSTRAINTS YIELD labelsOrTypes, properties, type", database_="neo4j"
        )
        assert any(
            r["labelsOrTypes"] == ["Node"] and r["properties"] == ["id"] and "UNIQUE" in r["type"]
            for r in records
        )
        records, _, _ = driver.execute_query(
            "SHOW INDEXES YIELD type, labelsOrTypes, properties", database_="neo4j"
        )
        assert any(r["type"] == "TEXT" and r["labelsOrTypes"] == ["Node"] for r in records)


class _Counted:
    """A statement's result that adds its update counters to ``counters`` once it is read."""

    def __init__(self, result: Any, counters: dict[str, int]) -> None:
        self._result, self._counters = result, counters

    def single(self, strict: bool = False) -> Any:
        record = self._result.single(strict=strict)
        self.consume()
        return record

    def consume(self) -> Any:
        summary = self._result.consume()
        for key, value in vars(summary.counters).items():
            if type(value) is int:
                self._counters[key] = self._counters.get(key, 0) + value
        return summary


@contextlib.contextmanager
def _write_counters() -> Iterator[dict[str, int]]:
    """Sums the update counters of every statement run in a managed transaction meanwhile."""
    import neo4j

    counters: dict[str, int] = {}
    run = neo4j.ManagedTransaction.run
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            neo4j.ManagedTransaction,
            "run",
            lambda self, *a, **k: _Counted(run(self, *a, **k), counters),
        )
        yield counters


@pytest.mark.neo4j
def test_neo4j_rewrites_only_what_changed(neo4j_server) -> None:
    """A fact seen again moves its stamps: only the stored properties that differ are written, and
    a column seen again with the same content moves its dataset's column clock instead."""
    import neo4j

    from graph.stores.neo4j import Neo4jStore

    nid, col = dataset_id("w", "t"), "datasetField:w:t:c"

    def seen(at: str) -> list[Mutation]:
        return [
            UpsertNode(nid, NodeKind.DATASET, at, {"name": "t", "tags": None}),
            UpsertEdge(nid, EdgeKind.HAS_COLUMN, col, at, {"lastSeenAt": at}, {"firstSeenAt": at}),
        ]

    raw = "MATCH (n:Node {id: $id})-[r]->(c) RETURN properties(n), labels(n), properties(r), labels(c)"
    with (
        Neo4jStore(neo4j_server.uri) as store,
        neo4j.GraphDatabase.driver(neo4j_server.uri, auth=None) as driver,
    ):
        driver.execute_query("MATCH (n) DETACH DELETE n", database_="neo4j")
        assert store.apply(seen(T1)) == 3  # the column is a placeholder
        (before,), _, _ = driver.execute_query(raw, id=nid, database_="neo4j")
        assert before[1] == ["Node", "Dataset"] and before[3] == ["Node", "Column"]
        with _write_counters() as counters:
            assert store.apply(seen(T2)) == 2
        # the dataset's _stamps and column clock, plus the lock flag set and removed on it; not the edge
        assert counters["properties_set"] == 2 + 2
        assert counters.get("labels_added", 0) == 0
        (after,), _, _ = driver.execute_query(raw, id=nid, database_="neo4j")
        assert after[1] == before[1] and after[3] == before[3]
        assert {key for key in after[0] if after[0][key] != before[0][key]} == {
            "_stamps",
            "_clocks",
        }
        assert after[2] == before[2]
        assert after[0].keys() == before[0].keys() and after[2].keys() == before[2].keys()
        assert store.nodes([nid])[nid].stamps == {"name": T2, "tags": T2}
        (edge,) = store.edges([nid], [EdgeKind.HAS_COLUMN], "out")
        assert edge.props == {"lastSeenAt": T2, "firstSeenAt": T1}
        assert edge.stamps == {"lastSeenAt": T2, "firstSeenAt": T1}
        assert store.apply(seen(T2)) == 0


def _io_run(job: str, ended: str, inputs: list[str]) -> dict[str, Any]:
    """A completed run of ``job`` reading ``inputs`` and writing ``job``-out."""
    return complete(
        job,
        [{"namespace": "pg", "name": name} for name in inputs],
        [{"namespace": "pg", "name": f"{job}-out"}],
        at=ended,
        job_namespace="etl",
    )


@pytest.mark.neo4j
def test_a_database_from_before_job_currency_marks_is_judged_on_open(
    neo4j_server, caplog: pytest.LogCaptureFixture
) -> None:
    """Format 1 keeps each job's verdict on its edges; a database written before has none, and
    the first store to open it judges every job before it answers (a new, empty one only gets
    its format, without a word about upgrading)."""
    import neo4j

    from graph.core.model import Direction
    from graph.read.lineage import dataset_lineage
    from graph.read.view import GraphView
    from graph.stores.neo4j import Neo4jStore

    events = [
        _io_run("load", "2026-01-01T00:00:00Z", ["a", "b"]),
        _io_run("load", "2026-01-02T00:00:00Z", ["a"]),
        _io_run("other", "2026-01-01T00:00:00Z", ["b"]),
    ]
    stale = {"job:etl:load": frozenset({("job:etl:load", EdgeKind.READS, "dataset:pg:b")})}
    with neo4j.GraphDatabase.driver(neo4j_server.uri, auth=None) as driver:
        driver.execute_query("MATCH (n) DETACH DELETE n", database_="neo4j")
        caplog.set_level("INFO", logger="graph.stores.neo4j")
        with Neo4jStore(neo4j_server.uri) as store:
            assert "upgrading" not in caplog.text
            for event in events:
                store.apply(translate(event))
            assert store.unrestated_job_edges(["job:etl:load", "job:etl:other"]) == stale
        # as an older lineagemesh left it: no marks, no format
        driver.execute_query("MATCH ()-[r]->() REMOVE r._unrestated", database_="neo4j")
        driver.execute_query("MATCH (m:LineagemeshMeta) DELETE m", database_="neo4j")
        with Neo4jStore(neo4j_server.uri, retry_time=0.1) as store:
            upstream = dataset_lineage(
                GraphView(store), "dataset:pg:load-out", Direction.UPSTREAM, Budget(depth=1)
            )
            assert {n.id for n in upstream.nodes} == {
                "dataset:pg:load-out",
                "job:etl:load",
                "dataset:pg:a",
            }
            assert store.unrestated_job_edges(["job:etl:load", "job:etl:other"]) == stale
        assert "upgrading the graph" in caplog.text
        (format_,), _, _ = driver.execute_query(
            "MATCH (m:LineagemeshMeta) RETURN m.format", database_="neo4j"
        )
        # judged (1), ids renamed (2), column clocks (3: nothing to do), kept fields (4, as JSON
        # 5), stamps (6: nothing to do), summaries (7)
        assert format_[0] == 7


@pytest.mark.neo4j
def test_a_read_overtaken_by_a_concurrent_write_is_run_again(neo4j_server) -> None:
    """Neo4j ends a read whose rows a concurrent write deleted before they were sent with
    ``Neo.TransientError.Transaction.Outdated`` and asks for a retry; the store's reads retry it
    (CI once saw a GraphQL query fail on exactly this while events were being posted)."""
    import neo4j
    from neo4j import exceptions as neo4j_errors

    from graph.stores.neo4j.retries import _retrying_transient

    with neo4j.GraphDatabase.driver(neo4j_server.uri, auth=None) as driver:
        attempts: list[str] = []

        def read_racing_a_delete() -> int:
            """The first time, a delete commits between the read's first row and the rest."""
            driver.execute_query("MATCH (n:RaceScratch) DELETE n", database_="neo4j")
            driver.execute_query(
                "UNWIND range(1, 500) AS i CREATE (:RaceScratch {i: i})", database_="neo4j"
            )
            attempts.append("read")
            with driver.session(database="neo4j", fetch_size=1) as reader:
                rows = iter(reader.run("MATCH (n:RaceScratch) WITH n ORDER BY n.i RETURN n"))
                next(rows)
                if len(attempts) == 1:
                    driver.execute_query(
                        "MATCH (n:RaceScratch) WHERE n.i > 250 DELETE n", database_="neo4j"
                    )
                return 1 + sum(1 for _ in rows)

        try:
            with pytest.raises(neo4j_errors.TransientError) as raised:
                _retrying_transient(read_racing_a_delete, pauses=())
            assert (
                raised.value.code == "Neo.TransientError.Transaction.Outdated"
                and raised.value.is_retryable()
            )
            attempts.clear()
            assert _retrying_transient(read_racing_a_delete) == 500 and attempts == ["read", "read"]
        finally:
            driver.execute_query("MATCH (n:RaceScratch) DELETE n", database_="neo4j")
