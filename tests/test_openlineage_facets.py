"""Every standard facet of the spec, sent once by the real openlineage-python client (its facet
classes and its HTTP transport), read back where the mapping (``tests/compatibility/lineagemesh/
mapping.json``) says it lands: a field of the dataset, job or run, or the facet kept verbatim."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openlineage.client.transport.http import HttpConfig, HttpTransport
from openlineage_every_facet import FACET_PLACES, NAMESPACE, PARENT_RUN_ID, every_facet_event

MAPPING = json.loads(
    (Path(__file__).resolve().parent / "compatibility" / "lineagemesh" / "mapping.json").read_text()
)

STATE = """
query ($ns: String!) {
  orders: dataset(namespace: $ns, name: "public.orders") {
    id facets description tags sourceName sourceUri datasetType aliases owners { name }
    columns { name type ordinal } assertions { edges { node { name success column } } }
  }
  revenue: dataset(namespace: $ns, name: "public.revenue") {
    facets lifecycleState deleted columns { id name }
  }
  job(namespace: "spark", name: "daily_revenue") {
    facets description sql tags jobType processingType integration owners { name }
    latestRun {
      facets nominalStartTime nominalEndTime state parent { runId }
      inputs { dataset { id } facets } outputs { dataset { id } facets }
    }
  }
}"""

COLUMN_SOURCES = """
query ($id: String!) {
  columnLineage(nodeId: $id, direction: UPSTREAM, depth: 1) { edges { source target } }
}"""


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from live_server import LiveServer

    directory = tmp_path_factory.mktemp("every-facet")
    server = LiveServer(["--data-dir", str(directory / "data")], directory / "server.log").start()
    try:
        transport = HttpTransport(HttpConfig(url=server.url, timeout=30))
        try:
            response = transport.emit(every_facet_event())  # type: ignore[arg-type]  # a raw event dict, as sent
            assert response.status_code == 201, response.text
        finally:
            transport.close()
        found = server.graphql(STATE, ns=NAMESPACE)
        revenue = found["revenue"]["columns"][0]["id"]
        found["revenueSources"] = [
            edge["source"]
            for edge in server.graphql(COLUMN_SOURCES, id=revenue)["columnLineage"]["edges"]
        ]
        return found
    finally:
        server.stop()


def _kept(state: dict[str, Any], place: str) -> dict[str, Any]:
    run = state["job"]["latestRun"]
    if place in ("run",):
        return run["facets"]
    if place in ("inputFacets", "outputFacets"):  # the run's read or write of the dataset
        [read_or_written] = run["inputs" if place == "inputFacets" else "outputs"]
        return read_or_written["facets"]
    if place == "job":
        return state["job"]["facets"]
    return state["orders"]["facets"] if place == "input" else state["revenue"]["facets"]


def test_every_facet_schema_is_sent() -> None:
    every_facet_event()
    standard = set(MAPPING["mapped"]) - {"core"} | set(MAPPING["knownUnmapped"])
    assert set(FACET_PLACES) == standard


@pytest.mark.parametrize("facet", sorted(set(MAPPING["mapped"]) - {"core"}))
def test_a_mapped_facet_lands_where_the_mapping_says(state: dict[str, Any], facet: str) -> None:
    place, key = FACET_PLACES[facet]
    where = " ".join(MAPPING["mapped"][facet].values())
    if f"facets.{key} (kept)" in where:
        assert key in _kept(state, place), (facet, sorted(_kept(state, place)))
    orders, revenue, job = state["orders"], state["revenue"], state["job"]
    run = job["latestRun"]
    fields: dict[str, Any] = {
        "ColumnLineageDatasetFacet": (
            state["revenueSources"],
            ["datasetField:" + orders["id"].split(":", 1)[1] + ":amount"],
        ),
        "DataQualityAssertionsDatasetFacet": (
            [e["node"] for e in orders["assertions"]["edges"]],
            [{"name": "not_null", "success": True, "column": "amount"}],
        ),
        "DatasetTypeDatasetFacet": (orders["datasetType"], "TABLE"),
        "DatasourceDatasetFacet": (
            (orders["sourceName"], orders["sourceUri"]),
            ("orders-db", NAMESPACE),
        ),
        "DocumentationDatasetFacet": (orders["description"], "Every order."),
        "DocumentationJobFacet": (job["description"], "Loads daily revenue."),
        "JobTypeJobFacet": (
            (job["processingType"], job["integration"], job["jobType"]),
            ("BATCH", "SPARK", "SQL_JOB"),
        ),
        "LifecycleStateChangeDatasetFacet": (
            (revenue["lifecycleState"], revenue["deleted"]),
            ("CREATE", False),
        ),
        "NominalTimeRunFacet": (
            (run["nominalStartTime"], run["nominalEndTime"]),
            ("2026-03-02T12:00:00.000Z", "2026-03-02T13:00:00.000Z"),
        ),
        "OwnershipDatasetFacet": (orders["owners"], [{"name": "team:orders"}]),
        "OwnershipJobFacet": (job["owners"], [{"name": "team:finance"}]),
        "ParentRunFacet": (run["parent"], {"runId": PARENT_RUN_ID}),
        "SQLJobFacet": (job["sql"], "SELECT sum(amount) AS revenue FROM orders"),
        "SchemaDatasetFacet": (
            orders["columns"],
            [
                {"name": "id", "type": "bigint", "ordinal": 1},
                {"name": "amount", "type": "numeric", "ordinal": 2},
            ],
        ),
        "SymlinksDatasetFacet": (
            sorted([orders["id"], *orders["aliases"]]),
            ["dataset:postgres://db:5432:public.orders", "dataset:s3://lake:raw/orders"],
        ),
        "TagsDatasetFacet": (orders["tags"], ["pii:false"]),
        "TagsJobFacet": (job["tags"], ["tier:gold"]),
    }
    if facet in fields:
        actual, expected = fields[facet]
        assert actual == expected, facet


def test_both_variants_of_a_schema_land_where_the_mapping_says(state: dict[str, Any]) -> None:
    """The lineage schema's dataset facet (its job facet is placed above) and the subset schema's
    output facet (its input one too) are kept where the mapping names each."""
    mapped = MAPPING["mapped"]
    assert mapped["LineageFacet"]["LineageDatasetFacet"] == "Dataset.facets.lineage (kept)"
    [derived] = state["revenue"]["facets"]["lineage"]["inputs"]
    assert (derived["namespace"], derived["name"], derived["type"]) == (
        NAMESPACE,
        "public.orders",
        "DATASET",
    )
    assert mapped["BaseSubsetDatasetFacet"]["OutputSubsetOutputDatasetFacet"] == (
        "Run.outputs[].facets.subset (kept)"
    )
    [written] = state["job"]["latestRun"]["outputs"]
    assert written["dataset"]["id"] == f"dataset:{NAMESPACE}:public.revenue"
    assert written["facets"]["subset"]["outputCondition"] == {
        "type": "partition",
        "partitions": [{"dimensions": {"day": "2026-03-02"}, "identifier": "day=2026-03-02"}],
    }
    [read] = state["job"]["latestRun"]["inputs"]
    assert read["dataset"]["id"] == state["orders"]["id"]
    assert read["facets"]["subset"]["inputCondition"]["locations"] == ["2026-03-02"]


def test_the_docs_table_lists_every_facet() -> None:
    page = (Path(__file__).resolve().parents[1] / "docs" / "sending-lineage.md").read_text()
    for facet in set(MAPPING["mapped"]) - {"core"} | set(MAPPING["knownUnmapped"]):
        assert f"| `{facet}` |" in page, facet
