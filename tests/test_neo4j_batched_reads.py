"""Neo4j answers several neighbourhood reads in one statement (graph.stores.neo4j.batched_reads):
the very neighbourhoods of reading them one by one; and a lineage answer's node facts read around
the answer in one statement (graph.stores.neo4j.facts_reads) where they took one a read."""

from __future__ import annotations

from typing import Any

import pytest
from neo4j_history import ON_NEO4J, history, neo4j_history  # noqa: F401 - fixtures
from neo4j_statements import statements

from graph.core.model import Direction, EdgeKind, NodeKind
from graph.read.lineage import dataset_lineage
from graph.read.node_facts import NodeFacts
from graph.read.view import NAMES, SUMMARY, GraphView
from graph.stores import NeighbourhoodRequest, Store
from graph.stores.neo4j import Neo4jStore, batched_reads, facts_reads

pytestmark = ON_NEO4J

_FACTS = ("upstream", "downstream", "domain", "owners", "run_state")
FACTS = "reading the facts around an answer"


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


def test_reads_in_one_statement_answer_as_one_by_one(
    neo4j_history: Neo4jStore,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    datasets = [n.id for n in neo4j_history.nodes_of_kind(NodeKind.DATASET, 1000)]
    jobs = [n.id for n in neo4j_history.nodes_of_kind(NodeKind.JOB, 1000)]
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
    one_by_one = [_key(neo4j_history.neighbourhood(r)) for r in requests]
    asked = statements(neo4j_history, monkeypatch)
    together = [_key(found) for found in neo4j_history.neighbourhoods(requests)]
    assert together == one_by_one
    assert asked == ["reading neighbourhoods"]
    assert any(key[0] for key in together) and not together[2][0]
    # A large batch: two statements at once, each with half of every read's ids, the same answers
    # (a far end both halves meet, and the edges ahead of it, once).
    monkeypatch.setattr(batched_reads, "SPLIT_FROM", 1)
    asked.clear()
    halves = [_key(found) for found in neo4j_history.neighbourhoods(requests)]
    assert halves == one_by_one
    assert asked == ["reading neighbourhoods"] * 2


@pytest.mark.parametrize("direction", [Direction.DOWNSTREAM, Direction.UPSTREAM])
def test_an_answers_facts_are_read_around_it_in_one_statement(
    neo4j_history: Neo4jStore,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    direction: Direction,
) -> None:
    start = (
        "dataset:food_delivery:public.orders"
        if direction is Direction.DOWNSTREAM
        else ("dataset:food_delivery:public.delivery_7_days")
    )
    with monkeypatch.context() as one_by_one:
        one_by_one.setattr(Neo4jStore, "reads_batches", False)  # the native view reads as before
        asked = statements(neo4j_history, one_by_one)
        expected = _facts(neo4j_history, start, direction)
        before = list(asked)
    asked = statements(neo4j_history, monkeypatch)
    assert _facts(neo4j_history, start, direction) == expected
    assert len(expected[0]) > 10 and any(expected[1]) and any(expected[2])
    assert asked.count(FACTS) == 1 and "reading neighbourhoods" not in asked
    assert len(asked) < len(before) - 2, (asked, before)
    # the jobs' and the datasets' writers' latest runs came with the batch (aliases included here)
    assert "reading the newest" in before and "reading the newest" not in asked, asked
    # As a hub's facts are read: in two statements at once, the same facts.
    monkeypatch.setattr(facts_reads, "SPLIT_FROM", 1)
    in_one, asked[:] = list(asked), []
    assert _facts(neo4j_history, start, direction) == expected
    assert asked.count(FACTS) == 2
    assert len(asked) == len(in_one) + 1, (asked, in_one)
