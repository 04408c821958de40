"""A store written when ids joined their parts unescaped (id format 1) is renamed on open, on both
stores: the data is found under the current ids (``graph.stores.id_format``), with the ids other
elements hold of them, and later writes meet it there."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path

import neo4j
import pytest
from conftest import STORES

from graph.core.model import EdgeKind, NodeKind, dataset_id, field_id, job_id, run_id
from graph.core.mutations import UpsertEdge, UpsertNode
from graph.stores import Store
from graph.stores.journal import Journal
from ingest.openlineage import translate

T = "2026-01-05T00:00:00.000000Z"
RUN = str(uuid.UUID(int=7, version=4))
OLD_DATASET, OLD_COLUMN, OLD_SOURCE = (
    "dataset:pg:a:b",
    "datasetField:pg:a:b:c",
    "datasetField:pg:src:x:y",
)
OLD_JOB, PLAIN = "job:ns:j:1", "dataset:pg://h:5432:plain"


def _format_1_graph() -> list:
    """What the format-1 rule wrote for dataset (pg, a:b) with column c, computed by job (ns, j:1)
    from column x:y of dataset (pg, src), and an ordinary dataset whose id does not change."""
    return [
        UpsertNode(
            OLD_DATASET,
            NodeKind.DATASET,
            T,
            {"namespace": "pg", "name": "a:b", "description": "mine"},
        ),
        UpsertNode(PLAIN, NodeKind.DATASET, T, {"namespace": "pg://h:5432", "name": "plain"}),
        UpsertNode(
            OLD_COLUMN,
            NodeKind.COLUMN,
            T,
            {"namespace": "pg", "dataset": "a:b", "name": "c", "datasetId": OLD_DATASET},
        ),
        UpsertNode(
            OLD_SOURCE,
            NodeKind.COLUMN,
            T,
            {"namespace": "pg", "dataset": "src", "name": "x:y", "datasetId": "dataset:pg:src"},
        ),
        UpsertNode("dataset:pg:src", NodeKind.DATASET, T, {"namespace": "pg", "name": "src"}),
        UpsertEdge(OLD_DATASET, EdgeKind.HAS_COLUMN, OLD_COLUMN, T),
        UpsertEdge("dataset:pg:src", EdgeKind.HAS_COLUMN, OLD_SOURCE, T),
        UpsertEdge(OLD_COLUMN, EdgeKind.DERIVES_FROM, OLD_SOURCE, T, {"jobId": OLD_JOB}),
        UpsertNode(
            OLD_JOB,
            NodeKind.JOB,
            T,
            {"namespace": "ns", "name": "j:1", "latestCompletedRun": run_id(RUN)},
        ),
        UpsertNode(run_id(RUN), NodeKind.RUN, T, {"runId": RUN, "jobId": OLD_JOB}),
        UpsertEdge(run_id(RUN), EdgeKind.OF, OLD_JOB, T),
        UpsertEdge(OLD_JOB, EdgeKind.WRITES, OLD_DATASET, T),
        UpsertEdge(OLD_JOB, EdgeKind.READS, PLAIN, T),
    ]


def _make_format_1(
    store_args: list[str], open_test_store: Callable[[], Store], snapshot: bool
) -> None:
    """The graph above, in a store marked as format 1 (as one written before format 2 is)."""
    store = open_test_store()
    store.apply(_format_1_graph())
    store.close()
    flag, location = store_args
    if flag == "--data-dir":
        with sqlite3.connect(Path(location) / "journal.sqlite") as db:
            db.execute("DROP TABLE meta")
        if not snapshot:
            (Path(location) / "snapshot.bin").unlink()
    else:
        with (
            neo4j.GraphDatabase.driver(location, auth=None) as driver,
            driver.session(database="neo4j") as session,
        ):
            session.run("MATCH (m:LineagemeshMeta {id: 'graph'}) SET m.format = 1").consume()


@pytest.mark.parametrize("store_args", STORES, indirect=True)
@pytest.mark.parametrize("snapshot", [True, False], ids=["with-snapshot", "journal-only"])
def test_a_format_1_store_is_found_under_the_current_ids(
    store_args: list[str], open_test_store: Callable[[], Store], snapshot: bool
) -> None:
    if store_args[0] == "--store" and not snapshot:
        pytest.skip("Neo4j has no snapshot")
    _make_format_1(store_args, open_test_store, snapshot)
    new_dataset, new_column = dataset_id("pg", "a:b"), field_id("pg", "a:b", "c")
    new_source, new_job = field_id("pg", "src", "x:y"), job_id("ns", "j:1")
    assert (new_dataset, new_column, new_source, new_job) == (
        "dataset:pg:a%3Ab",
        "datasetField:pg:a%3Ab:c",
        "datasetField:pg:src:x%3Ay",
        "job:ns:j%3A1",
    )
    for _reopened in range(2):  # the rename, then a start that finds it done
        store = open_test_store()
        assert not store.nodes([OLD_DATASET, OLD_COLUMN, OLD_SOURCE, OLD_JOB])
        nodes = store.nodes([new_dataset, new_column, new_source, new_job, run_id(RUN), PLAIN])
        assert nodes[new_dataset].get("description") == "mine"
        assert nodes[new_column].get("datasetId") == new_dataset
        assert nodes[run_id(RUN)].get("jobId") == new_job
        assert nodes[PLAIN].get("name") == "plain"
        assert nodes[new_column].stamps["datasetId"] == T
        assert {
            (e.kind, e.target)
            for e in store.edges([new_job], [EdgeKind.READS, EdgeKind.WRITES], "out")
        } == {(EdgeKind.WRITES, new_dataset), (EdgeKind.READS, PLAIN)}
        assert [e.target for e in store.edges([new_dataset], [EdgeKind.HAS_COLUMN], "out")] == [
            new_column
        ]
        (derived,) = store.edges([new_column], [EdgeKind.DERIVES_FROM], "out")
        assert (derived.target, derived.props.get("jobId")) == (new_source, new_job)
        assert [e.source for e in store.edges([new_job], [EdgeKind.OF], "in")] == [run_id(RUN)]
        assert store.counts()["Dataset"] == 3
        store.close()
    store = open_test_store()  # a producer sending the renamed dataset again meets it
    store.apply(
        translate(
            {
                "eventType": "COMPLETE",
                "eventTime": "2026-02-01T00:00:00Z",
                "run": {"runId": str(uuid.uuid4())},
                "job": {"namespace": "ns", "name": "j:1"},
                "outputs": [{"namespace": "pg", "name": "a:b"}],
                "producer": "https://example.com/t",
                "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            }
        )
    )
    assert store.counts()["Dataset"] == 3
    assert store.nodes([new_dataset])[new_dataset].get("description") == "mine"
    store.close()


def test_a_new_journal_is_marked_with_the_current_id_format(tmp_path: Path) -> None:
    from graph.stores.embedded.store import EmbeddedStore
    from graph.stores.id_format import ID_FORMAT

    EmbeddedStore(tmp_path).close()
    journal = Journal(tmp_path / "journal.sqlite")
    try:
        assert journal.meta("ids") == ID_FORMAT
    finally:
        journal.close()
