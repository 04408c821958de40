"""What one writer may cost the disk everyone shares (issue 33, finding 6): the raw event log keeps
a byte-identical event once; a per-principal byte quota answers 429 beyond it; ``/healthz`` answers
503 while the disk cannot take writes and 200 again once it can. Over real HTTP to a real server
with the real OpenLineage client, on both stores where the store decides where the bytes go."""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import neo4j
import openlineage_events
import pytest
from command_line import lineagemesh
from live_server import LiveServer
from test_auth import ADMIN, MARKETING, READER, RULES_YAML, SALES, TOKENS, bearer, emit

from graph.eventlog.event_log import FILE_NAME, EventLog, pack_events
from graph.eventlog.event_log_migration import open_event_log
from graph.stores import open_store


def described(namespace: str, name: str, description: str, job: str = "sjob") -> dict:
    """A COMPLETE event writing ``namespace``/``name`` with ``description``, by the sales job
    unless ``job`` names another."""
    return openlineage_events.described(namespace, name, description, job)


STATS = '{ dataset(namespace: "%s", name: "%s") { description } }'


def log_bytes(store_args: list[str]) -> int:
    """What the raw event log of the store under test takes: the embedded store's journal files
    (the log is in its database), or the bytes of the blocks in Neo4j."""
    if store_args[0] == "--data-dir":
        files = Path(store_args[1]).glob("journal.sqlite*")
        return sum(path.stat().st_size for path in files if path.is_file())
    with (
        neo4j.GraphDatabase.driver(store_args[1], auth=None) as driver,
        driver.session(database="neo4j") as session,
    ):
        return session.run("MATCH (b:EventBlock) RETURN coalesce(sum(size(b.payload)), 0)").single(
            strict=True
        )[0]


def kept_events(store_args: list[str]) -> int:
    flag, location = store_args[:2]
    store = open_store(location) if flag == "--store" else open_store(data_dir=location)
    with (
        store,
        open_event_log(store, Path(os.environ.get("LINEAGEMESH_EVENT_LOG", location))) as log,
    ):
        return log.events_before(log.last_seq())


def serving_with_tokens(store_args: list[str], tmp_path: Path, *extra: str) -> LiveServer:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES_YAML)
    tokens = tmp_path / "tokens.json"
    tokens.write_text(json.dumps(TOKENS))
    server = LiveServer(store_args, tmp_path / "server.log", token=READER)
    return server.start(["--auth-file", str(tokens), "--domain-rules", str(rules), *extra])


def test_re_sending_one_event_does_not_grow_the_log(server_store_args, tmp_path) -> None:
    """30 identical 1 MiB events from a domain-scoped writer: all acknowledged, kept once."""
    event = described("postgres://sales-db", "orders", os.urandom(512 * 1024).hex())
    server = serving_with_tokens(server_store_args, tmp_path)
    try:
        assert emit(server.url, SALES, event) == 201
        once = log_bytes(server_store_args)
        for _ in range(29):
            assert emit(server.url, SALES, event) == 201
        assert (
            server.graphql(STATS % ("postgres://sales-db", "orders"))["dataset"]["description"]
            == (event["outputs"][0]["facets"]["documentation"]["description"])
        )
        grown = log_bytes(server_store_args) - once
    finally:
        server.stop()
    assert kept_events(server_store_args) == 1
    assert grown < 2 * 2**20, f"the log grew by {grown} bytes for 29 repeats"


def test_an_old_log_is_indexed_when_opened(tmp_path) -> None:
    """A log written before the hash index (here: the index dropped, and a repeat kept as older
    versions kept them) gets its index on open; from then on a repeat is not kept."""
    first, second = (json.dumps(described("s3://lake", n, "x")).encode() for n in "ab")
    with EventLog(tmp_path) as log:
        assert log.append(pack_events([first, second, first], [])) == 1
        assert log.events_before(log.last_seq()) == 2  # the repeat inside the block, too
    db = sqlite3.connect(tmp_path / FILE_NAME)
    with db:
        db.execute("DROP TABLE IF EXISTS event_hashes")  # as a log of an earlier version
        db.execute("DELETE FROM meta WHERE key = 'event_hashes'")
        db.execute(
            "INSERT INTO blocks (kind, received_at, events, payload, times, first_time, last_time) "
            "SELECT kind, received_at, events, payload, times, first_time, last_time FROM blocks"
        )
    db.close()
    with EventLog(tmp_path) as log:
        assert log.events_before(log.last_seq()) == 4  # what was kept stays
        assert log.append(pack_events([second], [])) == 0
        third = json.dumps(described("s3://lake", "c", "x")).encode()
        assert log.append(pack_events([first, third], [])) == 3
        assert [b.events for b in log.blocks()] == [2, 2, 1]


def rejected(server: LiveServer, reason: str) -> float:
    text = httpx.get(server.url + "/metrics", headers=bearer(READER), timeout=30).text
    for line in text.splitlines():
        if line.startswith(f'lineagemesh_ingest_events_rejected_total{{reason="{reason}"}}'):
            return float(line.split()[-1])
    raise AssertionError(f"no rejected{{reason={reason}}} in /metrics")


