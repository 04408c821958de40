#!/usr/bin/env python3
"""lineagemesh scale benchmark: ingest throughput, lineage/impact latency, memory, and a SQL baseline.

Usage::

    python scripts/bench.py --datasets 10000 --store both --json bench-10k.json
    python scripts/bench.py --datasets 200 --store embedded --json out.json --quick
    python scripts/bench.py --datasets 2000 --store neo4j --neo4j-uri bolt://127.0.0.1:7687 --json out.json

One run, on a deterministic synthetic mesh (``scripts/generate_mesh.py``, same ``--datasets`` and
``--seed`` give the same events), measures for each store:

* ingest throughput in events/s: the direct path (``lineagemesh ingest openlineage``'s
  ``graph.intake.bulk_load``, files read, parsed and translated in worker processes beside the apply;
  wall-clock, with translate CPU and apply time apart) and over HTTP (a real ``lineagemesh serve``
  process, ``POST /api/v1/lineage/batch`` with ``--batch-events`` per request from
  ``--http-clients`` concurrent clients);
* lineage (downstream) and impact latency p50/p95/p99 from start datasets with a small, medium
  and ~10k-node downstream radius, at depth 5, 20 and unbounded: inside the store
  (``graph.read.lineage.dataset_lineage`` / ``graph.read.impact.impact`` over a ``GraphView`` reading
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
import gc
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = REPO / "scripts"
for _path in (str(REPO), str(SCRIPTS)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

import generate_mesh  # noqa: E402
from bench_cells import (  # noqa: E402
    DEPTHS,
    EXTRA_QUERIES,
    QUERIES,
    QUIET,
    SIZE_TARGETS,
    CellConfig,
    Context,
    Start,
    _count_events,
    baseline_runner,
    cell_key,
    log,
    machine,
    percentile,
    pick_starts,
    rss_bytes,
    run_cells,
    starts_of_mesh,
    time_cell,
    warm_up_server,
)
from bench_checks import bench_check_only, bench_wide_columns, check_cell  # noqa: E402
from bench_ingest import ingest_direct, ingest_http, steady_cell, steady_cells  # noqa: E402
from bench_options import cell_options, numbers  # noqa: E402
from bench_profile import PROFILES, profile_workload  # noqa: E402
from bench_report import print_table, targets  # noqa: E402
from bench_stores import (  # noqa: E402
    _chosen,
    bench_neo4j,
    bench_served,
    query_cells,
    restart_embedded,
    restarted_rss,
)
from devservers.neo4j import wipe as wipe_neo4j  # noqa: E402
from sql_baseline import Baseline  # noqa: E402

from graph.core.heap import settle_heap, tune_gc  # noqa: E402
from graph.core.model import EdgeKind, NodeKind  # noqa: E402
from graph.stores import Store, open_store  # noqa: E402

# What other scripts and the tests use as ``bench.X``, defined in the modules above.
__all__ = [
    "CellConfig",
    "Start",
    "_count_events",
    "ingest_direct",
    "log",
    "percentile",
    "starts_of_mesh",
    "time_cell",
    "wipe_neo4j",
]

# The Neo4j driver and the HTTP client are imported where used, here and in the bench_* modules:
# a worker of the direct ingest (graph.intake.bulk_load, spawned) imports this module (and so those)
# again as it starts, and paid ~0.3 s for them, which `lineagemesh ingest` does not (a tenth of a
# 10k load).

# -- one store --------------------------------------------------------------------------------


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
