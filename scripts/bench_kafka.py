#!/usr/bin/env python3
"""Kafka ingest measured on a real broker: the two maintained Python clients' consume rate
(confluent-kafka, aiokafka), and ``lineagemesh ingest kafka`` against ``lineagemesh ingest
openlineage`` (the direct file path) on the same mesh events, embedded store, raw log on.

    .venv/bin/python scripts/bench_kafka.py --datasets 10000            # starts its own broker
    .venv/bin/python scripts/bench_kafka.py --datasets 10000 --bootstrap-servers 127.0.0.1:9092

Prints one JSON object: events/s of each, by wall clock and by CPU (events per CPU second of
the process and its threads, or of the command and its workers), which a host shared with other
work does not skew. The consumers read the same topic from the start in batches of 500, values
only, as ``graph.intake.kafka_ingest`` does; the ingest rates include process start-up and the consumer
group's join (a few seconds), and ``--until-idle``'s wait is taken off.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

import generate_mesh  # noqa: E402
from devservers import kafka as kafka_launcher  # noqa: E402

IDLE = 3.0  # --until-idle of the ingest run, taken off its time


def produce(bootstrap: str, topic: str, lines: list[bytes]) -> None:
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(topic, 3, 1)]).values():
        future.result(60)
    producer = Producer(
        {"bootstrap.servers": bootstrap, "linger.ms": 20}
    )  # uncompressed: aiokafka reads lz4 only with an extra
    for line in lines:
        while True:
            try:
                producer.produce(topic, value=line)
                break
            except BufferError:
                producer.poll(0.1)
    assert producer.flush(120) == 0


def consume_confluent(bootstrap: str, topic: str, count: int) -> tuple[float, float]:
    consumer = kafka_launcher.topic_reader(bootstrap, topic, "bench")
    got = 0
    started: float | None = None
    while got < count:
        messages = consumer.consume(500, 1.0)
        if messages and started is None:
            started, cpu = time.perf_counter(), time.process_time()
        got += sum(len(m.value() or b"") > 0 for m in messages if m.error() is None)
    assert started is not None, "the loop ends after messages came"
    rates = count / (time.perf_counter() - started), count / (time.process_time() - cpu)
    consumer.close()
    return rates


def consume_aiokafka(bootstrap: str, topic: str, count: int) -> tuple[float, float]:
    from aiokafka import AIOKafkaConsumer

    async def run() -> tuple[float, float]:
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=bootstrap,
            group_id=f"bench-{uuid.uuid4().hex}",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        got = 0
        started: float | None = None
        try:
            while got < count:
                batches = await consumer.getmany(timeout_ms=1000, max_records=500)
                if batches and started is None:
                    started, cpu = time.perf_counter(), time.process_time()
                got += sum(
                    len(m.value or b"") > 0 for messages in batches.values() for m in messages
                )
            assert started is not None, "the loop ends after messages came"
            return count / (time.perf_counter() - started), count / (time.process_time() - cpu)
        finally:
            await consumer.stop()

    return asyncio.run(run())


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def ingest_rate(command: list[str], events: int, idle: float = 0.0) -> tuple[float, float]:
    started, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    seconds = time.perf_counter() - started - idle
    cpu_seconds = _children_cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    match = re.search(r"(\d+) events ingested", done.stderr)
    assert match and int(match.group(1)) == events, done.stderr
    return events / seconds, events / cpu_seconds


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--datasets", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--bootstrap-servers", help="a running broker (default: start one)")
    args = parser.parse_args()
    lines = [
        generate_mesh.dumps_json_line(e).rstrip(b"\n")
        for e in generate_mesh.generate(args.datasets, args.seed)
    ]
    with tempfile.TemporaryDirectory(prefix="bench-kafka-") as tmp:
        tmp_path = Path(tmp)
        broker = None
        bootstrap = args.bootstrap_servers
        if bootstrap is None:
            broker = kafka_launcher.start(tmp_path / "kafka")
            bootstrap = broker.bootstrap_servers
        try:
            topic = f"bench-{uuid.uuid4().hex[:8]}"
            produce(bootstrap, topic, lines)
            result: dict[str, object] = {"datasets": args.datasets, "events": len(lines)}
            mesh = tmp_path / "mesh.ndjson"
            mesh.write_bytes(b"\n".join(lines) + b"\n")
            lm = [sys.executable, "-m", "graph", "ingest"]
            rates = {
                "confluent_kafka_consume": consume_confluent(bootstrap, topic, len(lines)),
                "aiokafka_consume": consume_aiokafka(bootstrap, topic, len(lines)),
                "direct_file_ingest": ingest_rate(
                    [*lm, "openlineage", str(mesh), "--data-dir", str(tmp_path / "direct")],
                    len(lines),
                ),
                "kafka_ingest": ingest_rate(
                    [
                        *lm,
                        "kafka",
                        "--bootstrap-servers",
                        bootstrap,
                        "--topic",
                        topic,
                        "--group",
                        "bench-ingest",
                        "--until-idle",
                        str(IDLE),
                        "--data-dir",
                        str(tmp_path / "kafka-store"),
                    ],
                    len(lines),
                    IDLE,
                ),
            }
            for name, (wall, cpu) in rates.items():
                result[f"{name}_events_per_s"] = round(wall)
                result[f"{name}_events_per_cpu_s"] = round(cpu)
        finally:
            if broker is not None:
                kafka_launcher.stop(broker.data_dir)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
