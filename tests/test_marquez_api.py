"""Marquez's read API, read by Marquez's own Python client (``marquez-python``, which no one here
wrote) from a live server loaded with the food_delivery seed, on both stores; plus the raw HTTP
answers compared with the shapes Marquez 0.50 writes (``marquez.service.models``)."""

from __future__ import annotations

from datetime import UTC
from typing import Any
from urllib.parse import quote

import food_delivery as fd
import httpx
import pytest
from marquez_client import MarquezClient
from marquez_client.errors import APIError
from openlineage_events import complete
from test_http_api import post_with_client

DELIVERY = "public.delivery_7_days"
RUN = "d5a2a4c4-fc78-428d-ae85-08c942ed8371"  # etl_delivery_7_days's run in the seed

#: What Marquez 0.50 answers for a dataset of the seed (``DbTable``), the fields whose meaning is
#: the same here; written from its models and the seed's events.
DELIVERY_DATASET: dict[str, Any] = {
    "id": {"namespace": fd.NS, "name": DELIVERY},
    "type": "DB_TABLE",
    "name": DELIVERY,
    "physicalName": DELIVERY,
    "namespace": fd.NS,
    "tags": [],
    "currentVersion": None,
    "deleted": False,
}


#: Marquez 0.50's ``JobData`` for the seed's etl_delivery_7_days in a lineage graph, the fields
#: whose meaning is the same here (no job versions, so no ``currentVersion``-like fields).
ETL_DELIVERY_JOB_DATA = {
    "id": {"namespace": fd.NS, "name": "etl_delivery_7_days"},
    "type": "BATCH",
    "name": "etl_delivery_7_days",
    "simpleName": "etl_delivery_7_days",
    "parentJobName": None,
    "parentJobUuid": None,
    "namespace": fd.NS,
    "inputs": [
        {"namespace": fd.NS, "name": f"public.{t}"}
        for t in ("customers", "drivers", "order_status", "orders_7_days", "restaurants")
    ],
    "outputs": [{"namespace": fd.NS, "name": DELIVERY}],
    "location": None,
    "description": "Loads new deliveries for the week.",
}


@pytest.fixture
def seeded(live_server, food_delivery_events):
    post_with_client(live_server.url, food_delivery_events)
    return live_server


def get(server, path: str, **params) -> httpx.Response:
    return httpx.get(f"{server.url}/api/v1{path}", params=params, timeout=60)


