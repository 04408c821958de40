"""Marquez's ``GET /api/v1/lineage`` against GraphQL ``lineage`` on the same walk, end to end.

Generates a mesh, loads it into an embedded data dir (or measures one already loaded with
``--served DIR``), serves it, takes the dataset whose both-ways radius at ``--depth`` is largest
among a sample, and times both answers ``--reps`` times (after one warm-up each)::

    .venv/bin/python scripts/bench_marquez.py --datasets 100000 --depth 20 --reps 10
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
from urllib.parse import quote

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from devservers.lineagemesh import LineagemeshServer

LINEAGE = "query($id: String!, $depth: Int) { lineage(nodeId: $id, direction: BOTH, depth: $depth) { nodes { id kind namespace name } edges { source target kind } truncated } }"
SIZE = "query($id: String!, $depth: Int) { lineage(nodeId: $id, direction: BOTH, depth: $depth) { nodes { id } } }"


def timed(call, reps: int) -> list[float]:
    call()
    samples = []
    for _ in range(reps):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", type=int, default=10000)
    ap.add_argument("--served", type=Path, help="an already loaded embedded data dir")
    ap.add_argument("--depth", type=int, default=20)
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--sample", type=int, default=40, help="datasets tried as start")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-marquez-"))
    data_dir = args.served
    if data_dir is None:
        mesh, data_dir = work / "mesh.ndjson", work / "store"
        subprocess.run([sys.executable, "scripts/generate_mesh.py", "--datasets", str(args.datasets), "--seed", "7", "--out", str(mesh),
                        "--quiet"], check=True)
        subprocess.run([sys.executable, "-m", "graph", "ingest", "openlineage", "--data-dir", str(data_dir), str(mesh)], check=True,
                       stdout=subprocess.DEVNULL)
    with LineagemeshServer(["--data-dir", str(data_dir)], work / "server.log").start(timeout=600) as server:
        http = httpx.Client(base_url=server.url, timeout=600)

        def graphql(query: str, **variables: object) -> dict:
            body = http.post("/graphql", json={"query": query, "variables": variables}).json()
            assert not body.get("errors"), body
            return body["data"]

        hits = [f"dataset:{ns['name']}:{d['name']}" for ns in http.get("/api/v1/namespaces").json()["namespaces"]
                for d in http.get(f"/api/v1/namespaces/{quote(ns['name'], safe='')}/datasets", params={"limit": 200}).json()["datasets"]]
        random.Random(7).shuffle(hits)
        sized = [(len(graphql(SIZE, id=i, depth=args.depth)["lineage"]["nodes"]), i) for i in hits[: args.sample]]
        nodes, start = max(sized)
        marquez = timed(lambda: http.get("/api/v1/lineage", params={"nodeId": start, "depth": args.depth}).raise_for_status(), args.reps)
        gql = timed(lambda: graphql(LINEAGE, id=start, depth=args.depth), args.reps)
        answered = len(http.get("/api/v1/lineage", params={"nodeId": start, "depth": args.depth}).json()["graph"])
        assert answered == nodes, (answered, nodes)
    for name, samples in (("GraphQL lineage", gql), ("GET /api/v1/lineage", marquez)):
        print(f"{name:22} nodes {nodes:6}  median {statistics.median(samples):8.1f} ms  max {max(samples):8.1f} ms")
    print(f"ratio (median): {statistics.median(marquez) / statistics.median(gql):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
