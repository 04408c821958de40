"""The bench's cells behind a server: the served embedded store (restarted from its snapshot and
from its log) and Neo4j (loaded, queried in store and end to end, beside its read and write floors).
"""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench_cells import (
    EXTRA_QUERIES,
    QUERIES,
    QUIET,
    REPO,
    Context,
    Start,
    _depth_arg,
    cell_key,
    graphql_runner,
    in_store_runner,
    log,
    rss_bytes,
    run_cells,
    significant,
)
from bench_ingest import DirectIngest, ingest_direct, ingest_http
from devservers.neo4j import wipe as wipe_neo4j

from graph.core.heap import REMOTE, tune_gc
from graph.core.model import Direction, EdgeKind, NodeKind
from graph.read.impact import impact as impact_query
from graph.read.lineage import dataset_lineage
from graph.read.view import GraphView
from graph.read.walk_defaults import Budget
from graph.stores import Store, open_store

# Imported where used, as in bench.py (the spawned ingest workers import these modules again).
if TYPE_CHECKING:
    from devservers.lineagemesh import LineagemeshServer


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
from graph.core.heap import settle_heap, tune_gc
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
    tune_gc(REMOTE)  # as `lineagemesh` does over a remote store (graph.core.heap)
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
            GraphView(store, summaries=True),
            start.id,
            Direction.DOWNSTREAM,
            Budget(depth=_depth_arg(depth)),
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
