#!/usr/bin/env python3
"""How queries share a server: /healthz latency under large lineage and impact queries, and
query throughput by clients.

Usage::

    python scripts/bench_concurrency.py --datasets 20000 --seconds 15
    python scripts/bench_concurrency.py --datasets 20000 --compare /path/to/a/checkout/of/main

One run generates a mesh (``scripts/generate_mesh.py``), loads it once with ``lineagemesh ingest
openlineage`` into an embedded store, then for each server (this checkout, and with ``--compare``
another checkout with its own ``.venv``, e.g. a worktree of main) starts ``lineagemesh serve`` on
that store and measures, each phase ``--seconds`` long:

* /healthz latency p50/p99/max with the server idle, then while 1, 2, 4 and 8 clients
  (``--clients``) each run large GraphQL ``lineage`` (downstream, depth 20) and ``impact``
  queries from the mesh's hub datasets back to back. The probe is its own process (its latency is
  the server's, not this process's GIL), asking once every 20 ms;
* query throughput (queries/s) at each count, and its ratio to one client's: whether queries use
  more than one core (at most ``os.cpu_count()``).

Responses are read whole and checked (HTTP 200, no GraphQL errors); their size is counted, not
parsed. Numbers depend on the machine (``os.cpu_count()`` is printed) and on its load.
"""

from __future__ import annotations

import argparse
import multiprocessing
import multiprocessing.synchronize
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import generate_mesh  # noqa: E402
from devservers.lineagemesh import ingest_events  # noqa: E402

from graph.core.model import dataset_id  # noqa: E402

LINEAGE = "query($id: String!) { lineage(nodeId: $id, direction: DOWNSTREAM, depth: 20) { nodes { id } edges { source target } } }"
IMPACT = "query($id: String!) { impact(nodeId: $id) { affected { id severity distance } } }"
PROBE_EVERY_S = 0.02


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def probe(url: str, stop: multiprocessing.synchronize.Event, out: multiprocessing.Queue) -> None:
    """/healthz, once every PROBE_EVERY_S, until ``stop``: its latencies in seconds, into ``out``."""
    samples: list[float] = []
    with httpx.Client(timeout=60) as client:
        while not stop.is_set():
            began = time.perf_counter()
            response = client.get(f"{url}/healthz")
            samples.append(time.perf_counter() - began)
            if response.status_code != 200:
                raise RuntimeError(f"/healthz answered {response.status_code}")
            time.sleep(max(0.0, PROBE_EVERY_S - (time.perf_counter() - began)))
    out.put(samples)


