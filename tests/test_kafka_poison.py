"""Issue 74, finding 1, on a real Kafka broker: one message the dead-letter topic cannot take (a
2 MiB event dated 2099, over the topic's default 1 MiB limit) used to kill the consumer on every
restart while ``/healthz`` said ok. Now it is dead-lettered cut to what fits, or recorded as
skipped in the store, its offset committed, and the next event applied within seconds, across a
restart."""

from __future__ import annotations

import base64
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
from live_server import LiveServer
from openlineage_events import described
from test_kafka_ingest import committed, metric, read_topic, wait_for

from graph.eventlog.event_log_migration import open_event_log
from graph.intake.kafka_dead_letters import SKIPPED_PREFIX, TRUNCATED_BODY
from graph.stores import open_store

BIG = 8 * 2**20  # the source topic's limit: it takes the poison, the dead-letter topics do not


def topic(bootstrap: str, **config: str) -> str:
    from confluent_kafka.admin import AdminClient, NewTopic

    name = f"ol-{uuid.uuid4().hex[:10]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(name, 1, 1, config=config)]).values():
        future.result(60)
    return name


def produce_big(bootstrap: str, name: str, values: list[bytes]) -> None:
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, "message.max.bytes": BIG})
    for value in values:
        producer.produce(name, value=value, partition=0)
    assert producer.flush(60) == 0


def poison(name: str) -> bytes:
    """An event of over 2 MiB dated 2099: invalid (clock skew), and too large to dead-letter."""
    event = described("s3://lake", name, "x" * (2 * 2**20), at=datetime(2099, 1, 1, tzinfo=UTC))
    return orjson.dumps(event)


def good(name: str) -> bytes:
    return orjson.dumps(described("s3://lake", name, "applied", at=datetime.now(UTC)))


def test_a_message_no_dead_letter_takes_never_stops_the_consumer(kafka_broker, tmp_path) -> None:
    bootstrap = kafka_broker.bootstrap_servers
    source = topic(bootstrap, **{"max.message.bytes": str(BIG)})
    dead_letters = topic(bootstrap)  # the broker's default limit (~1 MiB)
    tiny = topic(bootstrap, **{"max.message.bytes": "1024"})  # not even a cut letter fits
    data_dir = tmp_path / "store"
    server = LiveServer(["--data-dir", str(data_dir)], tmp_path / "server.log")
    consuming = ["--bootstrap-servers", bootstrap, "--topic", source, "--group", "poisoned"]
    query = '{ dataset(namespace: "s3://lake", name: "%s") { description } }'

    def applied(name: str) -> bool:
        return server.graphql(query % name)["dataset"] == {"description": "applied"}

    first = [poison("first-poison"), good("after-first")]
    produce_big(bootstrap, source, first)
    # The producer refuses the 2 MiB letter itself (its message.max.bytes): it is cut.
    server.start([*consuming, "--dead-letter-topic", dead_letters])
    try:
        started = time.monotonic()
        wait_for(lambda: applied("after-first"), "the event after the poison", timeout=60)
        first_s = time.monotonic() - started
        health = httpx.get(f"{server.url}/healthz", timeout=30).json()
        assert health["status"] == "ok", health
    finally:
        server.stop()
    (letter,) = read_topic(bootstrap, dead_letters, 1)
    headers = dict(letter.headers())
    assert letter.value() == first[0][:TRUNCATED_BODY]
    assert headers["lineagemesh.truncated"] == str(len(first[0])).encode()
    assert headers["lineagemesh.error"].startswith(b"$.eventTime: ")
    assert headers["lineagemesh.source"] == f"{source}/0/0".encode()
    assert committed(bootstrap, "poisoned", source) == 2

    # Restarted, with a producer that sends the whole letter (the broker refuses it), to a topic
    # that refuses even the cut one: the poison is recorded in the store and skipped.
    server.start(
        [
            *consuming,
            "--dead-letter-topic",
            tiny,
            "--kafka-property",
            f"message.max.bytes={BIG}",
        ]
    )
    second = [poison("second-poison"), good("after-second")]
    try:
        produced = time.monotonic()
        produce_big(bootstrap, source, second)
        wait_for(lambda: applied("after-second"), "the event after the poison", timeout=60)
        second_s = time.monotonic() - produced

        def skips() -> float | None:
            text = httpx.get(f"{server.url}/metrics", timeout=30).text
            return metric(text, "lineagemesh_kafka_messages_skipped_total")

        # A poll's good events are applied before its bad ones' letters are settled with the
        # broker: the skip is counted once the tiny topic has refused the letter, a moment later.
        wait_for(lambda: (skips() or 0) >= 1, "the poison counted as skipped", timeout=60)
        text = httpx.get(f"{server.url}/metrics", timeout=30).text
        assert metric(text, "lineagemesh_kafka_messages_skipped_total") == 1
        assert metric(text, "lineagemesh_kafka_messages_bad_total", reason="invalid") == 1
        assert metric(text, "lineagemesh_kafka_consumer_restarts_total") == 0
        assert applied("after-first") and server.graphql(query % "second-poison")["dataset"] is None
    finally:
        server.stop()
    assert committed(bootstrap, "poisoned", source) == 4
    with open_store(data_dir=str(data_dir)) as store, open_event_log(store) as log:
        record = orjson.loads(log.get_meta(f"{SKIPPED_PREFIX}{source}/0/2") or "null")
    assert record["offset"] == 2 and record["partition"] == 0 and record["topic"] == source
    assert "MSG_SIZE_TOO_LARGE" in record["reason"] and "$.eventTime" in record["reason"]
    assert base64.b64decode(record["first_bytes"]) == second[0][:256]
    Path(tmp_path / "figures.txt").write_text(f"{first_s:.1f} {second_s:.1f}\n")
    print(f"good event applied {first_s:.1f} s after start, {second_s:.1f} s after produce")


