"""A Neo4j dataset keeps its fields as Marquez shows them (``_fields``, their JSON text), so a
Marquez lineage answer of thousands of datasets reads no column node and copies the text. The
copy must say what the column nodes say after every kind of write: a schema change, a column
changed on its own, a database of an older format; and the answer must read it."""

from __future__ import annotations

from typing import Any

import neo4j
import orjson
import pytest
from conftest import _wipe_neo4j

from graph import _native
from graph.core.model import Direction, Node, NodeKind, field_id
from graph.core.mutations import Mutation, UpsertNode
from graph.read.lineage import dataset_lineage
from graph.read.view import GraphView
from graph.read.walk_defaults import Budget
from graph.stores import Store
from graph.stores.embedded.store import EmbeddedStore
from graph.stores.neo4j import Neo4jStore, kept_fields
from graph.stores.neo4j.clock_books import _Locked
from graph.stores.neo4j.codec import _column_ids
from graph.stores.neo4j.cypher.graph import _FORMAT
from ingest.openlineage import translate

pytestmark = pytest.mark.neo4j

NS = "pg://warehouse"
T1 = "2026-01-01T00:00:00.000000Z"
T2 = "2026-01-02T00:00:00.000000Z"


def event(when: str, fields: list[dict[str, Any]], run: str) -> dict[str, Any]:
    """A run of ``load`` reading ``src`` and writing ``out`` with the schema ``fields``."""
    facet = {"_producer": "https://example.com/p", "_schemaURL": "https://example.com/s"}
    schema = {**facet, "fields": fields}
    return {
        "eventType": "COMPLETE",
        "eventTime": when,
        "run": {"runId": run},
        "job": {"namespace": "etl", "name": "load"},
        "inputs": [{"namespace": NS, "name": "src", "facets": {"schema": schema}}],
        "outputs": [{"namespace": NS, "name": "out", "facets": {"schema": schema}}],
        "producer": "https://example.com/p",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    }


FIRST: list[dict[str, Any]] = [
    {"name": "id", "type": "BIGINT", "description": "the key"},
    {"name": "amount", "type": "DECIMAL", "tags": [{"name": "PII"}]},
]
SECOND: list[dict[str, Any]] = [
    {"name": "id", "type": "BIGINT", "description": "the key"},
    {"name": "total", "type": "DOUBLE"},
    {"name": "amount", "type": "DECIMAL"},
]
BATCHES: list[list[Mutation]] = [
    translate(event(T1, FIRST, "0195e5b4-0000-7000-8000-000000000001")),
    translate(event(T2, SECOND, "0195e5b4-0000-7000-8000-000000000002")),
    # a column changed on its own, as a catalog or a contract changes it
    [
        UpsertNode(
            field_id(NS, "out", "total"),
            NodeKind.COLUMN,
            "2026-01-03T00:00:00.000000Z",
            {"description": "sum of the lines", "namespace": NS, "dataset": "out", "name": "total"},
        )
    ],
]


@pytest.fixture
def neo4j_uri(neo4j_server: Any) -> str:
    _wipe_neo4j(neo4j_server.uri)
    return neo4j_server.uri


def stored_fields(uri: str) -> dict[str, Any]:
    """Each dataset's ``_fields`` as Neo4j holds it."""
    with neo4j.GraphDatabase.driver(uri, auth=None) as driver:
        rows, _, _ = driver.execute_query(
            f"MATCH (d:Dataset) RETURN d.id, d.{_native.KEPT_FIELDS_KEY}", database_="neo4j"
        )
    return {node_id: None if kept is None else orjson.loads(kept) for node_id, kept in rows}


def expected_fields(store: Store) -> dict[str, Any]:
    """Each dataset's fields as its column nodes say, read through the store."""
    datasets = store.nodes_of_kind(NodeKind.DATASET, 1000)
    expected = {}
    for dataset in datasets:
        ids = _column_ids(dataset)
        kept = kept_fields(ids, store.nodes(ids or []))
        expected[dataset.id] = None if kept is None else orjson.loads(kept)
    return expected


def marquez_lineage(store: Store, node_id: str) -> list[dict[str, Any]]:
    """The Marquez lineage answer as the API writes it (graph.serve.marquez)."""
    view = GraphView(store, summaries=True, shown=_native.MARQUEZ_SHOWN)
    answer = dataset_lineage(view, node_id, Direction.BOTH, Budget(depth=20)).answer
    return orjson.loads(answer.render_marquez())["graph"]


def test_kept_fields_follow_every_write_and_match_the_embedded_answer(neo4j_uri, tmp_path) -> None:
    reference = EmbeddedStore(tmp_path / "reference")
    try:
        with Neo4jStore(neo4j_uri) as store:
            for batch in BATCHES:
                store.apply(batch)
                reference.apply(batch)
                kept = stored_fields(neo4j_uri)
                assert kept == expected_fields(store)
                assert all(value is not None for value in kept.values())
            out = kept[f"dataset:{NS}:out"]
            assert out == [
                {"name": "id", "type": "BIGINT", "tags": [], "description": "the key"},
                {"name": "total", "type": "DOUBLE", "tags": [], "description": "sum of the lines"},
                {"name": "amount", "type": "DECIMAL", "tags": [], "description": None},
            ]
            for node_id in (f"dataset:{NS}:out", f"dataset:{NS}:src"):
                assert marquez_lineage(store, node_id) == marquez_lineage(reference, node_id)
    finally:
        reference.close()


