"""Event times from the future: refused beyond ``--max-clock-skew`` (400 naming ``$.eventTime``,
``file:line`` from file ingest), so no producer's clock can make its facts outrank every later one.
Over real HTTP to a real server, and the real CLI, on both stores."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from command_line import lineagemesh
from live_server import LiveServer
from openlineage_events import described

from ingest.clock_skew import latest_accepted, parse_skew
from ingest.openlineage import translate_encoded
from ingest.openlineage_schema import InvalidEvent


def dated(at: datetime, description: str, name: str = "orders") -> dict:
    """A COMPLETE event at ``at`` describing ``s3://lake``/``name``."""
    return described("s3://lake", name, description, at=at)


DESCRIBE = '{ dataset(namespace: "s3://lake", name: "orders") { description } }'


def post(url: str, body: object) -> httpx.Response:
    return httpx.post(url, json=body, timeout=60)


def now() -> datetime:
    return datetime.now(UTC)


def test_future_events_are_refused_over_http(server_store_args: list[str], tmp_path: Path) -> None:
    server = LiveServer(server_store_args, tmp_path / "server.log").start()
    try:
        refused = post(
            server.url + "/api/v1/lineage", dated(datetime(2099, 1, 1, tzinfo=UTC), "forever")
        )
        assert refused.status_code == 400
        assert refused.json()["error"].startswith(
            "$.eventTime: '2099-01-01T00:00:00+00:00' is ahead of the server clock"
        )
        assert server.graphql(DESCRIBE)["dataset"] is None  # nothing of it applied

        # Within the tolerance (clocks drift), accepted; then the owner's next run still wins.
        assert (
            post(
                server.url + "/api/v1/lineage", dated(now() + timedelta(minutes=20), "skewed")
            ).status_code
            == 201
        )
        assert server.graphql(DESCRIBE)["dataset"]["description"] == "skewed"
        assert (
            post(
                server.url + "/api/v1/lineage", dated(now() + timedelta(minutes=40), "later")
            ).status_code
            == 201
        )
        assert server.graphql(DESCRIBE)["dataset"]["description"] == "later"

        batch = [dated(now() + timedelta(hours=2), "too soon", "b0"), dated(now(), "fine", "b1")]
        answer = post(server.url + "/api/v1/lineage/batch", batch).json()
        assert [r["status"] for r in answer["results"]] == [400, 201]
        assert answer["results"][0]["error"].startswith("$.eventTime: ")

        server.stop()
        server.start(["--max-clock-skew", "3h"])
        assert (
            post(
                server.url + "/api/v1/lineage", dated(now() + timedelta(hours=2), "tolerated")
            ).status_code
            == 201
        )
        assert server.graphql(DESCRIBE)["dataset"]["description"] == "tolerated"
    finally:
        server.stop()


def test_future_events_are_refused_by_file_ingest(store_args: list[str], tmp_path: Path) -> None:
    events = tmp_path / "events.ndjson"
    events.write_text(
        "\n".join(
            json.dumps(e)
            for e in [dated(now(), "now"), dated(now() + timedelta(days=1), "tomorrow")]
        )
        + "\n"
    )
    command = ["ingest", "openlineage", *store_args, "--workers", "0", str(events)]
    refused = lineagemesh(*command)
    assert refused.returncode == 2 and "nothing applied" in refused.stderr
    assert f"{events}:2: $.eventTime: " in refused.stderr
    result = lineagemesh(*command, "--skip-invalid")
    assert result.returncode == 1
    assert f"{events}:2: $.eventTime: " in result.stderr and "1 events ingested" in result.stderr
    tolerant = lineagemesh(*command, "--max-clock-skew", "2d")
    assert tolerant.returncode == 0, tolerant.stderr
    wrong = lineagemesh(*command, "--max-clock-skew", "soon")
    assert wrong.returncode == 2 and "'soon' is not a duration" in wrong.stderr


def test_the_bound_is_given_to_the_translation() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    assert (
        parse_skew("90s") == timedelta(seconds=90)
        and parse_skew("2d") == timedelta(days=2)
        and parse_skew("60") == timedelta(minutes=1)
    )
    assert (
        latest_accepted(timedelta(hours=1), at) == at + timedelta(hours=1)
        and latest_accepted(None) is None
    )
    translate_encoded(dated(at + timedelta(hours=1), "edge"), not_after=at + timedelta(hours=1))
    with pytest.raises(InvalidEvent) as raised:
        translate_encoded(
            dated(at + timedelta(hours=1, seconds=1), "over"), not_after=at + timedelta(hours=1)
        )
    assert raised.value.path == "$.eventTime"
    translate_encoded(
        dated(datetime(2099, 1, 1, tzinfo=UTC), "pure")
    )  # no bound given: the translation reads no clock
