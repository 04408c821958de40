#!/usr/bin/env python3
"""A bounded websocket amplification run: many subscribers on one large lineage, one slow writer.

    .venv/bin/python scripts/ws_amplification.py                   # 32 x 8 subscriptions, 30 s
    .venv/bin/python scripts/ws_amplification.py --connections 8 --per-connection 4 --seconds 10

Starts ``lineagemesh serve`` (embedded store, temp dir) on a free loopback port, loads a fan of
``--fan`` jobs reading one hub dataset (a ``lineageChanged`` answer of ~1.2 MB at 3,800), then
opens ``--connections`` websockets holding ``--per-connection`` ``lineageChanged`` subscriptions
each on the hub, and posts one event a second into the hub's lineage for ``--seconds`` (each one
changes every subscription's answer). The subscribers read everything pushed to them.

Prints the ingest acknowledgement latencies (with a no-subscriber baseline measured first), the
server's RSS before, at its peak while the subscribers listen, and after they left, and how many
answers were pushed. Stops early (and says so) if the server's RSS passes ``--rss-abort-mb``.
Exit code 1 when a post failed or the run was stopped early; ``--json`` prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import websockets
from websockets.typing import Subprotocol

sys.path.insert(0, str(Path(__file__).resolve().parent))
from devservers.lineagemesh import LineagemeshServer

NS = "amp"
HUB = f"dataset:{NS}:hub"
PRODUCER = "https://example.com/lineagemesh-ws-amplification"
RUN_EVENT = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
PROTOCOL = Subprotocol("graphql-transport-ws")
SELECTION = (
    "(nodeId: $id, direction: DOWNSTREAM, depth: 2) "
    "{ nodes { id name namespace kind } edges { source target kind } truncated } }"
)
SUBSCRIPTION = "subscription($id: String!) { lineageChanged" + SELECTION
QUERY = "query($id: String!) { lineage" + SELECTION


def fan_event(i: int, tag: str = "fan") -> dict[str, Any]:
    """Job ``{tag}_{i}`` reads the hub and writes its own dataset."""
    return {
        "eventType": "COMPLETE",
        "eventTime": "2026-01-05T06:00:00Z",
        "run": {"runId": str(uuid.uuid4())},
        "job": {"namespace": NS, "name": f"{tag}_{i}"},
        "producer": PRODUCER,
        "schemaURL": RUN_EVENT,
        "inputs": [{"namespace": NS, "name": "hub"}],
        "outputs": [{"namespace": NS, "name": f"{tag}_out_{i}"}],
    }


def rss_mb(pid: int) -> float:
    """The resident set of process ``pid`` in MiB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def load_fan(url: str, fan: int) -> None:
    with httpx.Client(timeout=120) as http:
        for start in range(0, fan, 500):
            batch = [fan_event(i) for i in range(start, min(start + 500, fan))]
            response = http.post(f"{url}/api/v1/lineage/batch", json=batch)
            response.raise_for_status()


def post_every_second(url: str, seconds: float, tag: str, stop: threading.Event) -> list[float]:
    """One event a second into the hub's lineage; the acknowledgement latencies (a failure: inf).
    Run in a process of its own (``write_apart``): the subscribers' reading keeps this one busy."""
    latencies: list[float] = []
    with httpx.Client(timeout=120) as http:
        deadline = time.monotonic() + seconds
        i = 0
        while time.monotonic() < deadline and not stop.is_set():
            tick = time.monotonic()
            try:
                response = http.post(f"{url}/api/v1/lineage", json=fan_event(i, tag))
                ok = response.status_code == 201
            except httpx.HTTPError:
                ok = False
            latencies.append(time.monotonic() - tick if ok else float("inf"))
            i += 1
            stop.wait(max(0.0, tick + 1.0 - time.monotonic()))
    return latencies


def write_apart(url: str, seconds: float, tag: str, stop: threading.Event) -> list[float]:
    """``post_every_second`` in a child process (stopped early when ``stop`` is set)."""
    child = subprocess.Popen(
        [sys.executable, __file__, f"--write={url}", f"--seconds={seconds}", f"--tag={tag}"],
        stdout=subprocess.PIPE,
    )
    while child.poll() is None:
        if stop.wait(0.2):
            child.terminate()
    out = child.stdout.read() if child.stdout else b""
    return [float(x) for x in json.loads(out or b"[]")]


class Subscribers:
    """``connections`` websockets of ``per_connection`` subscriptions each, reading all they get."""

    def __init__(self, url: str, connections: int, per_connection: int) -> None:
        self.url = url.replace("http", "ws", 1) + "/graphql"
        self.connections = connections
        self.per_connection = per_connection
        self.answers = 0
        self.bytes = 0
        self.errors: list[str] = []
        self.first_answers = asyncio.Event()
        self._answered: set[tuple[int, str]] = set()

    async def one(self, number: int, stop: asyncio.Event) -> None:
        async with websockets.connect(
            self.url, subprotocols=[PROTOCOL], max_size=None, open_timeout=60
        ) as socket:
            await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
            for op in range(self.per_connection):
                await socket.send(
                    json.dumps(
                        {
                            "id": str(op),
                            "type": "subscribe",
                            "payload": {"query": SUBSCRIPTION, "variables": {"id": HUB}},
                        }
                    )
                )
            while not stop.is_set():
                try:
                    received = await asyncio.wait_for(socket.recv(), 0.5)
                except TimeoutError:
                    continue
                frame = received if isinstance(received, str) else received.decode()
                self.bytes += len(frame)
                head = frame[:200]  # an answer starts {"id":..,"type":"next","payload":{"data"
                if len(frame) > 10_000 and '"type":"next","payload":{"data"' in head:
                    kind, op = "next", json.loads(head.split(',"type"')[0] + "}")["id"]
                else:
                    message = json.loads(frame)
                    kind, op = message["type"], message.get("id")
                    if kind == "next" and message["payload"].get("errors"):
                        self.errors.append(str(message["payload"]["errors"])[:200])
                if kind == "next":
                    self.answers += 1
                    self._answered.add((number, op))
                    if len(self._answered) == self.connections * self.per_connection:
                        self.first_answers.set()
                elif kind in ("error", "complete"):
                    self.errors.append(str(frame)[:200])

    async def run(self, stop: asyncio.Event) -> None:
        await asyncio.gather(*(self.one(n, stop) for n in range(self.connections)))


