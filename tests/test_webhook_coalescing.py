"""Issue 74, finding 5, on a real server with a real receiver: 232 breaking changes from one writer
became 232 posts to each webhook. Now a dataset is told of at most once every ``coalesce_seconds``
per webhook, the changes meanwhile listed in one notice, and a writer in at most
``posts_per_writer`` posts a window across all the datasets it changed (``graph.notify.coalescing``);
a webhook takes ``concurrency`` posts at once, no more; and the pending gauge counts what waits
while a slow receiver holds a post (it showed 5 of 242)."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from live_server import LiveServer
from schema_events import CUSTOMERS, NS, V1, V2_NO_EMAIL, producer_event
from test_http_api import post_with_client
from test_webhooks import SECRET, eventually, hooks_file
from webhook_receiver import Received, Receiver, deliveries

CHANGES = 232


def _flapping(changes: int) -> list[dict[str, object]]:
    """One writer dropping and restoring ``email``: ``changes`` breaking changes."""
    start = datetime(2026, 3, 1, tzinfo=UTC)
    return [
        producer_event(
            (start + timedelta(seconds=i)).isoformat().replace("+00:00", "Z"),
            V1 if i % 2 == 0 else V2_NO_EMAIL,
        )
        for i in range(2 * changes + 1)
    ]


def _one_change_each(names: list[str]) -> list[dict[str, object]]:
    """``email`` dropped from each dataset of ``names``: one breaking change each, one writer."""
    return [
        producer_event(f"2026-03-01T1{j}:00:00Z", fields, name)
        for name in names
        for j, fields in enumerate((V1, V2_NO_EMAIL))
    ]


def _six_changes_in_the_outbox(tmp_path: Path) -> list[str]:
    """Six datasets' breaking changes written by a server with no webhook declared, so six
    notifications wait in the outbox of ``tmp_path / "store"`` for the next server: their names."""
    names = [f"{CUSTOMERS}_{i}" for i in range(6)]
    server = LiveServer(["--data-dir", str(tmp_path / "store")], tmp_path / "server.log").start()
    try:
        post_with_client(server.url, _one_change_each(names))
    finally:
        server.stop()
    return names


def _serve(
    tmp_path: Path, receiver: Receiver, coalesce: float, extra: str = "", concurrency: int = 1
) -> LiveServer:
    hooks = hooks_file(tmp_path, {"url": receiver.url, "concurrency": concurrency})
    hooks.write_text(hooks.read_text() + f"coalesce_seconds: {coalesce}\n{extra}")
    return LiveServer(
        ["--data-dir", str(tmp_path / "store")],
        tmp_path / "server.log",
        env={"HOOK_SECRET": SECRET},
    ).start(["--webhooks", str(hooks), "--webhooks-allow-loopback"])


def _every_change_told_once(receiver: Receiver) -> list[Received]:
    """The receiver's posts, each signed, which together told each of the ``CHANGES`` once."""
    posts = receiver.posts
    assert all(p.signed_with(SECRET) for p in posts)
    told = [n for p in posts for n in p.json.get("notificationIds") or [p.json["notificationId"]]]
    assert len(told) == len(set(told)) == CHANGES
    return posts


def test_232_breaking_changes_from_one_writer_are_told_in_a_few_coalesced_notices(
    tmp_path: Path,
) -> None:
    receiver = Receiver()
    server = _serve(tmp_path, receiver, 2)
    try:
        post_with_client(server.url, _flapping(CHANGES))
        eventually(lambda: deliveries(server.url, "delivered"), lambda n: n >= CHANGES, 60)
        assert deliveries(server.url, "delivered") == CHANGES
    finally:
        server.stop()
        receiver.close()
    posts = _every_change_told_once(receiver)
    changes = [c for p in posts for c in p.json["changes"]]
    assert len(changes) == CHANGES
    assert {(c["kind"], c["column"]) for c in changes} == {("COLUMN_REMOVED", "email")}
    assert {p.json["dataset"]["id"] for p in posts} == {f"dataset:{NS}:{CUSTOMERS}"}
    assert len(posts) <= 20, len(posts)  # ~one per 2 s of ingest, not one per change
    assert any(len(p.json.get("notificationIds") or []) > 1 for p in posts)


