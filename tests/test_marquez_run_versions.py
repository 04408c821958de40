"""A run's ``inputDatasetVersions`` and ``outputDatasetVersions`` over Marquez's HTTP API, on both
stores: the versions ``/datasets/{name}/versions`` lists, each with the input's or output's facets
the event carried, in every answer that shows a run, in the shape of Marquez's
``InputDatasetVersion``/``OutputDatasetVersion`` (``datasetVersionId`` {namespace, name, version},
``facets``). Events are sent by the real openlineage-python client, and the food_delivery seed."""

from __future__ import annotations

from typing import Any

import food_delivery as fd
import httpx
from marquez_client import MarquezClient
from openlineage.client import OpenLineageClient, event_v2
from openlineage.client.facet_v2 import (
    data_quality_metrics_input_dataset,
    output_statistics_output_dataset,
    schema_dataset,
)
from openlineage.client.serde import Serde
from openlineage.client.transport.http import HttpConfig, HttpTransport
from test_http_api import post_with_client

NS = "warehouse"
JOB = "load_orders"
FIRST_RUN = "0191a7c0-0000-7000-8000-000000000001"
SECOND_RUN = "0191a7c0-0000-7000-8000-000000000002"


def _schema(*columns: str) -> schema_dataset.SchemaDatasetFacet:
    return schema_dataset.SchemaDatasetFacet(
        fields=[schema_dataset.SchemaDatasetFacetFields(name=c, type="VARCHAR") for c in columns]
    )


def _run(run: str, at: str, output_columns: tuple[str, ...], rows: int) -> event_v2.RunEvent:
    """A COMPLETE run of the job: reads ``raw.orders`` (a schema, data quality metrics) and
    ``raw.clicks`` (no schema: no version), writes ``public.orders`` (``output_columns``, its row
    count)."""
    return event_v2.RunEvent(
        eventType=event_v2.RunState.COMPLETE,
        eventTime=at,
        run=event_v2.Run(run),
        job=event_v2.Job(NS, JOB),
        producer="https://example.com/tests",
        inputs=[
            event_v2.InputDataset(
                NS,
                "raw.orders",
                facets={"schema": _schema("id", "amount")},
                inputFacets={
                    "dataQualityMetrics": (
                        data_quality_metrics_input_dataset.DataQualityMetricsInputDatasetFacet(
                            rowCount=rows, columnMetrics={}
                        )
                    )
                },
            ),
            event_v2.InputDataset(NS, "raw.clicks"),
        ],
        outputs=[
            event_v2.OutputDataset(
                NS,
                "public.orders",
                facets={"schema": _schema(*output_columns)},
                outputFacets={
                    "outputStatistics": (
                        output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
                            rowCount=rows
                        )
                    )
                },
            )
        ],
    )