def run(args: argparse.Namespace, url: str, pid: int) -> dict[str, Any]:
    load_fan(url, args.fan)
    with httpx.Client(timeout=60) as http:  # the same answer, asked once as a query
        answer = http.post(f"{url}/graphql", json={"query": QUERY, "variables": {"id": HUB}})
        size = len(answer.content)
    never = threading.Event()
    baseline = write_apart(url, args.baseline_seconds, "baseline", never)
    rss_before = rss_mb(pid)

    async def scenario() -> dict[str, Any]:
        subscribers = Subscribers(url, args.connections, args.per_connection)
        stop = asyncio.Event()
        listening = asyncio.create_task(subscribers.run(stop))
        peak = rss_before
        aborted = False
        first_answers_seconds = None
        started = time.monotonic()
        writer_stop = threading.Event()
        writer: asyncio.Future[list[float]] | None = None
        while True:
            await asyncio.sleep(0.25)
            peak = max(peak, rss_mb(pid))
            if peak > args.rss_abort_mb:
                aborted = True
                writer_stop.set()
                break
            if listening.done():
                break
            if writer is None and (
                subscribers.first_answers.is_set() or time.monotonic() - started > 60
            ):
                first_answers_seconds = time.monotonic() - started
                writer = asyncio.ensure_future(
                    asyncio.to_thread(write_apart, url, args.seconds, "live", writer_stop)
                )
            if writer is not None and writer.done():
                break
        stop.set()
        latencies = await writer if writer is not None else []
        try:
            await asyncio.wait_for(listening, 30)
        except TimeoutError:
            listening.cancel()
        if listening.done() and not listening.cancelled() and listening.exception():
            subscribers.errors.append(repr(listening.exception()))
        return {
            "latencies": latencies,
            "peak": peak,
            "aborted": aborted,
            "first_answers_seconds": first_answers_seconds,
            "answers": subscribers.answers,
            "pushed_mb": subscribers.bytes / 2**20,
            "errors": subscribers.errors[:5],
        }

    outcome = asyncio.run(scenario())
    time.sleep(args.settle_seconds)
    rss_after = rss_mb(pid)
    latencies = outcome["latencies"]
    return {
        "subscriptions": args.connections * args.per_connection,
        "answer_bytes": size,
        "baseline_ack_ms": {
            "p50": percentile(baseline, 50) * 1000,
            "p99": percentile(baseline, 99) * 1000,
        },
        "ack_ms": {
            "count": len(latencies),
            "p50": percentile(latencies, 50) * 1000,
            "p99": percentile(latencies, 99) * 1000,
            "max": max(latencies, default=float("nan")) * 1000,
            "failed": sum(1 for x in latencies if x >= 1e9),
        },
        "first_answers_seconds": outcome["first_answers_seconds"],
        "answers_pushed": outcome["answers"],
        "pushed_mb": round(outcome["pushed_mb"], 1),
        "rss_mb": {
            "before": round(rss_before),
            "peak": round(outcome["peak"]),
            "after": round(rss_after),
        },
        "aborted_over_rss": outcome["aborted"],
        "subscriber_errors": outcome["errors"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--per-connection", type=int, default=8)
    parser.add_argument("--fan", type=int, default=3800, help="jobs reading the hub (default 3800)")
    parser.add_argument("--seconds", type=float, default=30.0, help="writer run time (default 30)")
    parser.add_argument("--baseline-seconds", type=float, default=5.0)
    parser.add_argument("--settle-seconds", type=float, default=5.0, help="before RSS after")
    parser.add_argument("--rss-abort-mb", type=float, default=3000.0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--server-log", type=Path, help="keep the server's log here")
    parser.add_argument("serve_args", nargs="*", help="extra `serve` options, after --")
    parser.add_argument("--write", metavar="URL", help=argparse.SUPPRESS)  # the writer's process
    parser.add_argument("--tag", default="live", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.write:
        latencies = post_every_second(args.write, args.seconds, args.tag, threading.Event())
        print(json.dumps([x if x != float("inf") else 1e9 for x in latencies]))
        return 0
    with tempfile.TemporaryDirectory(prefix="lineagemesh-amp-") as tmp:
        server = LineagemeshServer(
            ["--data-dir", str(Path(tmp) / "store")],
            args.server_log or Path(tmp) / "server.log",
            global_args=["--log-level", "warning"],
        ).start(args.serve_args)
        try:
            result = run(args, server.url, server.pid)
        finally:
            server.stop()
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>22}: {value}")
    failed = (
        result["ack_ms"]["failed"] or result["aborted_over_rss"] or not result["ack_ms"]["count"]
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