def test_the_marquez_answer_reads_the_kept_fields(neo4j_uri) -> None:
    """What the dataset keeps is what the answer shows: no column node is read for it."""
    with Neo4jStore(neo4j_uri) as store:
        for batch in BATCHES:
            store.apply(batch)
        shown = _native.marquez_fields([["id", "INT", ["a"], "kept"], ["total", 1, 2, 3]])
        with neo4j.GraphDatabase.driver(neo4j_uri, auth=None) as driver:
            driver.execute_query(
                f"MATCH (d:Dataset {{id: $id}}) SET d.{_native.KEPT_FIELDS_KEY} = $kept",
                id=f"dataset:{NS}:out",
                kept=shown,
                database_="neo4j",
            )
        graph = {n["id"]: n for n in marquez_lineage(store, f"dataset:{NS}:src")}
        assert graph[f"dataset:{NS}:out"]["data"]["fields"] == [
            {"name": "id", "type": "INT", "tags": ["a"], "description": "kept"},
            {"name": "total", "type": 1, "tags": [], "description": 3},
        ]
        # none kept: read from the column nodes instead
        with neo4j.GraphDatabase.driver(neo4j_uri, auth=None) as driver:
            driver.execute_query(
                f"MATCH (d:Dataset {{id: $id}}) REMOVE d.{_native.KEPT_FIELDS_KEY}",
                id=f"dataset:{NS}:out",
                database_="neo4j",
            )
        graph = {n["id"]: n for n in marquez_lineage(store, f"dataset:{NS}:src")}
        assert [f["description"] for f in graph[f"dataset:{NS}:out"]["data"]["fields"]] == [
            "the key",
            "sum of the lines",
            None,
        ]
        # nor does the rest of the graph see the copy
        out = store.nodes([f"dataset:{NS}:out"])[f"dataset:{NS}:out"]
        assert _native.KEPT_FIELDS_KEY not in out.props


# How older formats kept a dataset's fields: none (3), one list of values per column (4).
OLDER_FORMATS = {
    3: f"REMOVE d.{_native.KEPT_FIELDS_KEY}",
    4: f'SET d.{_native.KEPT_FIELDS_KEY} = \'[["id","BIGINT",null,"the key"]]\'',
}


@pytest.mark.parametrize("older", sorted(OLDER_FORMATS))
def test_a_database_of_an_older_format_gets_every_dataset_its_fields_on_open(
    neo4j_uri, older: int
) -> None:
    with Neo4jStore(neo4j_uri) as store:
        for batch in BATCHES:
            store.apply(batch)
        want = stored_fields(neo4j_uri)
    with neo4j.GraphDatabase.driver(neo4j_uri, auth=None) as driver:
        driver.execute_query(f"MATCH (d:Dataset) {OLDER_FORMATS[older]}", database_="neo4j")
        driver.execute_query(
            "MATCH (m:LineagemeshMeta) SET m.format = $older", older=older, database_="neo4j"
        )
        assert stored_fields(neo4j_uri) != want
        with Neo4jStore(neo4j_uri, retry_time=0.1) as store:
            store.counts()  # opening reads: the upgrade runs first
            assert stored_fields(neo4j_uri) == want
        (format_,), _, _ = driver.execute_query(
            "MATCH (m:LineagemeshMeta) RETURN m.format", database_="neo4j"
        )
        assert format_[0] == _FORMAT


def test_a_dataset_whose_column_has_no_node_keeps_nothing(neo4j_uri) -> None:
    """A dataset naming a column no node holds shows it by name alone, as on the embedded store."""
    dataset = Node(
        f"dataset:{NS}:bare",
        NodeKind.DATASET,
        {"namespace": NS, "name": "bare", "columns": ["a", "b"]},
    )
    with Neo4jStore(neo4j_uri) as store:
        store.apply([UpsertNode(dataset.id, NodeKind.DATASET, T1, dataset.props)])
        assert stored_fields(neo4j_uri) == {dataset.id: None}
        data = marquez_lineage(store, dataset.id)[0]["data"]
        assert [f["name"] for f in data["fields"]] == ["a", "b"]


def test_a_write_reads_no_kept_fields_back(neo4j_uri) -> None:
    """A write batch's locked reads leave the kept fields out (a third of what its datasets
    sent): the statement writing them compares them, and writes only those that differ."""
    with Neo4jStore(neo4j_uri) as store:
        for batch in BATCHES[:2]:
            store.apply(batch)
        out = f"dataset:{NS}:out"
        assert stored_fields(neo4j_uri)[out] is not None

        def locked_read(tx: neo4j.ManagedTransaction) -> None:
            nodes: _Locked[str] = _Locked()
            store._lock_read_batch(tx, [out, f"dataset:{NS}:src"], []).read(nodes)
            assert nodes.stored[out].get(_native.KEPT_FIELDS_KEY) is None
            assert nodes.stored[out]["_stamps"]  # (read whole otherwise)
            assert store._keep_fields(tx, [out], nodes) == 0  # (the same fields: unwritten)

        with store._driver.session(database=store.database) as session:
            session.execute_write(locked_read)
        kept = stored_fields(neo4j_uri)
        assert kept == expected_fields(store)
