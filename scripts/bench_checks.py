"""The bench's one-off cells: ``lineagemesh check`` as CI runs it, and one very wide dataset's
columns over GraphQL.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
from bench_cells import QUIET, log, summary


def check_cell(where: list[str], hub: str, reps: int) -> dict[str, Any]:
    """``lineagemesh check HUB --format markdown`` as CI runs it: a new process each time, so the
    time includes start-up and (embedded) loading the store; the comment's size alongside."""
    samples: list[float] = []
    chars = 0
    for _ in range(max(reps, 3)):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "graph", "check", hub, "--format", "markdown", *where],
            capture_output=True,
            text=True,
            timeout=600,
        )
        samples.append(time.perf_counter() - started)
        if done.returncode not in (0, 1):
            raise RuntimeError(f"lineagemesh check failed: {done.stderr[-2000:]}")
        chars = len(done.stdout)
    return {**summary(samples), "markdown_chars": chars}


def bench_check_only(data_dir: Path, hub: str, reps: int, tmp: Path) -> dict[str, Any]:
    """The check cells alone, on an embedded data dir loaded (and closed) before: from process
    start on the data dir, then with --server against ``lineagemesh serve`` holding it."""
    from devservers.lineagemesh import LineagemeshServer

    data_dir = data_dir.resolve()
    result: dict[str, Any] = {
        "hub": hub,
        "embedded": check_cell(["--data-dir", str(data_dir)], hub, reps),
    }
    log(f"check of a hub from process start, p50 {result['embedded']['p50_ms']} ms")
    server = LineagemeshServer(
        ["--data-dir", str(data_dir)], tmp / "check-server.log", global_args=QUIET
    )
    try:
        server.start(timeout=600)
        result["server"] = check_cell(["--server", server.url], hub, reps)
        log(f"check of a hub with --server, p50 {result['server']['p50_ms']} ms")
    finally:
        server.stop()
    return result


# -- the wide case ------------------------------------------------------------------------------

WIDE_GQL = '{ dataset(namespace: "wide", name: "t") { columns { name current } } }'


def bench_wide_columns(columns: int, tmp: Path, reps: int) -> dict[str, Any]:
    """One dataset of ``columns`` columns (one schema facet, sent over HTTP), then its
    ``Dataset.columns`` (with ``current``) over GraphQL: whether answering is linear in the width."""
    import httpx
    from devservers.lineagemesh import LineagemeshServer

    event = {
        "eventType": "COMPLETE",
        "eventTime": "2024-01-01T00:00:00Z",
        "producer": "https://example.com/bench",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": "0f8b8e9a-3c1f-4a6e-9d59-2b4e1c6c9a01"},
        "job": {"namespace": "wide", "name": "writer"},
        "outputs": [
            {
                "namespace": "wide",
                "name": "t",
                "facets": {
                    "schema": {
                        "_producer": "https://example.com/bench",
                        "_schemaURL": "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet",
                        "fields": [
                            {"name": f"column_{i:06d}", "type": "string"} for i in range(columns)
                        ],
                    }
                },
            }
        ],
    }
    server = LineagemeshServer(["--data-dir", str(tmp / "wide")], tmp / "wide.log").start()
    try:
        with httpx.Client(base_url=server.url, timeout=600) as http:
            started = time.perf_counter()
            response = http.post(
                "/api/v1/lineage",
                content=orjson.dumps(event),
                headers={"Content-Type": "application/json"},
            )
            response.raise_for_status()
            ingest_s = time.perf_counter() - started
            samples = []
            for _ in range(max(reps, 1)):
                started = time.perf_counter()
                answer = http.post("/graphql", json={"query": WIDE_GQL}).json()
                samples.append(time.perf_counter() - started)
            found = answer["data"]["dataset"]["columns"]
            assert len(found) == columns and all(c["current"] for c in found), (
                "the wide dataset lost columns"
            )
    finally:
        server.stop()
    result = {"columns": columns, "ingest_s": round(ingest_s, 3), "columns_query": summary(samples)}
    log(
        f"wide: {columns} columns, ingest {result['ingest_s']} s, Dataset.columns p50 {result['columns_query']}"
    )
    return result
