#!/usr/bin/env python3
"""lineagemesh scale benchmark: ingest throughput, lineage/impact latency, memory, and a SQL baseline.

Usage::

    python scripts/bench.py --datasets 10000 --store both --json bench-10k.json
    python scripts/bench.py --datasets 200 --store embedded --json out.json --quick
    python scripts/bench.py --datasets 2000 --store neo4j --neo4j-uri bolt://127.0.0.1:7687 --json out.json

One run, on a deterministic synthetic mesh (``scripts/generate_mesh.py``, same ``--datasets`` and
``--seed`` give the same events), measures for each store:

* ingest throughput in events/s: the direct path (``lineagemesh ingest openlineage``'s
  ``ingest.bulk_load``, files read, parsed and translated in worker processes beside the apply;
  wall-clock, with translate CPU and apply time apart) and over HTTP (a real ``lineagemesh serve``
  process, ``POST /api/v1/lineage/batch`` with ``--batch-events`` per request from
  ``--http-clients`` concurrent clients);
* lineage (downstream) and impact latency p50/p95/p99 from start datasets with a small, medium
  and ~10k-node downstream radius, at depth 5, 20 and unbounded: inside the store
  (``graph.lineage.dataset_lineage`` / ``graph.impact.impact`` over a ``GraphView`` reading
  summaries, as the API calls them) and end to end (GraphQL over HTTP, full result received and parsed);
* for the embedded store, resident memory per node and edge (RSS delta of the load / counts,
  in this process and in the server process);
* the same queries, from the same start nodes, on the recursive-SQL baseline
  (``scripts/sql_baseline.py``: Marquez's relational shape in SQLite), so every latency has a ratio.

It prints a table and writes everything as JSON. Neo4j 5.26 is started (and stopped) through
``scripts/devservers`` on a free port unless ``--neo4j-uri`` names a running server, which is then
WIPED. Servers bind free 127.0.0.1 ports; temporary directories are removed at the end.

Wall-clock figures depend on the machine: the JSON records it. ``docs/benchmarks.md`` has the
figures, the exact commands and the analysis.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = REPO / "scripts"
for _path in (str(REPO), str(SCRIPTS)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

import generate_mesh  # noqa: E402
from bench_options import cell_options, numbers  # noqa: E402
from devservers.neo4j import wipe as wipe_neo4j  # noqa: E402
from sql_baseline import Baseline  # noqa: E402

from graph.event_log_migration import open_event_log  # noqa: E402
from graph.heap import REMOTE, settle_heap, tune_gc  # noqa: E402
from graph.impact import impact as impact_query  # noqa: E402
from graph.ingest_service import IngestService  # noqa: E402
from graph.lineage import dataset_lineage  # noqa: E402
from graph.model import Direction, EdgeKind, NodeKind, dataset_id  # noqa: E402
from graph.stores import Store, open_store  # noqa: E402
from graph.view import GraphView  # noqa: E402
from ingest.bulk_load import LoadReport, load_events  # noqa: E402

# The Neo4j driver and the HTTP client are imported where used: a worker of the direct ingest
# (ingest.bulk_load, spawned) imports this module again as it starts, and paid ~0.3 s for them,
# which `lineagemesh ingest` does not (a tenth of a 10k load).
if TYPE_CHECKING:
    from devservers.lineagemesh import LineagemeshServer

HOST = "127.0.0.1"
DEPTHS: tuple[int | None, ...] = (5, 20, None)  # None: unbounded
SIZE_TARGETS = {"small": 30, "medium": 1_000, "large": 10_000}  # downstream nodes (datasets + jobs)
GRAPHQL_UNBOUNDED_DEPTH = 1_000_000  # `lineage` has no "unbounded": a depth no mesh reaches
QUERIES = ("lineage", "impact")

LINEAGE_GQL = """query Lineage($id: String!, $depth: Int) {
  lineage(nodeId: $id, direction: DOWNSTREAM, depth: $depth) {
    nodes { id kind namespace name }
    edges { source target kind }
    truncated
  }
}"""
IMPACT_GQL = """query Impact($id: String!, $depth: Int) {
  impact(nodeId: $id, depth: $depth) {
    affected { id kind distance via severity certain }
    owners { id name }
    truncated
    breaking
  }
}"""
# The same with every affected node's whole path (O(nodes x depth): ~3x the answer), measured on
# the medium and large radius too, beside the tree of ``via`` the blast-radius check asks for.
IMPACT_PATHS_GQL = IMPACT_GQL.replace("distance via", "distance path")
# Lineage with what a frontend draws each node with (neighbour counts, domain, owners, run state).
LINEAGE_FACTS_GQL = LINEAGE_GQL.replace(
    "kind namespace name }",
    "kind namespace name upstreamCount downstreamCount domain owners { id } latestRunState }",
)
EXTRA_QUERIES = {"impact_paths": IMPACT_PATHS_GQL, "lineage_facts": LINEAGE_FACTS_GQL}

# The project's targets (issue "scale"): minimums, on a 2-core machine.
TARGETS = {
    "embedded_direct_events_per_s": 20_000,
    "embedded_http_events_per_s": 3_000,
    "neo4j_batched_events_per_s": 5_000,
    "embedded_large_e2e_p95_ms": 50,
    "neo4j_large_e2e_p95_ms": 300,
    "speedup_vs_sql": 10,
    "embedded_1m_mesh_gib": 12,
    "check_hub_embedded_s": 2.0,  # `lineagemesh check` of a hub, from process start, embedded store
    "check_hub_server_s": 1.0,  # the same with --server
}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- small utilities ------------------------------------------------------------------------------


def percentile(samples: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); q in [0, 100]."""
    ordered = sorted(samples)
    if not ordered:
        return math.nan
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(samples_s: list[float]) -> dict[str, Any]:
    ms = [s * 1000 for s in samples_s]
    return {
        "samples": len(ms),
        "p50_ms": round(percentile(ms, 50), 3),
        "p95_ms": round(percentile(ms, 95), 3),
        "p99_ms": round(percentile(ms, 99), 3),
        "mean_ms": round(sum(ms) / len(ms), 3) if ms else math.nan,
        "max_ms": round(max(ms), 3) if ms else math.nan,
    }


def significant(value: float, digits: int = 3) -> float:
    """``value`` rounded to ``digits`` significant digits (ratios span 0.0001x to 1000x)."""
    return float(f"{value:.{digits}g}")


def rss_bytes(pid: int | str = "self") -> int:
    """Resident set size of a process (Linux /proc)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/{pid}/status")


def machine() -> dict[str, Any]:
    cpu = platform.processor() or ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        mem = int(Path("/proc/meminfo").read_text().split("\n", 1)[0].split()[1]) * 1024
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem / 2**30, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _count_events(path: Path) -> int:
    with open(path, "rb") as handle:
        return sum(1 for line in handle if line.strip())


def read_batches(
    path: Path, batch_events: int, skip: int = 0, limit: int | None = None
) -> Iterator[list[bytes]]:
    """NDJSON lines in batches of ``batch_events``, after skipping ``skip`` events, at most ``limit``."""
    batch: list[bytes] = []
    taken = 0
    with open(path, "rb") as handle:
        for index, line in enumerate(handle):
            if index < skip or not line.strip():
                continue
            if limit is not None and taken >= limit:
                break
            batch.append(line)
            taken += 1
            if len(batch) >= batch_events:
                yield batch
                batch = []
    if batch:
        yield batch


# -- servers ----------------------------------------------------------------------------------


QUIET = ["--log-level", "warning"]  # the bench's servers log warnings only


WARMUP_EVENT = {
    "eventTime": "2026-01-01T00:00:00Z",
    "producer": "https://lineagemesh.example/scripts/bench",
    "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent",
    "job": {"namespace": "bench", "name": "warmup"},
    "inputs": [],
    "outputs": [],
}


def warm_up_server(url: str) -> None:
    """One tiny JobEvent through the batch endpoint: loads the validators before memory is measured."""
    import httpx

    response = httpx.post(
        f"{url}/api/v1/lineage/batch",
        content=orjson.dumps([WARMUP_EVENT]),
        timeout=120,
        headers={"content-type": "application/json"},
    )
    if response.status_code != 200 or response.json().get("accepted") != 1:
        raise RuntimeError(f"warm-up event refused: {response.status_code} {response.text[:300]}")


# -- start nodes ------------------------------------------------------------------------------


@dataclass
class Start:
    namespace: str
    name: str
    downstream_nodes: int  # datasets + jobs downstream, unbounded, the start included

    @property
    def id(self) -> str:
        return dataset_id(self.namespace, self.name)


def starts_of_mesh(mesh: Path, args: argparse.Namespace) -> dict[str, list[Start]]:
    """``pick_starts`` on the SQL baseline of the mesh file, as the cell options (``--starts``,
    ``--seed``, ``--sample``) and the mesh's ``--datasets`` ask."""
    with Baseline.load(mesh) as sql:
        shape = generate_mesh.mesh_shape(args.datasets, args.seed)
        return pick_starts(sql, shape, args.starts, args.seed, args.sample)


