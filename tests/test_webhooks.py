"""Breaking-change webhooks (graph.notify.webhooks) with real receivers (local HTTP servers): a breaking
schema arriving over HTTP, Kafka and an Iceberg crawl is told once, signed, with the owners
downstream; a failing receiver gets it on a later try; a server killed before delivering delivers
after its restart, under the same idempotency key."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from live_server import LiveServer
from schema_events import CUSTOMERS, NS, V1, V2_NO_EMAIL, consumer_event, producer_event
from test_http_api import post_with_client
from webhook_receiver import Received, Receiver, deliveries

from graph.core.model import NodeKind
from graph.intake.ingest_service import IngestService
from graph.notify.webhook_client import WebhookClient
from graph.notify.webhook_config import InvalidWebhooks, Webhook, WebhookSettings, load_webhooks
from graph.notify.webhook_targets import RANGES, TargetRefused, check_target
from graph.notify.webhooks import Deliverer
from graph.stores import open_store

SECRET = "s3cr3t-for-tests"
EVENTS = [
    producer_event("2026-03-01T10:00:00Z", V1),
    consumer_event("2026-03-01T11:00:00Z"),
    producer_event("2026-03-02T10:00:00Z", V1),  # a re-run: nothing to tell
    producer_event("2026-03-03T10:00:00Z", V2_NO_EMAIL),  # email dropped: breaking
]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def eventually(read: Any, done: Any, seconds: float = 30) -> Any:
    """``read()`` until ``done`` holds of it: for what the server records after a receiver answered
    (the receiver cannot tell when that is), polled, bounded."""
    import time

    deadline = time.monotonic() + seconds
    while True:
        value = read()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def url_line(path: Path) -> int:
    """The line of a webhooks file's (first) ``url:`` key, as a refusal names it."""
    lines = enumerate(path.read_text().splitlines(), 1)
    return next(i for i, line in lines if line.lstrip(" -").startswith("url:"))


def hooks_file(tmp_path: Path, *hooks: dict[str, Any], first_delay: float = 0.05) -> Path:
    import yaml

    path = tmp_path / "webhooks.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "webhooks": [{"secret_env": "HOOK_SECRET", **h} for h in hooks],
                "retry": {"window_hours": 1, "first_delay_seconds": first_delay},
                "explorer_url": "http://lineage.test",
            }
        )
    )
    return path


def serve(tmp_path: Path, hooks: Path, extra: list[str] | None = None) -> LiveServer:
    return LiveServer(
        ["--data-dir", str(tmp_path / "store")],
        tmp_path / "server.log",
        env={"HOOK_SECRET": SECRET},
    ).start(["--webhooks", str(hooks), "--webhooks-allow-private", *(extra or [])])


def assert_told_of_the_dropped_email(body: dict[str, Any]) -> None:
    assert body["type"] == "breaking_change"
    assert body["dataset"]["id"] == f"dataset:{NS}:{CUSTOMERS}"
    assert [(c["kind"], c["column"], c["severity"]) for c in body["changes"]] == [
        ("COLUMN_REMOVED", "email", "BREAKING")
    ]
    assert {"team:crm", "team:marketing"} <= set(body["notify"])
    assert f"dataset:{NS}:mart.customer_emails" in body["impact"]["datasets"]
    assert body["links"]["versions"].startswith("http://lineage.test/api/v1/namespaces/")
    # the explorer reads its view from the fragment (#node=…), as its permalinks write it
    assert body["links"]["explorer"] == "http://lineage.test/#node=" + quote(
        f"dataset:{NS}:{CUSTOMERS}", safe=""
    )