def test_marquez_python_reads_the_seed(seeded) -> None:
    client = MarquezClient(url=seeded.url)

    assert [ns["name"] for ns in client.list_namespaces()["namespaces"]] == [fd.NS]

    listed = client.list_datasets(fd.NS, limit=5)
    assert listed["totalCount"] == 13 and len(listed["datasets"]) == 5
    assert [d["name"] for d in listed["datasets"]] == sorted(d["name"] for d in listed["datasets"])
    rest = client.list_datasets(fd.NS, limit=100, offset=5)["datasets"]
    assert {d["name"] for d in listed["datasets"] + rest} == {
        fd.ds(t).split(":", 2)[2] for t in _TABLES
    }

    dataset = client.get_dataset(fd.NS, DELIVERY)
    assert {k: dataset[k] for k in DELIVERY_DATASET} == DELIVERY_DATASET
    assert [f["name"] for f in dataset["fields"]][:3] == [
        "order_id",
        "order_placed_on",
        "order_dispatched_on",
    ]
    assert dataset["fields"][0] == {
        "name": "order_id",
        "type": "INTEGER",
        "tags": [],
        "description": "The ID of the order.",
    }
    email = next(c for c in dataset["columnLineage"] if c["name"] == "customer_email")
    assert [(f["dataset"], f["field"]) for f in email["inputFields"]] == [
        ("public.customers", "email")
    ]

    job = client.get_job(fd.NS, "etl_delivery_7_days")
    assert (
        job["id"] == {"namespace": fd.NS, "name": "etl_delivery_7_days"} and job["type"] == "BATCH"
    )
    assert {d["name"] for d in job["inputs"]} == {
        f"public.{t}"
        for t in ("orders_7_days", "customers", "order_status", "drivers", "restaurants")
    }
    assert job["outputs"] == [{"namespace": fd.NS, "name": DELIVERY}]
    assert job["description"] == "Loads new deliveries for the week."
    assert job["latestRun"]["id"] == RUN and job["latestRun"]["state"] == "COMPLETED"
    assert "sql" in job["facets"]
    assert client.list_jobs(fd.NS)["totalCount"] == 13  # 26 events, START and COMPLETE per run

    runs = client.list_job_runs(fd.NS, "etl_delivery_7_days")
    assert runs["totalCount"] == 1 and [r["id"] for r in runs["runs"]] == [RUN]
    run = client.get_job_run(RUN)
    assert run["state"] == "COMPLETED" and run["durationMs"] == 6 * 60 * 1000
    assert run["nominalStartTime"] == "2020-02-22T22:00:00.000Z" or run[
        "nominalStartTime"
    ].startswith("2020-02-22T22:00:00")

    lineage = client.get_column_lineage_by_dataset_field(
        fd.NS, DELIVERY, "customer_email", depth=20
    )
    ids = {node["id"] for node in lineage["graph"]}
    assert ids == {fd.col("delivery_7_days", "customer_email"), fd.col("customers", "email")}
    downstream = client.get_column_lineage_by_dataset_field(
        fd.NS, "public.customers", "email", with_downstream=True
    )
    assert {node["id"] for node in downstream["graph"]} == fd.CUSTOMERS_EMAIL_DOWNSTREAM_NODES
    whole = client.get_column_lineage_by_dataset(fd.NS, DELIVERY)
    assert fd.col("delivery_7_days", "customer_email") in {node["id"] for node in whole["graph"]}
    by_job = client.get_column_lineage_by_job(fd.NS, "etl_delivery_7_days")
    assert {node["id"] for node in by_job["graph"]} == {node["id"] for node in whole["graph"]}

    with pytest.raises(APIError):
        client.get_dataset(fd.NS, "public.nope")
    with pytest.raises(APIError):  # as Marquez: a column lineage input is not a dataset
        client.get_dataset(fd.NS, "public.menu_item_id")


_TABLES = (
    *fd.SOURCE_TABLES,
    "orders_7_days",
    "delivery_7_days",
    "top_delivery_times",
    "discounts",
    "popular_orders_day_of_week",
)  # not public.menu_item_id, which the seed names in column lineage only


def test_lineage_walks_both_ways_in_marquez_shape(seeded) -> None:
    answer = get(seeded, "/lineage", nodeId=fd.ds("delivery_7_days"), depth=20)
    assert answer.status_code == 200
    graph = {node["id"]: node for node in answer.json()["graph"]}
    assert set(graph) == fd.DELIVERY_7_DAYS_UPSTREAM_NODES | fd.DELIVERY_7_DAYS_DOWNSTREAM_NODES
    assert list(graph) == sorted(graph)
    edges = {
        (e["origin"], e["destination"])
        for node in graph.values()
        for e in node["inEdges"] + node["outEdges"]
    }
    assert edges == {
        (s, t)
        for s, t, _ in fd.DELIVERY_7_DAYS_UPSTREAM_EDGES | fd.DELIVERY_7_DAYS_DOWNSTREAM_EDGES
    }
    delivery = graph[fd.ds("delivery_7_days")]
    assert delivery["type"] == "DATASET"
    assert delivery["inEdges"] == [
        {"origin": fd.job("etl_delivery_7_days"), "destination": fd.ds("delivery_7_days")}
    ]
    assert (
        delivery["data"]["type"] == "DB_TABLE"
        and delivery["data"]["fields"][0]["name"] == "order_id"
    )
    job = graph[fd.job("etl_delivery_7_days")]
    assert job["type"] == "JOB" and job["data"]["type"] == "BATCH"
    assert job["data"]["latestRun"]["state"] == "COMPLETED" and job["data"]["currentRunUuid"] == RUN
    assert {k: job["data"][k] for k in ETL_DELIVERY_JOB_DATA} == ETL_DELIVERY_JOB_DATA
    assert list(job["data"]) == [
        "id",
        "type",
        "name",
        "simpleName",
        "parentJobName",
        "parentJobUuid",
        "currentRunUuid",
        "createdAt",
        "updatedAt",
        "namespace",
        "inputs",
        "outputs",
        "location",
        "description",
        "latestRun",
    ]

    one = {
        node["id"]
        for node in get(seeded, "/lineage", nodeId=fd.ds("discounts"), depth=1).json()["graph"]
    }
    assert one == {
        fd.ds("discounts"),
        fd.job("delivery_times_7_days"),
        fd.ds("delivery_7_days"),
        fd.job("email_discounts"),
    }


