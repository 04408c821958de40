"""History and honesty, on every store: stale edges end, drops leave no phantom lineage, asOf."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable

import pytest
from openlineage_events import complete

from graph.core.model import Direction
from graph.read.lineage import dataset_lineage
from graph.read.view import GraphView
from graph.read.walk_defaults import Budget
from graph.serve.schema import context, schema
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
    return {
        "_producer": PRODUCER,
        "_schemaURL": "https://openlineage.io/spec/facets/1-0-0/X.json",
        **fields,
    }


def run(job: str, start: str, end: str, inputs: list[dict], outputs: list[dict]) -> list[dict]:
    """A START carrying inputs and outputs and a COMPLETE carrying none, as Marquez's seed does."""
    run_id = str(uuid.uuid4())
    base = {
        "run": {"runId": run_id},
        "job": {"namespace": "etl", "name": job},
        "producer": PRODUCER,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    }
    return [
        {**base, "eventType": "START", "eventTime": start, "inputs": inputs, "outputs": outputs},
        {**base, "eventType": "COMPLETE", "eventTime": end},
    ]


def ds(name: str, **facets) -> dict:
    return (
        {"namespace": "pg", "name": name, "facets": facets}
        if facets
        else {"namespace": "pg", "name": name}
    )


def ask(store: Store, query: str, **variables) -> dict:
    result = schema.execute_sync(query, variable_values=variables, context_value=context(store))
    assert result.errors is None and result.data is not None, result.errors
    return result.data


def upstream(store: Store, node: str, as_of: str | None = None) -> set[str]:
    return {n["id"] for n in ask(store, LINEAGE, id=node, asOf=as_of)["lineage"]["nodes"]}


def test_a_newer_run_that_stops_reading_ends_the_edge(store: Store) -> None:
    for event in run(
        "build_x", "2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z", [ds("a")], [ds("x")]
    ) + run("build_x", "2026-02-01T00:00:00Z", "2026-02-01T01:00:00Z", [ds("b")], [ds("x")]):
        store.apply(translate(event))
    assert upstream(store, "dataset:pg:x") == {"dataset:pg:x", "job:etl:build_x", "dataset:pg:b"}
    assert upstream(store, "dataset:pg:x", "2026-01-15T00:00:00Z") == {
        "dataset:pg:x",
        "job:etl:build_x",
        "dataset:pg:a",
    }
    before = schema.execute_sync(
        LINEAGE,
        variable_values={"id": "dataset:pg:x", "asOf": "2025-12-01T00:00:00Z"},
        context_value=context(store),
    )
    assert (
        before.errors and "no node with id 'dataset:pg:x'" in before.errors[0].message
    )  # it did not exist yet
    # The edge is ended, not forgotten: the dataset still knows who read it.
    assert {n.id for n in store.nodes(["dataset:pg:a"]).values()} == {"dataset:pg:a"}


def test_a_run_in_flight_adds_but_does_not_end_edges(store: Store) -> None:
    events = run("build_x", "2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z", [ds("a")], [ds("x")])
    events += run(
        "build_x", "2026-02-01T00:00:00Z", "2026-02-01T01:00:00Z", [ds("a"), ds("c")], [ds("x")]
    )[:1]  # START only
    for event in events:
        store.apply(translate(event))
    assert upstream(store, "dataset:pg:x") == {
        "dataset:pg:x",
        "job:etl:build_x",
        "dataset:pg:a",
        "dataset:pg:c",
    }


def test_dropped_datasets_and_removed_columns_leave_no_phantom_lineage(store: Store) -> None:
    lineage = facet(
        fields={
            "c": {"inputFields": [{"namespace": "pg", "name": "src", "field": "c"}]},
            "d": {"inputFields": [{"namespace": "pg", "name": "src", "field": "d"}]},
        }
    )
    schema_v1 = facet(fields=[{"name": "c", "type": "int"}, {"name": "d", "type": "int"}])
    events = run(
        "load",
        "2026-01-01T00:00:00Z",
        "2026-01-01T01:00:00Z",
        [ds("src", schema=facet(fields=[{"name": "c"}, {"name": "d"}]))],
        [ds("out", schema=schema_v1, columnLineage=lineage)],
    )
    lineage_v2 = facet(
        fields={"d": {"inputFields": [{"namespace": "pg", "name": "src", "field": "d"}]}}
    )
    events += run(
        "load",
        "2026-02-01T00:00:00Z",
        "2026-02-01T01:00:00Z",
        [ds("src")],
        [ds("out", schema=facet(fields=[{"name": "d", "type": "int"}]), columnLineage=lineage_v2)],
    )
    for event in events:
        store.apply(translate(event))
    downstream_c = {
        n["id"] for n in ask(store, COLUMNS, id="datasetField:pg:src:c")["columnLineage"]["nodes"]
    }
    assert downstream_c == {"datasetField:pg:src:c"}  # out.c was removed from the schema
    then = ask(store, COLUMNS, id="datasetField:pg:src:c", asOf="2026-01-15T00:00:00Z")[
        "columnLineage"
    ]["nodes"]
    assert {n["id"] for n in then} == {"datasetField:pg:src:c", "datasetField:pg:out:c"}
    assert {
        a["id"] for a in ask(store, IMPACT, id="datasetField:pg:src:d")["impact"]["affected"]
    } >= {"datasetField:pg:out:d"}

    dropped = ds("out", lifecycleStateChange=facet(lifecycleStateChange="DROP"))
    drop = complete("drop_out", [], [dropped], at="2026-03-01T00:00:00Z", job_namespace="etl")
    store.apply(translate(drop))
    assert upstream(store, "dataset:pg:out") == {
        "dataset:pg:out",
        "job:etl:drop_out",
    }  # its last writer
    assert "dataset:pg:out" not in {
        a["id"] for a in ask(store, IMPACT, id="dataset:pg:src")["impact"]["affected"]
    }
    before_drop = ask(store, IMPACT, id="dataset:pg:src", asOf="2026-02-15T00:00:00Z")["impact"][
        "affected"
    ]
    assert "dataset:pg:out" in {a["id"] for a in before_drop}


