"""A node's summary on Neo4j (format 7): its SUMMARY properties kept as one value, which walks
read instead of the eight. It must follow every write, hold exactly what a whole read holds, be
written for every node of a graph of an older format when a store opens it, and read back as the
properties asked (more asked than it holds, or fewer).

Real Neo4j (the session's server); the whole nodes the store reads as the reference."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from test_neo4j_column_clocks import apply, rerun

from graph import _native
from graph.core.model import Direction, NodeKind
from graph.core.mutations import UpsertNode
from graph.read.lineage import dataset_lineage
from graph.read.view import NAMES, SUMMARY, GraphView
from graph.read.walk_defaults import Budget
from graph.stores.neo4j import Neo4jStore
from graph.stores.neo4j.codec import _FIELDS as KEPT_FIELDS  # (read by name, dropped whole)
from graph.stores.neo4j.cypher.graph import _FORMAT

pytestmark = pytest.mark.neo4j

OURS = "MATCH (n:Node) WHERE n._stamps IS NOT NULL RETURN n.id, n._summary"


@pytest.fixture
def neo4j_uri(neo4j_server: Any) -> str:
    from conftest import _wipe_neo4j

    _wipe_neo4j(neo4j_server.uri)
    return neo4j_server.uri


def raw(store: Neo4jStore, query: str, **parameters: Any) -> list[list[Any]]:
    records, _, _ = store._driver.execute_query(query, parameters, database_="neo4j")
    return [list(record.values()) for record in records]


def summaries_match_whole_nodes(store: Neo4jStore) -> int:
    """Every node of ours keeps as its summary exactly the SUMMARY properties a whole read gives
    it (values of every type: text, lists, booleans), in that order; how many nodes."""
    rows = raw(store, OURS)
    whole = store.nodes([node_id for node_id, _ in rows])
    assert len(whole) == len(rows)
    for node_id, summary in rows:
        assert summary is not None, node_id
        props = whole[node_id].props
        expected = {key: props[key] for key in SUMMARY if key in props}
        assert list(orjson.loads(summary).items()) == list(expected.items()), node_id
    return len(rows)


def answers(store: Neo4jStore, starts: list[str]) -> list[Any]:
    """Downstream lineage in summary form (as the API reads a remote store) from each start."""
    out = []
    for start in starts:
        graph = dataset_lineage(
            GraphView(store, summaries=True), start, Direction.DOWNSTREAM, Budget(depth=20)
        )
        out.append(sorted((node.id, sorted(node.props.items(), key=str)) for node in graph.nodes))
    return out


def test_every_write_keeps_the_summary_of_what_it_wrote(
    neo4j_uri: str, food_delivery_events: list[dict[str, Any]]
) -> None:
    with Neo4jStore(neo4j_uri) as store:
        apply(store, food_delivery_events)
        assert summaries_match_whole_nodes(store) > 50
        apply(store, rerun(food_delivery_events, days=1))  # stamps move, the summaries stay
        at = "2026-02-01T00:00:00.000000Z"
        dataset = next(
            node_id
            for node_id, _ in raw(store, OURS)
            if node_id.startswith("dataset:") and "columns" in store.nodes([node_id])[node_id].props
        )
        store.apply(  # renamed columns, dropped: the summary follows
            [
                UpsertNode(
                    dataset,
                    NodeKind.DATASET,
                    at,
                    {"columns": ["a", "b"], "deleted": True, "description": "not summarised"},
                )
            ]
        )
        ((summary,),) = raw(store, "MATCH (n:Node {id: $id}) RETURN n._summary", id=dataset)
        assert orjson.loads(summary)["columns"] == ["a", "b"]
        assert orjson.loads(summary)["deleted"] is True
        assert "description" not in orjson.loads(summary)
        summaries_match_whole_nodes(store)


def test_summary_reads_give_the_properties_asked(
    neo4j_uri: str, food_delivery_events: list[dict[str, Any]]
) -> None:
    with Neo4jStore(neo4j_uri) as store:
        apply(store, food_delivery_events)
        ids = [node_id for node_id, _ in raw(store, OURS)]
        whole = store.nodes(ids)
        raw(store, "CREATE (:Node:Dataset {id: 'dataset:ns:not-ours', name: 'x'})")
        for names in (SUMMARY, (*SUMMARY, *_native.MARQUEZ_SHOWN), NAMES, ("name", "description")):
            read = store.node_summaries([*ids, "dataset:ns:not-ours"], names)
            assert read.keys() == whole.keys(), names  # (a node not written by us is left out)
            for node_id, node in read.items():
                props = whole[node_id].props
                shown = {key: value for key, value in node.props.items() if key != KEPT_FIELDS}
                assert shown == {key: props[key] for key in names if key in props}, names
                assert node.kind is whole[node_id].kind


def test_a_graph_of_format_6_gets_every_nodes_summary_on_open(
    neo4j_uri: str, food_delivery_events: list[dict[str, Any]]
) -> None:
    with Neo4jStore(neo4j_uri) as first:
        apply(first, food_delivery_events)
        starts = sorted(i for i, _ in raw(first, OURS) if i.startswith("dataset:"))[:8]
        before = answers(first, starts)
        raw(first, "MATCH (n:Node) REMOVE n._summary")  # as format 6 wrote the graph
        raw(first, "MATCH (m:LineagemeshMeta {id: 'graph'}) SET m.format = 6")
    with Neo4jStore(neo4j_uri) as second:
        assert second.node_summaries(starts, SUMMARY)  # (opening it upgrades it)
        assert raw(second, "MATCH (m:LineagemeshMeta {id: 'graph'}) RETURN m.format") == [[_FORMAT]]
        assert summaries_match_whole_nodes(second) > 50
        assert answers(second, starts) == before