def test_unknown_names_and_bad_parameters_answer_as_marquez(seeded) -> None:
    missing = get(seeded, "/lineage", nodeId="dataset:food_delivery:public.nope")
    assert (
        missing.status_code == 404
        and missing.json()["code"] == 404
        and "not found" in missing.json()["message"]
    )
    assert (
        get(seeded, "/namespaces/nope/datasets").json()["message"] == "Namespace 'nope' not found."
    )
    assert (
        get(seeded, f"/namespaces/{fd.NS}/jobs/nope").json()["message"] == "Job 'nope' not found."
    )
    assert get(seeded, "/jobs/runs/00000000-0000-0000-0000-000000000000").status_code == 404
    assert get(seeded, "/lineage").status_code == 400
    assert get(seeded, f"/namespaces/{fd.NS}/datasets", limit=-1).status_code == 400
    assert get(seeded, "/nothing/here").status_code == 404


def test_search_and_run_facets(seeded) -> None:
    found = get(seeded, "/search", q="delivery").json()
    assert found["totalCount"] == len(found["results"]) > 0
    names = [r["name"] for r in found["results"]]
    assert names == sorted(names) and DELIVERY in names
    assert {
        r["type"] for r in get(seeded, "/search", q="delivery", filter="JOB").json()["results"]
    } == {"JOB"}
    hit = next(r for r in found["results"] if r["name"] == DELIVERY)
    assert hit == {
        "type": "DATASET",
        "name": DELIVERY,
        "updatedAt": hit["updatedAt"],
        "namespace": fd.NS,
        "nodeId": fd.ds("delivery_7_days"),
    }
    assert get(seeded, "/search").status_code == 400

    run_facets = get(seeded, f"/jobs/runs/{RUN}/facets", type="run").json()
    assert run_facets["runId"] == RUN and "nominalTime" in run_facets["facets"]
    assert "sql" in get(seeded, f"/jobs/runs/{RUN}/facets", type="job").json()["facets"]
    assert get(seeded, f"/jobs/runs/{RUN}/facets").status_code == 400


def test_uri_namespaces_and_encoded_names(live_server) -> None:
    """A namespace holding ``://`` and ``:`` and a name holding ``/``, encoded as marquez-python does."""
    ns, name = "postgres://db.example:5432", "warehouse/public.orders"
    event = complete("load", [], [{"namespace": ns, "name": name}], job_namespace="etl")
    post_with_client(live_server.url, [event])
    client = MarquezClient(url=live_server.url)
    assert client.get_dataset(ns, name)["id"] == {"namespace": ns, "name": name}
    assert [d["name"] for d in client.list_datasets(ns)["datasets"]] == [name]
    assert get(live_server, f"/namespaces/{quote(ns, safe='')}").json()["name"] == ns
    lineage = get(live_server, "/lineage", nodeId=f"dataset:{ns}:{name}").json()["graph"]
    assert {node["id"] for node in lineage} == {f"dataset:{ns}:{name}", "job:etl:load"}


