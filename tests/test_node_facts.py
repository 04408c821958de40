"""The facts a frontend draws lineage nodes with (``graph.node_facts``), on every store, where a
remote store reads the least it can: the far ends of a job's edges only by name (and whether they
were dropped), which is still enough to judge which of its edges are current."""

from __future__ import annotations

from graphql_in_process import run
from openlineage_events import complete

from graph.model import dataset_id
from graph.stores import Store
from ingest.openlineage import translate

FACTS = """query($id: String!) { lineage(nodeId: $id, direction: DOWNSTREAM) {
  nodes { id upstreamCount downstreamCount latestRunState } } }"""
TOTAL = """query($id: String!, $direction: LineageDirection!) {
  neighbours(nodeId: $id, direction: $direction, first: 0) { totalCount } }"""
DROP = {
    "lifecycleStateChange": {
        "_producer": "https://example.com/tests",
        "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/LifecycleStateChangeDatasetFacet.json",
        "lifecycleStateChange": "DROP",
    }
}


def test_a_job_reading_a_dropped_dataset_counts_it_no_more(store: Store) -> None:
    """``load`` reads ``src`` and ``gone``; ``gone`` is dropped later. From ``src`` downstream the
    answer holds ``load`` but not ``gone``, which the facts meet only as a far end of ``load``'s
    edges: its drop still leaves ``load`` one upstream neighbour, as ``neighbours`` counts them."""
    src, gone, out = ({"namespace": "pg", "name": name} for name in ("src", "gone", "out"))
    for event in (
        complete("load", [src, gone], [out], at="2026-01-05T06:00:00Z"),
        complete("drop", [], [{**gone, "facets": DROP}], at="2026-01-05T08:00:00Z"),
    ):
        store.apply(translate(event))
    nodes = run(store, FACTS, id=dataset_id("pg", "src"))["lineage"]["nodes"]
    facts = {
        n["id"]: (n["upstreamCount"], n["downstreamCount"], n["latestRunState"]) for n in nodes
    }
    assert facts == {
        dataset_id("pg", "src"): (0, 1, None),
        "job:airflow:load": (1, 1, "COMPLETE"),
        dataset_id("pg", "out"): (1, 0, "COMPLETE"),
    }
    for node in nodes:
        for way in ("UPSTREAM", "DOWNSTREAM"):
            total = run(store, TOTAL, id=node["id"], direction=way)["neighbours"]["totalCount"]
            assert node[f"{way.lower()}Count"] == total, (node["id"], way)