def pick_starts(
    sql: Baseline, shape: generate_mesh.MeshShape, per_class: int, seed: int, sample: int
) -> dict[str, list[Start]]:
    """Start datasets per radius class, by their unbounded downstream size (hubs give big radii)."""
    names, readers, writes = sql.downstream_adjacency()
    by_name = {v: k for k, v in names.items()}
    rng = random.Random(f"lineagemesh/bench/{seed}")
    candidates = {by_name[(ns, nm)] for ns, nm in zip(shape.hub_namespaces, shape.hubs)}
    candidates |= set(rng.sample(sorted(names), min(sample, len(names))))

    def radius(start: int) -> int:
        seen, jobs, frontier = {start}, set(), [start]
        while frontier:
            nxt = []
            for dataset in frontier:
                for job in readers.get(dataset, ()):
                    if job in jobs:
                        continue
                    jobs.add(job)
                    for out in writes.get(job, ()):
                        if out not in seen:
                            seen.add(out)
                            nxt.append(out)
            frontier = nxt
        return len(seen) + len(jobs)

    sized = sorted((radius(c), names[c]) for c in candidates)
    chosen: dict[str, list[Start]] = {}
    used: set[tuple[str, str]] = set()
    for size_class in ("large", "medium", "small"):
        target = SIZE_TARGETS[size_class]
        pool = [
            (abs(math.log(max(n, 1) / target)), n, key)
            for n, key in sized
            if key not in used and n >= 5
        ]
        pool.sort()
        picked = [Start(key[0], key[1], n) for _, n, key in pool[:per_class]]
        used |= {(s.namespace, s.name) for s in picked}
        chosen[size_class] = sorted(picked, key=lambda s: s.downstream_nodes)
    return {k: chosen[k] for k in ("small", "medium", "large")}


# -- timing loops -----------------------------------------------------------------------------


@dataclass
class CellConfig:
    max_reps: int = 50
    min_reps: int = 3
    seconds: float = 3.0


def time_cell(
    run: Callable[[Start], int], starts: list[Start], config: CellConfig, warm_up: bool = True
) -> tuple[dict[str, Any], list[int]]:
    """Run one cell: a warm-up, then rounds over the start nodes until max_reps or the time budget
    (never fewer than min_reps, and each start at least once). Returns the summary and result sizes."""
    if warm_up:
        run(starts[0])  # caches, Neo4j's query plans and JIT, connection pools
    samples: list[float] = []
    sizes: list[int] = []
    began = time.perf_counter()
    i = 0
    while len(samples) < config.max_reps:
        enough = len(samples) >= max(config.min_reps, len(starts))
        if enough and time.perf_counter() - began > config.seconds:
            break
        start = starts[i % len(starts)]
        t0 = time.perf_counter()
        size = run(start)
        samples.append(time.perf_counter() - t0)
        sizes.append(size)
        i += 1
    return summary(samples), sizes


# -- ingest -----------------------------------------------------------------------------------


@dataclass
class DirectIngest:
    """``lineagemesh ingest openlineage`` as it runs (ingest.bulk_load): wall-clock throughput, with
    what translating (parse, validate, translate: CPU, in the workers) and applying took apart."""

    report: LoadReport

    @property
    def events(self) -> int:
        return self.report.events

    @property
    def changes(self) -> int:
        return self.report.changes

    def as_dict(self) -> dict[str, Any]:
        r = self.report
        return {
            "events": r.events,
            "changes": r.changes,
            "workers": r.workers,
            "seconds": round(r.seconds, 3),
            "events_per_s": round(r.events / r.seconds, 1) if r.seconds else None,
            "translate_cpu_s": round(r.translate_cpu_seconds, 3),
            "translate_events_per_s": round(r.events / r.translate_cpu_seconds, 1)
            if r.translate_cpu_seconds
            else None,
            "apply_s": round(r.apply_seconds, 3),
            "apply_events_per_s": round(r.events / r.apply_seconds, 1) if r.apply_seconds else None,
        }


def ingest_direct(
    store: Store, ndjson: Path, skip: int = 0, limit: int | None = None, workers: int | None = None
) -> DirectIngest:
    """The events of ``ndjson`` (after ``skip``, at most ``limit``) loaded as ``lineagemesh ingest``
    loads them: read and translated in worker processes beside this one's apply, in chunks of
    ``ingest.bulk_load.CHUNK_EVENTS``, the heap settled after each."""
    source = ndjson
    if skip or limit is not None:
        source = ndjson.with_name(f"{ndjson.stem}-{skip}-{limit}.ndjson")
        with open(source, "wb") as out:
            for batch in read_batches(ndjson, 1000, skip, limit):
                out.writelines(batch)
    if os.environ.get(
        "LINEAGEMESH_BENCH_NO_EVENT_LOG"
    ):  # the same load without the raw event log, to measure its cost
        return DirectIngest(load_events(IngestService(store), [source], workers=workers))
    with contextlib.ExitStack() as scratch:
        directory = (
            Path(
                scratch.enter_context(
                    tempfile.TemporaryDirectory(prefix="lineagemesh-bench-events-")
                )
            )
            if store.remote
            else None
        )
        with open_event_log(store, directory) as log:
            return DirectIngest(load_events(IngestService(store, log), [source], workers=workers))


def ingest_http(
    url: str, ndjson: Path, batch_events: int, clients: int, skip: int = 0, limit: int | None = None
) -> dict[str, Any]:
    """POST /api/v1/lineage/batch from ``clients`` threads, each sending the next batch of the file."""
    import httpx

    # Bodies are cut from the file as clients ask for them (a join of raw lines: microseconds),
    # so a 100k-dataset run does not hold every request in memory.
    batches = read_batches(ndjson, batch_events, skip, limit)
    feed = threading.Lock()
    events = 0

    def next_body() -> bytes | None:
        nonlocal events
        with feed:
            lines = next(batches, None)
            if lines is None:
                return None
            events += len(lines)
            return b"[" + b",".join(line.rstrip(b"\n") for line in lines) + b"]"

    accepted = rejected = requests = 0
    errors: list[str] = []
    lock = threading.Lock()

    def client() -> None:
        nonlocal accepted, rejected, requests
        with httpx.Client(
            base_url=url, timeout=600, headers={"content-type": "application/json"}
        ) as http:
            while (body := next_body()) is not None:
                try:
                    for _ in range(
                        20
                    ):  # 503: the store is busy or unreachable; the contract says retry
                        response = http.post("/api/v1/lineage/batch", content=body)
                        if response.status_code != 503:
                            break
                        time.sleep(0.5)
                except httpx.HTTPError as e:
                    with lock:
                        errors.append(f"{type(e).__name__}: {e}")
                    return
                with lock:
                    requests += 1
                    if response.status_code != 200:
                        errors.append(f"{response.status_code}: {response.text[:200]}")
                        continue
                    answer = response.json()
                    accepted += answer["accepted"]
                    rejected += answer["rejected"]

    threads = [threading.Thread(target=client, name=f"bench-client-{i}") for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"HTTP ingest failed ({len(errors)} requests): {errors[0]}")
    return {
        "events": events,
        "accepted": accepted,
        "rejected": rejected,
        "requests": requests,
        "batch_events": batch_events,
        "clients": clients,
        "seconds": round(elapsed, 3),
        "events_per_s": round(accepted / elapsed, 1) if elapsed else None,
    }


# -- steady state -----------------------------------------------------------------------------


def elements_written(url: str) -> float:
    """The server's ``lineagemesh_ingest_elements_written_total``: nodes and edges its ingest changed."""
    import httpx

    for line in httpx.get(f"{url}/metrics", timeout=120).text.splitlines():
        if line.startswith("lineagemesh_ingest_elements_written_total "):
            return float(line.split()[1])
    raise RuntimeError("the server reports no lineagemesh_ingest_elements_written_total")


