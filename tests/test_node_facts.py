"""The facts a frontend draws lineage nodes with (``graph.read.node_facts``), on every store, where a
remote store reads the least it can: the far ends of a job's edges only by name (and whether they
were dropped), which is still enough to judge which of its edges are current."""

from __future__ import annotations

from graphql_in_process import run
from openlineage_events import complete

from graph.core.model import dataset_id
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


def test_a_table_known_by_two_names_is_counted_once_under_its_canonical_one(store: Store) -> None:
    """``load`` writes a table by its storage path, naming the catalog table in its symlinks
    (an alias); ``report`` reads it by path, ``audit`` by the catalog name. The facts resolve both
    names to the one node as ``neighbours`` does: the table has one writer and two readers, each
    job one upstream neighbour, and the table's latest run is its writer's, whatever name it used.
    (On the embedded store the datasets without an alias take a shorter way: ``daily`` here.)"""
    storage = {"namespace": "s3://bucket", "name": "warehouse/sales/orders"}
    table = {"namespace": "hive://metastore", "name": "sales.orders", "type": "TABLE"}
    symlinks = {
        "_producer": "https://example.com/tests",
        "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/SymlinksDatasetFacet.json",
        "identifiers": [table],
    }
    daily, checks = ({"namespace": "s3://bucket", "name": name} for name in ("daily", "checks"))
    for event in (
        complete(
            "load", [], [{**storage, "facets": {"symlinks": symlinks}}], at="2026-01-05T06:00:00Z"
        ),
        complete("report", [storage], [daily], at="2026-01-05T07:00:00Z"),
        complete(
            "audit",
            [{"namespace": table["namespace"], "name": table["name"]}],
            [checks],
            at="2026-01-05T08:00:00Z",
        ),
    ):
        store.apply(translate(event))
    canonical = dataset_id("hive://metastore", "sales.orders")
    nodes = run(store, FACTS, id=canonical)["lineage"]["nodes"]
    facts = {
        n["id"]: (n["upstreamCount"], n["downstreamCount"], n["latestRunState"]) for n in nodes
    }
    assert facts == {
        canonical: (1, 2, "COMPLETE"),
        "job:airflow:report": (1, 1, "COMPLETE"),
        "job:airflow:audit": (1, 1, "COMPLETE"),
        dataset_id("s3://bucket", "daily"): (1, 0, "COMPLETE"),
        dataset_id("s3://bucket", "checks"): (1, 0, "COMPLETE"),
    }
    for node in nodes:
        for way in ("UPSTREAM", "DOWNSTREAM"):
            total = run(store, TOTAL, id=node["id"], direction=way)["neighbours"]["totalCount"]
            assert node[f"{way.lower()}Count"] == total, (node["id"], way)