def test_a_breaking_schema_over_http_is_told_once_signed_in_each_format(
    tmp_path: Path, receiver: Receiver
) -> None:
    hooks = hooks_file(
        tmp_path,
        {"url": receiver.url + "?f=json"},
        {"url": receiver.url + "?f=ce", "format": "cloudevents"},
        {"url": receiver.url + "?f=slack", "format": "slack"},
        {"url": receiver.url + "?f=other", "datasets": ["dataset:elsewhere:t"]},  # filtered out
    )
    server = serve(tmp_path, hooks)
    try:
        post_with_client(server.url, EVENTS)
        posts = receiver.wait_for(3)
        assert all(p.signed_with(SECRET) for p in posts)
        assert_replays_are_refused(posts[0])
        assert len({p.headers["x-lineagemesh-delivery"] for p in posts}) == 3
        by_type = {p.headers["content-type"]: p.json for p in posts}
        cloud = by_type.pop("application/cloudevents+json")
        assert cloud["specversion"] == "1.0" and cloud["type"] == "io.lineagemesh.breaking_change"
        assert_told_of_the_dropped_email(cloud["data"])
        slack = [p.json for p in posts if "blocks" in p.json]
        assert len(slack) == 1 and "drop email" in str(slack[0]["blocks"])
        plain = [p.json for p in posts if "dataset" in p.json]
        assert len(plain) == 1
        assert_told_of_the_dropped_email(plain[0])

        # The same events again change nothing: no second message.
        post_with_client(server.url, EVENTS)
        assert deliveries(server.url, "delivered") == 3
    finally:
        server.stop()
    assert len(receiver.attempts) == 3


def assert_replays_are_refused(post: Received) -> None:
    """A post checked as docs/notifications.md tells receivers to: ``t=<sent>,v1=<HMAC of
    "<sent>.<body>">``, valid within 5 minutes of the receiver's clock, and the time cannot be
    moved without the secret."""
    header = post.headers["x-lineagemesh-signature"]
    assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", header), header
    sent = int(header.split(",")[0].removeprefix("t="))
    assert abs(sent - time.time()) < 120  # the time it was sent, not the change's
    assert post.signed_with(SECRET, now=sent + 299)
    assert not post.signed_with(SECRET, now=sent + 301)  # a replay 5 minutes on: refused
    assert not post.signed_with(SECRET, now=sent - 301)
    assert not post.signed_with("another secret")
    assert not Received(post.headers, post.body + b" ").signed_with(SECRET)
    moved = {
        **post.headers,
        "x-lineagemesh-signature": header.replace(f"t={sent}", f"t={sent + 600}"),
    }
    assert not Received(moved, post.body).signed_with(SECRET, now=sent + 600)
    assert not Received(
        {**post.headers, "x-lineagemesh-signature": "v1=00"}, post.body
    ).signed_with(SECRET)


def test_a_receiver_failing_twice_gets_it_on_the_third_try(tmp_path: Path) -> None:
    receiver = Receiver(fail_first=2)
    server = serve(tmp_path, hooks_file(tmp_path, {"url": receiver.url}))
    try:
        post_with_client(server.url, EVENTS)
        (post,) = receiver.wait_for(1)
        assert len(receiver.attempts) == 3
        assert {a.headers["x-lineagemesh-delivery"] for a in receiver.attempts} == {
            post.headers["x-lineagemesh-delivery"]
        }
        assert post.signed_with(SECRET)
        assert_told_of_the_dropped_email(post.json)
        failures = eventually(
            lambda: server.graphql("{ webhookFailures }")["webhookFailures"],
            lambda found: found and found[0]["state"] == "delivered",
        )
        assert [(f["state"], f["attempts"], f["lastError"]) for f in failures] == [
            ("delivered", 3, "HTTP 500")
        ]
    finally:
        server.stop()
        receiver.close()


def test_a_dead_receiver_is_kept_as_failed_and_shown(tmp_path: Path) -> None:
    receiver = Receiver(fail_first=10**6)
    hooks = hooks_file(tmp_path, {"url": receiver.url})
    text = hooks.read_text().replace(
        "window_hours: 1", "window_hours: 0.002"
    )  # 7.2 s: a loaded host must still try once within it
    hooks.write_text(text)
    server = serve(tmp_path, hooks)
    try:
        post_with_client(server.url, EVENTS)
        failures = eventually(
            lambda: server.graphql("{ webhookFailures }")["webhookFailures"],
            lambda found: found and found[0]["state"] == "failed",
        )
        assert failures and failures[0]["state"] == "failed"
        assert failures[0]["lastError"] == "HTTP 500" and failures[0]["webhook"] == receiver.url
        assert deliveries(server.url, "failed") == 1
    finally:
        server.stop()
        receiver.close()


