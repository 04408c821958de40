"""Neo4j reads a lineage answer's node facts during its walk (graph.stores.neo4j.facts_ahead): the
facts' reads of each level's nodes started beside the walk's next level, so that after the walk
the facts find them held. The facts are the very facts of reading them after the walk."""

from __future__ import annotations

import threading
from typing import Any

import orjson
import pytest
from test_neo4j_batched_reads import _FACTS, _key
from test_read_ahead import history  # noqa: F401 - ``history`` is a fixture used below

from graph.api.execution import JSON_FRAGMENTS
from graph.api.schema import context, schema
from graph.lineage import dataset_lineage
from graph.model import Direction, NodeKind
from graph.node_facts import NodeFacts
from graph.stores import NeighbourhoodRequest, Store
from graph.stores.neo4j import Neo4jStore, facts_ahead
from graph.stores.neo4j.walk_ahead import WalkAhead
from graph.view import NAMES, GraphView

pytestmark = pytest.mark.neo4j

_STARTS = {
    Direction.DOWNSTREAM: "dataset:food_delivery:public.orders",
    Direction.UPSTREAM: "dataset:food_delivery:public.delivery_7_days",
}


def _facts(store: Store, direction: Direction, ahead: bool, asked: list[str]) -> tuple[Any, ...]:
    """The facts of every node of a lineage answer, as the GraphQL API reads them (``ahead``: told
    before the walk, as the API tells it); ``asked`` gets a "walked" mark where the walk ends."""
    view = GraphView(store, summaries=True)
    if ahead:
        view.expect_facts(_FACTS)
    answer = dataset_lineage(view, _STARTS[direction], direction)
    asked.append("walked")
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


@pytest.mark.parametrize("store_args", ["neo4j"], indirect=True)
@pytest.mark.parametrize("direction", [Direction.DOWNSTREAM, Direction.UPSTREAM])
def test_facts_read_during_the_walk_are_the_facts_read_after_it(
    history: Store,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    direction: Direction,
) -> None:
    asked = _main_statements(history, monkeypatch)
    after = _facts(history, direction, False, asked)
    after_asked, asked[:] = list(asked), []
    assert len(after[0]) > 10 and any(after[1]) and any(after[2]) and any(after[5])
    # A walk this small reaches too few nodes for a statement of their own: the same statements.
    assert _facts(history, direction, True, asked) == after
    assert asked == after_asked
    # Read from the first level on (as a hub's are): the same facts, and after the walk the facts'
    # batch and newest runs find nearly all held (a job's datasets outside the answer, and the
    # aliases met there, are read as they are met, as before).
    monkeypatch.setattr(facts_ahead, "_FIRST", 1)
    monkeypatch.setattr(facts_ahead, "_IN_FLIGHT", 100)  # (a level read ahead waits for none)
    beside = _beside_statements(history, monkeypatch)
    asked.clear()
    assert _facts(history, direction, True, asked) == after
    then = asked[asked.index("walked") + 1 :]
    before = after_asked[after_asked.index("walked") + 1 :]
    assert "reading neighbourhoods" in beside and "reading the newest" in beside
    assert then.count("reading neighbourhoods") < before.count("reading neighbourhoods")
    assert len(then) < len(before), (then, before)


def _main_statements(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the store is asked from the caller's thread (``statements``)."""
    asked: list[str] = []
    read = store._read  # type: ignore[attr-defined]
    caller = threading.get_ident()

    def counted(text: str, parameters: dict[str, Any], doing: str) -> list[list[Any]]:
        if threading.get_ident() == caller:
            asked.append(doing)
        return read(text, parameters, doing)

    monkeypatch.setattr(store, "_read", counted)
    return asked


def _beside_statements(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the store is asked on its second connection (``Neo4jStore.soon``) from now on."""
    asked: list[str] = []
    soon = store.soon  # type: ignore[attr-defined]

    def counted(read: Any, /, *args: Any) -> Any:
        name = {"read_together": "reading neighbourhoods", "newest": "reading the newest"}
        asked.append(name.get(getattr(read, "__name__", ""), repr(read)))
        return soon(read, *args)

    monkeypatch.setattr(store, "soon", counted)
    return asked


@pytest.mark.parametrize("store_args", ["neo4j"], indirect=True)
def test_a_read_restricted_to_some_of_its_ids_is_the_read_of_those(
    history: Store,  # noqa: F811
) -> None:
    assert isinstance(history, Neo4jStore)
    datasets = [n.id for n in history.nodes_of_kind(NodeKind.DATASET, 1000)]
    jobs = [n.id for n in history.nodes_of_kind(NodeKind.JOB, 1000)]
    reads, job_reads = facts_ahead.fact_reads(_FACTS, NAMES)
    for read, ids in [*((r, datasets) for r in reads), *((r, jobs) for r in job_reads)]:
        whole = history.neighbourhood(_with(read, ids))
        first, second = ids[::2], ids[1::2]
        parts = [
            facts_ahead.restricted(whole, set(part), read.direction) for part in (first, second)
        ]
        for part, found in zip((first, second), parts):
            assert _key(found) == _key(history.neighbourhood(_with(read, part))), read
        assert _key(facts_ahead.batched_reads.merged(parts, False)) == _key(whole)
    assert any(history.neighbourhood(_with(r, jobs)).ahead_in for r in job_reads)


def _with(read: NeighbourhoodRequest, ids: list[str]) -> NeighbourhoodRequest:
    return NeighbourhoodRequest(
        ids,
        read.kinds,
        read.direction,
        read.ahead,
        read.with_props,
        read.node_props,
        None,
        read.ahead_in,
    )


_QUERY = """query Lineage($id: String!) {
  lineage(nodeId: $id, direction: DOWNSTREAM) {
    nodes { id kind namespace name %s }
    edges { source target kind }
  }
}"""


@pytest.mark.parametrize("store_args", ["neo4j"], indirect=True)
def test_the_api_reads_the_facts_it_selects_during_the_walk(
    history: Store,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    told: list[set[str]] = []
    expect_facts = WalkAhead.expect_facts

    def telling(self: WalkAhead, facts: Any, names: Any) -> None:
        told.append(set(facts))
        expect_facts(self, facts, names)

    def answer(fields: str) -> Any:
        ctx = context(history)
        ctx[JSON_FRAGMENTS] = True
        variables = {"id": _STARTS[Direction.DOWNSTREAM]}
        found = schema.execute_sync(_QUERY % fields, variable_values=variables, context_value=ctx)
        assert not found.errors, found.errors
        return orjson.dumps(found.data)  # as the server writes it

    selected = "upstreamCount ... on LineageNode { owners { id } latestRunState }"
    with monkeypatch.context() as after:
        after.setattr(WalkAhead, "expect_facts", lambda self, facts, names: None)
        expected = answer(selected)
    monkeypatch.setattr(WalkAhead, "expect_facts", telling)
    monkeypatch.setattr(facts_ahead, "_FIRST", 1)
    monkeypatch.setattr(facts_ahead, "_IN_FLIGHT", 100)
    beside = _beside_statements(history, monkeypatch)
    assert answer(selected) == expected
    assert told == [{"upstream", "owners", "run_state"}]
    assert "reading neighbourhoods" in beside  # (the facts' own batch is read on the caller's)
    told.clear()
    answer("")
    assert told == [set()]