def steady_cell(
    args: argparse.Namespace, tmp: Path, reruns: int, change_rate: float, stores: dict[str, str]
) -> dict[str, Any]:
    """One steady-state cell: the mesh loaded once (its first round), then its re-runs (rounds 2..K),
    the first half through the direct path and the second half over HTTP, into each store.
    Elements written are what the store changed (``Store.apply``'s count, the server's
    ``lineagemesh_ingest_elements_written_total``): the same counter on every store."""
    from devservers.lineagemesh import LineagemeshServer

    mesh = tmp / f"steady-{reruns}-{change_rate}.ndjson"
    generate_mesh.write_mesh(
        str(mesh), args.datasets, args.seed, reruns=reruns, change_rate=change_rate
    )
    base = generate_mesh.mesh_shape(args.datasets, args.seed).events
    total = _count_events(mesh)
    half = (total - base) // 2
    cell: dict[str, Any] = {
        "reruns": reruns,
        "change_rate": change_rate,
        "events": total,
        "first_round_events": base,
        "rerun_events": total - base,
    }
    for name, uri in stores.items():
        log(
            f"steady K={reruns} P={change_rate} on {name}: loading the first round ({base:,} events)"
        )
        if name == "neo4j":
            tune_gc(REMOTE)
            wipe_neo4j(uri)
            store = open_store(uri)
            serve_args = [
                "--store",
                uri,
                "--event-log",
                str(tmp / f"steady-{reruns}-{change_rate}-events"),
            ]
        else:
            data_dir = tmp / f"steady-{reruns}-{change_rate}-embedded"
            store = open_store(data_dir=str(data_dir))
            serve_args = ["--data-dir", str(data_dir)]
        # A store writing to a server also counts what it wrote there (Neo4j: a re-run's unchanged
        # columns move their dataset's column clock, one write, where the rule changes each of them).
        rewritten: list[int] = []
        try:
            first = ingest_direct(store, mesh, limit=base, workers=args.ingest_workers)
            rewritten.append(getattr(store, "elements_written", 0))
            log(f"steady {name}: re-runs, direct ({half:,} events)")
            direct = ingest_direct(store, mesh, skip=base, limit=half, workers=args.ingest_workers)
            rewritten.append(getattr(store, "elements_written", 0) - rewritten[0])
        finally:
            store.close()
        server = LineagemeshServer(serve_args, tmp / f"steady-{name}-server.log", global_args=QUIET)
        try:
            server.start(timeout=300)
            before = elements_written(server.url)
            log(f"steady {name}: re-runs, HTTP ({total - base - half:,} events)")
            http = ingest_http(
                server.url, mesh, args.batch_events, args.http_clients, skip=base + half
            )
            http["elements_written"] = int(elements_written(server.url) - before)
            http["elements_written_per_event"] = round(
                http["elements_written"] / max(http["accepted"], 1), 2
            )
        finally:
            server.stop()
        row = {
            "first_round": {
                **first.as_dict(),
                "elements_written_per_event": round(first.changes / max(first.events, 1), 2),
            },
            "direct": {
                **direct.as_dict(),
                "elements_written_per_event": round(direct.changes / max(direct.events, 1), 2),
            },
            "http": http,
        }
        if hasattr(store, "elements_written"):
            row["first_round"]["elements_stored_per_event"] = round(
                rewritten[0] / max(first.events, 1), 2
            )
            row["direct"]["elements_stored_per_event"] = round(
                rewritten[1] / max(direct.events, 1), 2
            )
            log(
                f"steady {name}: nodes and edges written to the server per event: first round "
                f"{row['first_round']['elements_stored_per_event']}, re-runs {row['direct']['elements_stored_per_event']}"
            )
        cell[name] = row
        log(
            f"steady {name}: direct {row['direct']['events_per_s']} events/s, {row['direct']['elements_written_per_event']} "
            f"elements/event; HTTP {http['events_per_s']} events/s, {http['elements_written_per_event']} elements/event "
            f"(first round: {row['first_round']['elements_written_per_event']} elements/event)"
        )
    return cell


def steady_cells(text: str) -> tuple[int, float]:
    """``K,P`` of ``--steady``."""
    reruns, _, rate = text.partition(",")
    try:
        cell = int(reruns), float(rate or 0)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected K,P (runs per job, share of changed re-runs)"
        ) from None
    if cell[0] < 2 or not 0 <= cell[1] <= 1:
        raise argparse.ArgumentTypeError(f"{text!r}: K must be >= 2 and P between 0 and 1")
    return cell


# -- queries ----------------------------------------------------------------------------------


def _depth_arg(depth: int | None) -> int:
    return GRAPHQL_UNBOUNDED_DEPTH if depth is None else depth


def in_store_runner(store: Store, query: str, depth: int | None) -> Callable[[Start], int]:
    """As the GraphQL resolvers call the walks, and the answer read as Python values, as the SQL
    baseline reads its rows: lineage's nodes (id, kind, namespace, name) and edges (source,
    target, kind); impact's affected (id, kind, distance, severity, certain) and owners."""
    if query == "lineage":

        def run(start: Start) -> int:
            answer = dataset_lineage(
                GraphView(store, summaries=True), start.id, Direction.DOWNSTREAM, _depth_arg(depth)
            ).answer
            nodes = [answer.node_column(field) for field in ("id", "kind", "namespace", "name")]
            [answer.edge_column(field) for field in ("source", "target", "kind")]
            return len(nodes[0])
    else:

        def run(start: Start) -> int:
            report = impact_query(GraphView(store, summaries=True), start.id, depth=depth)
            affected = [
                report.answer.affected_column(field)
                for field in ("id", "kind", "distance", "severity", "certain")
            ]
            return len(affected[0]) + len(report.owners) * 0 + 1

    return run


def graphql_runner(http: Any, query: str, depth: int | None) -> Callable[[Start], int]:
    text = LINEAGE_GQL if query == "lineage" else EXTRA_QUERIES.get(query, IMPACT_GQL)
    field = "lineage" if query.startswith("lineage") else "impact"

    def run(start: Start) -> int:
        variables = {"id": start.id, "depth": _depth_arg(depth) if field == "lineage" else depth}
        response = http.post(
            "/graphql", content=orjson.dumps({"query": text, "variables": variables})
        )
        body = orjson.loads(response.content)
        if response.status_code != 200 or body.get("errors"):
            raise RuntimeError(f"GraphQL error: {response.status_code} {str(body)[:300]}")
        data = body["data"][field]
        return len(data["nodes"]) if field == "lineage" else len(data["affected"]) + 1

    return run


def baseline_runner(sql: Baseline, query: str, depth: int | None) -> Callable[[Start], int]:
    walk = sql.lineage if query == "lineage" else sql.impact

    def run(start: Start) -> int:
        result = walk(start.namespace, start.name, depth)
        return result.node_count + (
            1 if query == "impact" else 0
        )  # ours counts the changed node too

    return run


def run_cells(
    make: Callable[[str, int | None], Callable[[Start], int]],
    starts: dict[str, list[Start]],
    config: CellConfig,
    label: str,
    queries: Sequence[str] = QUERIES,
) -> list[dict[str, Any]]:
    cells = []
    for query in queries:
        for size_class, chosen in starts.items():
            if not chosen:
                continue
            for depth in DEPTHS:
                # Warm up per query kind and start set; the other depths reuse its caches and plans.
                stats, sizes = time_cell(
                    make(query, depth), chosen, config, warm_up=depth == DEPTHS[0]
                )
                cell = {
                    "query": query,
                    "size": size_class,
                    "depth": depth,
                    **stats,
                    "result_nodes_mean": round(sum(sizes) / len(sizes), 1),
                    "result_nodes_max": max(sizes),
                }
                cells.append(cell)
                log(
                    f"  {label:10} {query:7} {size_class:6} depth={'∞' if depth is None else depth:<3} "
                    f"p50={stats['p50_ms']:9.2f} ms p95={stats['p95_ms']:9.2f} ms n={stats['samples']:3} nodes≈{cell['result_nodes_mean']:.0f}"
                )
    return cells


def cell_key(cell: dict[str, Any]) -> tuple[str, str, int | None]:
    return (cell["query"], cell["size"], cell["depth"])


# -- one store --------------------------------------------------------------------------------


@dataclass
class Context:
    args: argparse.Namespace
    tmp: Path
    ndjson: Path
    events: int
    starts: dict[str, list[Start]]
    cell: CellConfig
    baseline_cells: dict[tuple[str, str, int | None], dict[str, Any]] = field(default_factory=dict)


def bench_embedded(ctx: Context) -> dict[str, Any]:
    args = ctx.args
    result: dict[str, Any] = {"store": "embedded"}
    # Warm up first (imports, schema validators, caches), so the RSS delta is the graph's.
    warm = open_store(data_dir=str(ctx.tmp / "embedded-warmup"))
    ingest_direct(warm, ctx.ndjson, limit=args.batch_events, workers=0)
    warm.close()
    del warm
    gc.collect()
    rss_before = rss_bytes()
    log("embedded: direct ingest (as `lineagemesh ingest openlineage`)")
    store: Store | None
    store = open_store(data_dir=str(ctx.tmp / "embedded-direct"))
    try:
        direct = ingest_direct(store, ctx.ndjson, workers=args.ingest_workers)
        gc.collect()
        rss_after = rss_bytes()
        counts = store.counts()
        result["graph"] = counts
        nodes = sum(counts.get(kind.value, 0) for kind in NodeKind)
        edges = sum(counts.get(kind.value, 0) for kind in EdgeKind)
        result["ingest"] = {"direct": direct.as_dict()}
        log(
            f"embedded: direct {result['ingest']['direct']['events_per_s']} events/s "
            f"(translate {result['ingest']['direct']['translate_events_per_s']}, apply {result['ingest']['direct']['apply_events_per_s']})"
        )
        store.close()  # writes its snapshot
        store = None  # free the loaded graph before the restart loads it again
        hub = max(ctx.starts["large"], key=lambda st: st.downstream_nodes).id
        result["check"] = {
            "hub": hub,
            "embedded": check_cell(
                ["--data-dir", str(ctx.tmp / "embedded-direct")], hub, ctx.cell.min_reps
            ),
        }
        log(
            f"embedded: check of a hub from process start, p50 {result['check']['embedded']['p50_ms']} ms"
        )
        restarted = restarted_rss(ctx.tmp / "embedded-direct", ctx.tmp / "embedded-empty")
        store, result["disk"] = restart_embedded(ctx.tmp / "embedded-direct", direct.events)
        settle_heap()  # the loaded graph out of the in-process reads' collections (`lineagemesh ingest` settles too)
        disk = result["disk"]
        log(
            f"embedded: journal {disk['journal_bytes'] / 2**20:.1f} MiB, snapshot {disk['snapshot_bytes'] / 2**20:.1f} MiB "
            f"(written in {disk['snapshot_write_s']} s); restart {disk['restart_s']} s from the snapshot, "
            f"{disk['replay_restart_s']} s replaying the whole journal"
        )

        from devservers.lineagemesh import LineagemeshServer

        server = LineagemeshServer(
            ["--data-dir", str(ctx.tmp / "embedded-http")],
            ctx.tmp / "embedded-server.log",
            global_args=QUIET,
        )
        try:
            server.start(timeout=120)
            warm_up_server(server.url)
            server_rss_before = rss_bytes(server.pid)
            log("embedded: HTTP ingest")
            result["ingest"]["http"] = ingest_http(
                server.url, ctx.ndjson, args.batch_events, args.http_clients
            )
            log(f"embedded: HTTP {result['ingest']['http']['events_per_s']} events/s")
            server_rss_after = rss_bytes(server.pid)
            delta = rss_after - rss_before
            result["memory"] = {
                "nodes": nodes,
                "edges": edges,
                "rss_delta_bytes": delta,
                "bytes_per_element": round(delta / (nodes + edges), 1),
                "bytes_per_dataset": round(delta / args.datasets, 1),
                "server_rss_delta_bytes": server_rss_after - server_rss_before,
                "server_bytes_per_element": round(
                    (server_rss_after - server_rss_before) / (nodes + edges), 1
                ),
                "extrapolated_1m_datasets_gib": round(delta / args.datasets * 1_000_000 / 2**30, 2),
                "restarted_rss_delta_bytes": restarted,
                "restarted_bytes_per_element": round(restarted / (nodes + edges), 1),
                "restarted_extrapolated_1m_datasets_gib": round(
                    restarted / args.datasets * 1_000_000 / 2**30, 2
                ),
            }
            result["check"]["server"] = check_cell(
                ["--server", server.url], result["check"]["hub"], ctx.cell.min_reps
            )
            log(
                f"embedded: check of a hub with --server, p50 {result['check']['server']['p50_ms']} ms"
            )
            result["queries"] = query_cells(ctx, store, server, "embedded")
        finally:
            server.stop()
    finally:
        if store is not None:
            store.close()
    return result


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