def test_a_notification_no_pass_reached_within_its_window_is_kept_failed(
    tmp_path: Path, receiver: Receiver
) -> None:
    """A server down longer than the retry window: its first pass after the restart finds the
    notification already expired, keeps it as failed (none posted), and shows it."""
    import time

    hooks = hooks_file(tmp_path, {"url": receiver.url})
    window = 0.36  # seconds: 0.0001 h
    hooks.write_text(hooks.read_text().replace("window_hours: 1", "window_hours: 0.0001"))
    server = LiveServer(["--data-dir", str(tmp_path / "store")], tmp_path / "server.log").start()
    try:  # no webhooks yet: the outbox is written, nobody delivers it
        post_with_client(server.url, EVENTS)
        acknowledged = time.time()
    finally:
        server.stop()
    time.sleep(max(0.0, acknowledged + window - time.time()))  # the window ends while it is down
    server = serve(tmp_path, hooks)
    try:
        failures = eventually(
            lambda: server.graphql("{ webhookFailures }")["webhookFailures"],
            lambda found: bool(found),
        )
        assert [(f["state"], f["attempts"], f["webhook"]) for f in failures] == [
            ("failed", 0, receiver.url)
        ]
        assert failures[0]["lastError"] == "not delivered within the retry window (0 attempts)"
        assert deliveries(server.url, "failed") == 1
    finally:
        server.stop()
    assert not receiver.attempts


def test_an_expired_notification_is_kept_failed_durably_on_each_store(
    open_test_store: Any, receiver: Receiver
) -> None:
    """One pass, its clock past the window of a notification it never tried: kept as failed in the
    store (a reopened store shows it), counted once, posted never; a later pass leaves it."""
    import time

    from graph.intake.ingest_service import translate_events
    from graph.notify.outbox import failed_deliveries

    store = open_test_store()
    IngestService(store).commit(translate_events(EVENTS, keep_raw=False).payload, None)
    hook = Webhook(receiver.url, SECRET)
    settings = WebhookSettings((hook,), window_seconds=60.0, allow=frozenset(RANGES))
    later = time.time() + 120  # the server was down for two minutes, twice the window
    deliverer = Deliverer(store, settings, clock=lambda: later)
    with WebhookClient() as client:
        deliverer.deliver_due(hook, client)
        deliverer.deliver_due(hook, client)  # settled already: neither counted nor written again
    assert deliverer.stats.failed == 1 and deliverer.stats.pending[hook.key] == 0
    store.close()
    (failure,) = failed_deliveries(open_test_store(), 10)
    assert (failure["state"], failure["attempts"], failure["webhook"]) == (
        "failed",
        0,
        receiver.url,
    )
    assert failure["datasetId"] == f"dataset:{NS}:{CUSTOMERS}"
    assert not receiver.attempts


def test_killed_between_acknowledgement_and_delivery_delivers_after_restart(
    tmp_path: Path,
) -> None:
    receiver = Receiver(hold=True)
    hooks = hooks_file(tmp_path, {"url": receiver.url})
    server = serve(tmp_path, hooks)
    try:
        post_with_client(server.url, EVENTS)  # acknowledged
        assert receiver.held.wait(60)  # the post is in flight, unanswered
        server.kill()  # kill -9
        receiver.hold = False
        receiver.release()
        server = serve(tmp_path, hooks)
        (post,) = receiver.wait_for(1)
        assert_told_of_the_dropped_email(post.json)
        keys = {a.headers["x-lineagemesh-delivery"] for a in receiver.attempts}
        assert keys == {post.headers["x-lineagemesh-delivery"]}  # once per idempotency key
    finally:
        server.stop()
        receiver.close()


def test_a_breaking_schema_from_kafka_is_told(tmp_path: Path, kafka_broker, receiver) -> None:
    from test_kafka_ingest import create_topic, produce

    topic = create_topic(kafka_broker.bootstrap_servers, partitions=1)
    server = serve(
        tmp_path,
        hooks_file(tmp_path, {"url": receiver.url}),
        ["--bootstrap-servers", kafka_broker.bootstrap_servers, "--topic", topic],
    )
    try:
        produce(kafka_broker.bootstrap_servers, topic, EVENTS[:3])
        # The consumer's lineage is in the graph before the schema breaks (one batch applies
        # together, and a change's impact is the graph's before it).
        eventually(
            lambda: server.graphql(
                '{ dataset(namespace: "%s", name: "mart.customer_emails") { id } }' % NS
            )["dataset"],
            bool,
        )
        produce(kafka_broker.bootstrap_servers, topic, EVENTS[3:])
        (post,) = receiver.wait_for(1)
        assert post.signed_with(SECRET)
        assert_told_of_the_dropped_email(post.json)
    finally:
        server.stop()
    assert len(receiver.attempts) == 1


