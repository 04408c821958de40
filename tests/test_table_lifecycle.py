"""A table known under two symlinks (the Hive metastore's name and its Hadoop warehouse path) is one
dataset named by the metastore, and it ends as the latest lifecycle event under either name says,
in every read: GraphQL's dataset (asked by either name), a job's inputs, the lineage walk and its
nodes, and Marquez's dataset and listing. DROP then CREATE and CREATE then DROP, each stated under
either symlink, arriving in either order, on both stores."""

from __future__ import annotations

import itertools
from typing import Any
from urllib.parse import quote

import httpx
from openlineage.client.transport.http import HttpConfig, HttpTransport
from openlineage_events import complete

from graph.core.model import dataset_id

METASTORE, PATH = "hive://m:9083", "hdfs://m/wh"
SPARK = "https://github.com/OpenLineage/OpenLineage/tree/1.38.0/integration/spark"
LIFECYCLE_FACET = "https://openlineage.io/spec/facets/1-0-1/LifecycleStateChangeDatasetFacet.json"
SYMLINKS_FACET = "https://openlineage.io/spec/facets/1-0-1/SymlinksDatasetFacet.json"

#: (the first event's symlink, its lifecycle state, the second's symlink; which arrives first)
CASES = [
    (first, state, PATH if first == METASTORE else METASTORE, first_arrives)
    for first, state, first_arrives in itertools.product(
        (PATH, METASTORE), ("DROP", "CREATE"), (True, False)
    )
]


def changed(table: str, symlink: str, state: str, at: str, job: str) -> dict[str, Any]:
    """Spark changing the Hive table ``table`` stored under hdfs://m/wh/default, naming it by
    ``symlink`` (openlineage-spark's symlinks facet: the table's metastore name or its path)."""
    event = complete(
        job,
        [],
        [{"namespace": "hdfs://m", "name": f"/wh/default/{table}"}],
        at=at,
        job_namespace="spark",
        producer=SPARK,
    )
    event["outputs"][0]["facets"] = {
        "symlinks": {
            "_producer": SPARK,
            "_schemaURL": SYMLINKS_FACET,
            "identifiers": [{"namespace": symlink, "name": f"default.{table}", "type": "TABLE"}],
        },
        "lifecycleStateChange": {
            "_producer": SPARK,
            "_schemaURL": LIFECYCLE_FACET,
            "lifecycleStateChange": state,
        },
    }
    return event


READ = """query($table: String!, $id: String!, $reader: String!) {
  byTable: dataset(namespace: "hive://m:9083", name: $table) { id deleted lifecycleState }
  byPath: dataset(namespace: "hdfs://m/wh", name: $table) { id deleted lifecycleState }
  job(namespace: "spark", name: $reader) { inputs { id deleted lifecycleState } }
  lineage(nodeId: $id, direction: DOWNSTREAM, depth: 1) { nodes { id deleted } }
}"""


def test_a_table_under_two_symlinks_ends_as_its_latest_lifecycle_event_says_in_every_read(
    live_server: Any,
) -> None:
    transport = HttpTransport(HttpConfig(url=live_server.url, timeout=30))
    try:
        for number, (first, state, second, first_arrives) in enumerate(CASES, 1):
            table = f"t{number}"
            later = "CREATE" if state == "DROP" else "DROP"
            events = [
                changed(table, first, state, "2026-03-01T10:00:00Z", f"first_{table}"),
                changed(table, second, later, "2026-03-01T10:00:03Z", f"second_{table}"),
            ]
            reader = complete(
                f"read_{table}",
                [{"namespace": METASTORE, "name": f"default.{table}"}],
                [],
                at="2026-03-01T09:59:00Z",
                job_namespace="spark",
                producer=SPARK,
            )
            for event in [reader, *(events if first_arrives else events[::-1])]:
                response = transport.emit(event)  # type: ignore[arg-type]  # a raw event dict
                assert response.status_code == 201, response.text
    finally:
        transport.close()

    listed = httpx.get(
        f"{live_server.url}/api/v1/namespaces/{quote(METASTORE, safe='')}/datasets",
        params={"limit": 100},
        timeout=30,
    )
    assert listed.status_code == 200, listed.text
    listing = {d["name"]: d for d in listed.json()["datasets"]}
    for number, (first, state, second, first_arrives) in enumerate(CASES, 1):
        table = f"t{number}"
        case = (first, state, second, "first arrives first" if first_arrives else "second first")
        later = "CREATE" if state == "DROP" else "DROP"
        dropped = later == "DROP"
        table_id = dataset_id(METASTORE, f"default.{table}")
        found = live_server.graphql(
            READ, table=f"default.{table}", id=table_id, reader=f"read_{table}"
        )
        shown = {"id": table_id, "deleted": dropped, "lifecycleState": later}
        assert found["byTable"] == shown, case
        assert found["byPath"] == shown, case  # one dataset, named by the metastore
        assert found["job"]["inputs"] == ([] if dropped else [shown]), case
        nodes = {n["id"]: n["deleted"] for n in found["lineage"]["nodes"]}
        reading = f"job:spark:read_{table}"
        assert nodes == ({table_id: True} if dropped else {table_id: False, reading: False}), case

        for name in (f"{METASTORE}/datasets/default.{table}", f"{PATH}/datasets/default.{table}"):
            ns, _, rest = name.partition("/datasets/")
            marquez = httpx.get(
                f"{live_server.url}/api/v1/namespaces/{quote(ns, safe='')}/datasets/{rest}",
                timeout=30,
            )
            assert marquez.status_code == 200, (case, marquez.text)
            body = marquez.json()
            assert (body["namespace"], body["name"]) == (METASTORE, f"default.{table}"), case
            assert (body["deleted"], body["lastLifecycleState"]) == (dropped, later), case
        assert listing[f"default.{table}"]["lastLifecycleState"] == later, case
