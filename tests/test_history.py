"""History and honesty, on every store: stale edges end, drops leave no phantom lineage, asOf."""

from __future__ import annotations

import uuid

import pytest

from graph.api.schema import context, schema
from graph.stores import Store
from ingest.openlineage import translate

pytestmark = pytest.mark.usefixtures("read_modes")

PRODUCER = "https://example.com/tests"
LINEAGE = """query($id: String!, $asOf: DateTime) {
  lineage(nodeId: $id, direction: UPSTREAM, asOf: $asOf) { nodes { id } }
}"""
COLUMNS = """query($id: String!, $asOf: DateTime) {
  columnLineage(nodeId: $id, direction: DOWNSTREAM, asOf: $asOf) { nodes { id } }
}"""
IMPACT = """query($id: String!, $asOf: DateTime) { impact(nodeId: $id, asOf: $asOf) { affected { id } } }"""


def facet(**fields):
    return {"_producer": PRODUCER, "_schemaURL": "https://openlineage.io/spec/facets/1-0-0/X.json", **fields}


def run(job: str, start: str, end: str, inputs: list[dict], outputs: list[dict]) -> list[dict]:
    """A START carrying inputs and outputs and a COMPLETE carrying none, as Marquez's seed does."""
    run_id = str(uuid.uuid4())
    base = {"run": {"runId": run_id}, "job": {"namespace": "etl", "name": job}, "producer": PRODUCER,
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"}
    return [{**base, "eventType": "START", "eventTime": start, "inputs": inputs, "outputs": outputs},
            {**base, "eventType": "COMPLETE", "eventTime": end}]


def ds(name: str, **facets) -> dict:
    return {"namespace": "pg", "name": name, "facets": facets} if facets else {"namespace": "pg", "name": name}


def ask(store: Store, query: str, **variables) -> dict:
    result = schema.execute_sync(query, variable_values=variables, context_value=context(store))
    assert result.errors is None, result.errors
    return result.data


def upstream(store: Store, node: str, as_of: str | None = None) -> set[str]:
    return {n["id"] for n in ask(store, LINEAGE, id=node, asOf=as_of)["lineage"]["nodes"]}


def test_a_newer_run_that_stops_reading_ends_the_edge(store: Store) -> None:
    for event in (run("build_x", "2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z", [ds("a")], [ds("x")])
                  + run("build_x", "2026-02-01T00:00:00Z", "2026-02-01T01:00:00Z", [ds("b")], [ds("x")])):
        store.apply(translate(event))
    assert upstream(store, "dataset:pg:x") == {"dataset:pg:x", "job:etl:build_x", "dataset:pg:b"}
    assert upstream(store, "dataset:pg:x", "2026-01-15T00:00:00Z") == {"dataset:pg:x", "job:etl:build_x", "dataset:pg:a"}
    before = schema.execute_sync(LINEAGE, variable_values={"id": "dataset:pg:x", "asOf": "2025-12-01T00:00:00Z"},
                                 context_value=context(store))
    assert "no node with id 'dataset:pg:x'" in before.errors[0].message  # it did not exist yet
    # The edge is ended, not forgotten: the dataset still knows who read it.
    assert {n.id for n in store.nodes(["dataset:pg:a"]).values()} == {"dataset:pg:a"}


def test_a_run_in_flight_adds_but_does_not_end_edges(store: Store) -> None:
    events = run("build_x", "2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z", [ds("a")], [ds("x")])
    events += run("build_x", "2026-02-01T00:00:00Z", "2026-02-01T01:00:00Z", [ds("a"), ds("c")], [ds("x")])[:1]  # START only
    for event in events:
        store.apply(translate(event))
    assert upstream(store, "dataset:pg:x") == {"dataset:pg:x", "job:etl:build_x", "dataset:pg:a", "dataset:pg:c"}


def test_dropped_datasets_and_removed_columns_leave_no_phantom_lineage(store: Store) -> None:
    lineage = facet(fields={"c": {"inputFields": [{"namespace": "pg", "name": "src", "field": "c"}]},
                            "d": {"inputFields": [{"namespace": "pg", "name": "src", "field": "d"}]}})
    schema_v1 = facet(fields=[{"name": "c", "type": "int"}, {"name": "d", "type": "int"}])
    events = run("load", "2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z",
                 [ds("src", schema=facet(fields=[{"name": "c"}, {"name": "d"}]))],
                 [ds("out", schema=schema_v1, columnLineage=lineage)])
    lineage_v2 = facet(fields={"d": {"inputFields": [{"namespace": "pg", "name": "src", "field": "d"}]}})
    events += run("load", "2026-02-01T00:00:00Z", "2026-02-01T01:00:00Z", [ds("src")],
                  [ds("out", schema=facet(fields=[{"name": "d", "type": "int"}]), columnLineage=lineage_v2)])
    for event in events:
        store.apply(translate(event))
    downstream_c = {n["id"] for n in ask(store, COLUMNS, id="datasetField:pg:src:c")["columnLineage"]["nodes"]}
    assert downstream_c == {"datasetField:pg:src:c"}  # out.c was removed from the schema
    then = ask(store, COLUMNS, id="datasetField:pg:src:c", asOf="2026-01-15T00:00:00Z")["columnLineage"]["nodes"]
    assert {n["id"] for n in then} == {"datasetField:pg:src:c", "datasetField:pg:out:c"}
    assert {a["id"] for a in ask(store, IMPACT, id="datasetField:pg:src:d")["impact"]["affected"]} >= {"datasetField:pg:out:d"}

    drop = {"eventType": "COMPLETE", "eventTime": "2026-03-01T00:00:00Z", "run": {"runId": str(uuid.uuid4())},
            "job": {"namespace": "etl", "name": "drop_out"}, "producer": PRODUCER,
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "outputs": [ds("out", lifecycleStateChange=facet(lifecycleStateChange="DROP"))]}
    store.apply(translate(drop))
    assert upstream(store, "dataset:pg:out") == {"dataset:pg:out"}
    assert "dataset:pg:out" not in {a["id"] for a in ask(store, IMPACT, id="dataset:pg:src")["impact"]["affected"]}
    before_drop = ask(store, IMPACT, id="dataset:pg:src", asOf="2026-02-15T00:00:00Z")["impact"]["affected"]
    assert "dataset:pg:out" in {a["id"] for a in before_drop}