def _get(server: Any, path: str, **params: Any) -> Any:
    response = httpx.get(f"{server.url}/api/v1{path}", params=params, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def _versions(server: Any, name: str) -> list[dict[str, Any]]:
    """The version ids ``/datasets/{name}/versions`` lists, newest first."""
    return [v["id"] for v in _get(server, f"/namespaces/{NS}/datasets/{name}/versions")["versions"]]


def _facet(facet: Any) -> dict[str, Any]:
    """A facet as the client sends it."""
    return Serde.to_dict(facet)


def test_runs_list_the_versions_they_read_and_wrote(live_server) -> None:
    first = _run(FIRST_RUN, "2026-03-02T10:00:00.000Z", ("id", "amount"), 10)
    second = _run(SECOND_RUN, "2026-03-03T10:00:00.000Z", ("id", "amount", "currency"), 12)
    client = OpenLineageClient(transport=HttpTransport(HttpConfig(url=live_server.url)))
    for event in (first, second):
        client.emit(event)

    written = _versions(live_server, "public.orders")  # the second run's schema, then the first's
    (read,) = _versions(live_server, "raw.orders")
    assert len(written) == 2 and _versions(live_server, "raw.clicks") == []

    def expected(event: event_v2.RunEvent, version: dict[str, Any]) -> dict[str, Any]:
        inputs = event.inputs or []
        outputs = event.outputs or []
        return {
            "inputDatasetVersions": [
                {
                    "datasetVersionId": read,  # raw.clicks has no version to name
                    "facets": {
                        "dataQualityMetrics": _facet(
                            (inputs[0].inputFacets or {})["dataQualityMetrics"]
                        )
                    },
                }
            ],
            "outputDatasetVersions": [
                {
                    "datasetVersionId": version,
                    "facets": {
                        "outputStatistics": _facet(
                            (outputs[0].outputFacets or {})["outputStatistics"]
                        )
                    },
                }
            ],
        }

    runs = {FIRST_RUN: expected(first, written[1]), SECOND_RUN: expected(second, written[0])}

    def versions_of(run: dict[str, Any]) -> dict[str, Any]:
        return {k: run[k] for k in ("inputDatasetVersions", "outputDatasetVersions")}

    shown = {r: _get(live_server, f"/jobs/runs/{r}") for r in runs}
    assert {r: versions_of(run) for r, run in shown.items()} == runs
    for run in shown.values():  # Marquez's InputDatasetVersion / OutputDatasetVersion
        for entry in run["inputDatasetVersions"] + run["outputDatasetVersions"]:
            assert list(entry) == ["datasetVersionId", "facets"]
            assert list(entry["datasetVersionId"]) == ["namespace", "name", "version"]

    # every answer showing a run shows the same
    listed = _get(live_server, f"/namespaces/{NS}/jobs/{JOB}/runs")["runs"]
    assert [r["id"] for r in listed] == [SECOND_RUN, FIRST_RUN] and listed == [
        shown[SECOND_RUN],
        shown[FIRST_RUN],
    ]
    job = _get(live_server, f"/namespaces/{NS}/jobs/{JOB}")
    assert job["latestRun"] == shown[SECOND_RUN] and job["latestRuns"] == [shown[SECOND_RUN]]
    (in_list,) = _get(live_server, f"/namespaces/{NS}/jobs")["jobs"]
    assert in_list["latestRun"] == shown[SECOND_RUN]
    made = _get(live_server, f"/namespaces/{NS}/datasets/public.orders/versions")["versions"]
    assert [v["createdByRun"] for v in made] == [shown[SECOND_RUN], shown[FIRST_RUN]]
    assert MarquezClient(url=live_server.url).get_job_run(FIRST_RUN) == shown[FIRST_RUN]
    graph = _get(live_server, "/lineage", nodeId=f"dataset:{NS}:public.orders", depth=1)["graph"]
    (job_node,) = [n for n in graph if n["type"] == "JOB"]
    assert job_node["data"]["latestRun"] == shown[SECOND_RUN]


def test_seed_runs_name_the_versions_of_their_datasets(live_server, food_delivery_events) -> None:
    post_with_client(live_server.url, food_delivery_events)
    client = MarquezClient(url=live_server.url)
    run = client.get_job_run("d5a2a4c4-fc78-428d-ae85-08c942ed8371")  # etl_delivery_7_days's
    assert [v["datasetVersionId"]["name"] for v in run["inputDatasetVersions"]] == [
        f"public.{t}"
        for t in ("customers", "drivers", "order_status", "orders_7_days", "restaurants")
    ]
    assert [v["datasetVersionId"]["name"] for v in run["outputDatasetVersions"]] == [
        "public.delivery_7_days"
    ]
    jobs = client.list_jobs(fd.NS, limit=100)["jobs"]
    named = 0
    for job in jobs:
        latest = job["latestRun"]
        assert latest is not None
        for entry in latest["inputDatasetVersions"] + latest["outputDatasetVersions"]:
            version = entry["datasetVersionId"]
            listed = client.list_dataset_versions(fd.NS, version["name"])["versions"]
            assert version in [v["id"] for v in listed]  # the endpoint's own ids
            named += 1
        assert {d["name"] for d in job["outputs"]} == {
            v["datasetVersionId"]["name"] for v in latest["outputDatasetVersions"]
        }
    assert named > len(jobs)
    lineage = _get(live_server, "/lineage", nodeId=fd.ds("delivery_7_days"), depth=20)["graph"]
    for node in lineage:
        if node["type"] == "JOB":
            name = node["data"]["name"]
            assert node["data"]["latestRun"] == next(
                j["latestRun"] for j in jobs if j["name"] == name
            )
