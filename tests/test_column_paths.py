"""``columnPath``: a column's whole path in one answer, grouped by dataset, on every store and read
mode, on the food_delivery demo: the same columns and edges as ``columnLineage``, each dataset's
path columns among its own ``columns``, the rest counted, and a budget that counts what it cuts."""

from __future__ import annotations

import food_delivery as fd
import pytest
from graphql_in_process import errors, run

from graph.stores import Store
from ingest.demo import food_delivery_events
from ingest.openlineage import translate

pytestmark = pytest.mark.usefixtures("read_modes")

PATH = """query($id: String!, $first: Int, $direction: LineageDirection) {
  columnPath(nodeId: $id, first: $first, direction: $direction) {
    datasets { id kind namespace name }
    groups { dataset columns otherColumns distance }
    columns { id kind dataset }
    edges { source target kind }
    moreDatasets moreColumns truncated } }"""

LINEAGE = """query($id: String!, $direction: LineageDirection) {
  columnLineage(nodeId: $id, direction: $direction) { nodes { id kind } edges { source target kind } truncated } }"""

DATASET = """query($ns: String!, $name: String!) { dataset(namespace: $ns, name: $name) {
  id columns { id name current } } }"""


@pytest.fixture
def demo(store: Store) -> Store:
    for event in food_delivery_events():
        store.apply(translate(event))
    return store


def test_the_path_is_column_lineage_grouped_by_dataset(demo: Store) -> None:
    path = run(demo, PATH, id=fd.col("customers", "email"))["columnPath"]
    walked = run(demo, LINEAGE, id=fd.col("customers", "email"))["columnLineage"]
    assert (
        {c["id"] for c in path["columns"]}
        == {n["id"] for n in walked["nodes"] if n["kind"] == "COLUMN"}
        == fd.CUSTOMERS_EMAIL_DOWNSTREAM_NODES
    )
    assert sorted(map(str, path["edges"])) == sorted(map(str, walked["edges"]))
    assert {(e["source"], e["target"], e["kind"]) for e in path["edges"]} == (
        fd.CUSTOMERS_EMAIL_DOWNSTREAM_EDGES
    )
    assert path["moreDatasets"] == path["moreColumns"] == 0 and not path["truncated"]
    # one group per dataset, in the order of `datasets`, the start's own dataset first
    assert [g["dataset"] for g in path["groups"]] == [d["id"] for d in path["datasets"]]
    assert path["groups"][0] == {
        "dataset": fd.ds("customers"),
        "columns": [fd.col("customers", "email")],
        "otherColumns": path["groups"][0]["otherColumns"],
        "distance": 0,
    }
    for dataset, group in zip(path["datasets"], path["groups"], strict=True):
        assert dataset["kind"] == "DATASET"
        own = run(demo, DATASET, ns=dataset["namespace"], name=dataset["name"])["dataset"]
        current = [c["id"] for c in own["columns"] if c["current"]]
        # the path's columns are the dataset's own, in its schema order; the others are counted
        assert group["columns"] == [c for c in current if c in group["columns"]]
        assert group["otherColumns"] == len(current) - len(group["columns"]) > 0
    assert {g["dataset"]: g["distance"] for g in path["groups"]} == {
        fd.ds("customers"): 0,
        fd.ds("delivery_7_days"): 1,
        fd.ds("top_delivery_times"): 2,
        fd.ds("discounts"): 2,
    }


def test_a_budget_keeps_the_nearest_datasets_and_counts_the_rest(demo: Store) -> None:
    path = run(demo, PATH, id=fd.col("customers", "email"), first=2)["columnPath"]
    assert [d["id"] for d in path["datasets"]] == [fd.ds("customers"), fd.ds("delivery_7_days")]
    assert path["moreDatasets"] == 2 and path["moreColumns"] == 2
    kept = {fd.col("customers", "email"), fd.col("delivery_7_days", "customer_email")}
    assert {c["id"] for c in path["columns"]} == kept
    assert [(e["source"], e["target"]) for e in path["edges"]] == [tuple(sorted(kept))]


def test_one_way_and_errors(demo: Store) -> None:
    up = run(demo, PATH, id=fd.col("discounts", "customer_email"), direction="UPSTREAM")
    assert [g["distance"] for g in up["columnPath"]["groups"]] == [0, 1, 2]
    assert errors(demo, PATH, id=fd.ds("customers")) == [
        f"{fd.ds('customers')!r} is a Dataset; use lineage for datasets and jobs"
    ]
    assert errors(demo, PATH, id="datasetField:nowhere:x:y") == [
        "no node with id 'datasetField:nowhere:x:y'"
    ]
