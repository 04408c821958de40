"""Marquez itself as the baseline: its own schema and lineage SQL on a real PostgreSQL, beside
lineagemesh's embedded store, from the same start datasets at the same depths.

The bench generates the mesh ``scripts/bench.py`` uses (``generate_mesh.py``, seed 7), loads it
into an embedded store (``lineagemesh ingest``'s path) and into Marquez's schema on a PostgreSQL
it starts from Debian's ``postgresql`` package (``scripts/marquez_baseline``: Marquez's Flyway
migrations, then the rows Marquez writes for the mesh), picks the start datasets as
``scripts/bench.py`` does (small / medium / large radius), and times with its ``time_cell``:

* lineagemesh: ``graph.read.lineage.dataset_lineage`` both ways (what lineagemesh answers at Marquez's
  ``GET /api/v1/lineage``) over a ``GraphView``, in store, the answer read as Python values;
* Marquez: the statements ``LineageService.lineage`` runs (``LineageDao``'s SQL verbatim), their
  rows fetched by psycopg over loopback TCP.

PostgreSQL runs as Debian configures it but for JIT compilation, off here unless ``--jit on``
(PostgreSQL's default, which compiles each ``getLineage`` for ~2 s on these meshes): the baseline
as fast as a tuned Marquez gets. Depth 1, 2, 5 and 20 (Marquez has no unbounded walk; its default is 20). Marquez walks undirected
(siblings too), so its answers are larger: both node counts are printed. A Marquez statement
running past ``--statement-timeout`` is cancelled and the cell reported as such, and the deeper
cells from the same starts are not tried (they only cost more). ::

    .venv/bin/python scripts/bench_marquez_pg.py --datasets 10000 --json marquez-pg-10k.json
    .venv/bin/python scripts/bench_marquez_pg.py --datasets 100000 --json marquez-pg-100k.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = REPO / "scripts"
for _path in (str(REPO), str(SCRIPTS)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

import psycopg  # noqa: E402
from bench_cells import CellConfig, Start, log, starts_of_mesh, time_cell  # noqa: E402
from bench_ingest import ingest_direct  # noqa: E402
from bench_options import cell_options, numbers  # noqa: E402
from marquez_baseline.lineage_dao import MarquezLineage  # noqa: E402
from marquez_baseline.loader import load, read_mesh  # noqa: E402
from marquez_baseline.postgres import PostgresServer  # noqa: E402
from marquez_baseline.schema import apply_migrations  # noqa: E402

from graph.core.heap import settle_heap, tune_gc  # noqa: E402
from graph.core.model import Direction  # noqa: E402
from graph.read.lineage import dataset_lineage  # noqa: E402
from graph.read.view import GraphView  # noqa: E402
from graph.read.walk_defaults import Budget  # noqa: E402
from graph.stores import Store, open_store  # noqa: E402

# The bench's depths (5, 20; Marquez has no unbounded walk, its default is 20) and the shallow
# ones Marquez's walk answers within the statement timeout on these meshes.
DEPTHS = (1, 2, 5, 20)


class TimedOut(Exception):
    """A Marquez statement ran past the statement timeout."""


def lineagemesh_runner(store: Store, depth: int) -> Callable[[Start], int]:
    """As the Marquez-compatible ``/api/v1/lineage`` walks (both ways), the answer read as Python
    values (nodes: id, kind, namespace, name; edges: source, target, kind)."""

    def run(start: Start) -> int:
        answer = dataset_lineage(
            GraphView(store, summaries=True), start.id, Direction.BOTH, Budget(depth=depth)
        ).answer
        nodes = [answer.node_column(field) for field in ("id", "kind", "namespace", "name")]
        [answer.edge_column(field) for field in ("source", "target", "kind")]
        return len(nodes[0])

    return run


def marquez_runner(marquez: MarquezLineage, depth: int) -> Callable[[Start], int]:
    def run(start: Start) -> int:
        try:
            return marquez.lineage(start.namespace, start.name, depth).node_count
        except psycopg.errors.QueryCanceled as e:
            raise TimedOut from e

    return run


def start_marquez(mesh: Path) -> tuple[PostgresServer, psycopg.Connection[Any], dict[str, Any]]:
    """PostgreSQL started, Marquez's migrations applied, the mesh loaded; with the timings."""
    began = time.perf_counter()
    pg = PostgresServer.start()
    try:
        connection = psycopg.connect(pg.dsn, autocommit=True)
        started = time.perf_counter()
        applied = apply_migrations(connection)
        migrated = time.perf_counter()
        counts = load(connection, read_mesh(mesh))
        loaded = time.perf_counter()
    except BaseException:
        pg.stop()
        raise
    version = connection.execute("SHOW server_version").fetchone()
    return (
        pg,
        connection,
        {
            "postgresql": version[0] if version else None,
            "migrations": len(applied),
            "start_s": round(started - began, 2),
            "migrate_s": round(migrated - started, 2),
            "load_s": round(loaded - migrated, 2),
            "rows": counts,
        },
    )


