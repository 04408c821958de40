"""The README's promise over real HTTP: a real OpenLineage client posts to a real server process,
GraphQL answers come back. Runs once per store (the ``live_server`` fixture)."""

from __future__ import annotations

import copy
import gzip
import json
import uuid
from datetime import UTC, datetime

import food_delivery as fd
import httpx
import pytest
from openlineage.client.event_v2 import Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import schema_dataset
from openlineage.client.transport.http import HttpCompression, HttpConfig, HttpTransport

from graph.serve.translator import MIN_WORKER_BYTES

LINEAGE = """
query($id: String!, $direction: LineageDirection, $depth: Int) {
  lineage(nodeId: $id, direction: $direction, depth: $depth) {
    nodes { id kind namespace name } edges { source target kind } truncated
  }
}"""

COLUMN_LINEAGE = """
query($id: String!, $direction: LineageDirection) {
  columnLineage(nodeId: $id, direction: $direction) {
    nodes { id kind namespace name dataset declared } edges { source target kind transformations { type } } truncated
  }
}"""

DATASET = """
query($ns: String!, $name: String!) {
  dataset(namespace: $ns, name: $name) {
    id namespace name description sourceName
    columns { name type description ordinal declared current }
    writtenBy { id latestRun { state } } readBy { id } owners { name } facets aliases
  }
}"""

JOB = """
query($ns: String!, $name: String!) {
  job(namespace: $ns, name: $name) {
    id description sql state latestRun { runId state startedAt endedAt }
    inputs { id } outputs { id }
  }
}"""

STATS = "{ stats { kind count } }"


def post_with_client(
    url: str, events: list[dict], compression: HttpCompression | None = None
) -> None:
    transport = HttpTransport(HttpConfig(url=url, compression=compression, timeout=30))
    try:
        for event in events:
            assert transport.emit(event).status_code == 201  # type: ignore[arg-type]  # a raw event dict, sent as it is
    finally:
        transport.close()


def answers(server) -> dict:
    """Everything the seed tests look at, as one comparable value."""
    return {
        "up": server.graphql(LINEAGE, id=fd.ds("delivery_7_days"), direction="UPSTREAM"),
        "down": server.graphql(LINEAGE, id=fd.ds("delivery_7_days"), direction="DOWNSTREAM"),
        "discounts": server.graphql(LINEAGE, id=fd.ds("discounts")),
        "email": server.graphql(COLUMN_LINEAGE, id=fd.col("customers", "email")),
        "dataset": server.graphql(DATASET, ns=fd.NS, name="public.delivery_7_days"),
        "job": server.graphql(JOB, ns=fd.NS, name="etl_delivery_7_days"),
        "stats": server.graphql(STATS),
    }


def ids(graph: dict) -> set[str]:
    return {n["id"] for n in graph["nodes"]}


def edges(graph: dict) -> set[tuple[str, str, str]]:
    return {(e["source"], e["target"], e["kind"]) for e in graph["edges"]}


def test_seed_over_http_answers_as_the_events_say(live_server, food_delivery_events) -> None:
    post_with_client(live_server.url, food_delivery_events)
    got = answers(live_server)
    assert ids(got["up"]["lineage"]) == fd.DELIVERY_7_DAYS_UPSTREAM_NODES
    assert edges(got["up"]["lineage"]) == fd.DELIVERY_7_DAYS_UPSTREAM_EDGES
    assert ids(got["down"]["lineage"]) == fd.DELIVERY_7_DAYS_DOWNSTREAM_NODES
    assert edges(got["down"]["lineage"]) == fd.DELIVERY_7_DAYS_DOWNSTREAM_EDGES
    assert (
        ids(got["discounts"]["lineage"])
        == fd.DISCOUNTS_UPSTREAM_NODES | fd.DISCOUNTS_DOWNSTREAM_NODES
    )
    assert got["discounts"]["lineage"]["truncated"] is False
    email = got["email"]["columnLineage"]
    assert ids(email) == fd.CUSTOMERS_EMAIL_DOWNSTREAM_NODES
    assert edges(email) == fd.CUSTOMERS_EMAIL_DOWNSTREAM_EDGES
    kinds = {n["id"]: n["kind"] for n in got["up"]["lineage"]["nodes"]}
    assert kinds[fd.ds("customers")] == "DATASET" and kinds[fd.job("etl_customers")] == "JOB"

    dataset = got["dataset"]["dataset"]
    assert dataset["description"] == "A table for weekly deliveries."
    assert dataset["sourceName"] == "food_delivery_db"
    assert [c["name"] for c in dataset["columns"]][:3] == [
        "order_id",
        "order_placed_on",
        "order_dispatched_on",
    ]
    assert all(c["declared"] and c["current"] for c in dataset["columns"])
    assert dataset["writtenBy"] == [
        {"id": fd.job("etl_delivery_7_days"), "latestRun": {"state": "COMPLETE"}}
    ]
    assert {j["id"] for j in dataset["readBy"]} == {fd.job("delivery_times_7_days")}

    job = got["job"]["job"]
    assert job["state"] == "COMPLETE" and job["latestRun"]["endedAt"] == "2026-01-05T06:06:00.000Z"
    assert "INSERT INTO delivery_7_days" in job["sql"]
    assert {d["id"] for d in job["inputs"]} == {
        fd.ds(t) for t in ("orders_7_days", "customers", "order_status", "drivers", "restaurants")
    }
    assert [d["id"] for d in job["outputs"]] == [fd.ds("delivery_7_days")]


