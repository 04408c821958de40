"""The raw event log (graph.eventlog.event_log) through the one ingest service, on both stores: every
accepted event kept as sent and read back, ``lineagemesh reindex`` rebuilding the graph from it
(identically, with a translator change picked up, resumably), and retention keeping lineage."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import food_delivery as fd
import httpx
import orjson
import pytest
from click.testing import CliRunner
from graph_invariants import dump
from test_http_api import answers, post_with_client

from graph.cli import main
from graph.core.model import EdgeKind, job_id
from graph.eventlog.event_log import event_time
from graph.eventlog.event_log_migration import open_event_log
from graph.eventlog.raw_events import lineage_events
from graph.intake import ingest_service
from graph.intake.ingest_service import IngestService, translate_events
from graph.stores import Store, StoreUnavailable

EVENTS = """
query($id: String!, $after: String, $first: Int!) {
  events(nodeId: $id, after: $after, first: $first) { events { cursor receivedAt event } hasNextPage }
}"""


def cli(*args: str) -> Any:
    """The command line in this process (so a test may change a translator under it)."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def write_files(tmp_path: Path, events: list[dict], parts: int) -> list[Path]:
    """The events as ``parts`` NDJSON files, in order (each file ingested is one block)."""
    size = -(-len(events) // parts)
    files = []
    for i in range(parts):
        path = tmp_path / f"part{i}.ndjson"
        path.write_bytes(
            b"".join(orjson.dumps(e) + b"\n" for e in events[i * size : (i + 1) * size])
        )
        files.append(path)
    return files


def ingest(store_args: list[str], *files: Path) -> None:
    for path in files:
        result = cli("ingest", "openlineage", "--workers", "0", str(path), *store_args)
        assert result.exit_code == 0, result.output


def loaded(
    store_args: list[str], open_test_store, tmp_path: Path, events: list[dict], parts: int
) -> tuple[list[Path], tuple]:
    """The events ingested from ``parts`` files; the files, and the graph they made."""
    files = write_files(tmp_path, events, parts)
    ingest(store_args, *files)
    return files, graph_of(open_test_store)


def graph_of(open_test_store) -> tuple[dict, dict]:
    store = open_test_store()
    try:
        return dump(store)
    finally:
        store.close()


def test_events_are_kept_as_sent_and_a_reindex_rebuilds_the_same_graph(
    live_server, server_store_args, food_delivery_events
) -> None:
    post_with_client(live_server.url, food_delivery_events[:20])
    batch = httpx.post(
        f"{live_server.url}/api/v1/lineage/batch",
        json=[*food_delivery_events[20:], {"eventType": "START"}],
        timeout=60,
    )
    assert batch.json()["accepted"] == len(food_delivery_events) - 20
    before = answers(live_server)

    job = food_delivery_events[0]["job"]
    sent = [
        e
        for e in food_delivery_events
        if (e["job"]["namespace"], e["job"]["name"]) == (job["namespace"], job["name"])
    ]
    assert len(sent) == 2
    page = live_server.graphql(EVENTS, id=job_id(job["namespace"], job["name"]), first=1)["events"]
    assert page["hasNextPage"] and [e["event"] for e in page["events"]] == sent[:1]
    rest = live_server.graphql(
        EVENTS,
        id=job_id(job["namespace"], job["name"]),
        after=page["events"][0]["cursor"],
        first=100,
    )["events"]
    assert [e["event"] for e in rest["events"]] == sent[1:] and not rest["hasNextPage"]
    # a column's events are its dataset's: every event reading or writing customers
    readers = [
        e
        for e in food_delivery_events
        if any(d["name"] == "public.customers" for d in e.get("inputs", []) + e.get("outputs", []))
    ]
    got = live_server.graphql(EVENTS, id=fd.col("customers", "email"), first=100)["events"][
        "events"
    ]
    assert readers and [e["event"] for e in got] == readers

    live_server.stop()
    result = subprocess.run(
        [sys.executable, "-m", "graph", "reindex", *server_store_args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    live_server.start()
    assert answers(live_server) == before


def test_a_translator_change_shows_up_after_a_reindex(
    store_args, open_test_store, tmp_path, food_delivery_events, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, right = loaded(store_args, open_test_store, tmp_path, food_delivery_events, 3)
    assert cli("reindex", *store_args).exit_code == 0
    assert graph_of(open_test_store) == right  # the same translators: the same graph

    real = ingest_service.translate_batch

    def without_column_lineage(
        items: list[Any], rules: Any, not_after: Any = None
    ) -> Any:  # a translator that loses a facet
        stripped = [
            json.loads(item if isinstance(item, bytes) else json.dumps(item)) for item in items
        ]
        for event in stripped:
            for output in event.get("outputs") or []:
                (output.get("facets") or {}).pop("columnLineage", None)
        return real(stripped, rules, not_after)

    monkeypatch.setattr(ingest_service, "translate_batch", without_column_lineage)
    assert cli("reindex", *store_args).exit_code == 0
    wrong = graph_of(open_test_store)
    assert not any(kind == EdgeKind.DERIVES_FROM for _, kind, _ in wrong[1]) and wrong != right
    monkeypatch.setattr(ingest_service, "translate_batch", real)  # the fix
    assert cli("reindex", *store_args).exit_code == 0
    assert graph_of(open_test_store) == right


def test_an_interrupted_reindex_resumes_and_blocks_writes_meanwhile(
    store_args, open_test_store, tmp_path, food_delivery_events, monkeypatch: pytest.MonkeyPatch
) -> None:
    files, right = loaded(store_args, open_test_store, tmp_path, food_delivery_events, 4)
    opened = open_test_store()
    store_class = type(opened)
    opened.close()
    real_apply = store_class.apply_encoded
    calls = []

    def fail_on_the_third(self: Store, payload: bytes) -> int:
        calls.append(1)
        if len(calls) == 3:
            raise StoreUnavailable("pulled the plug")
        return real_apply(self, payload)

    monkeypatch.setattr(store_class, "apply_encoded", fail_on_the_third)
    stopped = cli("reindex", *store_args)
    assert stopped.exit_code == 1 and "run it again to resume" in stopped.output
    monkeypatch.setattr(store_class, "apply_encoded", real_apply)
    refused = cli("ingest", "openlineage", str(files[0]), *store_args)
    assert refused.exit_code == 1 and "reindex" in refused.output and "unfinished" in refused.output
    resumed = cli("reindex", *store_args)
    assert resumed.exit_code == 0, resumed.output
    assert graph_of(open_test_store) == right
    assert cli("ingest", "openlineage", str(files[0]), *store_args).exit_code == 0  # open again


def test_retention_ages_raw_events_out_and_keeps_their_lineage(
    store, tmp_path, food_delivery_events
) -> None:
    with open_event_log(store, tmp_path / "events") as log:
        service = IngestService(store, log, keep_seconds=90 * 86400)
        old = translate_events(food_delivery_events[:10])
        assert old.block is not None
        log.append(old.block, received_at=time.time() - 91 * 86400)
        store.apply_encoded(old.payload)
        service.commit_events([ingest_service.translate_one(e) for e in food_delivery_events[10:]])
        before = dump(store)
        assert lineage_events(log, limit=1000)["totalCount"] == len(food_delivery_events)

        assert service.age_out() == 10
        assert service.age_out() == 0
        kept = lineage_events(log, limit=1000)
        left = food_delivery_events[10:]
        newest = [
            left[i]
            for i in sorted(
                range(len(left)), key=lambda i: (event_time(left[i]["eventTime"]), i), reverse=True
            )
        ]
        assert kept == {"events": newest, "totalCount": len(food_delivery_events) - 10}
        assert lineage_events(log, limit=3, offset=2)["events"] == newest[2:5]
        assert dump(store) == before  # lineage stays

        store.clear()
        assert dump(store) == ({}, {})
        service.replay()
        assert dump(store) == before  # and a reindex still rebuilds it


def test_keep_events_takes_a_duration(store_args, tmp_path, food_delivery_events) -> None:
    (path,) = write_files(tmp_path, food_delivery_events, 1)
    bad = CliRunner().invoke(
        main, ["ingest", "openlineage", str(path), "--keep-events", "soon", *store_args]
    )
    assert bad.exit_code == 2 and "not a duration" in bad.output
    assert (
        cli("ingest", "openlineage", str(path), "--keep-events", "90d", *store_args).exit_code == 0
    )
