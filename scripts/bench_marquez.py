"""Marquez's ``GET /api/v1/lineage`` against GraphQL ``lineage`` on the same walk, end to end.

Generates a mesh, loads it into an embedded data dir (or measures one already loaded with
``--served DIR``), or into Neo4j (``--store bolt://...``, which should be empty), serves it, takes
the dataset whose both-ways radius at ``--depth`` is largest among a sample, and times both answers
``--reps`` times (after one warm-up each), interleaved::

    .venv/bin/python scripts/bench_marquez.py --datasets 10000 --depth 20 --reps 10
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from devservers.lineagemesh import LineagemeshServer

LINEAGE = "query($id: String!, $depth: Int) { lineage(nodeId: $id, direction: BOTH, depth: $depth) { nodes { id kind namespace name } edges { source target kind } truncated } }"
SIZE = "query($id: String!, $depth: Int) { lineage(nodeId: $id, direction: BOTH, depth: $depth) { nodes { id } } }"


def timed_pair(first, second, reps: int) -> tuple[list[float], list[float]]:
    """Both calls ``reps`` times, interleaved (after one warm-up each), so load on a shared host
    weighs on both alike."""
    first()
    second()
    a: list[Any] = []
    b: list[Any] = []
    for _ in range(reps):
        for call, samples in ((first, a), (second, b)):
            started = time.perf_counter()
            call()
            samples.append((time.perf_counter() - started) * 1000)
    return a, b


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--datasets", type=int, default=10000)
    ap.add_argument("--served", type=Path, help="an already loaded embedded data dir")
    ap.add_argument(
        "--store",
        help="a Neo4j store URI to load the mesh into and serve (instead of an embedded data dir)",
    )
    ap.add_argument(
        "--loaded", action="store_true", help="with --store: the mesh is loaded already"
    )
    ap.add_argument("--depth", type=int, default=20)
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--sample", type=int, default=40, help="datasets tried as start")
    ap.add_argument("--start", help="the start's node id (instead of trying --sample datasets)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-marquez-"))
    store_args = (
        ["--store", args.store, "--event-log", str(work / "events")]
        if args.store
        else ["--data-dir", str(args.served or work / "store")]
    )
    if args.served is None and not args.loaded:
        mesh = work / "mesh.ndjson"
        subprocess.run(
            [
                sys.executable,
                "scripts/generate_mesh.py",
                "--datasets",
                str(args.datasets),
                "--seed",
                "7",
                "--out",
                str(mesh),
                "--quiet",
            ],
            check=True,
        )
        subprocess.run(
            [sys.executable, "-m", "graph", "ingest", "openlineage", *store_args, str(mesh)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    with LineagemeshServer(store_args, work / "server.log").start(timeout=600) as server:
        http = httpx.Client(base_url=server.url, timeout=600)

        def graphql(query: str, **variables: object) -> dict:
            body = http.post("/graphql", json={"query": query, "variables": variables}).json()
            assert not body.get("errors"), body
            return body["data"]

        hits = (
            [args.start]
            if args.start
            else [
                f"dataset:{ns['name']}:{d['name']}"
                for ns in http.get("/api/v1/namespaces").json()["namespaces"]
                for d in http.get(
                    f"/api/v1/namespaces/{quote(ns['name'], safe='')}/datasets",
                    params={"limit": 200},
                ).json()["datasets"]
            ]
        )
        random.Random(7).shuffle(hits)
        sized = [
            (len(graphql(SIZE, id=i, depth=args.depth)["lineage"]["nodes"]), i)
            for i in hits[: args.sample]
        ]
        nodes, start = max(sized)
        print(f"start {start}: {nodes} nodes both ways at depth {args.depth}", flush=True)
        marquez, gql = timed_pair(
            lambda: http.get(
                "/api/v1/lineage", params={"nodeId": start, "depth": args.depth}
            ).raise_for_status(),
            lambda: graphql(LINEAGE, id=start, depth=args.depth),
            args.reps,
        )
        answered = len(
            http.get("/api/v1/lineage", params={"nodeId": start, "depth": args.depth}).json()[
                "graph"
            ]
        )
        assert answered == nodes, (answered, nodes)
        # column lineage: Marquez's walks from every field of the dataset, against the same walks
        # as one GraphQL document (a columnLineage per field, aliased)
        fields = http.get("/api/v1/column-lineage", params={"nodeId": start, "depth": 0}).json()[
            "graph"
        ]
        own = "datasetField:" + start.removeprefix("dataset:") + ":"
        columns = [f["id"] for f in fields if f["id"].startswith(own)][:20]
        document = (
            "{"
            + " ".join(
                f'c{i}: columnLineage(nodeId: "{c}", direction: BOTH, depth: {args.depth}) {{ nodes {{ id }} '
                f"edges {{ source target }} truncated }}"
                for i, c in enumerate(columns)
            )
            + "}"
        )
        column_nodes = len(
            http.get(
                "/api/v1/column-lineage",
                params={"nodeId": start, "depth": args.depth, "withDownstream": "true"},
            ).json()["graph"]
        )
        marquez_columns, gql_columns = timed_pair(
            lambda: http.get(
                "/api/v1/column-lineage",
                params={"nodeId": start, "depth": args.depth, "withDownstream": "true"},
            ).raise_for_status(),
            lambda: graphql(document),
            args.reps,
        )
    rows = (
        ("GraphQL lineage", nodes, gql),
        ("GET /api/v1/lineage", nodes, marquez),
        (f"GraphQL columnLineage x{len(columns)}", column_nodes, gql_columns),
        ("GET /api/v1/column-lineage", column_nodes, marquez_columns),
    )
    for label, size, samples in rows:
        print(
            f"{label:28} nodes {size:6}  median {statistics.median(samples):8.1f} ms  max {max(samples):8.1f} ms"
        )
    print(
        f"ratio (median): lineage {statistics.median(marquez) / statistics.median(gql):.2f}x, "
        f"column lineage {statistics.median(marquez_columns) / statistics.median(gql_columns):.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
