"""Events built to make the server work or hold memory out of proportion to their size: each is
refused with a 400 naming the field, cheaply, and the server's memory comes back afterwards."""

from __future__ import annotations

import gzip
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from live_server import LiveServer

from ingest.openlineage import translate_encoded
from ingest.openlineage_schema import InvalidEvent, validate

SCHEMA_FACET = (
    "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet"
)


def event_with_fields(
    fields: list[dict[str, Any]], dataset: str = "out", producer: str = "https://example.com/p"
) -> dict[str, Any]:
    return {
        "eventType": "COMPLETE",
        "eventTime": "2024-01-01T00:00:00Z",
        "producer": producer,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": str(uuid.uuid4())},
        "job": {"namespace": "ns", "name": "job"},
        "inputs": [],
        "outputs": [
            {
                "namespace": "ns",
                "name": dataset,
                "facets": {
                    "schema": {"_producer": producer, "_schemaURL": SCHEMA_FACET, "fields": fields}
                },
            }
        ],
    }


def nested(names: list[str], leaves: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Fields nested one in the other, named ``names`` from the outside in; ``leaves`` in the innermost."""
    inner: list[dict[str, Any]] = list(leaves or [])
    for name in reversed(names):
        inner = [{"name": name, "fields": inner}]
    return inner


def refusal(event: dict[str, Any]) -> str:
    with pytest.raises(InvalidEvent) as refused:
        translate_encoded(event)
    return str(refused.value)


def test_long_nested_names_are_refused_at_the_first_one() -> None:
    """90 nested fields of 100 kB names: ~3 GB of paths and ids were built before the refusal."""
    reason = refusal(event_with_fields(nested(["x" * 100_000] * 90)))
    assert reason.startswith("$.outputs[0].facets.schema.fields[0].name: makes the column id")
    assert "over the limit of 4096" in reason


def test_many_fields_under_a_long_path_are_refused_by_their_total() -> None:
    """Each id is under the limit, but 10k of them repeat a ~4 kB path: a few bytes of body each."""
    fields = nested(["y" * 40] * 90, [{"name": str(i)} for i in range(10_000)])
    reason = refusal(event_with_fields(fields))
    assert reason.startswith("$.outputs[0].facets.schema" + ".fields[0]" * 90 + ".fields[")
    assert "column ids add up to over 33554432 bytes" in reason


def test_too_many_fields_are_refused_naming_the_first_too_many() -> None:
    reason = refusal(event_with_fields([{"name": f"c{i}"} for i in range(100_001)]))
    assert (
        reason
        == "$.outputs[0].facets.schema.fields[100000]: the event has over 100000 schema fields"
    )


def test_as_many_fields_as_allowed_are_accepted() -> None:
    assert translate_encoded(event_with_fields([{"name": f"c{i}"} for i in range(100_000)]))


def test_a_big_event_with_a_lenient_format_is_valid_and_its_errors_are_found_fast() -> None:
    """No ``uri`` format is checked (Python jsonschema checked none); a big event's error is found
    by the native validator as fast as its verdict (the Python walk took minutes)."""
    fields: list[dict[str, Any]] = [{"name": f"c{i}"} for i in range(20_000)]
    assert validate(event_with_fields(fields, producer="not a uri"))[0] == "RunEvent"
    fields[12_345] = {"name": 7}
    with pytest.raises(InvalidEvent) as refused:
        validate(event_with_fields(fields, producer="not a uri"))
    assert str(refused.value).startswith(
        "$.outputs[0].facets.schema.fields[12345].name: 7 is not of type"
    )


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(["--data-dir", str(tmp_path / "store")], tmp_path / "server.log").start()
    try:
        yield server
    finally:
        server.stop()


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def test_hostile_bodies_leave_the_server_memory_as_it_was(server: LiveServer) -> None:
    """Ten 9 MB events of long nested names, over real HTTP: each a 400, and the server's RSS
    afterwards within a small margin of before (it held ~1 GB more after each)."""
    body = gzip.compress(orjson.dumps(event_with_fields(nested(["x" * 100_000] * 90))))
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    with httpx.Client(base_url=server.url, timeout=120) as client:
        # one warm-up: imports, validators and the thread pool settle before measuring
        assert client.post("/api/v1/lineage", content=body, headers=headers).status_code == 400
        before = rss_bytes(server.pid)
        for _ in range(10):
            response = client.post("/api/v1/lineage", content=body, headers=headers)
            assert (
                response.status_code == 400 and "over the limit of 4096" in response.json()["error"]
            )
        after = rss_bytes(server.pid)
        assert client.get("/healthz").status_code == 200
    assert after - before < 64 * 1024 * 1024, f"RSS grew by {(after - before) >> 20} MiB"
