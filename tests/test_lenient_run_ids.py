"""Run ids that are not UUIDs, as real producers send them: accepted as Marquez accepts them
(a name-based UUID), over real HTTP from the OpenLineage client's transport and from files, on
both stores; counted in /metrics by reason; blank or non-string ids still refused."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from click.testing import CliRunner
from openlineage.client.transport.http import HttpConfig, HttpTransport
from prometheus_client.parser import text_string_to_metric_families

from graph.cli import main
from graph.core.model import run_id
from graph.stores import open_store
from ingest.lenient import name_based_uuid

AIRFLOW_RUN = "scheduled__2026-01-06T08:00:00+00:00"
PARENT_RUN = "manual-42"
# Java's UUID.nameUUIDFromBytes("abc".getBytes()), as Marquez's runToUuid makes it.
JAVA_NAME_UUID_OF_ABC = "90015098-3cd2-3fb0-9696-3f7d28e17f72"

JOB = """query($ns: String!, $name: String!) { job(namespace: $ns, name: $name) {
  latestRun { id runId externalRunId state parent { runId } } outputs { id } } }"""


def event(
    event_type: str, time: str, run: object = AIRFLOW_RUN, parent: object = PARENT_RUN
) -> dict:
    return {
        "eventType": event_type,
        "eventTime": time,
        "producer": "https://example.com/scheduler",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {
            "runId": run,
            "facets": {
                "parent": {
                    "_producer": "https://example.com/scheduler",
                    "_schemaURL": "https://openlineage.io/spec/facets/1-1-0/ParentRunFacet.json#/$defs/ParentRunFacet",
                    "run": {"runId": parent},
                    "job": {"namespace": "airflow", "name": "daily"},
                }
            },
        },
        "job": {"namespace": "airflow", "name": "daily.load"},
        "inputs": [],
        "outputs": [{"namespace": "pg://db", "name": "public.orders"}],
    }


def test_name_based_uuid_is_marquezs() -> None:
    assert name_based_uuid("abc") == JAVA_NAME_UUID_OF_ABC


def test_non_uuid_run_ids_over_http_are_accepted_and_counted(live_server) -> None:
    transport = HttpTransport(
        HttpConfig(url=live_server.url, timeout=120, retry={"total": 0})
    )  # counted once each
    try:
        for e in (
            event("START", "2026-01-06T08:00:00Z"),
            event("COMPLETE", "2026-01-06T08:05:00Z"),
        ):
            assert transport.emit(e).status_code == 201  # type: ignore[arg-type]  # a raw event dict, sent as it is
    finally:
        transport.close()
    with httpx.Client(base_url=live_server.url, timeout=120) as client:
        for bad, field in (
            (event("COMPLETE", "2026-01-06T09:00:00Z", run=""), "runId"),
            (event("COMPLETE", "2026-01-06T09:00:00Z", run=42), "runId"),
            (event("COMPLETE", "2026-01-06T09:00:00Z", run=" "), "runId"),
            (event("COMPLETE", "2026-01-06T09:00:00Z", parent=""), "parent"),
        ):
            response = client.post("/api/v1/lineage", json=bad)
            assert response.status_code == 400 and field in response.json()["error"], response.text
        batch = client.post(
            "/api/v1/lineage/batch",
            json=[
                event(
                    "COMPLETE",
                    "2026-01-06T08:06:00Z",
                    run="other-run",
                    parent="00000000-0000-4000-8000-000000000001",
                )
            ],
        )
        assert batch.json()["accepted"] == 1
        metrics = {
            (s.name, tuple(s.labels.items())): s.value
            for f in text_string_to_metric_families(client.get("/metrics").text)
            for s in f.samples
        }
    job = live_server.graphql(JOB, ns="airflow", name="daily.load")["job"]
    run = job["latestRun"]
    assert run == {
        "id": run_id(name_based_uuid("other-run")),
        "runId": name_based_uuid("other-run"),
        "externalRunId": "other-run",
        "state": "COMPLETE",
        "parent": {"runId": "00000000-0000-4000-8000-000000000001"},
    }
    assert metrics[("lineagemesh_ingest_lenient_total", (("reason", "run_id_not_uuid"),))] == 3
    assert (
        metrics[("lineagemesh_ingest_lenient_total", (("reason", "parent_run_id_not_uuid"),))] == 2
    )
    assert metrics[("lineagemesh_ingest_events_rejected_total", (("reason", "invalid"),))] == 4


def test_non_uuid_run_ids_from_files(store_args: list[str], tmp_path: Path) -> None:
    events = tmp_path / "events.ndjson"
    lines = [
        event("START", "2026-01-06T08:00:00Z"),
        event("COMPLETE", "2026-01-06T08:05:00Z"),
        event("COMPLETE", "2026-01-06T08:06:00Z", run=""),
    ]
    events.write_text("\n".join(json.dumps(e) for e in lines) + "\n")
    for workers in ("0", "1"):  # translated here, and in a worker process
        result = CliRunner().invoke(
            main,
            [
                "ingest",
                "openlineage",
                *store_args,
                "--workers",
                workers,
                "--skip-invalid",
                str(events),
            ],
        )
        assert result.exit_code == 1 and f"{events}:3:" in result.output, result.output
    flag, location = store_args
    with open_store(location) if flag == "--store" else open_store(data_dir=location) as store:
        runs = store.nodes(
            {run_id(name_based_uuid(AIRFLOW_RUN)), run_id(name_based_uuid(PARENT_RUN))}
        )
    own = runs[run_id(name_based_uuid(AIRFLOW_RUN))]
    assert (
        own.props["runId"] == name_based_uuid(AIRFLOW_RUN)
        and own.props["externalRunId"] == AIRFLOW_RUN
    )
    assert own.props["state"] == "COMPLETE"
    assert runs[run_id(name_based_uuid(PARENT_RUN))].props["runId"] == name_based_uuid(PARENT_RUN)
