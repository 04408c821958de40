#!/usr/bin/env python3
"""What schema history and breaking-change webhooks cost ingest (docs/benchmarks.md, "Schema history").

1. direct: a generated mesh whose re-runs change schemas (``generate_mesh.py --reruns --change-rate``)
   translated into 500-event batches, applied to a fresh embedded store through the ingest
   service (with schema history) and, for comparison, straight to the store (without);
2. HTTP: a real ``lineagemesh serve`` taking the same events in 500-event batches, with no
   webhooks, then with 10 (nine local receivers answering, one that never answers: dead).

    .venv/bin/python scripts/bench_webhooks.py --datasets 2000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "scripts"))

BATCH = 500


def events_of(datasets: int, out: Path) -> list[bytes]:
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "generate_mesh.py"),
            "--datasets",
            str(datasets),
            "--reruns",
            "3",
            "--change-rate",
            "0.3",
            "--out",
            str(out),
            "--quiet",
        ],
        check=True,
    )
    return [line for line in out.read_bytes().splitlines() if line.strip()]


def direct(lines: list[bytes], workdir: Path) -> dict[str, float]:
    from graph.core.model import NodeKind
    from graph.intake.ingest_service import IngestService, translate_events
    from graph.stores import open_store

    batches = [
        translate_events(lines[i : i + BATCH], keep_raw=False).payload
        for i in range(0, len(lines), BATCH)
    ]
    answer: dict[str, float] = {}
    for label, with_history in (("without history", False), ("with history", True)):
        store = open_store(data_dir=str(workdir / label.replace(" ", "-")))
        service = IngestService(store)
        started = time.perf_counter()
        for payload in batches:
            if with_history:
                service.commit(payload, None)
            else:
                store.apply_encoded(payload)
        seconds = time.perf_counter() - started
        answer[f"direct {label}, events/s"] = round(len(lines) / seconds)
        if with_history:
            counts = store.counts()
            answer["versions"] = counts.get(NodeKind.DATASET_VERSION.value, 0)
            answer["breaking changes"] = counts.get(NodeKind.SCHEMA_CHANGE.value, 0)
            answer["notifications"] = counts.get(NodeKind.NOTIFICATION.value, 0)
        store.close()
    return answer


def over_http(lines: list[bytes], workdir: Path, hooks: int) -> dict[str, float]:
    from live_server import LiveServer
    from webhook_receiver import Receiver

    receivers = [Receiver() for _ in range(max(hooks - 1, 0))]
    dead = Receiver(hold=True) if hooks else None
    args: list[str] = []
    if hooks:
        assert dead is not None
        hooks_file = workdir / f"hooks-{hooks}.yaml"
        urls = [r.url for r in receivers] + [dead.url]
        hooks_file.write_text(
            json.dumps({"webhooks": [{"url": u, "secret": "bench"} for u in urls]})
        )
        args = ["--webhooks", str(hooks_file), "--webhooks-allow-private"]
    server = LiveServer(
        ["--data-dir", str(workdir / f"http-{hooks}")], workdir / f"server-{hooks}.log"
    ).start(args)
    try:
        with httpx.Client(timeout=120) as client:
            started = time.perf_counter()
            for i in range(0, len(lines), BATCH):
                body = b"[" + b",".join(lines[i : i + BATCH]) + b"]"
                response = client.post(
                    f"{server.url}/api/v1/lineage/batch",
                    content=body,
                    headers={"Content-Type": "application/json"},
                )
                assert response.status_code < 300, response.text
            seconds = time.perf_counter() - started
        delivered = sum(len(r.posts) for r in receivers)
    finally:
        server.stop()
        for r in receivers:
            r.close()
        if dead is not None:
            dead.close()
    label = f"HTTP, {hooks} webhooks" + (" (one dead)" if hooks else "")
    answer: dict[str, float] = {f"{label}, events/s": round(len(lines) / seconds)}
    if hooks:
        answer[f"{label}: posts answered by the live receivers during ingest"] = delivered
    return answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=2000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        lines = events_of(options.datasets, workdir / "mesh.ndjson")
        results: dict[str, float] = {"events": len(lines)}
        results.update(direct(lines, workdir))
        results.update(over_http(lines, workdir, 0))
        results.update(over_http(lines, workdir, 10))
    for key, value in results.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