def cells(
    store: Store,
    marquez: MarquezLineage,
    starts: dict[str, list[Start]],
    config: CellConfig,
    timeout_s: float,
) -> list[dict[str, Any]]:
    out = []
    for size_class, chosen in starts.items():
        marquez_gave_up = False
        for depth in DEPTHS:
            warm = depth == DEPTHS[0]  # per start set; the deeper cells reuse its caches, plans
            ours, our_sizes = time_cell(lineagemesh_runner(store, depth), chosen, config, warm)
            cell: dict[str, Any] = {
                "size": size_class,
                "depth": depth,
                "starts": [s.id for s in chosen],
                "lineagemesh": {**ours, "nodes_mean": round(sum(our_sizes) / len(our_sizes), 1)},
            }
            if marquez_gave_up:  # a deeper walk from the same starts only costs more
                cell["marquez"] = {"timed_out": True, "timeout_s": timeout_s}
            else:
                marquez.seconds = dict.fromkeys(marquez.seconds, 0.0)
                try:
                    theirs, their_sizes = time_cell(
                        marquez_runner(marquez, depth), chosen, config, warm
                    )
                    runs = theirs["samples"] + (1 if warm else 0)
                    cell["marquez"] = {
                        **theirs,
                        "nodes_mean": round(sum(their_sizes) / len(their_sizes), 1),
                        # where a lineage request's time goes, mean ms per statement
                        "statements_ms": {
                            name: round(1000 * seconds / runs, 2)
                            for name, seconds in marquez.seconds.items()
                        },
                    }
                    cell["ratio_p50"] = round(theirs["p50_ms"] / ours["p50_ms"], 1)
                    cell["ratio_p95"] = round(theirs["p95_ms"] / ours["p95_ms"], 1)
                except TimedOut:
                    marquez_gave_up = True
                    cell["marquez"] = {"timed_out": True, "timeout_s": timeout_s}
            out.append(cell)
            log(line(cell))
    return out


def line(cell: dict[str, Any]) -> str:
    ours, theirs = cell["lineagemesh"], cell["marquez"]
    head = (
        f"{cell['size']:6} depth={cell['depth']:<3} lineagemesh p50/p95 "
        f"{ours['p50_ms']:8.2f} /{ours['p95_ms']:8.2f} ms ({ours['nodes_mean']:.0f} nodes)"
    )
    if theirs.get("timed_out"):
        return f"{head} | Marquez > {theirs['timeout_s']} s (statement timeout)"
    return (
        f"{head} | Marquez {theirs['p50_ms']:9.2f} /{theirs['p95_ms']:9.2f} ms "
        f"({theirs['nodes_mean']:.0f} nodes) | x {cell['ratio_p50']} / {cell['ratio_p95']}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--datasets", type=int, default=10000)
    cell_options(ap)
    numbers(
        ap,
        ("--statement-timeout", 10.0, "seconds a Marquez statement may run before it is cancelled"),
    )
    ap.add_argument(
        "--jit",
        choices=("off", "on"),
        default="off",
        help="PostgreSQL's JIT compilation for Marquez's statements (PostgreSQL's default is on, "
        "which spends ~2 s compiling each getLineage on these meshes; default here: off)",
    )
    ap.add_argument("--json", type=Path, help="write the results here")
    ap.add_argument(
        "--mesh", type=Path, help="the mesh NDJSON to use, generated there first if missing"
    )
    args = ap.parse_args(argv)
    tune_gc()  # as scripts/bench.py: the embedded store's GC policy (graph.core.heap)
    config = CellConfig(max_reps=args.reps, min_reps=3, seconds=args.cell_seconds)
    report: dict[str, Any] = {"datasets": args.datasets, "seed": args.seed}
    with tempfile.TemporaryDirectory(prefix="lineagemesh-bench-marquez-pg-") as tmp_name:
        tmp = Path(tmp_name)
        mesh = args.mesh or tmp / "mesh.ndjson"
        if not mesh.exists():
            log(f"generating the {args.datasets}-dataset mesh (seed {args.seed})")
            subprocess.run(
                [
                    sys.executable,
                    str(SCRIPTS / "generate_mesh.py"),
                    "--datasets",
                    str(args.datasets),
                    "--seed",
                    str(args.seed),
                    "--out",
                    str(mesh),
                    "--quiet",
                ],
                check=True,
            )
        starts = starts_of_mesh(mesh, args)  # the bench's start picking reads the SQL baseline
        log("lineagemesh: loading the embedded store")
        store = open_store(data_dir=str(tmp / "store"))
        try:
            report["lineagemesh_load"] = ingest_direct(store, mesh).as_dict()
            settle_heap()  # the loaded graph out of later collections, as `lineagemesh ingest`
            log("Marquez: PostgreSQL, migrations, load")
            pg, connection, report["marquez_load"] = start_marquez(mesh)
            try:
                log(f"Marquez: {json.dumps(report['marquez_load'])}")
                connection.execute(f"SET statement_timeout = {int(args.statement_timeout * 1000)}")
                connection.execute(f"SET jit = {args.jit}")
                report["marquez_load"]["jit"] = args.jit
                report["cells"] = cells(
                    store, MarquezLineage(connection), starts, config, args.statement_timeout
                )
            finally:
                connection.close()
                pg.stop()
        finally:
            store.close()
    print(
        f"\nlineage both ways, {args.datasets} datasets: lineagemesh (embedded, in store) vs Marquez (PostgreSQL)"
    )
    for cell in report["cells"]:
        print(line(cell))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