def test_a_principal_over_its_quota_gets_429_and_nothing_applied(tmp_path) -> None:
    server = serving_with_tokens(
        ["--data-dir", str(tmp_path / "store")], tmp_path, "--principal-quota", "16KiB/1d"
    )
    try:
        # ~3.6 KiB each: four fit in 16 KiB, the fifth does not. (Posted by httpx: the
        # OpenLineage client honours Retry-After, and would wait until the quota's next window.)
        bodies = [
            json.dumps(described("postgres://sales-db", f"t{i}", "y" * 3000)).encode()
            for i in range(8)
        ]
        assert sum(map(len, bodies[:4])) <= 16 * 1024 < sum(map(len, bodies[:5]))
        statuses = [
            httpx.post(
                server.url + "/api/v1/lineage",
                content=body,
                headers={**bearer(SALES), "Content-Type": "application/json"},
                timeout=30,
            ).status_code
            for body in bodies
        ]
        assert statuses == [201] * 4 + [429] * 4
        assert server.graphql(STATS % ("postgres://sales-db", "t4"))["dataset"] is None

        refused = httpx.post(
            server.url + "/api/v1/lineage",
            json=described("postgres://sales-db", "t9", "z" * 3000),
            headers=bearer(SALES),
            timeout=30,
        )
        assert refused.status_code == 429
        assert 0 < int(refused.headers["Retry-After"]) <= 86400
        answer = refused.json()
        assert "spark-sales" in answer["error"] and "quota" in answer["error"]
        assert answer["quota"]["bytes"] == 16 * 1024 and answer["quota"]["periodSeconds"] == 86400

        batch = httpx.post(
            server.url + "/api/v1/lineage/batch",
            json=[described("postgres://sales-db", "b0", "z" * 3000)],
            headers=bearer(SALES),
            timeout=30,
        )
        assert batch.status_code == 429 and "Retry-After" in batch.headers
        assert server.graphql(STATS % ("postgres://sales-db", "b0"))["dataset"] is None
        assert rejected(server, "over_quota") == 6

        # Quotas are per principal: marketing's writer and the admin still write.
        assert emit(server.url, MARKETING, described("postgres://mkt-db", "m", "ok", "mjob")) == 201
        assert emit(server.url, ADMIN, described("postgres://sales-db", "a", "ok")) == 201
    finally:
        server.stop()


def test_a_quota_that_cannot_be_read_is_a_usage_error(tmp_path) -> None:
    done = lineagemesh(
        "serve",
        "--principal-quota",
        "lots",
        "--data-dir",
        str(tmp_path / "s"),
        timeout=120,
    )
    assert done.returncode == 2 and "'lots' is not a quota" in done.stderr, done.stderr


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 32 MiB filesystem (tmpfs, mounted for the test: it needs root, as a test container
    runs), so that a disk can really be filled and freed without touching the machine's own."""
    where = tmp_path / "disk"
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here: {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)


def fill(directory: Path) -> Path:
    """Write a file until the filesystem has no block left (1 MiB, then 4 KiB writes)."""
    filler = directory / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 4096):
            chunk = os.urandom(size)
            try:
                while os.write(descriptor, chunk):
                    pass
            except OSError as e:
                assert e.errno == errno.ENOSPC, e
    finally:
        os.close(descriptor)
    return filler


def test_healthz_says_503_while_the_disk_is_full(
    store_args: list[str], small_disk: Path, tmp_path: Path
) -> None:
    """The embedded store's data dir (its graph and raw event log) on a disk that fills up: /healthz answers 503 saying why (a read still works), and 200 once space is freed;
    nothing acknowledged meanwhile is lost."""
    if store_args[0] != "--data-dir":
        pytest.skip(
            "a Neo4j deployment writes nothing to local disk: its raw event log is in Neo4j"
        )
    served = ["--data-dir", str(small_disk / "store")]
    server = LiveServer(served, tmp_path / "server.log").start()
    try:
        health = httpx.get(server.url + "/healthz", timeout=30)
        assert health.status_code == 200 and health.json()["status"] == "ok"
        ok = httpx.post(
            server.url + "/api/v1/lineage", json=described("s3://lake", "before", "b"), timeout=30
        )
        assert ok.status_code == 201

        filler = fill(small_disk)
        health = httpx.get(server.url + "/healthz", timeout=30)
        assert health.status_code == 503, health.text
        assert health.json()["status"] == "unavailable"
        assert "No space left on device" in health.json()["error"]
        during = httpx.post(
            server.url + "/api/v1/lineage", json=described("s3://lake", "during", "d"), timeout=30
        )
        assert during.status_code in (201, 503), during.text

        filler.unlink()
        health = httpx.get(server.url + "/healthz", timeout=30)
        assert health.status_code == 200, health.text
        after = httpx.post(
            server.url + "/api/v1/lineage", json=described("s3://lake", "after", "a"), timeout=30
        )
        assert after.status_code == 201
        names = ["before", "after"] + (["during"] if during.status_code == 201 else [])
    finally:
        server.stop()
    server.start()  # what was acknowledged is still there after a restart
    try:
        for name in names:
            assert server.graphql(STATS % ("s3://lake", name))["dataset"] is not None, name
    finally:
        server.stop()