def test_restart_and_duplicates_change_no_answer(live_server, food_delivery_events) -> None:
    post_with_client(live_server.url, food_delivery_events)
    before = answers(live_server)
    post_with_client(live_server.url, food_delivery_events, compression=HttpCompression.GZIP)
    assert answers(live_server) == before
    live_server.stop()
    live_server.start()
    assert answers(live_server) == before


def test_typed_client_events_and_search(live_server) -> None:
    run_id = str(uuid.uuid4())
    fields = [
        schema_dataset.SchemaDatasetFacetFields(name="id", type="BIGINT"),
        schema_dataset.SchemaDatasetFacetFields(name="email", type="STRING", description="contact"),
    ]
    event = RunEvent(
        eventType=RunState.COMPLETE,
        eventTime=datetime(2026, 1, 6, 8, 0, tzinfo=UTC).isoformat(),
        run=Run(runId=run_id),
        job=Job(namespace="spark", name="load_users"),
        producer="https://example.com/tests",
        outputs=[
            OutputDataset(
                namespace="warehouse",
                name="crm.users",
                facets={"schema": schema_dataset.SchemaDatasetFacet(fields=fields)},
            )
        ],
    )
    transport = HttpTransport(HttpConfig(url=live_server.url))
    try:
        assert transport.emit(event).status_code == 201
    finally:
        transport.close()
    data = live_server.graphql(DATASET, ns="warehouse", name="crm.users")["dataset"]
    assert [(c["name"], c["type"], c["description"]) for c in data["columns"]] == [
        ("id", "BIGINT", None),
        ("email", "STRING", "contact"),
    ]
    hits = live_server.graphql('{ search(text: "users") { id kind } }')["search"]
    assert hits[0] == {"id": "dataset:warehouse:crm.users", "kind": "DATASET"}
    assert {"id": "job:spark:load_users", "kind": "JOB"} in hits


def _bad_requests(event: dict) -> list[tuple[str, bytes, dict[str, str], str]]:
    """(what, body, headers, a fragment the error must contain)."""
    missing_run_id = copy.deepcopy(event)
    del missing_run_id["run"]["runId"]
    bad_time = copy.deepcopy(event)
    bad_time["eventTime"] = "last tuesday"
    wrong_type = copy.deepcopy(event)
    wrong_type["outputs"][0]["facets"]["schema"]["fields"][0]["name"] = 42
    naive_time = copy.deepcopy(event)
    naive_time["eventTime"] = "2026-01-05T06:00:00"
    wrong_job = copy.deepcopy(event)
    wrong_job["job"]["namespace"] = ["not", "a", "string"]
    plain = {"content-type": "application/json"}
    return [
        ("not JSON", b"{this is not json", plain, "not valid JSON"),
        ("bad gzip", b"\x1f\x8b\x08\x00garbage", {**plain, "content-encoding": "gzip"}, "gzip"),
        (
            "truncated gzip",
            gzip.compress(json.dumps(event).encode())[:-20],
            {**plain, "content-encoding": "gzip"},
            "gzip",
        ),
        ("missing runId", json.dumps(missing_run_id).encode(), plain, "runId"),
        ("bad eventTime", json.dumps(bad_time).encode(), plain, "$.eventTime"),
        ("naive eventTime", json.dumps(naive_time).encode(), plain, "$.eventTime"),
        (
            "wrong types",
            json.dumps(wrong_type).encode(),
            plain,
            "$.outputs[0].facets.schema.fields[0].name",
        ),
        ("wrong job type", json.dumps(wrong_job).encode(), plain, "$.job.namespace"),
        ("array to the single endpoint", json.dumps([event]).encode(), plain, "JSON object"),
        ("empty object", b"{}", plain, "not an OpenLineage event"),
    ]