def test_a_failing_consumer_is_restarted_and_reported_meanwhile(
    kafka_broker, tmp_path, monkeypatch
) -> None:
    """An error escaping the consumer (here the broker client failing its first polls) no longer
    ends the thread silently: ``trouble()`` (``/healthz`` ``degraded``) says why while it is
    down, it is started again after a backoff, and then applies what the topic holds."""
    import threading

    import confluent_kafka

    from graph.intake import kafka_ingest
    from graph.intake.ingest_service import IngestService
    from graph.intake.kafka_ingest import KafkaIngest, KafkaSettings

    failures = [2]

    class FailsFirst(confluent_kafka.Consumer):
        def consume(self, *args: Any, **kwargs: Any) -> list:
            if failures[0]:
                failures[0] -= 1
                raise confluent_kafka.KafkaException("the client failed")
            return super().consume(*args, **kwargs)

    monkeypatch.setattr(confluent_kafka, "Consumer", FailsFirst)
    monkeypatch.setattr(kafka_ingest, "RESTART_FIRST", 1.0)
    bootstrap = kafka_broker.bootstrap_servers
    source = topic(bootstrap)
    produce_big(bootstrap, source, [good("after-failures")])
    with open_store(data_dir=str(tmp_path / "store")) as store:
        consumer = KafkaIngest(
            IngestService(store), KafkaSettings(bootstrap, (source,), "restarted")
        )
        seen: set[str] = set()
        thread = threading.Thread(target=consumer.supervise)
        thread.start()
        try:
            deadline = time.monotonic() + 60
            while consumer.applied_events < 1 and time.monotonic() < deadline:
                if (why := consumer.trouble()) is not None:
                    seen.add(why)
                time.sleep(0.05)
        finally:
            consumer.stop()
            thread.join(60)
        assert consumer.applied_events == 1 and consumer.restarts == 2
        assert any("the client failed" in why and "restarting" in why for why in seen), seen
        assert consumer.trouble() is None