def _pending(server: LiveServer) -> float:
    metrics = httpx.get(f"{server.url}/metrics", timeout=30).text
    found = re.search(r"^lineagemesh_webhook_pending\{[^}]*\} (\S+)$", metrics, re.M)
    return float(found.group(1)) if found else -1.0


def test_the_pending_gauge_counts_what_waits_while_a_receiver_holds_a_post(
    tmp_path: Path,
) -> None:
    """Six datasets' breaking changes in the outbox (written while no webhook was declared), six
    posts: while the receiver holds the first, the gauge says six wait (it was set only at the
    end of a pass, and showed nothing or the last pass's count meanwhile)."""
    _six_changes_in_the_outbox(tmp_path)
    receiver = Receiver(hold=True)
    server = _serve(tmp_path, receiver, 2)
    try:
        assert receiver.held.wait(30)  # the first post is held by the receiver
        assert _pending(server) == 6
    finally:
        receiver.close()
        server.stop()


def test_232_breaking_changes_from_one_writer_across_232_datasets_are_a_few_digests(
    tmp_path: Path,
) -> None:
    """Per-dataset coalescing alone made 232 posts of them (one per dataset); the writer's
    allowance (3 posts a 2 s window here) tells them in digests of at most 100, each change
    naming its dataset, every one told once."""
    names = [f"{CUSTOMERS}_{i}" for i in range(CHANGES)]
    receiver = Receiver()
    server = _serve(tmp_path, receiver, 2, "posts_per_writer: 3\n")
    try:
        started = time.monotonic()
        post_with_client(server.url, _one_change_each(names))
        eventually(lambda: deliveries(server.url, "delivered"), lambda n: n >= CHANGES, 90)
        elapsed = time.monotonic() - started
        assert deliveries(server.url, "delivered") == CHANGES
        assert _pending(server) == 0
    finally:
        server.stop()
        receiver.close()
    posts = _every_change_told_once(receiver)
    changed = [
        c.get("dataset") or p.json["dataset"]["id"] for p in posts for c in p.json["changes"]
    ]
    assert sorted(changed) == sorted(f"dataset:{NS}:{name}" for name in names)
    # at most 3 posts a 2 s window while the changes arrive, whatever their number: 232
    # datasets told in a few dozen posts at most, not 232
    assert len(posts) <= min(40, 3 * (elapsed / 2 + 1)), (len(posts), elapsed)
    digests = [p.json for p in posts if len(p.json.get("datasets") or []) > 1]
    assert digests and max(len(d["notificationIds"]) for d in digests) <= 100


def test_a_webhook_takes_its_concurrency_in_posts_at_once_and_the_gauge_stays_true(
    tmp_path: Path,
) -> None:
    """Six datasets' changes, a receiver holding every post: with ``concurrency: 3`` three posts
    are in flight at once, never a fourth, while the gauge says six wait; released, all six are
    delivered and the gauge says none."""
    names = _six_changes_in_the_outbox(tmp_path)
    receiver = Receiver(hold=True)
    server = _serve(tmp_path, receiver, 2, "posts_per_writer: 10\n", concurrency=3)
    try:
        assert eventually(lambda: len(receiver.attempts), lambda n: n >= 3, 30) == 3
        time.sleep(1.0)  # a fourth would have been sent by now
        assert len(receiver.attempts) == 3
        assert _pending(server) == 6
        receiver.hold = False
        receiver.release()
        eventually(lambda: deliveries(server.url, "delivered"), lambda n: n >= 6, 60)
        assert eventually(lambda: _pending(server), lambda n: n == 0, 30) == 0
    finally:
        receiver.close()
        server.stop()
    told = {p.json["dataset"]["id"] for p in receiver.posts}
    assert told == {f"dataset:{NS}:{name}" for name in names}
