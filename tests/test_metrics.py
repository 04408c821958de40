"""/metrics after real traffic, and the JSON request log, from a real server process."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import httpx
from live_server import LiveServer
from prometheus_client.parser import text_string_to_metric_families


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_metrics_and_json_logs_after_traffic(tmp_path: Path, food_delivery_events) -> None:
    server = LiveServer(["--data-dir", str(tmp_path / "store")], tmp_path / "server.log").start(
        ["--log-format", "json"]
    )
    try:
        bad = copy.deepcopy(food_delivery_events[2])
        del bad["run"]["runId"]
        with httpx.Client(base_url=server.url) as client:
            assert client.post("/api/v1/lineage", json=food_delivery_events[0]).status_code == 201
            assert client.post("/api/v1/lineage", json=bad).status_code == 400
            assert (
                client.post(
                    "/api/v1/lineage/batch",
                    json=[food_delivery_events[1], bad, food_delivery_events[3]],
                ).status_code
                == 200
            )
            assert (
                client.post(
                    "/api/v1/lineage", content=b"x" * 10, headers={"content-encoding": "br"}
                ).status_code
                == 415
            )
            counts = {
                s["kind"]: s["count"] for s in server.graphql("{ stats { kind count } }")["stats"]
            }
            assert client.post("/graphql", json={"query": "{ nope }"}).status_code == 400
            response = client.get("/metrics")
        assert response.status_code == 200 and response.headers["content-type"].startswith(
            "text/plain"
        )
        got = samples(response.text)
    finally:
        server.stop()

    assert got[("lineagemesh_ingest_events_accepted_total", ())] == 3
    assert got[("lineagemesh_ingest_events_rejected_total", (("reason", "invalid"),))] == 2
    assert (
        got[("lineagemesh_ingest_events_rejected_total", (("reason", "unsupported_encoding"),))]
        == 1
    )
    assert got[("lineagemesh_ingest_events_rejected_total", (("reason", "forbidden"),))] == 0
    assert got[("lineagemesh_ingest_duration_seconds_count", (("endpoint", "single"),))] == 3
    assert got[("lineagemesh_ingest_duration_seconds_count", (("endpoint", "batch"),))] == 1
    assert (
        got[("lineagemesh_ingest_duration_seconds_bucket", (("endpoint", "batch"), ("le", "+Inf")))]
        == 1
    )
    assert got[("lineagemesh_graphql_duration_seconds_count", ())] == 2
    assert (
        got[("lineagemesh_http_requests_total", (("route", "/api/v1/lineage"), ("status", "201")))]
        == 1
    )
    assert got[("lineagemesh_http_requests_total", (("route", "/graphql"), ("status", "400")))] == 1
    assert got[("lineagemesh_http_requests_in_flight", ())] == 1  # the scrape itself
    assert got[("lineagemesh_store_up", ())] == 1
    graph = {
        labels[0][1]: value
        for (name, labels), value in got.items()
        if name in ("lineagemesh_graph_nodes", "lineagemesh_graph_edges")
    }
    assert {k: v for k, v in graph.items() if v} == counts and graph["Contract"] == 0
    assert got[("lineagemesh_ingest_elements_written_total", ())] >= sum(
        graph.values()
    )  # each was written once at least
    assert not any(name.endswith("_created") for name, _ in got)

    lines = [
        json.loads(line) for line in (tmp_path / "server.log").read_text().splitlines()
    ]  # every line is JSON
    requests = [line for line in lines if line["logger"] == "lineagemesh.access"]
    assert "LOCAL MODE" in next(
        line["message"] for line in lines if line["logger"] == "lineagemesh.serve"
    )
    first = next(r for r in requests if r["path"] == "/api/v1/lineage")
    assert {k: first[k] for k in ("method", "status", "principal", "events", "client")} == {
        "method": "POST",
        "status": 201,
        "principal": "local",
        "events": 1,
        "client": "127.0.0.1",
    }
    assert isinstance(first["duration_ms"], float) and first["level"] == "info"
    batch = next(r for r in requests if r["path"] == "/api/v1/lineage/batch")
    assert (batch["status"], batch["events"]) == (200, 3)
    graphql = [r for r in requests if r["path"] == "/graphql"]
    assert [(r["status"], r["principal"], r["events"]) for r in graphql] == [
        (200, "local", None),
        (400, "local", None),
    ]
    assert {"uvicorn.error", "lineagemesh.serve", "lineagemesh.access"} <= {
        line["logger"] for line in lines
    }