@pytest.mark.parametrize("seed", range(6))
def test_current_job_edges_follow_the_newest_completed_run_in_any_arrival_order(
    store: Store, open_test_store: Callable[[], Store], seed: int
) -> None:
    """Random histories of three jobs, delivered shuffled in random batches with queries between
    them (a store that decides currency as jobs are written must re-decide exactly what the writes
    touched), then a restart: each job's inputs and outputs are what the oracle below, worked out
    from the events alone, says its newest completed run makes current."""
    rng = random.Random(seed)
    tables = [f"t{i}" for i in range(6)]
    events, runs = [], []
    for n, hour in enumerate(rng.sample(range(1, 500), 24)):
        job = f"job{n % 3}"
        inputs, outputs = (
            rng.sample(tables, rng.randint(0, 3)),
            rng.sample(tables, rng.randint(0, 2)),
        )
        start = _hour(hour)
        end = (
            _hour(hour + rng.randint(1, 40)) if rng.random() < 0.8 else None
        )  # some never complete
        pair = run(job, start, end or start, [ds(t) for t in inputs], [ds(t) for t in outputs])
        events += pair if end else pair[:1]
        runs.append((job, start, end, set(inputs), set(outputs)))
    rng.shuffle(events)
    while events:
        size = rng.randint(1, 4)
        batch, events = events[:size], events[size:]
        store.apply([m for event in batch for m in translate(event)])
        if rng.random() < 0.5 and store.nodes([job := f"job:etl:job{rng.randrange(3)}"]):
            _job_io(store, job.removeprefix("job:etl:"))  # a read between writes
    for job in ("job0", "job1", "job2"):
        assert _job_io(store, job) == _expected_io(runs, job), job
    store.close()
    restarted = open_test_store()
    for job in ("job0", "job1", "job2"):
        assert _job_io(restarted, job) == _expected_io(runs, job), job


def _hour(hour: int) -> str:
    return f"2026-01-{1 + hour // 24:02d}T{hour % 24:02d}:00:00Z"


def _job_io(store: Store, job: str) -> tuple[set[str], set[str]]:
    """The job's current inputs and outputs, as lineage one hop from it answers."""
    up = dataset_lineage(GraphView(store), f"job:etl:{job}", Direction.UPSTREAM, Budget(depth=1))
    down = dataset_lineage(
        GraphView(store), f"job:etl:{job}", Direction.DOWNSTREAM, Budget(depth=1)
    )
    return (
        {e.source.removeprefix("dataset:pg:") for e in up.edges},
        {e.target.removeprefix("dataset:pg:") for e in down.edges},
    )


def _expected_io(
    runs: list[tuple[str, str, str | None, set[str], set[str]]], job: str
) -> tuple[set[str], set[str]]:
    """Every input/output any run of the job recorded, less those its newest completed run (by end
    time) left out, when that run recorded some and ended after they were first seen."""
    mine = [r for r in runs if r[0] == job]
    first_seen: dict[tuple[int, str], str] = {}
    for _, start, _, inputs, outputs in mine:
        for side, names in ((0, inputs), (1, outputs)):
            for name in names:
                first_seen[(side, name)] = min(first_seen.get((side, name), start), start)
    completed = [(end, (inputs, outputs)) for _, _, end, inputs, outputs in mine if end is not None]
    newest = max(completed, key=lambda c: c[0]) if completed else None
    result: tuple[set[str], set[str]] = (set(), set())
    for (side, name), seen in first_seen.items():
        restated = newest is None or not (newest[1][0] or newest[1][1]) or name in newest[1][side]
        if restated or (newest is not None and seen > newest[0]):
            result[side].add(name)
    return result
