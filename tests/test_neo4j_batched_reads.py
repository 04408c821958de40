"""Neo4j answers several neighbourhood reads in one statement (graph.stores.neo4j.batched_reads):
the very neighbourhoods of reading them one by one, and a lineage answer's node facts read around
the answer in one statement where they took one a read."""

from __future__ import annotations

from typing import Any

import pytest
from neo4j_statements import statements
from test_read_ahead import history  # noqa: F401 - ``history`` is a fixture used below

from graph.lineage import dataset_lineage
from graph.model import Direction, EdgeKind, NodeKind
from graph.node_facts import NodeFacts
from graph.stores import NeighbourhoodRequest, Store
from graph.stores.neo4j import Neo4jStore, batched_reads
from graph.view import NAMES, SUMMARY, GraphView

pytestmark = pytest.mark.neo4j

_FACTS = ("upstream", "downstream", "domain", "owners", "run_state")


def _facts(store: Store, start: str, direction: Direction) -> tuple[Any, ...]:
    """The facts of every node of a lineage answer, as the GraphQL API reads them."""
    view = GraphView(store, summaries=True)
    answer = dataset_lineage(view, start, direction)
    ids = [node.id for node in answer.nodes]
    facts = NodeFacts(view, ids, [node.kind for node in answer.nodes], {})
    facts.expect(_FACTS)
    owners = [[(o.owner.id, o.type) for o in listed] for listed in facts.owners()]
    return (
        ids,
        facts.counts(Direction.UPSTREAM),
        facts.counts(Direction.DOWNSTREAM),
        facts.domains(),
        owners,
        facts.latest_run_states(),
    )


def _key(found: Any) -> Any:
    """A neighbourhood as comparable values."""
    return (
        sorted((e.key, e.props) for e in found.edges),
        {i: (n.kind, n.props) for i, n in found.nodes.items()},
        sorted(found.ahead),
        sorted(found.unrestated),
        sorted(found.ahead_in),
        {i: (n.kind, n.props) for i, n in found.ahead_nodes.items()},
    )