def test_lineage_event_stats_count_the_runs(live_server, food_delivery_events) -> None:
    """Runs started and ended within the last day appear in its hourly buckets."""
    from datetime import datetime, timedelta

    now = datetime.now(UTC).replace(microsecond=0)
    events: list[dict[str, Any]] = []
    for i, (state, ended) in enumerate(
        [("COMPLETE", now), ("FAIL", now), ("COMPLETE", now - timedelta(days=3))]
    ):
        run = {"runId": f"0b3c7c1a-7a4e-4b8e-9f7a-1f4f3c2b1a0{i}"}
        base = {
            "producer": "https://example.com/tests",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "run": run,
            "job": {"namespace": "etl", "name": f"job{i}"},
            "inputs": [],
            "outputs": [],
        }
        events += [
            {**base, "eventType": "START", "eventTime": (ended - timedelta(minutes=1)).isoformat()},
            {**base, "eventType": state, "eventTime": ended.isoformat()},
        ]
    post_with_client(live_server.url, events)
    day = get(live_server, "/stats/lineage-events", period="DAY").json()
    assert len(day) == 24 and list(day[0]) == [
        "startInterval",
        "endInterval",
        "fail",
        "start",
        "complete",
        "abort",
    ]
    totals = {
        key: sum(bucket[key] for bucket in day) for key in ("fail", "start", "complete", "abort")
    }
    assert totals == {"fail": 1, "start": 2, "complete": 1, "abort": 0}
    week = get(live_server, "/stats/lineage-events", period="WEEK", timezone="Europe/Paris").json()
    assert len(week) == 7 and sum(bucket["complete"] for bucket in week) == 2
    assert get(live_server, "/stats/lineage-events", period="WEEK").status_code == 400
    assert get(live_server, "/stats/lineage-events", period="YEAR").status_code == 400
    kept = get(
        live_server, "/events/lineage", limit=2, offset=1
    ).json()  # newest eventTime first, then last received first
    assert kept["totalCount"] == len(events) and [e["eventType"] for e in kept["events"]] == [
        "COMPLETE",
        "START",
    ]
    assert [e["run"]["runId"] for e in kept["events"]] == [
        events[1]["run"]["runId"],
        events[2]["run"]["runId"],
    ]


def test_lineage_events_window_order_and_pages(live_server) -> None:
    """``/events/lineage`` reads the raw events as Marquez's OpenLineageResource does: eventTime in
    [after, before) (1970 to 2030 by default), newest first or ``sortDirection=asc``, ``limit`` from
    ``offset``, ``totalCount`` the window's; bad parameters are 400. ``/events`` lists them as
    Marquez's EventResource does."""
    hours = [5, 1, 9, 3, 7]  # received in this order, eventTimes out of it
    events = [
        {
            "producer": "https://example.com/tests",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "eventType": "COMPLETE",
            "eventTime": f"2024-03-01T0{h}:00:00+00:00",
            "run": {"runId": f"7d0e5f1c-2b3a-4c5d-8e9f-00000000000{h}"},
            "job": {"namespace": "etl", "name": f"job{h}"},
            "inputs": [],
            "outputs": [],
        }
        for h in hours
    ]
    post_with_client(live_server.url, events)

    def hours_of(**params) -> tuple[list[int], int]:
        answer = get(live_server, "/events/lineage", **params)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        return [int(e["eventTime"][11:13]) for e in body["events"]], body["totalCount"]

    assert hours_of() == ([9, 7, 5, 3, 1], 5)
    assert hours_of(sortDirection="asc") == ([1, 3, 5, 7, 9], 5)
    assert hours_of(sortDirection="DESC", limit=2, offset=1) == ([7, 5], 5)
    assert hours_of(after="2024-03-01T03:00:00Z", before="2024-03-01T09:00:00+00:00") == (
        [7, 5, 3],
        3,
    )
    assert hours_of(after="2024-03-01T04:30:00+01:00", sortDirection="asc") == (
        [5, 7, 9],
        3,
    )  # 03:30 UTC
    assert hours_of(before="2024-03-01T00:00:00Z") == ([], 0)
    assert hours_of(offset=10) == ([], 5)
    assert hours_of(limit=0) == ([], 5)
    for bad in (
        {"sortDirection": "up"},
        {"before": "yesterday"},
        {"after": "2024-03-01T03:00:00"},
        {"limit": -1},
        {"offset": "x"},
    ):
        refused = get(live_server, "/events/lineage", **bad)
        assert refused.status_code == 400 and refused.json()["code"] == 400, bad

    # ``/events`` as Marquez's EventResource answers marquez-python's list_events: newest first,
    # paged, no window and no count.
    client = MarquezClient(url=live_server.url)
    listed = client.list_events()
    assert set(listed) == {"events"}
    assert [int(e["eventTime"][11:13]) for e in listed["events"]] == [9, 7, 5, 3, 1]
    page = client.list_events(limit=2, offset=1)["events"]
    assert [int(e["eventTime"][11:13]) for e in page] == [7, 5]
    assert get(live_server, "/events", limit=-1).status_code == 400