def test_malformed_events_get_400_and_change_nothing(live_server, food_delivery_events) -> None:
    post_with_client(live_server.url, food_delivery_events)
    before = answers(live_server)
    for what, body, headers, fragment in _bad_requests(food_delivery_events[0]):
        response = httpx.post(f"{live_server.url}/api/v1/lineage", content=body, headers=headers)
        assert response.status_code == 400, what
        assert fragment in response.json()["error"], (what, response.json())
    assert answers(live_server) == before


def test_size_limits_answer_413(server_store_args, tmp_path, food_delivery_events) -> None:
    from live_server import LiveServer

    server = LiveServer(server_store_args, tmp_path / "small.log").start(
        ["--max-body-bytes", "20000"]
    )
    try:
        event = food_delivery_events[0]
        big = copy.deepcopy(event)
        big["job"]["facets"]["sql"]["query"] = "SELECT 1 -- " + "x" * 30_000
        raw = httpx.post(
            f"{server.url}/api/v1/lineage",
            content=json.dumps(big),
            headers={"content-type": "application/json"},
        )
        assert raw.status_code == 413 and "20000" in raw.json()["error"]
        bomb = httpx.post(
            f"{server.url}/api/v1/lineage",
            content=gzip.compress(json.dumps(big).encode()),
            headers={"content-type": "application/json", "content-encoding": "gzip"},
        )
        assert bomb.status_code == 413
        assert server.graphql(STATS)["stats"] == []
        ok = httpx.post(
            f"{server.url}/api/v1/lineage",
            content=gzip.compress(json.dumps(event).encode()),
            headers={"content-type": "application/json", "content-encoding": "gzip"},
        )
        assert ok.status_code == 201
    finally:
        server.stop()


def test_batch_endpoint_reports_per_event(live_server, food_delivery_events) -> None:
    bad = copy.deepcopy(food_delivery_events[2])
    del bad["run"]["runId"]
    batch = [food_delivery_events[0], bad, food_delivery_events[1]]
    response = httpx.post(f"{live_server.url}/api/v1/lineage/batch", json=batch)
    assert response.status_code == 200
    body = response.json()
    assert (body["accepted"], body["rejected"]) == (2, 1)
    assert [r["status"] for r in body["results"]] == [201, 400, 201]
    assert "runId" in body["results"][1]["error"]
    menus = live_server.graphql(DATASET, ns=fd.NS, name="public.menus")["dataset"]
    assert menus is not None and menus["writtenBy"][0]["latestRun"]["state"] == "COMPLETE"
    assert live_server.graphql(DATASET, ns=fd.NS, name="public.categories")["dataset"] is None
    not_array = httpx.post(f"{live_server.url}/api/v1/lineage/batch", json={"events": []})
    assert not_array.status_code == 400 and "array" in not_array.json()["error"]


def test_large_batches_report_per_event_too(live_server, food_delivery_events) -> None:
    """A batch over the worker threshold (graph.serve.translator) is answered as a small one is."""
    bad = copy.deepcopy(food_delivery_events[2])
    del bad["run"]["runId"]
    batch = food_delivery_events[:2] * 40 + [bad, "not an event"]
    body = json.dumps(batch).encode()
    assert len(body) > MIN_WORKER_BYTES
    response = httpx.post(
        f"{live_server.url}/api/v1/lineage/batch",
        content=body,
        headers={"content-type": "application/json"},
        timeout=60,
    )
    assert response.status_code == 200
    answer = response.json()
    assert (answer["accepted"], answer["rejected"]) == (80, 2)
    assert [r["status"] for r in answer["results"]] == [201] * 80 + [400, 400]
    assert "runId" in answer["results"][80]["error"]
    menus = live_server.graphql(DATASET, ns=fd.NS, name="public.menus")["dataset"]
    assert menus is not None and menus["writtenBy"][0]["latestRun"]["state"] == "COMPLETE"
    assert live_server.graphql(DATASET, ns=fd.NS, name="public.categories")["dataset"] is None


def test_graphql_errors_and_graphiql(live_server, food_delivery_events) -> None:
    post_with_client(live_server.url, food_delivery_events[:2])
    missing = httpx.post(
        f"{live_server.url}/graphql",
        json={"query": LINEAGE, "variables": {"id": "dataset:no:such"}},
    )
    assert (
        missing.status_code == 200 and "no node with id" in missing.json()["errors"][0]["message"]
    )
    page = httpx.get(f"{live_server.url}/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    assert httpx.get(f"{live_server.url}/healthz").json()["status"] == "ok"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/api/v1/lineage"),
        ("GET", "/api/v1/lineage/batch"),
        ("PUT", "/api/v1/lineage/batch"),
    ],
)
def test_ingest_rejects_other_methods(live_server, method: str, path: str) -> None:
    """(GET /api/v1/lineage is Marquez's lineage read: tests/test_marquez_api.py.)"""
    assert httpx.request(method, f"{live_server.url}{path}").status_code == 405