@pytest.mark.parametrize("store_args", ["neo4j"], indirect=True)
def test_reads_in_one_statement_answer_as_one_by_one(
    history: Store,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert isinstance(history, Neo4jStore)
    datasets = [n.id for n in history.nodes_of_kind(NodeKind.DATASET, 1000)]
    jobs = [n.id for n in history.nodes_of_kind(NodeKind.JOB, 1000)]
    requests = [
        NeighbourhoodRequest(
            jobs, [EdgeKind.READS], "out", with_props=False, node_props=list(NAMES)
        ),
        NeighbourhoodRequest(
            jobs,
            [EdgeKind.WRITES],
            "out",
            ahead=[EdgeKind.ALIAS_OF],
            with_props=False,
            node_props=list(SUMMARY),
            ahead_in=[EdgeKind.ALIAS_OF, EdgeKind.READS],
        ),
        NeighbourhoodRequest([], [EdgeKind.OWNED_BY], "out"),  # nothing to read
        NeighbourhoodRequest(datasets, [EdgeKind.BELONGS_TO, EdgeKind.OWNED_BY], "out"),
        NeighbourhoodRequest(
            datasets, [EdgeKind.WRITES, EdgeKind.ALIAS_OF], "in", with_props=False
        ),
    ]
    one_by_one = [_key(history.neighbourhood(r)) for r in requests]
    asked = statements(history, monkeypatch)
    together = [_key(found) for found in history.neighbourhoods(requests)]
    assert together == one_by_one
    assert asked == ["reading neighbourhoods"]
    assert any(key[0] for key in together) and not together[2][0]
    # A large batch: two statements at once, each with half of every read's ids, the same answers
    # (a far end both halves meet, and the edges ahead of it, once).
    monkeypatch.setattr(batched_reads, "SPLIT_FROM", 1)
    asked.clear()
    halves = [_key(found) for found in history.neighbourhoods(requests)]
    assert halves == one_by_one
    assert asked == ["reading neighbourhoods"] * 2


def _found_key(found: Any) -> Any:
    """A neighbourhood as a found-only read reads it (``batched_reads.FoundRead``): its edges'
    keys and unrestated marks, its far ends' ids, kinds and drops, the ahead keys, the ahead_in
    keys and marks, the ahead_in sources' ids, kinds and drops."""
    return (
        sorted((*edge.key, edge.key in found.unrestated) for edge in found.edges),
        {i: (node.kind, node.props.get("deleted")) for i, node in found.nodes.items()},
        sorted(found.ahead),
        sorted((*key, key in found.unrestated) for key in found.ahead_in),
        {i: (node.kind, node.props.get("deleted")) for i, node in found.ahead_nodes.items()},
    )


def _found_read_key(read: Any) -> Any:
    """:func:`_found_key` of a found read's rows (the far ends not of ours: left out)."""
    edges, ends, ahead, ahead_in, sources = read
    return (
        sorted((source, EdgeKind(kind), target, mark) for source, kind, target, mark in edges),
        {i: (NodeKind(kind), deleted) for i, kind, deleted in ends if kind is not None},
        sorted((source, EdgeKind(kind), target) for source, kind, target in ahead),
        sorted((s, EdgeKind(kind), t, mark) for s, kind, t, mark in ahead_in),
        {i: (NodeKind(kind), deleted) for i, kind, deleted in sources if kind is not None},
    )


@pytest.mark.parametrize("store_args", ["neo4j"], indirect=True)
def test_found_only_reads_answer_the_reads_ids_kinds_and_marks(
    history: Store,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The reads whose far ends a lineage answer's facts only need to know exist, as the facts
    ask them (``found_only``): the store's own reads' edges, marks, far ends and keys ahead, each
    far end as its id and kind only (no Node, no Edge), in the batch's statement; split, the
    same."""
    assert isinstance(history, Neo4jStore)
    datasets = [n.id for n in history.nodes_of_kind(NodeKind.DATASET, 1000)]
    jobs = [n.id for n in history.nodes_of_kind(NodeKind.JOB, 1000)]
    names = list(NAMES)
    requests = [
        NeighbourhoodRequest(datasets, [EdgeKind.WRITES], "in", with_props=False, node_props=names),
        NeighbourhoodRequest(
            jobs,
            [EdgeKind.READS],
            "out",
            ahead=[EdgeKind.ALIAS_OF],
            with_props=False,
            node_props=names,
            ahead_in=[EdgeKind.ALIAS_OF],
        ),
        NeighbourhoodRequest(datasets, [EdgeKind.ALIAS_OF], "out", with_props=False),
        NeighbourhoodRequest(datasets, [EdgeKind.ALIAS_OF], "in", with_props=False),
        NeighbourhoodRequest([], [EdgeKind.READS], "out"),  # nothing to read
        NeighbourhoodRequest(datasets, [EdgeKind.BELONGS_TO], "out"),  # read as before
    ]
    expected = [_found_key(history.neighbourhood(r)) for r in requests]
    # (the history's stale read, its drops, a far end met twice, aliases both ways: all there)
    assert any(mark for key in expected[:2] for *_, mark in key[0])
    assert any(deleted for key in expected[:2] for _, deleted in key[1].values())
    assert all(key[0] for key in expected[:4]) and expected[1][2] and expected[1][3]
    found_only = [0, 1, 2, 3, 4]
    asked = statements(history, monkeypatch)
    for split in (False, True):
        if split:
            monkeypatch.setattr(batched_reads, "SPLIT_FROM", 1)
        asked.clear()
        batch = history.facts_batch(requests, [], [], [], found_only)
        assert asked == ["reading neighbourhoods"] * (2 if split else 1)
        assert batch.found.keys() == set(found_only)
        assert [_found_read_key(batch.found[i]) for i in found_only] == expected[:5]
        assert not any(batch.neighbourhoods[i].edges for i in found_only)
        assert _key(batch.neighbourhoods[5]) == _key(history.neighbourhood(requests[5]))
    # a far end not of ours (a node only an edge made) is there, its kind null
    placeholder = [row for read in batch.found.values() for row in read[1] if row[1] is None]
    assert all(history.nodes([row[0]]) == {} for row in placeholder)


@pytest.mark.parametrize("store_args", ["neo4j"], indirect=True)
@pytest.mark.parametrize("direction", [Direction.DOWNSTREAM, Direction.UPSTREAM])
def test_an_answers_facts_are_read_around_it_in_one_statement(
    history: Store,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    direction: Direction,
) -> None:
    start = (
        "dataset:food_delivery:public.orders"
        if direction is Direction.DOWNSTREAM
        else ("dataset:food_delivery:public.delivery_7_days")
    )
    with monkeypatch.context() as one_by_one:
        one_by_one.delattr(Neo4jStore, "neighbourhoods")  # the native view then reads as before
        asked = statements(history, one_by_one)
        expected = _facts(history, start, direction)
        before = list(asked)
    asked = statements(history, monkeypatch)
    assert _facts(history, start, direction) == expected
    assert len(expected[0]) > 10 and any(expected[1]) and any(expected[2])
    assert asked.count("reading neighbourhoods") == 1
    assert len(asked) < len(before) - 2, (asked, before)
    # the jobs' and the datasets' writers' latest runs came with the batch (aliases included here)
    assert "reading the newest" in before and "reading the newest" not in asked, asked
    # As a hub's facts are read: the batch in two statements at once, the same facts.
    monkeypatch.setattr(batched_reads, "SPLIT_FROM", 1)
    in_one, asked[:] = list(asked), []
    assert _facts(history, start, direction) == expected
    assert asked.count("reading neighbourhoods") == 2
    assert len(asked) == len(in_one) + 1, (asked, in_one)
