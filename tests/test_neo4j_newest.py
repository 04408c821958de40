"""A job's latest run on Neo4j is found by the store in one query (``Neo4jStore.newest``): the
newest of its runs by ``createdAt`` (a string; none, or a value of another type, counts as ""),
then by id, as the embedded store's view decides it (``View::newest``). Marquez's ``latestRun``
must come out the same on both stores, however the runs tie."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from conftest import _wipe_neo4j

from graph import _native
from graph.core.model import EdgeKind, NodeKind, job_id, run_id
from graph.core.mutations import Mutation, UpsertEdge, UpsertNode
from graph.read.view import GraphView
from graph.serve.marquez_shapes import marquez
from graph.stores import Store, StoreUnavailable
from graph.stores.embedded.store import EmbeddedStore
from graph.stores.neo4j import Neo4jStore

pytestmark = pytest.mark.neo4j

AT = "2026-01-01T00:00:00.000000Z"
EARLY, LATE = "2026-01-01T01:00:00.000Z", "2026-01-01T02:00:00.000Z"


def job(name: str) -> UpsertNode:
    return UpsertNode(job_id("etl", name), NodeKind.JOB, AT, {"namespace": "etl", "name": name})


def runs_of(name: str, created: dict[str, Any]) -> list[Mutation]:
    """A run of job ``name`` per uuid, created at its value (None: no createdAt)."""
    out: list[Mutation] = []
    for uuid, when in created.items():
        props = {"runId": uuid, "state": "COMPLETE"}
        if when is not None:
            props["createdAt"] = when
        out.append(UpsertNode(run_id(uuid), NodeKind.RUN, AT, props))
        out.append(UpsertEdge(run_id(uuid), EdgeKind.OF, job_id("etl", name), AT))
    return out


U = [f"0195e5b4-0000-7000-8000-00000000000{i}" for i in range(8)]
GRAPH: list[Mutation] = [
    job("plain"),  # the newest by createdAt
    *runs_of("plain", {U[0]: EARLY, U[1]: LATE}),
    job("tied"),  # two runs created at once: the greater id
    *runs_of("tied", {U[3]: LATE, U[2]: LATE, U[4]: EARLY}),
    job("undated"),  # none, or another type, is older than any date
    *runs_of("undated", {U[5]: None, U[6]: 20260101}),
    job("idle"),  # no run at all
]
LATEST = {"plain": U[1], "tied": U[3], "undated": U[6], "idle": None}


@pytest.fixture
def neo4j_uri(neo4j_server: Any) -> str:
    _wipe_neo4j(neo4j_server.uri)
    return neo4j_server.uri


def latest_runs(store: Store) -> dict[str, Any]:
    """Each job's ``latestRun`` as the Marquez API writes it (a view reading as the API's does)."""
    view = GraphView(store, summaries=True, shown=_native.MARQUEZ_SHOWN)
    jobs = [job_id("etl", name) for name in LATEST]
    shown = marquez(view, view.nodes(jobs).values(), False)
    return {data["id"]["name"]: data["latestRun"] for data in shown if data is not None}


def test_the_store_reads_each_jobs_newest_run(neo4j_uri) -> None:
    with Neo4jStore(neo4j_uri) as store:
        store.apply(GRAPH)
        found = store.newest(
            [job_id("etl", name) for name in LATEST], EdgeKind.OF, "in", "createdAt"
        )
        assert {j: node.props["runId"] for j, node in found.items()} == {
            job_id("etl", name): uuid for name, uuid in LATEST.items() if uuid
        }
        # read whole: what Marquez shows of a run is there
        assert found[job_id("etl", "plain")].props["state"] == "COMPLETE"
        # the other way round, and for a node with no such edge
        assert store.newest([run_id(U[0])], EdgeKind.OF, "out", "createdAt").keys() == {
            run_id(U[0])
        }
        assert store.newest([job_id("etl", "idle")], EdgeKind.OF, "in", "createdAt") == {}


def test_marquez_latest_run_is_the_same_on_both_stores(neo4j_uri, tmp_path) -> None:
    reference = EmbeddedStore(tmp_path / "reference")
    try:
        with Neo4jStore(neo4j_uri) as store:
            store.apply(GRAPH)
            reference.apply(GRAPH)
            on_neo4j, embedded = latest_runs(store), latest_runs(reference)
        assert {name: run and run["id"] for name, run in on_neo4j.items()} == LATEST
        assert orjson.dumps(on_neo4j) == orjson.dumps(embedded)
    finally:
        reference.close()


def test_the_newest_runs_are_read_beside_the_inputs_and_their_failure_is_the_answers(
    neo4j_uri,
) -> None:
    """The answer starts the newest-run read before it reads the jobs' inputs and outputs
    (``ReadsSoon``), and collects it; a failure of that read fails the answer, as any read's
    would."""
    with Neo4jStore(neo4j_uri) as store:
        store.apply(GRAPH)
        started: list[str] = []
        soon = store.soon

        def counted(read: Any, *args: Any) -> Any:
            started.append(read.__name__)
            return soon(read, *args)

        store.soon = counted  # type: ignore[method-assign]
        assert {name: run and run["id"] for name, run in latest_runs(store).items()} == LATEST
        assert started == ["newest"]

        def unavailable(*args: Any) -> Any:
            raise StoreUnavailable("Neo4j went away")

        store.newest = unavailable  # type: ignore[method-assign, assignment]
        with pytest.raises(StoreUnavailable, match="went away"):
            latest_runs(store)
        assert started == ["newest", "unavailable"]
