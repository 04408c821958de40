"""A lineage answer's latest run states and owners read with its facts' batch on Neo4j
(``batched_reads.facts_batch``), in the statement of the batch's edges: the newest run of each job
asked and of each job writing a dataset asked (where they were a statement beside it and one after
it), each run exactly the one ``Neo4jStore.newest`` finds, carrying only what a run state is judged
by; each node's owners as [owner id, type] lists, each distinct list once with its nodes (where
they were an edge row a node), exactly the OWNED_BY edges' ends and types; in two statements at
once when the batch is split, the same. The answers byte for byte the embedded store's."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from conftest import _wipe_neo4j
from neo4j_statements import statements
from test_neo4j_newest import AT, GRAPH, LATEST, U

from graph.api.schema import context, schema
from graph.model import EdgeKind, NodeKind, dataset_id, job_id, owner_id
from graph.mutations import Mutation, UpsertEdge, UpsertNode
from graph.stores import NeighbourhoodRequest, Store
from graph.stores.embedded import EmbeddedStore
from graph.stores.neo4j import Neo4jStore, batched_reads

pytestmark = pytest.mark.neo4j

TABLE = dataset_id("db", "public.table")
SOURCE = dataset_id("db", "public.source")


def dataset(name: str) -> UpsertNode:
    return UpsertNode(
        dataset_id("db", name), NodeKind.DATASET, AT, {"namespace": "db", "name": name}
    )


# GRAPH's jobs (their runs tied, undated, none...) reading SOURCE and writing TABLE, and a writer
# of TABLE that is no job of the answer's jobs below.
WRITTEN: list[Mutation] = [
    *GRAPH,
    dataset("public.source"),
    dataset("public.table"),
    UpsertNode(job_id("etl", "other"), NodeKind.JOB, AT, {"namespace": "etl", "name": "other"}),
    *(UpsertEdge(job_id("etl", name), EdgeKind.READS, SOURCE, AT) for name in LATEST),
    *(UpsertEdge(job_id("etl", name), EdgeKind.WRITES, TABLE, AT) for name in ("tied", "idle")),
    UpsertEdge(job_id("etl", "undated"), EdgeKind.WRITES, TABLE, AT),
    # owners: a list two jobs share, one with an untyped owner, a type held as JSON, and a name
    # needing escapes; SOURCE owns nothing
    *(
        UpsertNode(owner_id(name), NodeKind.OWNER, AT, {"name": f'team "{name}"'})
        for name in ("a", "b")
    ),
    *(
        UpsertEdge(job_id("etl", name), EdgeKind.OWNED_BY, owner_id("a"), AT, {"type": "steward"})
        for name in ("tied", "idle")
    ),
    UpsertEdge(job_id("etl", "plain"), EdgeKind.OWNED_BY, owner_id("b"), AT, {"type": "steward"}),
    UpsertEdge(job_id("etl", "plain"), EdgeKind.OWNED_BY, owner_id("a"), AT),
    UpsertEdge(TABLE, EdgeKind.OWNED_BY, owner_id("b"), AT, {"type": {"role": "steward"}}),
]
OWNED: dict[str, list[tuple[str, Any]]] = {  # each node's owners as the batch lists them, by id
    job_id("etl", "tied"): [(owner_id("a"), "steward")],
    job_id("etl", "idle"): [(owner_id("a"), "steward")],
    job_id("etl", "plain"): [(owner_id("a"), None), (owner_id("b"), "steward")],
    TABLE: [(owner_id("b"), {"role": "steward"})],
    SOURCE: [],
    job_id("etl", "undated"): [],
}

FACTS_GQL = """query($id: String!, $direction: LineageDirection!) {
  lineage(nodeId: $id, direction: $direction, depth: 5) {
    nodes { id kind upstreamCount downstreamCount domain owners { id name type } latestRunState }
    edges { source target kind }
  }
}"""


@pytest.fixture
def neo4j_uri(neo4j_server: Any) -> str:
    _wipe_neo4j(neo4j_server.uri)
    return neo4j_server.uri


def _runs(found: dict[str, Any]) -> dict[str, Any]:
    return {job: run and (run.id, run.kind, run.props) for job, run in found.items()}


def _recorded_parameters(
    store: Neo4jStore, monkeypatch: pytest.MonkeyPatch
) -> list[dict[str, Any]]:
    """The parameters of each statement ``store`` reads from now on, in order."""
    parameters: list[dict[str, Any]] = []
    read = store._read

    def recorded(text: str, given: dict[str, Any], doing: str) -> list[list[Any]]:
        parameters.append(given)
        return read(text, given, doing)

    monkeypatch.setattr(store, "_read", recorded)
    return parameters


@pytest.mark.parametrize("split", [False, True])
def test_the_runs_and_owners_read_with_a_batch_are_the_newest_and_the_edges(
    neo4j_uri: str, monkeypatch: pytest.MonkeyPatch, split: bool
) -> None:
    with Neo4jStore(neo4j_uri) as store:
        store.apply(WRITTEN)
        if split:  # as a hub's batch is read: two statements at once, halves of every list
            monkeypatch.setattr(batched_reads, "SPLIT_FROM", 1)
        asked = statements(store, monkeypatch)
        request = NeighbourhoodRequest([SOURCE], [EdgeKind.READS], "in", with_props=False)
        jobs = [job_id("etl", "plain"), job_id("etl", "idle"), job_id("etl", "missing")]
        owning = [*OWNED, job_id("etl", "missing")]
        found, runs, owned, owners, _ = store.facts_batch([request], jobs, [TABLE], owning)
        assert asked == ["reading neighbourhoods"] * (2 if split else 1)
        # the owners: each node's list (by owner id) as its OWNED_BY edges are, a list once a
        # statement with its nodes; the owners whole; a node not found absent
        lists = {node: owners_of for owners_of, nodes in owned for node in nodes}
        assert lists == OWNED
        if not split:
            assert sorted(len(nodes) for _, nodes in owned) == [1, 1, 2, 2]
        edges = store.edges(list(OWNED), [EdgeKind.OWNED_BY], "out")
        assert sorted((e.source, e.target, e.props.get("type")) for e in edges) == sorted(
            (node, owner, kind) for node, listed in OWNED.items() for owner, kind in listed
        )
        assert owners.keys() == {owner_id("a"), owner_id("b")}
        assert owners[owner_id("a")].props == store.nodes([owner_id("a")])[owner_id("a")].props
        assert [e.key for e in sorted(found[0].edges, key=lambda e: e.key)] == sorted(
            (job_id("etl", name), EdgeKind.READS, SOURCE) for name in LATEST
        )
        # the jobs asked and TABLE's writers, each once; a job with no run None, one not found absent
        writers = [job_id("etl", name) for name in ("tied", "idle", "undated")]
        assert runs.keys() == {*jobs[:2], *writers}
        newest = store.newest([*jobs, *writers], EdgeKind.OF, "in", "createdAt")
        assert {job: run and run.id for job, run in runs.items()} == {
            job: newest[job].id if job in newest else None for job in runs
        }
        assert runs[job_id("etl", "idle")] is None
        tied = runs[job_id("etl", "tied")]
        assert tied is not None and tied.id.endswith(U[3])  # ties by id, as newest() breaks them
        # lean: only what a run state is judged by
        assert {job: run and run.props for job, run in runs.items()} == {
            job: run and {key: newest[job].props[key] for key in batched_reads.RUN_PROPS}
            for job, run in runs.items()
        }
        # nothing else asked: the reads alone, as before
        asked.clear()
        alone = store.neighbourhoods([request])
        assert set(asked) == {"reading neighbourhoods"}  # (one id: its empty half is not read)
        assert sorted(e.key for e in alone[0].edges) == sorted(e.key for e in found[0].edges)
        # With the found read of the WRITES entering TABLE (as the facts ask it): its writers
        # are that read's far ends, not matched again; the same runs.
        parameters = _recorded_parameters(store, monkeypatch)
        writes = NeighbourhoodRequest([TABLE], [EdgeKind.WRITES], "in", with_props=False)
        batch = store.facts_batch([request, writes], jobs, [TABLE], owning, [1])
        assert _runs(batch.runs) == _runs(runs)
        assert all(given["written_runs"] == [] for given in parameters if "written_runs" in given)
        assert sorted(row[0] for row in batch.found[1][1]) == sorted(writers)


def test_nodes_with_a_handle_are_sought_by_it_and_a_stale_handle_loses_only_its_node(
    neo4j_uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The jobs and owning nodes a batch's reads gave handles for are sought by their element
    ids (no seek by id), with the same runs and owners as by id; a handle gone stale (here: the
    element id of another node) loses the node asked, as its deletion would, and adds nothing."""
    with Neo4jStore(neo4j_uri) as store:
        store.apply(WRITTEN)
        jobs = [job_id("etl", "plain"), job_id("etl", "idle")]
        owning = list(OWNED)
        request = NeighbourhoodRequest([SOURCE], [EdgeKind.READS], "in", with_props=False)
        by_id = store.facts_batch([request], jobs, [TABLE], owning)
        with store.session("reading element ids") as session:
            handles = dict(
                session.run(
                    "UNWIND $ids AS id MATCH (n:Node {id: id}) RETURN n.id, elementId(n)",
                    ids=[*owning, owner_id("a")],
                ).values()
            )
        parameters = _recorded_parameters(store, monkeypatch)
        handled = NeighbourhoodRequest(
            [SOURCE], [EdgeKind.READS], "in", with_props=False, handles=handles
        )
        by_handle = store.facts_batch([handled], jobs, [TABLE], owning)
        (given,) = parameters
        assert given["jobs_runs"] == [] and len(given["eids_runs"]) == len(jobs)
        assert given["ids_owners"] == [] and len(given["eids_owners"]) == len(owning)
        assert _runs(by_handle.runs) == _runs(by_id.runs)
        lists = {node: listed for listed, nodes in by_handle.owned for node in nodes}
        assert lists == OWNED
        # plain's handle now finds owner a (as a reused element id would): plain is lost, owner
        # a's rows (no run, no owners) are not taken for plain's
        stale = {**handles, job_id("etl", "plain"): handles[owner_id("a")]}
        request = NeighbourhoodRequest(
            [SOURCE], [EdgeKind.READS], "in", with_props=False, handles=stale
        )
        lost = store.facts_batch([request], jobs, [TABLE], owning)
        lists = {node: listed for listed, nodes in lost.owned for node in nodes}
        assert lists == {k: v for k, v in OWNED.items() if k != job_id("etl", "plain")}
        assert job_id("etl", "plain") not in lost.runs
        assert {k: v for k, v in _runs(lost.runs).items() if k != owner_id("a")} == {
            k: v for k, v in _runs(by_id.runs).items() if k != job_id("etl", "plain")
        }


