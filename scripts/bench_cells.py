"""What every cell of the bench is made of: the depths, radius classes and GraphQL texts it asks,
the statistics it reports, the start datasets it picks, the timing loop that budgets a cell, and
the runners that ask one question of a store, of the server or of the SQL baseline.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import platform
import random
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import generate_mesh
import orjson
from sql_baseline import Baseline

from graph.core.model import Direction, dataset_id
from graph.read.impact import impact as impact_query
from graph.read.lineage import dataset_lineage
from graph.read.view import GraphView
from graph.read.walk_defaults import Budget
from graph.stores import Store

REPO = Path(__file__).resolve().parents[1]
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
                GraphView(store, summaries=True),
                start.id,
                Direction.DOWNSTREAM,
                Budget(depth=_depth_arg(depth)),
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


@dataclass
class Context:
    args: argparse.Namespace
    tmp: Path
    ndjson: Path
    events: int
    starts: dict[str, list[Start]]
    cell: CellConfig
    baseline_cells: dict[tuple[str, str, int | None], dict[str, Any]] = field(default_factory=dict)