def bench_served(
    ctx: Context, data_dir: Path | None, neo4j_uri: str | None = None
) -> dict[str, Any]:
    """End to end only, through ``lineagemesh serve`` on an embedded data dir (or a Neo4j
    database: ``neo4j_uri``, not wiped) already loaded with the mesh: for meshes whose graph this
    process could not hold a second copy of beside the server's (1M datasets), or could not load
    through Cypher in reasonable time. Also what serving it costs: start-up and RSS (of
    lineagemesh; Neo4j's own is not counted)."""
    import httpx
    from devservers.lineagemesh import LineagemeshServer

    if neo4j_uri is not None:
        where, name = neo4j_uri, "neo4j (served)"
        store_args = ["--store", neo4j_uri, "--event-log", str(ctx.tmp / "served-event-log")]
    else:
        assert data_dir is not None
        data_dir = data_dir.resolve()  # the server runs in a directory of its own
        where, name, store_args = str(data_dir), "embedded (served)", ["--data-dir", str(data_dir)]
    server = LineagemeshServer(store_args, ctx.tmp / "served-server.log", global_args=QUIET)
    log(f"{name}: starting lineagemesh serve on {where}")
    began = time.perf_counter()
    try:
        server.start(timeout=3600)
        start_s = time.perf_counter() - began
        stats = httpx.post(
            f"{server.url}/graphql", json={"query": "{ stats { kind count } }"}, timeout=600
        ).json()
        counts = {row["kind"]: row["count"] for row in stats["data"]["stats"]}
        nodes = sum(counts.get(kind.value, 0) for kind in NodeKind)
        edges = sum(counts.get(kind.value, 0) for kind in EdgeKind)
        if nodes + edges == 0:
            raise SystemExit(
                f"{where} holds no graph: load the mesh into it first (lineagemesh ingest openlineage)"
            )
        server_rss = rss_bytes(server.pid)
        log(
            f"{name}: up in {start_s:.1f} s, {nodes:,} nodes + {edges:,} edges, RSS {server_rss / 2**30:.2f} GiB"
        )
        result: dict[str, Any] = {
            "store": name,
            "graph": counts,
            "served": {
                "data_dir": where,
                "start_s": round(start_s, 1),
                "nodes": nodes,
                "edges": edges,
                "server_rss_bytes": server_rss,
                "server_rss_gib": round(server_rss / 2**30, 2),
                "server_bytes_per_element": round(server_rss / (nodes + edges), 1),
            },
        }
        result["queries"] = query_cells(ctx, None, server, "served")
    finally:
        server.stop()
    return result


_RESTARTED_RSS = """
import gc, sys
from graph.heap import settle_heap, tune_gc
from graph.stores import open_store
def rss():
    return next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith("VmRSS:"))
tune_gc()
open_store(data_dir=sys.argv[2]).close()  # imports and first-use caches, before measuring
gc.collect()
before = rss()
store = open_store(data_dir=sys.argv[1])
settle_heap()
print(rss() - before)
"""