class Server:
    """``lineagemesh serve`` of a checkout (its own .venv) on a data dir."""

    def __init__(self, checkout: Path, data_dir: Path, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        python = checkout / ".venv" / "bin" / "python"
        args = [
            "--log-level",
            "warning",
            "serve",
            "--port",
            str(self.port),
            "--data-dir",
            str(data_dir),
        ]
        args += [
            "--max-client-queries",
            "64",
            "--max-concurrent-queries",
            "16",
        ]  # the clients share one address
        with open(log, "ab") as out:
            self.process = subprocess.Popen(
                [str(python), "-m", "graph", *args],
                cwd=checkout,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped; see {log}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the server did not answer in 300 s; see {log}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()


def phase(url: str, clients: int, starts: list[str], seconds: float) -> dict[str, float]:
    """``clients`` clients querying for ``seconds`` while the probe runs: /healthz and throughput."""
    stop_probe = multiprocessing.Event()
    results: multiprocessing.Queue = multiprocessing.Queue()
    prober = multiprocessing.Process(target=probe, args=(url, stop_probe, results))
    prober.start()
    done = threading.Event()
    counts = [0] * clients
    nodes = [0] * clients
    failures: list[str] = []

    def client(index: int) -> None:
        with httpx.Client(timeout=600) as http:
            k = index
            while not done.is_set():
                query = LINEAGE if k % 2 == 0 else IMPACT
                start = starts[k % len(starts)]
                response = http.post(
                    f"{url}/graphql", json={"query": query, "variables": {"id": start}}
                )
                body = response.content
                if response.status_code != 200 or b'"errors"' in body:
                    failures.append(f"{response.status_code} {body[:300]!r}")
                    return
                counts[index] += 1
                nodes[index] += body.count(b'"id"')
                k += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    done.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    stop_probe.set()
    samples = results.get(timeout=120)
    prober.join()
    if failures:
        raise RuntimeError(f"a query failed: {failures[0]}")
    ms = [s * 1000 for s in samples]
    return {
        "clients": clients,
        "healthz_p50_ms": statistics.median(ms),
        "healthz_p99_ms": percentile(ms, 0.99),
        "healthz_max_ms": max(ms),
        "probes": len(ms),
        "queries_per_s": sum(counts) / elapsed,
        "nodes_per_query": sum(nodes) / max(1, sum(counts)),
    }


def measure(
    name: str,
    checkout: Path,
    data_dir: Path,
    tmp: Path,
    args: argparse.Namespace,
    starts: list[str],
) -> None:
    server = Server(checkout, data_dir, tmp / f"{name}.log")
    try:
        for start in starts:  # warm: the first answers judge the store's job currency
            for query in (LINEAGE, IMPACT):
                httpx.post(
                    f"{server.url}/graphql",
                    json={"query": query, "variables": {"id": start}},
                    timeout=600,
                )
        one_client = 0.0
        for clients in (0, *args.clients):
            row = phase(server.url, clients, starts, args.seconds)
            if clients == 1:
                one_client = row["queries_per_s"]
            scaling = (
                f"  x{row['queries_per_s'] / one_client:4.2f} of 1 client"
                if clients > 1 and one_client
                else ""
            )
            print(
                f"{name:>10}  clients {clients:>2}  /healthz p50 {row['healthz_p50_ms']:6.1f} ms  "
                f"p99 {row['healthz_p99_ms']:7.1f} ms  max {row['healthz_max_ms']:7.1f} ms  "
                f"({row['probes']} probes)  queries {row['queries_per_s']:6.2f}/s{scaling}  "
                f"~{row['nodes_per_query']:,.0f} ids/answer  load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--clients",
        type=lambda text: [int(part) for part in text.split(",")],
        default=[1, 2, 4, 8],
        help="client counts to measure, comma-separated (after the idle phase)",
    )
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--starts", type=int, default=4, help="hub datasets the queries start from")
    parser.add_argument(
        "--work", type=Path, help="keep the mesh and its store here, and use them if there"
    )
    parser.add_argument(
        "--compare", type=Path, help="another checkout (with .venv) to measure too, e.g. main"
    )
    args = parser.parse_args()
    print(f"cpus {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="lineagemesh-concurrency-") as where:
        tmp = args.work or Path(where)
        data_dir = tmp / f"store-{args.datasets}-{args.seed}"
        if not data_dir.exists():
            tmp.mkdir(parents=True, exist_ok=True)
            mesh = tmp / "mesh.ndjson"
            generate_mesh.write_mesh(str(mesh), args.datasets, args.seed)
            ingest_events(mesh, data_dir)
            mesh.unlink()
        shape = generate_mesh.mesh_shape(args.datasets, seed=args.seed)
        starts = [
            dataset_id(ns, name) for ns, name in zip(shape.hub_namespaces, shape.hubs, strict=True)
        ]
        starts = starts[: args.starts]
        print(f"mesh: {args.datasets:,} datasets; queries start at {len(starts)} hubs", flush=True)
        checkouts = [("this", ROOT)] + (
            [("compare", args.compare.resolve())] if args.compare else []
        )
        for name, checkout in checkouts:
            measure(name, checkout, data_dir, tmp, args, starts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
