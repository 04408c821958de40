"""What a lineage answer's node facts read around it on Neo4j, in one statement of places
(``graph.stores.neo4j.facts_reads``): each read the store's own neighbourhood read answered with
the places of the nodes the caller gave (a far end it was given a handle for named by its place,
any other by its id, once, with its kind and drop); the newest run of each job asked and of each
job writing a dataset asked, exactly the one ``Neo4jStore.newest`` finds, carrying only what a run
state is judged by; each node's owners as lists, each distinct list once with its nodes; in two
statements at once when the places are many, the same; a stale handle losing only its node. The
answers byte for byte the embedded store's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import orjson
import pytest
from conftest import _wipe_neo4j
from neo4j_statements import statements
from test_neo4j_newest import AT, GRAPH, LATEST, U
from test_read_ahead import history  # noqa: F401 - ``history`` is a fixture used below

from graph.core.model import EdgeKind, NodeKind, dataset_id, job_id, owner_id
from graph.core.mutations import Mutation, UpsertEdge, UpsertNode
from graph.read.view import NAMES
from graph.serve.schema import context, schema
from graph.stores import NeighbourhoodRequest, Store
from graph.stores.embedded.store import EmbeddedStore
from graph.stores.neo4j import Neo4jStore, facts_reads
from graph.stores.remote_reads import FactsRequest

pytestmark = pytest.mark.neo4j

READ = "reading the facts around an answer"


def _handles(store: Neo4jStore, ids: list[str]) -> dict[str, str]:
    """The element ids of ``ids``' nodes, as a walk's reads give them."""
    with store.session("reading element ids") as session:
        return dict(
            session.run(
                "UNWIND $ids AS id MATCH (n:Node {id: id}) RETURN n.id, elementId(n)", ids=ids
            ).values()
        )


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


def _named(table: list[str], name: Any) -> str:
    """The id a row names a node by: its place in the table, or its id."""
    return table[name] if isinstance(name, int) else name


@pytest.mark.parametrize("store_args", ["neo4j"], indirect=True)
@pytest.mark.parametrize("split", [False, True])
def test_found_reads_by_places_answer_the_stores_own_reads(
    history: Store,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    split: bool,
) -> None:
    """The edges, marks, far ends (their kinds and drops) and aliases both ways at the far ends
    of the store's own reads, the far ends of the table named by their places (only those of
    ours, given a handle: those the caller holds), the others by id once; nodes without a handle
    sought by id."""
    assert isinstance(history, Neo4jStore)
    datasets = sorted(n.id for n in history.nodes_of_kind(NodeKind.DATASET, 1000))
    jobs = sorted(n.id for n in history.nodes_of_kind(NodeKind.JOB, 1000))
    table = [*datasets, *jobs]
    handles = _handles(history, table)
    held = {i for k, i in enumerate(table) if k % 3}  # (a third sought and named by id)
    given = [handles[i] if i in held else None for i in table]
    place = {i: k for k, i in enumerate(table)}
    asks: list[tuple[EdgeKind, Literal["in", "out"], list[str], bool]] = [
        (EdgeKind.WRITES, "in", datasets, False),
        (EdgeKind.READS, "out", jobs, True),
        (EdgeKind.WRITES, "out", jobs, True),
        (EdgeKind.READS, "in", datasets, False),
    ]
    if split:
        monkeypatch.setattr(facts_reads, "SPLIT_FROM", 1)
    asked = statements(history, monkeypatch)
    found = [([kind], way, [place[i] for i in at], aliases) for kind, way, at, aliases in asks]
    read = history.facts_read(FactsRequest(table, given, [False] * len(table), found))
    assert asked == [READ] * (2 if split else 1)
    seen_stale = seen_aliases = seen_dropped = False
    for (kind, way, at, aliases), rows in zip(asks, read.found):
        alone = history.neighbourhood(
            NeighbourhoodRequest(
                at,
                [kind],
                way,
                ahead=[EdgeKind.ALIAS_OF] if aliases else (),
                ahead_in=[EdgeKind.ALIAS_OF] if aliases else (),
                with_props=False,
                node_props=list(NAMES),
            )
        )
        unrestated = alone.unrestated or set()
        starts = {e.target if way == "in" else e.source for e in alone.edges}
        assert {(_named(table, i), _named(table, j), bool(mark)) for i, j, mark in rows.edges} == {
            (start, e.source if way == "in" else e.target, e.key in unrestated)
            for e in alone.edges
            for start in [e.target if way == "in" else e.source]
            if start in starts
        }
        seen_stale |= bool(unrestated)
        # a far end the caller holds by its place, any other by its id and once, with its kind
        # and drop (kind None: not a node of ours)
        far = {e.source if way == "in" else e.target for e in alone.edges}
        named = {j for _, j, _ in rows.edges}
        assert {j for j in named if isinstance(j, int)} == {place[i] for i in far & held}
        ends = {row[1]: row for row in rows.ends}
        assert len(ends) == len(rows.ends)
        assert {j for j in named if isinstance(j, str)} == far - held == ends.keys()
        for node_id, node in alone.nodes.items():
            if node_id in ends:
                assert ends[node_id][2:] == [node.kind.value, node.props.get("deleted")]
                assert ends[node_id][0] == handles[node_id]
        seen_dropped |= any(row[3] for row in rows.ends)
        if aliases:
            keys = {(s, t) for s, _, t in (*alone.ahead, *alone.ahead_in)}
            assert {(_named(table, s), _named(table, t)) for s, t in rows.aliases} == keys
            assert {row[1] for row in rows.sources} <= {i for key in keys for i in key} - held
            seen_aliases |= bool(keys)
    assert seen_stale and seen_aliases and seen_dropped
    # A far end whose aliases the caller holds (and says so) has them not read again.
    asked.clear()
    holding = history.facts_read(FactsRequest(table, given, [True] * len(table), found))
    assert asked == [READ] * (2 if split else 1)
    assert holding.found[0] == read.found[0] and holding.found[1].edges == read.found[1].edges
    before, after = (
        {(_named(table, s), _named(table, t)) for s, t in r.found[1].aliases}
        for r in (read, holding)
    )
    assert after < before  # (only those at the far ends the table lacks, named by id)
    assert all(isinstance(s, str) or isinstance(t, str) for s, t in holding.found[1].aliases)
    # One statement's parameters: one map (Neo4j plans a statement again for each new size class
    # of a top-level list parameter, and planning this one takes longer than running it).
    parameters = _recorded_parameters(history, monkeypatch)
    history.facts_read(
        FactsRequest(table, given, [False] * len(table), [([EdgeKind.WRITES], "in", [0], False)])
    )
    assert [list(p) for p in parameters] == [["f"]]


# GRAPH's jobs (their runs tied, undated, none...) reading SOURCE and writing TABLE, and a writer
# of TABLE that is no job of the answer's jobs below.
TABLE = dataset_id("db", "public.table")
SOURCE = dataset_id("db", "public.source")


def dataset(name: str) -> UpsertNode:
    return UpsertNode(
        dataset_id("db", name), NodeKind.DATASET, AT, {"namespace": "db", "name": name}
    )


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
OWNED: dict[str, list[tuple[str, Any]]] = {  # each node's owners as the read lists them, by id
    # (each list in owner id order)
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


def _read_runs_and_owners(
    store: Neo4jStore, table: list[str], handles: list[Any], asks: Sequence[Any] = ()
) -> tuple[dict[str, Any], dict[str, list[tuple[str, Any]]], Any]:
    """The runs (job -> (run id, kind, props) or None) and owner lists (node -> [(owner id,
    type)]) of a read of the jobs plain, idle and missing, TABLE's writers and every node of
    OWNED and missing, by id."""
    place = {i: k for k, i in enumerate(table)}
    jobs = [job_id("etl", "plain"), job_id("etl", "idle"), job_id("etl", "missing")]
    owning = [*OWNED, job_id("etl", "missing")]
    read = store.facts_read(
        FactsRequest(
            table,
            handles,
            [False] * len(table),
            asks,
            jobs=[place[j] for j in jobs],
            written=[place[TABLE]],
            owning=[place[n] for n in owning],
        )
    )
    runs: dict[str, Any] = {}
    for job, run, kind, props in read.runs:
        found = (
            None if kind is None else (run, kind, {k: props.get(k) for k in facts_reads.RUN_PROPS})
        )
        assert runs.setdefault(_named(table, job), found) == found  # (twice when split: the same)
    lists: dict[str, list[tuple[str, Any]]] = {}
    for owners, places in read.owned:
        for at in places:
            # by owner id: a list comes in the owners' element id order (so that equal lists
            # group), which Neo4j allocates its own way once a database was wiped and refilled
            listed = [(o if isinstance(o, str) else o.id, kind) for o, kind in owners]
            lists[table[at]] = sorted(listed, key=lambda owner: owner[0])
    return runs, lists, read


@pytest.mark.parametrize("split", [False, True])
def test_the_runs_and_owners_are_the_newest_and_the_edges(
    neo4j_uri: str, monkeypatch: pytest.MonkeyPatch, split: bool
) -> None:
    with Neo4jStore(neo4j_uri) as store:
        store.apply(WRITTEN)
        if split:  # as a hub's facts are read: two statements at once, halves of every list
            monkeypatch.setattr(facts_reads, "SPLIT_FROM", 1)
        table = sorted({*OWNED, job_id("etl", "missing"), *(job_id("etl", n) for n in LATEST)})
        asked = statements(store, monkeypatch)
        runs, lists, read = _read_runs_and_owners(store, table, [None] * len(table))
        assert asked == [READ] * (2 if split else 1)
        # the owners: each node's list as its OWNED_BY edges are, a list once a statement with its
        # nodes; the owners whole; a node not found absent
        assert lists == OWNED
        if not split:
            assert sorted(len(places) for _, places in read.owned) == [1, 1, 2, 2]
        owners = {o.id: o for listed, _ in read.owned for o, _ in listed if not isinstance(o, str)}
        assert owners.keys() == {owner_id("a"), owner_id("b")}
        assert owners[owner_id("a")].props == store.nodes([owner_id("a")])[owner_id("a")].props
        # the jobs asked and TABLE's writers, each once; a job with no run None, one not found absent
        writers = [job_id("etl", name) for name in ("tied", "idle", "undated")]
        jobs = [job_id("etl", "plain"), job_id("etl", "idle")]
        assert runs.keys() == {*jobs, *writers}
        newest = store.newest([*jobs, *writers], EdgeKind.OF, "in", "createdAt")
        assert {job: run and run[0] for job, run in runs.items()} == {
            job: newest[job].id if job in newest else None for job in runs
        }
        assert runs[job_id("etl", "idle")] is None
        tied = runs[job_id("etl", "tied")]
        assert tied is not None and tied[0].endswith(U[3])  # ties by id, as newest() breaks them
        # lean: only what a run state is judged by
        assert {job: run and (run[1], run[2]) for job, run in runs.items()} == {
            job: run
            and (
                newest[job].kind.value,
                {key: newest[job].props.get(key) for key in facts_reads.RUN_PROPS},
            )
            for job, run in runs.items()
        }
        # With the found read of the WRITES entering TABLE (as the facts ask it): its writers are
        # that read's far ends, not matched again; the same runs.
        writes = ([EdgeKind.WRITES], "in", [table.index(TABLE)], False)
        recorded = _recorded_parameters(store, monkeypatch)
        again, _, read = _read_runs_and_owners(store, table, [None] * len(table), [writes])
        assert again == runs
        assert all(not p["f"]["written"] and not p["f"]["written_by_id"] for p in recorded)
        assert {_named(table, j) for _, j, _ in read.found[0].edges} == set(writers)


def test_nodes_with_a_handle_are_sought_by_it_and_a_stale_handle_loses_only_its_node(
    neo4j_uri: str,
) -> None:
    """The nodes given a handle are sought by it, their ids checked, with the same runs and owners
    as by id; a handle gone stale (here: the element id of another node) loses the node asked, as
    its deletion would, and gives it nothing of the other node's."""
    with Neo4jStore(neo4j_uri) as store:
        store.apply(WRITTEN)
        table = sorted({*OWNED, job_id("etl", "missing"), owner_id("a")})
        by_id = _read_runs_and_owners(store, table, [None] * len(table))
        handles = _handles(store, table)
        given = [handles.get(i) for i in table]
        by_handle = _read_runs_and_owners(store, table, given)
        assert by_handle[:2] == by_id[:2]
        # plain's handle now finds owner a (as a reused element id would): plain is lost, owner
        # a's rows (no run, no owners) are not taken for plain's
        plain = table.index(job_id("etl", "plain"))
        given[plain] = handles[owner_id("a")]
        runs, lists, _ = _read_runs_and_owners(store, table, given)
        assert lists == {k: v for k, v in OWNED.items() if k != job_id("etl", "plain")}
        assert runs == {k: v for k, v in by_id[0].items() if k != job_id("etl", "plain")}


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
def test_latest_run_states_and_owners_are_read_with_the_facts_as_on_the_embedded_store(
    neo4j_uri: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, split: bool
) -> None:
    """A lineage answer's facts on Neo4j: the walk, then one statement (two when split) with the
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
                monkeypatch.setattr(facts_reads, "SPLIT_FROM", 1)
            asked = statements(store, monkeypatch)
            assert _facts_answers(store) == expected
        assert "reading the newest" not in asked, asked
        assert asked.count(READ) == (4 if split else 2), asked
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
