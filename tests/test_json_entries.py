"""JSON from outside, read the same way at every entry (HTTP ingest, event files, GraphQL): text
too deep to read, lone surrogates and integers past 64 bits are refused naming where, never a 500
or an aborted file; gzip bodies are read to their last member."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from command_line import ingest_openlineage
from live_server import LiveServer

from graph.intake.event_files import BadLine, SourceEvent, read_events

DEEP = "[" * 5000 + "]" * 5000  # past the standard library's recursion; orjson refuses it too


def counts(data_dir: Path) -> dict:
    from graph.stores import open_store

    with open_store(data_dir=str(data_dir)) as store:
        return store.counts()


def with_job_name(event: dict[str, Any], name_json: str) -> str:
    """``event`` as JSON text with the job's name replaced by ``name_json`` (raw JSON text)."""
    text = json.dumps({**event, "job": {**event["job"], "name": "@@NAME@@"}})
    return text.replace('"@@NAME@@"', name_json)


def read(path: Path) -> list[Any]:
    return list(read_events(path))


def test_an_over_deep_line_is_one_bad_line_and_the_rest_is_read(
    tmp_path: Path, food_delivery_events
) -> None:
    lines = tmp_path / "events.ndjson"
    lines.write_text(
        "\n".join([json.dumps(food_delivery_events[0]), DEEP, json.dumps(food_delivery_events[1])])
        + "\n"
    )
    first, bad, last = read(lines)
    assert isinstance(first, SourceEvent) and isinstance(last, SourceEvent) and last.line == 3
    assert (
        isinstance(bad, BadLine) and bad.line == 2 and "nested deeper than 200 levels" in bad.reason
    )
    array = tmp_path / "array.json"
    array.write_text(
        "[\n"
        + json.dumps(food_delivery_events[0])
        + ",\n"
        + DEEP
        + ",\n"
        + json.dumps(food_delivery_events[1])
        + "\n]"
    )
    first, bad, last = read(array)
    assert isinstance(first, SourceEvent) and isinstance(last, SourceEvent) and last.line == 4
    assert (
        isinstance(bad, BadLine) and bad.line == 3 and "nested deeper than 200 levels" in bad.reason
    )


@pytest.mark.parametrize("workers", ["0", "1"])
def test_ingest_reports_deep_surrogate_and_huge_lines_and_applies_the_rest(
    tmp_path: Path, food_delivery_events, workers: str
) -> None:
    path = tmp_path / "events.ndjson"
    path.write_text(
        "\n".join(
            [
                json.dumps(food_delivery_events[0]),
                DEEP,
                with_job_name(food_delivery_events[1], '"bad \\ud800 name"'),
                with_job_name(food_delivery_events[1], "18446744073709551616"),
                json.dumps(food_delivery_events[1]),
            ]
        )
        + "\n"
    )
    result = ingest_openlineage(
        tmp_path / "store", path, workers=workers, flags=("--skip-invalid",)
    )
    assert result.returncode == 1, result.stderr
    assert f"{path}:2: nested deeper than 200 levels" in result.stderr
    assert f"{path}:3: $.job.name: 'bad \\ud800 name' holds a lone surrogate" in result.stderr
    assert (
        f"{path}:4: $.job.name: the integer 18446744073709551616... does not fit in 64 bits"
        in result.stderr
    )
    assert "2 events ingested" in result.stderr and "3 rejected" in result.stderr
    assert counts(tmp_path / "store")["Run"] == 1  # etl_menus, START and COMPLETE


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("json")
    server = LiveServer(["--data-dir", str(tmp / "store")], tmp / "server.log").start()
    try:
        yield server
    finally:
        server.stop()


def post(server: LiveServer, body: bytes, gzipped: bool = False) -> httpx.Response:
    headers = {
        "Content-Type": "application/json",
        **({"Content-Encoding": "gzip"} if gzipped else {}),
    }
    return httpx.post(f"{server.url}/api/v1/lineage", content=body, headers=headers, timeout=30)


def test_http_ingest_refuses_surrogates_and_huge_integers_naming_the_field(
    server: LiveServer, food_delivery_events
) -> None:
    surrogate = post(server, with_job_name(food_delivery_events[0], '"\\udc00"').encode())
    assert surrogate.status_code == 400 and surrogate.json()["error"].startswith(
        "$.job.name: '\\udc00' holds a lone surrogate"
    )
    facet = {
        "custom": {
            "_producer": "https://example.com/p",
            "_schemaURL": "https://example.com/s",
            "n": "@@N@@",
        }
    }
    event = {**food_delivery_events[0], "run": {**food_delivery_events[0]["run"], "facets": facet}}
    for number in ("18446744073709551616", "-9223372036854775809"):
        huge = post(server, json.dumps(event).replace('"@@N@@"', number).encode())
        assert (
            huge.status_code == 400
            and huge.json()["error"]
            == f"$.run.facets.custom.n: the integer {number}... does not fit in 64 bits"
        )
    deep = post(server, DEEP.encode())
    assert deep.status_code == 400 and deep.json()["error"].startswith("body is not valid JSON")
    assert server.graphql("{ stats { kind count } }")["stats"] == []


def test_a_gzip_body_is_read_to_its_last_member(server: LiveServer, food_delivery_events) -> None:
    """``cat a.gz b.gz`` is one gzip stream; its second member was silently dropped."""
    text = json.dumps(food_delivery_events[0]).encode()
    middle = len(text) // 2
    response = post(
        server, gzip.compress(text[:middle]) + gzip.compress(text[middle:]), gzipped=True
    )
    assert response.status_code == 201, response.text
    trailing = post(server, gzip.compress(text) + b"not gzip", gzipped=True)
    assert trailing.status_code == 400 and trailing.json()["error"].startswith(
        "body is not valid gzip"
    )


def test_graphql_refuses_lone_surrogates_anywhere_with_a_400(server: LiveServer) -> None:
    for body in (
        '{"query": "{ stats { kind } }", "operationName": "\\ud800"}',
        '{"query": "query($n: String!) { search(text: $n) { id } }", "variables": {"n": "\\ud800"}}',
        '{"query": "{ search(text: \\"\\ud800\\") { id } }"}',
    ):
        response = httpx.post(
            f"{server.url}/graphql",
            content=body.encode(),
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 400, (body, response.status_code, response.text)
        assert "lone surrogate" in response.text