def test_a_breaking_schema_from_an_iceberg_crawl_is_told(
    tmp_path: Path, rest_server, receiver
) -> None:
    pytest.importorskip("pyiceberg")
    from pyiceberg.catalog import load_catalog
    from pyiceberg.schema import Schema
    from pyiceberg.types import LongType, NestedField, StringType

    from graph.intake.iceberg_crawl import crawl
    from ingest.iceberg import translate_catalog

    catalog = load_catalog(
        "lake", type="rest", uri=rest_server.uri, warehouse=rest_server.warehouse_uri
    )
    catalog.create_namespace("crm")
    table = catalog.create_table(
        "crm.contacts",
        schema=Schema(
            NestedField(1, "id", LongType(), required=True),
            NestedField(2, "phone", StringType(), required=False),
        ),
    )
    store = open_store(data_dir=str(tmp_path / "store"))
    service = IngestService(store)
    settings = load_webhooks(
        hooks_file(tmp_path, {"url": receiver.url}),
        allow=frozenset(RANGES),
        env={"HOOK_SECRET": SECRET},
    )
    deliverer = Deliverer(store, settings)
    assert service.history is not None
    service.history.listeners.append(deliverer.wake)
    deliverer.start()
    try:
        service.apply_mutations(translate_catalog(crawl(catalog)), 1)
        (contacts,) = [
            v.props["datasetId"] for v in store.nodes_of_kind(NodeKind.DATASET_VERSION, 10)
        ]
        ns = contacts.split(":", 1)[1].rsplit(":", 1)[0]
        consumer = consumer_event("2026-03-01T11:00:00Z")
        consumer["inputs"] = [{"namespace": ns, "name": "crm.contacts"}]
        lineage = consumer["outputs"][0]["facets"]["columnLineage"]["fields"]["email"]
        lineage["inputFields"] = [{"namespace": ns, "name": "crm.contacts", "field": "phone"}]
        from graph.intake.ingest_service import translate_events

        service.commit(translate_events([consumer], keep_raw=False).payload, None)
        with table.update_schema() as update:
            update.rename_column("phone", "mobile")  # same field id: a rename, not a drop
        service.apply_mutations(translate_catalog(crawl(catalog)), 1)
        (post,) = receiver.wait_for(1)
        body = post.json
        assert post.signed_with(SECRET)
        assert body["dataset"]["id"] == contacts and body["dataset"]["source"] == "iceberg"
        assert [(c["kind"], c["column"], c["new"]) for c in body["changes"]] == [
            ("COLUMN_RENAMED", "phone", "mobile")
        ]
        assert {"team:crm", "team:marketing"} <= set(body["notify"])
    finally:
        deliverer.stop()
        store.close()


def test_targets_are_checked(tmp_path: Path) -> None:
    everything = frozenset(RANGES)
    for url in (
        "http://127.0.0.1/h",
        "http://10.1.2.3/h",
        "http://169.254.169.254/latest",
        "http://[::1]/h",
        "http://localhost:8080/h",
        "http://[::ffff:10.0.0.1]/h",
        "http://[fe80::1]/h",
        "http://0.0.0.0/h",
    ):
        with pytest.raises(TargetRefused):
            check_target(url)
        check_target(url, everything)
    for url in ("ftp://example.org/h", "http://100.64.0.1/h", "http://224.0.0.1/h"):
        with pytest.raises(TargetRefused):  # no opt-in allows these
            check_target(url, everything)
    check_target("https://93.184.215.14/hook")


