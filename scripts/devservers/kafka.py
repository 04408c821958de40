"""Run a real Apache Kafka 4.x broker (KRaft, one node as broker and controller) on 127.0.0.1.

No Kafka distribution or Docker is needed: Maven fetches ``org.apache.kafka:kafka_2.13`` and its
runtime jars (``kafka/pom.xml`` beside this file) into ``~/.cache/lineagemesh/kafka-<version>-<pom
hash>/lib``; the broker is formatted with ``kafka.tools.StorageTool format --standalone`` and run
as ``kafka.Kafka server.properties``, on free ports unless told otherwise.

    import sys; sys.path.insert(0, "<repo>/scripts")
    from devservers import kafka

    broker = kafka.start(data_dir=tmp_path / "kafka")   # broker.bootstrap_servers: 127.0.0.1:PORT
    ...
    kafka.stop(broker.data_dir)

Everything lives in the data dir: ``server.properties``, ``data/`` (the log dirs), ``kafka.log``
(the JVM's output) and ``devserver.json`` (pid, ports). Standard library only; readiness is the
broker's port answering a Kafka ApiVersions request. Command line: ``scripts/kafka-server``.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import fcntl
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from devservers import jar_folder
from devservers.processes import process_running

KAFKA_VERSION = "4.1.1"  # keep in sync with kafka/pom.xml
HOST = "127.0.0.1"
_HERE = Path(__file__).resolve().parent
POM = _HERE / "kafka" / "pom.xml"
CACHE_DIR = jar_folder(f"kafka-{KAFKA_VERSION}", POM.read_bytes())
LIB_DIR = CACHE_DIR / "lib"
DEFAULT_DATA_DIR = _HERE.parents[1] / ".cache" / "kafka-data"
STATE_FILE = "devserver.json"
DEFAULT_HEAP = "512m"
START_TIMEOUT = 120.0
STOP_TIMEOUT = 30.0


class KafkaServerError(RuntimeError):
    """The broker could not be fetched, started or stopped."""


@dataclasses.dataclass
class KafkaServer:
    port: int
    controller_port: int
    pid: int
    data_dir: Path

    @property
    def bootstrap_servers(self) -> str:
        return f"{HOST}:{self.port}"


def _complete_mark() -> dict:
    return {"version": KAFKA_VERSION, "pom": POM.read_text()}


def ensure_jars(verbose: bool = False) -> Path:
    """The folder of the broker's jars, fetched with Maven the first time (then kept: CACHE_DIR)."""
    mark = LIB_DIR / ".complete"
    with contextlib.suppress(OSError, ValueError):
        if json.loads(mark.read_text()) == _complete_mark():
            return LIB_DIR
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with open(CACHE_DIR / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with contextlib.suppress(OSError, ValueError):
            if json.loads(mark.read_text()) == _complete_mark():
                return LIB_DIR
        mvn = shutil.which("mvn")
        if mvn is None:
            raise KafkaServerError(
                f"Maven ('mvn') is needed once to fetch the Kafka jars into {LIB_DIR}"
            )
        partial = CACHE_DIR / "lib.partial"
        shutil.rmtree(partial, ignore_errors=True)
        done = subprocess.run(
            [
                mvn,
                "-B",
                "-ntp" if verbose else "-q",
                "-f",
                str(POM),
                "dependency:copy-dependencies",
                "-DincludeScope=runtime",
                f"-DoutputDirectory={partial}",
            ],
            stdin=subprocess.DEVNULL,
            stdout=sys.stderr if verbose else subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        if done.returncode != 0 or not (partial / f"kafka_2.13-{KAFKA_VERSION}.jar").is_file():
            raise KafkaServerError(
                f"Maven could not fetch Kafka {KAFKA_VERSION} (exit {done.returncode}):\n{(done.stdout or '')[-3000:]}"
            )
        (partial / ".complete").write_text(json.dumps(_complete_mark()))
        shutil.rmtree(LIB_DIR, ignore_errors=True)
        os.replace(partial, LIB_DIR)
    return LIB_DIR


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _java() -> str:
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java or not Path(java).exists():
        raise KafkaServerError("no 'java' (JAVA_HOME or PATH); Kafka 4 needs Java 17+")
    return java


def _properties(data_dir: Path, port: int, controller_port: int) -> str:
    return "\n".join(
        [
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.bootstrap.servers={HOST}:{controller_port}",
            f"listeners=PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{controller_port}",
            f"advertised.listeners=PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{controller_port}",
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            f"log.dirs={data_dir / 'data'}",
            "num.partitions=3",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=3",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "auto.create.topics.enable=true",
            "",
        ]
    )


def _cluster_id() -> str:
    """A random cluster id as Kafka writes one (a UUID, URL-safe base64 without padding).

    Like Kafka's own ``Uuid.randomUuid``, never one that starts with ``-``: the storage tool's
    argument parser reads such an id as an option and refuses to format (1 start in 64).
    """
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not cluster_id.startswith("-"):
            return cluster_id


def _java_command(heap: str, *args: str) -> list[str]:
    return [
        _java(),
        f"-Xmx{heap}",
        "-XX:+UseG1GC",
        "-Djava.awt.headless=true",
        "-cp",
        str(ensure_jars() / "*"),
        *args,
    ]


def _api_versions_answer(port: int) -> bool:
    """Whether a Kafka broker answers an ApiVersions request (v0) on ``port``."""
    request = struct.pack(">hhi", 18, 0, 1) + struct.pack(">h", 9) + b"readiness"
    try:
        with socket.create_connection((HOST, port), timeout=1.0) as s:
            s.sendall(struct.pack(">i", len(request)) + request)
            size = struct.unpack(">i", s.recv(4))[0]
            body = s.recv(size)
            return len(body) >= 6 and struct.unpack(">h", body[4:6])[0] == 0
    except (OSError, struct.error):
        return False


def status(data_dir: Path | str | None = None) -> KafkaServer | None:
    """The broker running for ``data_dir``, or None."""
    data_dir = Path(data_dir or DEFAULT_DATA_DIR)
    try:
        state = json.loads((data_dir / STATE_FILE).read_text())
    except (OSError, ValueError):
        return None
    server = KafkaServer(state["port"], state["controller_port"], state["pid"], data_dir)
    return server if process_running(server.pid) else None


def start(
    data_dir: Path | str | None = None,
    port: int | None = None,
    heap: str = DEFAULT_HEAP,
    timeout: float = START_TIMEOUT,
) -> KafkaServer:
    """Format (first time) and start a broker for ``data_dir``; returns once it answers."""
    data_dir = Path(data_dir or DEFAULT_DATA_DIR)
    running = status(data_dir)
    if running is not None:
        return running
    data_dir.mkdir(parents=True, exist_ok=True)
    port = port or _free_port()
    controller_port = _free_port()
    config = data_dir / "server.properties"
    config.write_text(_properties(data_dir, port, controller_port))
    if not (data_dir / "data" / "meta.properties").exists():
        formatted = subprocess.run(
            _java_command(
                "256m",
                "kafka.tools.StorageTool",
                "format",
                "--standalone",
                "-t",
                _cluster_id(),
                "-c",
                str(config),
            ),
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        if formatted.returncode != 0:
            raise KafkaServerError(
                f"formatting the broker's storage failed:\n{formatted.stdout}{formatted.stderr}"[
                    -3000:
                ]
            )
    with open(
        data_dir / "kafka.log", "ab"
    ) as log:  # the broker holds its own copy of the descriptor
        proc = subprocess.Popen(
            _java_command(heap, "kafka.Kafka", str(config)),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    server = KafkaServer(port, controller_port, proc.pid, data_dir)
    (data_dir / STATE_FILE).write_text(
        json.dumps({"port": port, "controller_port": controller_port, "pid": proc.pid})
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise KafkaServerError(
                f"the broker exited ({proc.returncode}); see {data_dir / 'kafka.log'}"
            )
        if _api_versions_answer(port):
            return server
        time.sleep(0.3)
    stop(data_dir)
    raise KafkaServerError(
        f"the broker did not answer within {timeout:.0f} s; see {data_dir / 'kafka.log'}"
    )


def stop(data_dir: Path | str | None = None, timeout: float = STOP_TIMEOUT) -> bool:
    """Stop the broker of ``data_dir`` (SIGTERM, then SIGKILL after ``timeout``); False if none ran."""
    server = status(data_dir)
    if server is None:
        return False
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, sig)
        for _ in _ticks(wait, server.pid):
            if not process_running(server.pid):
                (server.data_dir / STATE_FILE).unlink(missing_ok=True)
                return True
    raise KafkaServerError(f"broker pid {server.pid} did not stop")


def topic_reader(bootstrap_servers: str, topic: str, group_prefix: str = "reader") -> Any:
    """A confluent_kafka consumer of ``topic`` from its first message, in a new group of its own
    that commits nothing: it reads what is there without moving any other group's offsets.
    (confluent_kafka, the test extra, is imported here so that the launcher needs none.)"""
    from confluent_kafka import Consumer

    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap_servers,
            "group.id": f"{group_prefix}-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    return consumer


def _ticks(seconds: float, pid: int) -> Iterator[None]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        yield
        time.sleep(0.2)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # our child: reaped, so it is not left a zombie
