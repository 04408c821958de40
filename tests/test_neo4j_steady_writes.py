"""What a re-run costs Neo4j: the stamp it moves on every element it restates (``lastSeenAt``,
whose value is its stamp) is kept implicit, so a restated element rewrites one short value and
not its stamps' text (format 6), with the graph still exactly the merge rule's, stamps included;
and the raw event log's check for events kept already rides in its block write.

Real Neo4j (the session's server), the embedded store as the rule's reference."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from test_lineage_conformance import snapshot
from test_neo4j_column_clocks import apply, reference, rerun

from graph.core.model import NodeKind
from graph.core.mutations import UpsertNode
from graph.eventlog.event_log import OPENLINEAGE
from graph.eventlog.event_log_migration import open_event_log
from graph.intake.ingest_service import IngestService, TranslatedEvent
from graph.stores.neo4j import Neo4jStore
from graph.stores.neo4j.cypher.graph import _FORMAT

pytestmark = pytest.mark.neo4j

JOB_EDGES = (
    "MATCH (j:Job)-[r:READS|WRITES]->(d) RETURN j.id + type(r) + d.id, r.lastSeenAt, r._stamps"
)
JOBS = "MATCH (j:Job) RETURN j.id, j.lastSeenAt, j._stamps"
DATASETS = "MATCH (d:Dataset) WHERE d.lastSeenAt IS NOT NULL RETURN d.id, d.lastSeenAt, d._stamps"


@pytest.fixture
def neo4j_uri(neo4j_server: Any) -> str:
    from conftest import _wipe_neo4j

    _wipe_neo4j(neo4j_server.uri)
    return neo4j_server.uri


@pytest.fixture
def store(neo4j_uri: str) -> Any:
    store = Neo4jStore(neo4j_uri)
    yield store
    store.close()


def raw(store: Neo4jStore, query: str, **parameters: Any) -> list[list[Any]]:
    records, _, _ = store._driver.execute_query(query, parameters, database_="neo4j")
    return [list(record.values()) for record in records]


def test_a_rerun_rewrites_only_the_time_valued_value_of_what_it_restates(
    store: Neo4jStore, food_delivery_events: list[dict[str, Any]], tmp_path: Any
) -> None:
    apply(store, food_delivery_events)
    for _, _, stamps in raw(store, JOBS):  # restated at its newest stamp: kept as the same
        assert "lastSeenAt" not in orjson.loads(stamps)
        assert 0 in orjson.loads(stamps).values()
    first, second = (rerun(food_delivery_events, days=days) for days in (1, 2))
    apply(store, first)
    before = {node: (seen, stamps) for node, seen, stamps in raw(store, DATASETS)}
    edges_before = raw(store, JOB_EDGES)
    apply(store, second)
    after = {node: (seen, stamps) for node, seen, stamps in raw(store, DATASETS)}
    assert before.keys() == after.keys() and before
    for node, (seen, stamps) in after.items():
        assert seen > before[node][0]  # moved by the re-run ...
        assert stamps == before[node][1]  # ... and its stamps' text not rewritten
    # a job's lineage restated as it was moves the job's clock, not its edges
    assert sorted(raw(store, JOB_EDGES)) == sorted(edges_before) and edges_before
    assert snapshot(store) == reference(tmp_path, food_delivery_events, first, second)


def test_a_time_valued_property_holding_another_value_keeps_its_stamp(
    store: Neo4jStore,
) -> None:
    stamp, earlier = "2026-01-05T08:00:00.000000Z", "2026-01-01T00:00:00.000000Z"
    store.apply([UpsertNode("dataset:ns:t", NodeKind.DATASET, stamp, {"lastSeenAt": earlier})])
    ((stamps,),) = raw(store, "MATCH (n:Node {id: 'dataset:ns:t'}) RETURN n._stamps")
    assert orjson.loads(stamps)["lastSeenAt"] == stamp
    node = store.nodes(["dataset:ns:t"])["dataset:ns:t"]
    assert node.props["lastSeenAt"] == earlier and node.stamps["lastSeenAt"] == stamp
    later = "2026-01-06T00:00:00.000000Z"  # now set to its stamp: kept implicit
    store.apply([UpsertNode("dataset:ns:t", NodeKind.DATASET, later, {"lastSeenAt": later})])
    ((stamps,),) = raw(store, "MATCH (n:Node {id: 'dataset:ns:t'}) RETURN n._stamps")
    assert "lastSeenAt" not in orjson.loads(stamps)
    assert store.nodes(["dataset:ns:t"])["dataset:ns:t"].stamps["lastSeenAt"] == later


def as_format_5(store: Neo4jStore) -> int:
    """Rewrite every element's stamps as format 5 kept them (each stamp written out); how many
    were kept implicit."""
    rewritten = 0
    for match in ("MATCH (e)", "MATCH ()-[e]->()"):
        rows = raw(
            store,
            f"{match} WHERE e._stamps IS NOT NULL RETURN elementId(e), e.lastSeenAt, e._stamps",
        )
        explicit = []
        for element, seen, text in rows:
            kept = orjson.loads(text)
            if "lastSeenAt" in kept or seen is None:
                continue
            stamps = {key: seen if stamp == 0 else stamp for key, stamp in kept.items()}
            explicit.append([element, orjson.dumps({**stamps, "lastSeenAt": seen}).decode()])
        raw(
            store,
            f"UNWIND $rows AS row {match} WHERE elementId(e) = row[0] SET e._stamps = row[1]",
            rows=explicit,
        )
        rewritten += len(explicit)
    raw(store, "MATCH (m:LineagemeshMeta {id: 'graph'}) SET m.format = 5")
    return rewritten


def test_a_graph_of_format_5_reads_as_it_was_and_is_marked_current(
    neo4j_uri: str, food_delivery_events: list[dict[str, Any]], tmp_path: Any
) -> None:
    with Neo4jStore(neo4j_uri) as first:
        apply(first, food_delivery_events)
        assert as_format_5(first) > 0
    with Neo4jStore(neo4j_uri) as second:
        assert raw(second, "MATCH (m:LineagemeshMeta {id: 'graph'}) RETURN m.format") == [[_FORMAT]]
        assert snapshot(second) == reference(tmp_path, food_delivery_events)
        again = rerun(food_delivery_events, days=1)
        apply(second, again)
        assert snapshot(second) == reference(tmp_path / "again", food_delivery_events, again)


def kept_events(log: Any) -> list[bytes]:
    return sorted(event for block in log.blocks() for event in block.event_bytes())


def test_events_kept_already_are_kept_once_whatever_else_rides_with_them(
    store: Neo4jStore, food_delivery_events: list[dict[str, Any]], tmp_path: Any
) -> None:
    log = open_event_log(store, tmp_path / "event-log")
    service = IngestService(store, log)
    try:
        sent = [orjson.dumps(event) for event in food_delivery_events[:6]]
        translated = [
            event for event in service.translate_each(sent) if isinstance(event, TranslatedEvent)
        ]
        assert len(translated) == len(sent)
        service.commit_events(translated[:3])
        assert kept_events(log) == sorted(sent[:3])
        service.commit_events(translated[:3])  # a client's retry: nothing new kept
        assert kept_events(log) == sorted(sent[:3])
        service.commit_events(translated[1:6])  # two kept already, three new
        assert kept_events(log) == sorted(sent)
        # the retry kept no block of events; the last batch one, of its three new events
        assert [block.events for block in log.blocks() if block.kind == OPENLINEAGE] == [3, 3]
    finally:
        service.close()