def _facts_answers(store: Store) -> list[bytes]:
    answers = []
    for start, direction in ((SOURCE, "DOWNSTREAM"), (TABLE, "UPSTREAM")):
        result = schema.execute_sync(
            FACTS_GQL,
            variable_values={"id": start, "direction": direction},
            context_value=context(store),
        )
        assert not result.errors, result.errors
        answers.append(orjson.dumps(result.data))
    return answers


@pytest.mark.parametrize("split", [False, True])
def test_latest_run_states_come_with_the_batch_and_as_on_the_embedded_store(
    neo4j_uri: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, split: bool
) -> None:
    """A lineage answer's facts on Neo4j: the walk, then one batch (two when split) with the
    jobs' and the datasets' writers' latest runs and the owners; the answer byte for byte the
    embedded store's, the states and owners there (a dataset's state: its newest writer's, among
    tied and undated runs)."""
    reference = EmbeddedStore(tmp_path / "reference")
    try:
        reference.apply(WRITTEN)
        expected = _facts_answers(reference)
        with Neo4jStore(neo4j_uri) as store:
            store.apply(WRITTEN)
            if split:
                monkeypatch.setattr(batched_reads, "SPLIT_FROM", 1)
            asked = statements(store, monkeypatch)
            assert _facts_answers(store) == expected
        assert "reading the newest" not in asked, asked
        assert asked.count("reading neighbourhoods") == (4 if split else 2), asked
        states = {
            node["id"]: node["latestRunState"]
            for answer in expected
            for node in orjson.loads(answer)["lineage"]["nodes"]
        }
        assert states[job_id("etl", "plain")] == "COMPLETE"
        assert states[job_id("etl", "idle")] is None
        assert states[TABLE] == "COMPLETE"
        owners = {
            node["id"]: node["owners"]
            for answer in expected
            for node in orjson.loads(answer)["lineage"]["nodes"]
        }
        assert owners[job_id("etl", "plain")] == [
            {"id": owner_id("a"), "name": 'team "a"', "type": None},
            {"id": owner_id("b"), "name": 'team "b"', "type": "steward"},
        ]
    finally:
        reference.close()