def test_tokens_gate_the_marquez_routes_as_graphql(tmp_path, food_delivery_events) -> None:
    """With tokens, a reader's token reads (marquez-python's api_key, the Python client's token);
    none or a bad one is refused 401, as for GraphQL."""
    import json

    from live_server import LiveServer

    from graph.client import Client

    reader, writer = "reader-token-0123456789abcdef", "writer-token-0123456789abcdef"
    tokens = tmp_path / "tokens.json"
    tokens.write_text(
        json.dumps(
            {
                "tokens": [
                    {"principal": "ui", "token": reader, "roles": ["reader"]},
                    {"principal": "etl", "token": writer, "roles": ["writer"]},
                ]
            }
        )
    )
    server = LiveServer(["--data-dir", str(tmp_path / "store")], tmp_path / "server.log").start(
        ["--auth-file", str(tokens)]
    )
    try:
        for event in food_delivery_events[:2]:
            assert (
                httpx.post(
                    f"{server.url}/api/v1/lineage",
                    json=event,
                    headers={"Authorization": f"Bearer {writer}"},
                ).status_code
                == 201
            )
        assert get(server, "/namespaces").status_code == 401
        assert (
            httpx.get(
                f"{server.url}/api/v1/namespaces",
                headers={"Authorization": "Bearer wrong-token-0123456789"},
            ).status_code
            == 401
        )
        assert (
            MarquezClient(url=server.url, api_key=reader).list_namespaces()["namespaces"][0]["name"]
            == fd.NS
        )
        name = food_delivery_events[0]["job"]["name"]
        assert fd.job(name) in {hit["id"] for hit in Client(server.url, token=reader).search(name)}
    finally:
        server.stop()