def test_each_private_range_is_its_own_opt_in() -> None:
    """Allowing a receiver on this host opens neither cloud metadata nor the office network."""
    targets = {
        "loopback": ("http://127.0.0.1/h", "http://[::1]/h", "http://localhost/h"),
        "rfc1918": ("http://10.1.2.3/h", "http://172.16.0.9/h", "http://192.168.1.1/h"),
        "link-local": ("http://169.254.169.254/latest", "http://[fe80::1]/h"),
    }
    for allowed in RANGES:
        for kind, urls in targets.items():
            for url in urls:
                if kind == allowed:
                    check_target(url, {allowed})
                    continue
                with pytest.raises(TargetRefused, match=f"a {kind} address|a loopback host"):
                    check_target(url, {allowed})


def test_serve_with_only_the_loopback_opt_in_refuses_metadata_and_rfc1918(tmp_path: Path) -> None:
    for url in ("http://169.254.169.254/latest/meta-data", "http://10.0.0.7/h"):
        path = hooks_file(tmp_path, {"url": url})
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "graph",
                "serve",
                "--data-dir",
                str(tmp_path / "d"),
                "--webhooks",
                str(path),
                "--webhooks-allow-loopback",
            ],
            env={**os.environ, "HOOK_SECRET": "x"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 2, done.stderr
        assert f"{path}:{url_line(path)}: webhooks[0].url:" in done.stderr and url in done.stderr

    path = hooks_file(tmp_path, {"url": "http://127.0.0.1:9/h"})
    with pytest.raises(InvalidWebhooks, match=r"webhooks\[0\]\.url: .*a loopback address"):
        load_webhooks(path, env={"HOOK_SECRET": SECRET})
    with pytest.raises(InvalidWebhooks, match=r"HOOK_SECRET is not set"):
        load_webhooks(path, frozenset(RANGES), env={})
    hook = Webhook("https://h.test/x", SECRET, domains=frozenset({"sales"}))
    assert hook.wants({"kind": "breaking_change", "domains": ["sales", "crm"]})
    assert not hook.wants({"kind": "breaking_change", "domains": ["crm"]})


def test_serve_refuses_a_bad_webhooks_file(tmp_path: Path) -> None:
    path = hooks_file(tmp_path, {"url": "http://127.0.0.1:9/h"})
    done = subprocess.run(
        [sys.executable, "-m", "graph", "serve", "--data-dir", str(tmp_path / "d")],
        env={**os.environ, "LINEAGEMESH_WEBHOOKS": str(path), "HOOK_SECRET": "x"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert (
        f"{path}:{url_line(path)}: webhooks[0].url:" in done.stderr
        and "--webhooks-allow-loopback" in done.stderr
    )


def test_a_webhooks_file_is_read_as_every_configuration_file_is(tmp_path: Path) -> None:
    """YAML, or JSON by its suffix; one that cannot be read is named with why, as a rules or
    tokens file is (``graph.core.documents``)."""
    as_json = tmp_path / "webhooks.json"
    as_json.write_text(
        json.dumps({"webhooks": [{"url": "https://h.test/x", "secret_env": "HOOK_SECRET"}]})
    )
    (hook,) = load_webhooks(as_json, env={"HOOK_SECRET": SECRET}).webhooks
    assert (hook.url, hook.secret) == ("https://h.test/x", SECRET)
    broken = tmp_path / "broken.yaml"
    broken.write_text("webhooks: [url: {")
    with pytest.raises(
        InvalidWebhooks, match=rf"^{re.escape(str(broken))}: cannot read webhooks: "
    ):
        load_webhooks(broken, env={"HOOK_SECRET": SECRET})
    missing = tmp_path / "missing.yaml"
    with pytest.raises(
        InvalidWebhooks, match=rf"^{re.escape(str(missing))}: cannot read webhooks: "
    ):
        load_webhooks(missing, env={"HOOK_SECRET": SECRET})


def test_a_dead_receiver_delays_neither_another_receiver_nor_ingest(
    tmp_path: Path, receiver: Receiver
) -> None:
    dead = Receiver(hold=True)  # takes the post and never answers
    server = serve(tmp_path, hooks_file(tmp_path, {"url": dead.url}, {"url": receiver.url}))
    try:
        post_with_client(server.url, EVENTS)
        assert dead.held.wait(60)
        (post,) = receiver.wait_for(1)  # while the dead one still holds its post
        assert_told_of_the_dropped_email(post.json)
        assert not dead.posts
        post_with_client(server.url, [producer_event("2026-03-04T10:00:00Z", V1)])  # ingest goes on
    finally:
        server.stop()
        dead.close()