def restarted_rss(data_dir: Path, empty_dir: Path) -> int:
    """What a restarted server holds: the RSS a fresh process adds by loading the snapshot (and
    replaying the journal's tail, empty here). Both share equal values (``graph.stores.interning``),
    which live writes do not, and in this process they would reuse the memory the live graph just freed."""
    done = subprocess.run(
        [sys.executable, "-c", _RESTARTED_RSS, str(data_dir), str(empty_dir)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    return int(done.stdout.strip().splitlines()[-1])


def restart_embedded(data_dir: Path, events: int) -> tuple[Store, dict[str, Any]]:
    """Open a loaded (and closed, so snapshotted) embedded store again, twice: once replaying the
    whole journal (its snapshot set aside; closing that store writes the snapshot again, timed),
    then as a restart does, loading the snapshot. The journal's and snapshot's sizes on disk, and
    the three times. Returns the store reopened from its snapshot."""
    gc.collect()
    journal = sum(
        f.stat().st_size for f in data_dir.iterdir() if f.name.startswith("journal.sqlite")
    )
    snapshot_path = data_dir / "snapshot.bin"
    snapshot_path.unlink()
    started = time.perf_counter()
    replaying = open_store(data_dir=str(data_dir))
    replay = time.perf_counter() - started
    started = time.perf_counter()
    replaying.close()
    write = time.perf_counter() - started
    del replaying
    gc.collect()
    started = time.perf_counter()
    reopened = open_store(data_dir=str(data_dir))
    restart = time.perf_counter() - started
    return reopened, {
        "journal_bytes": journal,
        "journal_bytes_per_event": round(journal / max(events, 1), 1),
        "snapshot_bytes": snapshot_path.stat().st_size,
        "snapshot_write_s": significant(write),
        "restart_s": significant(restart),
        "restart_events_per_s": round(events / restart),
        "replay_restart_s": significant(replay),
        "replay_events_per_s": round(events / replay),
        "restart_speedup": round(replay / restart, 1),
    }


def bench_neo4j(ctx: Context, uri: str) -> dict[str, Any]:
    args = ctx.args
    result: dict[str, Any] = {
        "store": "neo4j",
        "uri_kind": "external" if args.neo4j_uri else "started",
    }
    tune_gc(REMOTE)  # as `lineagemesh` does over a remote store (graph.heap)
    split = args.neo4j_ingest == "split"
    half = ctx.events // 2 if split else None
    log(f"neo4j: wiping {uri}")
    wipe_neo4j(uri)
    import neo4j_floor
    from devservers.lineagemesh import LineagemeshServer

    log("neo4j: the engine's own write floor (scripts/neo4j_floor.py)")
    floor = neo4j_floor.measure(uri, *((2, 100) if args.quick else (6, 10_000)))
    log(f"neo4j: floor {floor['elements_per_s']:,.0f} elements/s")
    store = open_store(uri)
    try:
        log(
            "neo4j: direct ingest (as `lineagemesh ingest openlineage`)"
            + (" of the first half" if split else "")
        )
        direct = ingest_direct(store, ctx.ndjson, limit=half, workers=args.ingest_workers)
        result["ingest"] = {
            "direct": direct.as_dict(),
            "mode": args.neo4j_ingest,
            "engine_floor": engine_ceiling(floor, direct),
        }
        log(
            f"neo4j: direct {result['ingest']['direct']['events_per_s']} events/s "
            f"(translate {result['ingest']['direct']['translate_events_per_s']}, apply {result['ingest']['direct']['apply_events_per_s']})"
        )
        if not split:
            wipe_neo4j(uri)
        server = LineagemeshServer(
            ["--store", uri, "--event-log", str(ctx.tmp / "neo4j-event-log")],
            ctx.tmp / "neo4j-server.log",
            global_args=QUIET,
        )  # a raw event log of its own: the default one is per machine
        try:
            server.start(timeout=120)
            log("neo4j: HTTP ingest" + (" of the second half" if split else ""))
            result["ingest"]["http"] = ingest_http(
                server.url, ctx.ndjson, args.batch_events, args.http_clients, skip=half or 0
            )
            log(f"neo4j: HTTP {result['ingest']['http']['events_per_s']} events/s")
            result["graph"] = store.counts()
            result["queries"] = query_cells(ctx, store, server, "neo4j")
            result["read_floor"] = read_floor_cells(ctx, uri, store, result["queries"])
        finally:
            server.stop()
    finally:
        store.close()
    return result


def engine_ceiling(floor: dict[str, Any], direct: DirectIngest) -> dict[str, Any]:
    """The floor in our terms: at the elements our ingest writes per event, the most events/s any
    Cypher ingest could reach on this Neo4j, and how much of that ours reaches."""
    per_event = direct.changes / direct.events if direct.events else 0.0
    ceiling = floor["elements_per_s"] / per_event if per_event else None
    rate = direct.as_dict()["events_per_s"]
    return {
        **floor,
        "elements_written_per_event": round(per_event, 2),
        "ceiling_events_per_s": round(ceiling, 1) if ceiling else None,
        "share_of_ceiling": round(rate / ceiling, 3) if ceiling and rate else None,
    }


def query_cells(
    ctx: Context, store: Store | None, server: LineagemeshServer, label: str
) -> list[dict[str, Any]]:
    """Each cell inside ``store`` (unless None: served only) and end to end through ``server``."""
    import httpx

    main, extras = _chosen(ctx.args)

    def timed(
        make: Callable[[str, int | None], Callable[[Start], int]],
        starts: dict[str, list[Start]],
        where: str,
        mode: str,
        queries: Sequence[str],
    ) -> dict[tuple[str, str, int | None], dict[str, Any]]:
        """The cells of ``queries`` from ``starts``, by key, each marked with how it was run."""
        return {
            cell_key(c): {**c, "mode": mode}
            for c in run_cells(make, starts, ctx.cell, f"{label}/{where}", queries)
        }

    cells: dict[tuple[str, str, int | None], dict[str, Any]] = {}
    if store is not None:
        log(f"{label}: queries inside the store")
        cells = timed(
            lambda q, d: in_store_runner(store, q, d), ctx.starts, "store", "in_store", main
        )
    log(f"{label}: queries end to end (GraphQL over HTTP)")
    with httpx.Client(
        base_url=server.url, timeout=600, headers={"content-type": "application/json"}
    ) as http:

        def over_http(q: str, d: int | None) -> Callable[[Start], int]:
            return graphql_runner(http, q, d)

        e2e = timed(over_http, ctx.starts, "http", "end_to_end", main)
        extra = {size: ctx.starts[size] for size in ("medium", "large") if ctx.starts.get(size)}
        e2e.update(timed(over_http, extra, "http", "end_to_end", extras))
    out = []
    for key in e2e:
        base = ctx.baseline_cells.get(
            key
            if key[0] in QUERIES
            else ("lineage" if key[0].startswith("lineage") else "impact", *key[1:])
        )
        for cell in (cells[key], e2e[key]) if key in cells else (e2e[key],):
            if base:
                cell["baseline_p50_ms"] = base["p50_ms"]
                cell["baseline_p95_ms"] = base["p95_ms"]
                cell["baseline_result_nodes_mean"] = base["result_nodes_mean"]
                cell["speedup_p50"] = (
                    significant(base["p50_ms"] / cell["p50_ms"]) if cell["p50_ms"] else None
                )
                cell["speedup_p95"] = (
                    significant(base["p95_ms"] / cell["p95_ms"]) if cell["p95_ms"] else None
                )
            out.append(cell)
    return out


def _chosen(args: argparse.Namespace) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The query cells ``--queries`` names (all when not given): of ``QUERIES``, of ``EXTRA_QUERIES``."""
    chosen = args.queries or (*QUERIES, *EXTRA_QUERIES)
    return tuple(q for q in QUERIES if q in chosen), tuple(q for q in EXTRA_QUERIES if q in chosen)


def floor_reader(
    driver: Any, query: str, depth: int | None, form: str
) -> Callable[[str], dict[str, list[Any]]]:
    """The reach of a start in one of ``neo4j_floor.FORMS``."""
    import neo4j_floor

    if form == "levels":
        return lambda start_id: neo4j_floor.read_levels(driver, query, start_id, depth)
    statement = neo4j_floor.reach_statement(query, depth, form)
    return lambda start_id: neo4j_floor.read_reach(driver, statement, start_id)


def floor_runner(
    driver: Any, query: str, depth: int | None, forms: list[str]
) -> Callable[[Start], int]:
    """Neo4j's own floor for the reach of a cell (``neo4j_floor``), in the fastest of its forms on
    the cell's first start (twice each; the form is appended to ``forms``)."""
    import neo4j_floor

    chosen: list[Callable[[str], dict[str, list[Any]]]] = []

    def run(start: Start) -> int:
        if not chosen:
            timed = []
            for form in neo4j_floor.FORMS:
                if depth is None and form == "filtered":
                    continue  # the same statement as bounded
                read = floor_reader(driver, query, depth, form)
                began = time.perf_counter()
                for _ in range(2):
                    read(start.id)
                timed.append((time.perf_counter() - began, form, read))
            _, form, read = min(timed, key=lambda t: t[0])
            forms.append(form)
            chosen.append(read)
        reach = chosen[0](start.id)
        return len(set(reach["datasets"])) + len(reach["jobs"]) + (1 if query == "impact" else 0)

    return run


def same_reach(
    store: Store, driver: Any, query: str, depth: int | None, form: str, start: Start
) -> bool:
    """Whether the floor's statement reaches what our answer holds: lineage's node ids and edges,
    impact's affected ids and owners."""
    reach = floor_reader(driver, query, depth, form)(start.id)
    if query == "lineage":
        answer = dataset_lineage(
            GraphView(store, summaries=True), start.id, Direction.DOWNSTREAM, _depth_arg(depth)
        )
        edges = {(e.source, e.target, e.kind.value) for e in answer.edges}
        return {n.id for n in answer.nodes} == {*reach["datasets"], *reach["jobs"]} and edges == {
            (d, j, "READS") for d, j in reach["reads"]
        } | {(j, o, "WRITES") for j, o in reach["writes"]}
    report = impact_query(GraphView(store, summaries=True), start.id, depth=depth)
    return (
        {a.node.id for a in report.affected} == {*reach["datasets"], *reach["jobs"]}
        and sorted(o.id for o in report.owners) == sorted(reach["owners"])
        and sorted(p.id for p in report.products) == sorted(reach["products"])
        and sorted(c.id for c in report.contracts) == sorted(reach["contracts"])
    )


def read_floor_cells(
    ctx: Context, uri: str, store: Store, ours: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each lineage/impact cell's reach asked of Neo4j as one bare statement, timed the same way,
    with whether it reaches what our answer holds; our cells get the floor and their ratio to it."""
    import neo4j

    log("neo4j: the engine's own read floor for each cell's reach (scripts/neo4j_floor.py)")
    # (notifications off, as the store has them: a mesh without products warns of EXPOSES on every query)
    with neo4j.GraphDatabase.driver(uri, auth=None, notifications_min_severity="OFF") as driver:
        forms: list[str] = []  # the form each cell chose, in the cells' order
        cells = run_cells(
            lambda q, d: floor_runner(driver, q, d, forms), ctx.starts, ctx.cell, "neo4j/floor"
        )
        for cell, form in zip(cells, forms, strict=True):
            cell["form"] = form
            cell["same_reach"] = all(
                same_reach(store, driver, cell["query"], cell["depth"], cell["form"], start)
                for start in ctx.starts[cell["size"]]
            )
    floors = {cell_key(c): c for c in cells}
    for cell in ours:
        floor = floors.get(cell_key(cell))
        if floor:
            cell["floor_p50_ms"], cell["floor_p95_ms"] = floor["p50_ms"], floor["p95_ms"]
            cell["over_floor_p50"] = (
                significant(cell["p50_ms"] / floor["p50_ms"]) if floor["p50_ms"] else None
            )
    return cells


# -- report -----------------------------------------------------------------------------------


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    stores = report["stores"]

    def add(
        name: str,
        required: float,
        measured: float | None,
        better: str,
        note: str,
        applies: bool = True,
    ) -> None:
        met = (
            None
            if measured is None or not applies
            else (measured >= required if better == "higher" else measured <= required)
        )
        found.append(
            {
                "target": name,
                "required": required,
                "measured": measured,
                "better": better,
                "met": met,
                "note": note,
            }
        )

    datasets = report["meta"]["datasets"]
    scale_note = f"measured on the {datasets:,}-dataset mesh"

    def add_ingest(store: str, names: tuple[str, str], targets: tuple[str, str]) -> None:
        """A store's ingest rates, direct and over HTTP, against their targets."""
        for path, name, target in zip(("direct", "http"), names, targets, strict=True):
            rate = stores[store]["ingest"][path]["events_per_s"]
            add(name, TARGETS[target], rate, "higher", scale_note)

    if "embedded" in stores and "served" in stores["embedded"]:
        add(
            f"embedded memory serving the {datasets:,}-dataset mesh (GiB, measured)",
            TARGETS["embedded_1m_mesh_gib"],
            stores["embedded"]["served"]["server_rss_gib"],
            "lower",
            "RSS of `lineagemesh serve` holding it; the target is for the 1M-dataset mesh",
            applies=datasets >= 1_000_000,
        )
    elif "embedded" in stores:
        emb = stores["embedded"]
        add_ingest(
            "embedded",
            ("embedded ingest, direct (events/s)", "embedded ingest, HTTP batched (events/s)"),
            ("embedded_direct_events_per_s", "embedded_http_events_per_s"),
        )
        add(
            "embedded 1M-dataset mesh memory (GiB, extrapolated)",
            TARGETS["embedded_1m_mesh_gib"],
            emb["memory"]["extrapolated_1m_datasets_gib"],
            "lower",
            f"RSS delta per dataset on the {datasets:,}-dataset mesh x 1M (linear)",
        )
        add(
            "embedded 1M-dataset mesh memory after a restart (GiB, extrapolated)",
            TARGETS["embedded_1m_mesh_gib"],
            emb["memory"]["restarted_extrapolated_1m_datasets_gib"],
            "lower",
            "RSS a fresh process adds by replaying the journal, per dataset x 1M (linear)",
        )
    if "embedded" in stores and "check" in stores["embedded"]:
        checked = stores["embedded"]["check"]
        add(
            "check of a hub change, embedded store, from process start (s, p50)",
            TARGETS["check_hub_embedded_s"],
            round(checked["embedded"]["p50_ms"] / 1000, 3),
            "lower",
            f"{scale_note}; markdown {checked['embedded']['markdown_chars']:,} chars",
        )
        if "server" in checked:
            add(
                "check of a hub change against a running server (s, p50)",
                TARGETS["check_hub_server_s"],
                round(checked["server"]["p50_ms"] / 1000, 3),
                "lower",
                scale_note,
            )
    if "neo4j" in stores and "ingest" in stores["neo4j"]:
        add_ingest(
            "neo4j",
            ("Neo4j ingest, direct batched (events/s)", "Neo4j ingest, HTTP batched (events/s)"),
            ("neo4j_batched_events_per_s", "neo4j_batched_events_per_s"),
        )
    for name, key in (
        ("embedded", "embedded_large_e2e_p95_ms"),
        ("neo4j", "neo4j_large_e2e_p95_ms"),
    ):
        if name not in stores:
            continue
        for query in QUERIES:
            cell = next(
                (
                    c
                    for c in stores[name]["queries"]
                    if c["mode"] == "end_to_end"
                    and c["query"] == query
                    and c["size"] == "large"
                    and c["depth"] is None
                ),
                None,
            )
            if cell:
                add(
                    f"{name} {query}, large radius, unbounded, end to end p95 (ms)",
                    TARGETS[key],
                    cell["p95_ms"],
                    "lower",
                    f"{scale_note}; radius ≈{cell['result_nodes_mean']:.0f} nodes (the target is for ~10k nodes on the 1M mesh)",
                )
    for name in (
        stores
    ):  # the 10k-node blast radius, answered in the store as the SQL baseline answers in SQLite
        cells = [
            c
            for c in stores[name]["queries"]
            if c["mode"] == "in_store" and c["size"] == "large" and c.get("speedup_p95")
        ]
        if cells:
            worst = min(cells, key=lambda c: c["speedup_p95"])
            add(
                f"{name} vs recursive SQL, large radius, worst in-store p95 ratio (x)",
                TARGETS["speedup_vs_sql"],
                worst["speedup_p95"],
                "higher",
                f"worst cell: {worst['query']} depth={worst['depth']}; both answer in process, "
                "rows read as Python values",
            )
    return found


def ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2g}"


def fmt_rate(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _percentiles(cell: dict[str, Any] | None) -> str:
    """A cell's p50/p95/p99 in milliseconds, or "-" without one."""
    return (
        "-"
        if cell is None
        else f"{cell['p50_ms']:8.1f}/{cell['p95_ms']:8.1f}/{cell['p99_ms']:8.1f}"
    )


def print_table(report: dict[str, Any]) -> None:
    out = sys.stdout
    meta = report["meta"]
    print(
        f"\nlineagemesh bench: {meta['datasets']:,} datasets, seed {meta['seed']}, {meta['events']:,} events; "
        f"{meta['machine']['cores']} cores, {meta['machine']['cpu']}",
        file=out,
    )
    base = report["baseline"]
    print(
        f"SQL baseline load: {fmt_rate(base['load_events_per_s'])} events/s ({base['load_s']:.1f} s)\n",
        file=out,
    )
    print(
        f"{'ingest (events/s)':28} {'direct':>9} {'translate':>10} {'apply':>9} {'http':>9}",
        file=out,
    )
    for name, data in report["stores"].items():
        if "served" in data:
            v = data["served"]
            print(
                f"{name:28} served from {v['data_dir']}: up in {v['start_s']} s; {v['nodes']:,} nodes + {v['edges']:,} edges; "
                f"RSS {v['server_rss_gib']} GiB ({v['server_bytes_per_element']:,.0f} B/element)",
                file=out,
            )
            continue
        d, h = data["ingest"]["direct"], data["ingest"]["http"]
        print(
            f"{name:28} {fmt_rate(d['events_per_s']):>9} {fmt_rate(d['translate_events_per_s']):>10} "
            f"{fmt_rate(d['apply_events_per_s']):>9} {fmt_rate(h['events_per_s']):>9}",
            file=out,
        )
        if floor := data["ingest"].get("engine_floor"):
            print(
                f"{'':28} engine floor {fmt_rate(floor['elements_per_s'])} elements/s; at {floor['elements_written_per_event']} "
                f"elements written per event, ceiling {fmt_rate(floor['ceiling_events_per_s'])} events/s; direct reaches "
                f"{(floor['share_of_ceiling'] or 0) * 100:.0f}% of it",
                file=out,
            )
    if "memory" in report["stores"].get("embedded", {}):
        m = report["stores"]["embedded"]["memory"]
        print(
            f"\nembedded memory: {m['rss_delta_bytes'] / 2**20:,.0f} MiB for {m['nodes']:,} nodes + {m['edges']:,} edges = "
            f"{m['bytes_per_element']:,.0f} B/element, {m['bytes_per_dataset'] / 1024:,.1f} KiB/dataset "
            f"(server: {m['server_bytes_per_element']:,.0f} B/element); 1M datasets ≈ {m['extrapolated_1m_datasets_gib']} GiB",
            file=out,
        )
        print(
            f"embedded memory after a restart (a fresh process loading the snapshot): {m['restarted_bytes_per_element']:,.0f} "
            f"B/element; 1M datasets ≈ {m['restarted_extrapolated_1m_datasets_gib']} GiB",
            file=out,
        )
        k = report["stores"]["embedded"]["disk"]
        print(
            f"embedded journal: {k['journal_bytes'] / 2**20:,.1f} MiB ({k['journal_bytes_per_event']:,.0f} B/event); "
            f"snapshot {k['snapshot_bytes'] / 2**20:,.1f} MiB, written in {k['snapshot_write_s']} s; restart loads it in "
            f"{k['restart_s']} s, {k['restart_speedup']}x faster than replaying the journal ({k['replay_restart_s']} s, "
            f"{k['replay_events_per_s']:,} events/s)",
            file=out,
        )
    for name, data in report["stores"].items():
        print(
            f"\n{name}: latency ms (p50 / p95 / p99); SQL = recursive CTE baseline; x = SQL p95 / ours p95",
            file=out,
        )
        print(
            f"{'query':7} {'size':6} {'depth':>5} {'nodes':>6}  {'in store':>26}  {'end to end':>26}  {'SQL p50/p95':>18} {'x store':>8} {'x e2e':>7}",
            file=out,
        )
        cells: dict[tuple, dict[str, dict]] = {}
        for cell in data["queries"]:
            cells.setdefault(cell_key(cell), {})[cell["mode"]] = cell
        for key, modes in cells.items():
            s, e = modes.get("in_store"), modes["end_to_end"]
            depth = "∞" if key[2] is None else str(key[2])
            trip = _percentiles
            sqlp = f"{e.get('baseline_p50_ms', math.nan):8.1f}/{e.get('baseline_p95_ms', math.nan):8.1f}"
            print(
                f"{key[0]:7} {key[1]:6} {depth:>5} {e['result_nodes_mean']:6.0f}  {trip(s):>26}  {trip(e):>26}  {sqlp:>18} "
                f"{ratio(s.get('speedup_p95') if s else None):>8} {ratio(e.get('speedup_p95')):>7}",
                file=out,
            )
    for name, data in report["stores"].items():
        floors = data.get("read_floor")
        if not floors:
            continue
        by_key: dict[Any, dict[str, Any]] = {}
        for cell in data["queries"]:
            by_key.setdefault(cell_key(cell), {})[cell["mode"]] = cell
        print(
            f"\n{name}: beside the engine's read floor (one bare Cypher statement for the same reach), p50 ms",
            file=out,
        )
        print(
            f"{'query':7} {'size':6} {'depth':>5} {'nodes':>6} {'floor':>9} {'in store':>9} {'x floor':>8} "
            f"{'e2e':>9} {'x floor':>8}  same reach",
            file=out,
        )
        for floor in floors:
            in_store, end_to_end = (
                by_key.get(cell_key(floor), {}).get("in_store"),
                by_key.get(cell_key(floor), {}).get("end_to_end"),
            )
            depth = "∞" if floor["depth"] is None else str(floor["depth"])
            print(
                f"{floor['query']:7} {floor['size']:6} {depth:>5} {floor['result_nodes_mean']:6.0f} {floor['p50_ms']:9.1f} "
                f"{in_store['p50_ms'] if in_store else math.nan:9.1f} {ratio(in_store.get('over_floor_p50') if in_store else None):>8} "
                f"{end_to_end['p50_ms'] if end_to_end else math.nan:9.1f} {ratio(end_to_end.get('over_floor_p50') if end_to_end else None):>8}  {floor['same_reach']}",
                file=out,
            )
    print("\ntargets:", file=out)
    for t in report["targets"]:
        mark = "n/a" if t["met"] is None else ("MET" if t["met"] else "MISSED")
        print(
            f"  [{mark:6}] {t['target']}: {t['measured']} (needs {'≥' if t['better'] == 'higher' else '≤'} {t['required']})",
            file=out,
        )


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


# -- profiles ---------------------------------------------------------------------------------

PROFILES = ("ingest", "lineage", "impact", "graphql-lineage", "graphql-impact")


def self_times(root: Any) -> list[tuple[float, str]]:
    """Self time per function over a pyinstrument frame tree, biggest first."""
    totals: dict[str, float] = {}
    stack = [root]
    while stack:
        frame = stack.pop()
        stack.extend(frame.children)
        if frame.is_synthetic:
            continue
        key = f"{frame.function} ({frame.file_path_short}:{frame.line_no})"
        totals[key] = totals.get(key, 0.0) + frame.total_self_time
    return sorted(((t, k) for k, t in totals.items()), reverse=True)


class PySpy:
    """py-spy attached to this process for one region (sampling from outside: no overhead in the
    profiled code, unlike a setprofile-based profiler on call-dense code)."""

    def __init__(self, raw_path: Path, rate: int = 250) -> None:
        self.raw_path = raw_path
        self.rate = rate
        self.process: subprocess.Popen[bytes] | None = None
        self.began = 0.0

    def start(self) -> None:
        exe = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        self.process = subprocess.Popen(
            [
                exe,
                "record",
                "--pid",
                str(os.getpid()),
                "--format",
                "raw",
                "--rate",
                str(self.rate),
                "--output",
                str(self.raw_path),
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        time.sleep(1.0)  # let it attach
        self.began = time.perf_counter()

    def stop(self) -> float:
        elapsed = time.perf_counter() - self.began
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        _, err = self.process.communicate(timeout=120)
        if not self.raw_path.exists():
            raise RuntimeError(f"py-spy wrote nothing: {err.decode(errors='replace')[-500:]}")
        return elapsed


def raw_self_times(raw_path: Path) -> tuple[int, list[tuple[int, str]]]:
    """Samples and self samples per function from py-spy's raw (collapsed stack) output."""
    totals: dict[str, int] = {}
    count = 0
    for line in raw_path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack or not n.isdigit():
            continue
        count += int(n)
        leaf = stack.rsplit(";", 1)[-1].strip() or "(idle)"
        if (
            leaf.endswith(")") and ":" in leaf
        ):  # "function (file.py:123)" -> per function, not per line
            leaf = leaf.rsplit(":", 1)[0] + ")"
        totals[leaf] = totals.get(leaf, 0) + int(n)
    return count, sorted(((n, k) for k, n in totals.items()), reverse=True)


def profile_workload(args: argparse.Namespace, tmp: Path) -> None:
    """Profile one workload (its region only) with py-spy (default) or pyinstrument and write the
    top functions by self time, and the raw stacks or call tree, to ``--profile-out``. Client side
    only for Neo4j: time spent waiting for the server shows up as socket reads."""
    if args.profiler == "pyinstrument":
        try:
            from pyinstrument import Profiler
        except ImportError:
            raise SystemExit(
                "--profiler pyinstrument needs it: .venv/bin/pip install pyinstrument"
            ) from None
    kind, store_name = args.profile, ("neo4j" if args.store == "neo4j" else "embedded")
    ndjson = tmp / "mesh.ndjson"
    generate_mesh.write_mesh(str(ndjson), args.datasets, args.seed)
    neo4j_server = None
    if store_name == "neo4j":
        uri = args.neo4j_uri
        if uri is None:
            from devservers import neo4j as neo4j_launcher

            neo4j_server = neo4j_launcher.start(
                data_dir=tmp / "neo4j", heap=args.neo4j_heap, page_cache=args.neo4j_page_cache
            )
            uri = neo4j_server.uri
        wipe_neo4j(uri)
        store = open_store(uri)
    else:
        store = open_store(data_dir=str(tmp / "embedded"))
    out = args.profile_out
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{store_name}-{kind}-{args.datasets}"
    profiler: Any = (
        Profiler(interval=0.001) if args.profiler == "pyinstrument" else PySpy(out / f"{stem}.raw")
    )
    try:
        if kind == "ingest":
            ingest_direct(store, ndjson, limit=args.batch_events, workers=0)  # warm-up batch
            profiler.start()
            stats = ingest_direct(
                store, ndjson, skip=args.batch_events, workers=0
            )  # this process only: what a profiler sees
            elapsed = profiler.stop()
            log(f"profiled ingest: {stats.as_dict()}")
        else:
            ingest_direct(store, ndjson, workers=args.ingest_workers)
            starts = starts_of_mesh(ndjson, args)["large"]
            query = kind.removeprefix("graphql-")
            run: Callable[[Start], int]
            if kind.startswith("graphql-"):
                from graph.api.schema import context, schema

                text = LINEAGE_GQL if query == "lineage" else IMPACT_GQL

                def graphql_run(start: Start) -> int:
                    variables = {
                        "id": start.id,
                        "depth": _depth_arg(None) if query == "lineage" else None,
                    }
                    result = schema.execute_sync(
                        text, variable_values=variables, context_value=context(store)
                    )
                    if result.errors:
                        raise RuntimeError(str(result.errors))
                    return len(
                        json.dumps({"data": result.data}, separators=(",", ":"))
                    )  # as strawberry encodes

                run = graphql_run
            else:
                run = in_store_runner(store, query, None)
            run(starts[0])
            profiler.start()
            began = time.perf_counter()
            for i in range(args.reps):
                run(starts[i % len(starts)])
            log(
                f"profiled {args.reps} {kind} queries: {1000 * (time.perf_counter() - began) / args.reps:.1f} ms each"
            )
            elapsed = profiler.stop()
    finally:
        store.close()
        if neo4j_server is not None:
            from devservers import neo4j as neo4j_launcher

            neo4j_launcher.stop(neo4j_server)
    if args.profiler == "pyinstrument":
        session = profiler.last_session
        (out / f"{stem}.txt").write_text(
            profiler.output_text(unicode=False, color=False, show_all=False)
        )
        total = session.duration or 1.0
        ranked = [(t / total, k) for t, k in self_times(session.root_frame())]
    else:
        samples, counted = raw_self_times(out / f"{stem}.raw")
        # py-spy records only threads that run (no --idle): the gap to the elapsed time is waiting
        # (for Neo4j, for the disk). Shares are of the samples taken; seconds are samples / rate.
        total = samples / profiler.rate
        ranked = [(n / max(samples, 1), k) for n, k in counted]
        lines = [
            (
                f"{stem} (py-spy): {elapsed:.2f} s elapsed, {total:.2f} s running Python in this process "
                f"({100 * total / elapsed:.0f}%); top functions by self time, as a share of the running time"
            )
        ]
    if args.profiler == "pyinstrument":
        lines = [f"{stem} (pyinstrument): {total:.2f} s profiled; top functions by self time"]
    lines += [f"{100 * share:5.1f}%  {share * total:7.3f} s  {k}" for share, k in ranked[:40]]
    (out / f"{stem}-self.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines[:26]))
    log(f"wrote {out / (stem + '-self.txt')}")


# -- main -------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--datasets", type=int, help="mesh size (datasets, >= 50; required unless --wide-columns)"
    )
    parser.add_argument("--store", choices=("embedded", "neo4j", "both"), default="both")
    parser.add_argument(
        "--json", type=Path, help="write the results here (required unless --profile)"
    )
    parser.add_argument(
        "--ingest-workers",
        type=int,
        default=None,
        help="translation workers of the direct ingest (default: as `lineagemesh ingest`, one per spare core)",
    )
    cell_options(parser)
    numbers(
        parser,
        ("--batch-events", 500, "events per HTTP batch"),
        ("--http-clients", 4, "concurrent HTTP ingest clients"),
        ("--min-reps", 3, "fewest timed queries per cell"),
    )
    parser.add_argument(
        "--neo4j-uri", help="use this running Neo4j (it is WIPED) instead of starting one"
    )
    parser.add_argument(
        "--neo4j-heap", default="2g", help="heap of the Neo4j the bench starts (default 2g)"
    )
    parser.add_argument(
        "--neo4j-page-cache",
        default="1g",
        help="page cache of the Neo4j the bench starts (default 1g)",
    )
    parser.add_argument(
        "--neo4j-ingest",
        choices=("split", "full"),
        default="split",
        help="split: the direct path loads the first half of the events and HTTP the second "
        "(one load in all); full: each path loads the whole mesh into an empty database",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny budgets (tests, smoke runs): 1 start per class, 3 reps",
    )
    parser.add_argument(
        "--profile",
        choices=PROFILES,
        help="instead of the benchmark, profile one workload on the large-radius starts "
        "(pyinstrument; --reps queries) and write the reports to --profile-out",
    )
    parser.add_argument(
        "--profiler",
        choices=("py-spy", "pyinstrument"),
        default="py-spy",
        help="py-spy (default: samples from outside, no overhead) or pyinstrument",
    )
    parser.add_argument(
        "--profile-out",
        type=Path,
        default=Path("profiles"),
        help="where --profile writes (default ./profiles)",
    )
    parser.add_argument(
        "--wide-columns",
        type=int,
        metavar="N",
        help="instead of the benchmark, the wide case: one dataset of N columns through "
        "`lineagemesh serve` (embedded), Dataset.columns over GraphQL timed",
    )
    parser.add_argument(
        "--keep-temp", action="store_true", help="keep the temporary directory (mesh, logs, stores)"
    )
    parser.add_argument(
        "--mesh",
        type=Path,
        help="use this NDJSON, the --datasets/--seed mesh made before by "
        "scripts/generate_mesh.py, instead of generating it",
    )
    parser.add_argument(
        "--steady",
        type=steady_cells,
        action="append",
        metavar="K,P",
        help="instead of the benchmark, the steady state (repeatable): the mesh's first round loaded, then "
        "its re-runs (generate_mesh.py --reruns K --change-rate P) timed, half direct, half over HTTP; "
        "events/s and elements written per event on each --store",
    )
    parser.add_argument(
        "--served",
        type=Path,
        metavar="DATA_DIR",
        help="end to end only, through `lineagemesh serve` on this embedded data dir, loaded with the "
        "mesh before (lineagemesh ingest openlineage): for a mesh too large to load twice (1M)",
    )
    parser.add_argument(
        "--served-neo4j",
        metavar="URI",
        help="end to end only, through `lineagemesh serve --store URI` on a Neo4j loaded with the mesh "
        "before (ingest openlineage --neo4j-import, then neo4j-admin); it is not wiped",
    )
    parser.add_argument(
        "--queries",
        nargs="+",
        choices=(*QUERIES, *EXTRA_QUERIES),
        help="only these query cells (e.g. lineage lineage_facts; default all); with --served or "
        "--served-neo4j, nothing but them runs",
    )
    parser.add_argument(
        "--baseline-db",
        type=Path,
        metavar="FILE",
        help="the SQL baseline's SQLite file: loaded from the mesh when missing, reused as it is when "
        "present (a 1M mesh's takes minutes to load; the served runs can share one)",
    )
    parser.add_argument(
        "--check-only",
        nargs=2,
        metavar=("DATA_DIR", "NODE_ID"),
        help="instead of the benchmark, only the check cells: `lineagemesh check NODE_ID --format "
        "markdown` on this embedded data dir (a mesh loaded before), then with --server (--reps runs each)",
    )
    args = parser.parse_args(argv)
    if args.datasets is None and args.wide_columns is None and args.check_only is None:
        parser.error("--datasets is required")
    if args.json is None and args.profile is None:
        parser.error("--json is required")
    if args.quick:
        args.starts, args.reps, args.min_reps, args.cell_seconds, args.sample = 1, 3, 3, 0.0, 100
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tune_gc()  # the in-process measurements run under the GC policy of `lineagemesh` (the embedded store's; bench_neo4j switches)
    # Ctrl+C, and SIGTERM/SIGINT even when started in the background, run the cleanup below.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    began = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="lineagemesh-bench-"))
    neo4j_server = None
    try:
        if args.profile:
            profile_workload(args, tmp)
            return 0
        if args.check_only:
            checked = bench_check_only(Path(args.check_only[0]), args.check_only[1], args.reps, tmp)
            args.json.write_text(json.dumps({"check": checked}, indent=2))
            return 0
        if args.wide_columns:
            wide = bench_wide_columns(args.wide_columns, tmp, args.reps if not args.quick else 3)
            args.json.write_text(json.dumps({"wide_columns": wide}, indent=2))
            return 0
        if args.steady:
            stores: dict[str, str] = {}
            if args.store in ("embedded", "both"):
                stores["embedded"] = "embedded"
            if args.store in ("neo4j", "both"):
                if args.neo4j_uri is None:
                    from devservers import neo4j as neo4j_launcher

                    log("starting Neo4j")
                    neo4j_server = neo4j_launcher.start(
                        data_dir=tmp / "neo4j",
                        heap=args.neo4j_heap,
                        page_cache=args.neo4j_page_cache,
                    )
                    stores["neo4j"] = neo4j_server.uri
                else:
                    stores["neo4j"] = args.neo4j_uri
            cells = [steady_cell(args, tmp, reruns, rate, stores) for reruns, rate in args.steady]
            steady_report = {
                "meta": {
                    "command": "python scripts/bench.py "
                    + " ".join(sys.argv[1:] if argv is None else argv),
                    "datasets": args.datasets,
                    "seed": args.seed,
                    "machine": machine(),
                    "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                },
                "steady": cells,
            }
            args.json.write_bytes(orjson.dumps(steady_report, option=orjson.OPT_INDENT_2) + b"\n")
            return 0
        if args.mesh is not None:
            log(f"using the {args.datasets:,}-dataset mesh (seed {args.seed}) in {args.mesh}")
            ndjson, stats = args.mesh, {"reused": str(args.mesh)}
        else:
            log(f"generating the {args.datasets:,}-dataset mesh (seed {args.seed}) in {tmp}")
            ndjson = tmp / "mesh.ndjson"
            stats = generate_mesh.write_mesh(str(ndjson), args.datasets, args.seed)
        shape = generate_mesh.mesh_shape(args.datasets, args.seed)
        events = _count_events(ndjson)

        log("SQL baseline: loading")
        t0 = time.perf_counter()
        # Beside a served graph of 1M datasets, an in-memory baseline would not fit: it goes on disk.
        if args.baseline_db is not None and args.baseline_db.exists():
            sql = Baseline.open(args.baseline_db)
        elif args.baseline_db is not None:  # named once whole, so a cut-short load is not reused
            partial = args.baseline_db.with_name(args.baseline_db.name + ".partial")
            sql = Baseline.load(ndjson, partial)
            partial.rename(args.baseline_db)
        else:
            sql = Baseline.load(
                ndjson, tmp / "baseline.sqlite" if args.served or args.served_neo4j else ":memory:"
            )
        load_s = time.perf_counter() - t0
        starts = pick_starts(sql, shape, args.starts, args.seed, args.sample)
        for size_class, chosen in starts.items():
            log(
                f"starts {size_class}: "
                + ", ".join(f"{s.name} ({s.downstream_nodes})" for s in chosen)
            )
        cell = CellConfig(max_reps=args.reps, min_reps=args.min_reps, seconds=args.cell_seconds)
        ctx = Context(args, tmp, ndjson, events, starts, cell)
        log("SQL baseline: queries")
        base_queries = {  # the SQL baseline of each chosen cell (an extra query's is its base query's)
            "lineage" if query.startswith("lineage") else "impact"
            for query in (*_chosen(args)[0], *_chosen(args)[1])
        }
        base_cells = run_cells(
            lambda q, d: baseline_runner(sql, q, d),
            starts,
            cell,
            "sql",
            tuple(q for q in QUERIES if q in base_queries),
        )
        ctx.baseline_cells = {cell_key(c): c for c in base_cells}

        report: dict[str, Any] = {
            "meta": {
                "command": "python scripts/bench.py "
                + " ".join(sys.argv[1:] if argv is None else argv),
                "datasets": args.datasets,
                "seed": args.seed,
                "events": events,
                "batch_events": args.batch_events,
                "http_clients": args.http_clients,
                "depths": list(DEPTHS),
                "size_targets": SIZE_TARGETS,
                "machine": machine(),
                "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "generate": stats,
            },
            "mesh": {
                k: v for k, v in shape.to_dict(max_items=0).items() if not isinstance(v, list)
            },
            "starts": {
                k: [
                    {
                        "id": s.id,
                        "namespace": s.namespace,
                        "name": s.name,
                        "downstream_nodes": s.downstream_nodes,
                    }
                    for s in v
                ]
                for k, v in starts.items()
            },
            "baseline": {
                "engine": f"sqlite {__import__('sqlite3').sqlite_version}",
                "load_s": round(load_s, 3),
                "load_events_per_s": round(events / load_s, 1),
                "counts": sql.counts(),
                "queries": base_cells,
            },
            "stores": {},
        }
        sql.close()  # its queries are done (and a served graph of 1M datasets needs the memory)
        if args.served_neo4j is not None:
            report["stores"]["neo4j"] = bench_served(ctx, None, args.served_neo4j)
        elif args.served is not None:
            report["stores"]["embedded"] = bench_served(ctx, args.served)
        elif args.store in ("embedded", "both"):
            report["stores"]["embedded"] = bench_embedded(ctx)
        if args.store in ("neo4j", "both") and args.served is None and args.served_neo4j is None:
            uri = args.neo4j_uri
            if uri is None:
                from devservers import neo4j as neo4j_launcher

                log("starting Neo4j")
                neo4j_server = neo4j_launcher.start(
                    data_dir=tmp / "neo4j", heap=args.neo4j_heap, page_cache=args.neo4j_page_cache
                )
                uri = neo4j_server.uri
                report["meta"]["neo4j"] = {
                    "version": neo4j_launcher.NEO4J_VERSION,
                    "heap": args.neo4j_heap,
                    "page_cache": args.neo4j_page_cache,
                }
            report["stores"]["neo4j"] = bench_neo4j(ctx, uri)
        report["targets"] = targets(report)
        report["meta"]["duration_s"] = round(time.perf_counter() - began, 1)
        report["meta"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_bytes(
            orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS) + b"\n"
        )
        print_table(report)
        log(f"done in {report['meta']['duration_s']} s; wrote {args.json}")
        return 0
    finally:
        if neo4j_server is not None:
            from devservers import neo4j as neo4j_launcher

            neo4j_launcher.stop(neo4j_server)
        if args.keep_temp:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