def test_sources_and_tags_list_what_the_datasets_carry(seeded) -> None:
    """``/sources``: each dataset's ``dataSource`` name (the seed's ``food_delivery_db``), else its
    namespace (``public.tagged``; not ``public.menu_item_id``, named by column lineage only, no
    dataset of Marquez's); ``/tags``: the distinct tags of datasets and jobs, paged as Marquez
    pages them."""
    post_with_client(
        seeded.url,
        [
            complete(
                "tagged_job",
                inputs=[],
                outputs=[
                    {
                        "namespace": fd.NS,
                        "name": "public.tagged",
                        "facets": {
                            "tags": {
                                "_producer": "https://example.com/p",
                                "_schemaURL": "https://openlineage.io/spec/facets/1-0-0/TagsDatasetFacet.json",
                                "tags": [
                                    {"key": "pii", "value": "true", "source": "manual"},
                                    {"key": "tier", "value": "gold", "source": "manual"},
                                ],
                            }
                        },
                    }
                ],
            )
        ],
    )
    client = MarquezClient(url=seeded.url)
    sources = client.list_sources()["sources"]
    assert [s["name"] for s in sources] == [fd.NS, "food_delivery_db"]
    db = sources[1]
    assert db["connectionUrl"] == (
        "postgres://food_delivery:food_delivery@postgres:5432/food_delivery"
    )
    assert db["type"] == "POSTGRES" and db["description"] is None
    assert db["createdAt"] and db["updatedAt"] and db["createdAt"] <= db["updatedAt"]
    assert sources[0]["connectionUrl"] is None and sources[0]["type"] is None
    paged = get(seeded, "/sources", limit=1, offset=1).json()
    assert [s["name"] for s in paged["sources"]] == ["food_delivery_db"]
    assert client.get_source("food_delivery_db") == db
    assert get(seeded, "/sources/nope").status_code == 404

    tags = client.list_tags()["tags"]
    assert tags == [
        {"name": "pii", "description": None},
        {"name": "tier:gold", "description": None},
    ]
    assert get(seeded, "/tags", limit=1, offset=1).json() == {
        "tags": [{"name": "tier:gold", "description": None}]
    }
    assert get(seeded, "/tags", limit=-1).status_code == 400


def test_marquez_python_every_read_method_answers_the_seed(seeded) -> None:
    """Every list and get method of marquez-python, called as a user would on the seed, answers
    2xx with what the seed holds (the client raises APIError on any other status)."""
    client = MarquezClient(url=seeded.url)
    assert client.get_namespace(fd.NS)["name"] == fd.NS
    assert [n["name"] for n in client.list_namespaces(limit=1)["namespaces"]] == [fd.NS]

    every = client.list_events(limit=100)["events"]
    assert len(every) == 26
    times = [e["eventTime"] for e in every]
    assert times == sorted(times, reverse=True)
    mine = client.list_events(fd.NS, limit=100)["events"]
    assert mine == every  # every seed event's job is in food_delivery
    assert client.list_events(fd.NS, limit=3, offset=2)["events"] == every[2:5]
    assert client.list_events("no-such-namespace")["events"] == []

    assert [s["name"] for s in client.list_sources()["sources"]] == ["food_delivery_db"]
    assert client.get_source("food_delivery_db")["type"] == "POSTGRES"
    assert client.list_tags()["tags"] == []

    assert client.list_datasets(fd.NS, limit=2, offset=1)["totalCount"] == 13
    assert client.get_dataset(fd.NS, DELIVERY)["name"] == DELIVERY
    versions = client.list_dataset_versions(fd.NS, DELIVERY)["versions"]
    assert versions and versions[0]["name"] == DELIVERY
    version = versions[0]["version"]
    assert client.get_dataset_version(fd.NS, DELIVERY, version)["version"] == version
    made_by = versions[0]["createdByRun"]  # the run whose event reported that schema
    assert client.get_job_run(made_by["id"]) == made_by

    assert client.list_jobs(fd.NS, limit=5)["totalCount"] == 13
    assert client.get_job(fd.NS, "etl_delivery_7_days")["name"] == "etl_delivery_7_days"
    assert [r["id"] for r in client.list_job_runs(fd.NS, "etl_delivery_7_days")["runs"]] == [RUN]
    assert client.get_job_run(RUN)["id"] == RUN

    email = fd.col("delivery_7_days", "customer_email")
    assert email in {
        n["id"] for n in client.get_column_lineage_by_dataset(fd.NS, DELIVERY, depth=5)["graph"]
    }
    assert email in {
        n["id"]
        for n in client.get_column_lineage_by_dataset_field(
            fd.NS, DELIVERY, "customer_email", with_downstream=True
        )["graph"]
    }
    assert email in {
        n["id"] for n in client.get_column_lineage_by_job(fd.NS, "etl_delivery_7_days")["graph"]
    }
