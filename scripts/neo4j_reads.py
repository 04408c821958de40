#!/usr/bin/env python3
"""Neo4j reads beside the engine's own floor, on a Neo4j already loaded with a generated mesh.

``scripts/bench.py --store neo4j`` loads the mesh itself (minutes at 10k on a shared host) and
times every cell; this times only the lineage/impact cells of the bench, in store (as the GraphQL
resolvers call the walks), on a loaded database, and prints per cell the statements an answer
issues, its p50 (and p95), the floor's p50 for the same reach (``neo4j_floor``: the fastest of
its forms) and the ratio; ``--level-by-level`` also times the views reading a level per
statement (no walk read ahead, ``graph.stores.neo4j.walk_ahead``), and ``--decoded`` the views
taking every level read decoded into Python nodes and edges first (no
``graph.stores.remote_reads.NeighbourhoodRows``), interleaved, for a before/after in one run:

    .venv/bin/lineagemesh ingest openlineage --store bolt://127.0.0.1:PORT mesh10k.ndjson
    .venv/bin/python scripts/neo4j_reads.py --uri bolt://127.0.0.1:PORT --datasets 10000 --level-by-level

Starts: the mesh's hubs and a seeded sample of datasets, by unbounded downstream reach, the
nearest to 30, 1 000 and 10 000 nodes (the bench's size classes).
"""

from __future__ import annotations

import argparse
import functools
import math
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parent.parent
for _path in (str(_ROOT), str(_ROOT / "scripts")):
    if _path not in sys.path:
        sys.path.insert(0, _path)

import generate_mesh  # noqa: E402
import neo4j  # noqa: E402
import neo4j_floor  # noqa: E402

from graph.core.heap import REMOTE, tune_gc  # noqa: E402
from graph.core.model import Direction  # noqa: E402
from graph.read.impact import impact  # noqa: E402
from graph.read.lineage import dataset_lineage  # noqa: E402
from graph.read.view import GraphView  # noqa: E402
from graph.read.walk_defaults import Budget  # noqa: E402
from graph.stores import open_store  # noqa: E402
from graph.stores.neo4j import Neo4jStore  # noqa: E402
from graph.stores.neo4j.reads import _CypherReads  # noqa: E402

SIZES = {"small": 30, "medium": 1_000, "large": 10_000}
DEPTHS = (5, 20, None)
UNBOUNDED = 1_000_000  # `lineage` has no "unbounded" (as scripts/bench.py asks it)
HUBS = 20  # the mesh's hubs sized to pick starts, at most (a seeded sample)


def pick_starts(driver: neo4j.Driver, datasets: int, seed: int, sample: int) -> dict[str, str]:
    shape = generate_mesh.mesh_shape(datasets, seed=seed)
    hubs = [f"dataset:{ns}:{name}" for ns, name in zip(shape.hub_namespaces, shape.hubs)]
    ids = random.Random(seed).sample(hubs, min(HUBS, len(hubs)))  # (a 1M mesh has 1 000)
    with driver.session() as session:
        every = session.run("MATCH (d:Dataset) RETURN d.id ORDER BY d.id").value()
    ids += random.Random(seed).sample(every, min(sample, len(every)))
    sized = []
    for start in ids:  # (a 1M mesh's hubs reach hundreds of thousands: sized only past large)
        reach = neo4j_floor.read_levels(driver, "lineage", start, None, most=3 * SIZES["large"])
        sized.append((len(reach["datasets"]) + len(reach["jobs"]), start))
    return {
        size: min(sized, key=lambda s: abs(math.log(max(s[0], 1) / target)))[1]
        for size, target in SIZES.items()
    }


def samples_ms(run: Callable[[], Any], seconds: float, reps: int) -> list[float]:
    """``run``'s times, warm: at least 3, at most ``reps``, within ``seconds`` if it allows."""
    run()  # warm
    samples: list[float] = []
    began = time.perf_counter()
    while len(samples) < 3 or (len(samples) < reps and time.perf_counter() - began < seconds):
        at = time.perf_counter()
        run()
        samples.append((time.perf_counter() - at) * 1000)
    return samples


def p50_ms(run: Callable[[], Any], seconds: float, reps: int) -> float:
    return statistics.median(samples_ms(run, seconds, reps))


def p95(samples: list[float]) -> float:
    """The nearest-rank 95th percentile (the slowest of fewer than 20)."""
    ordered = sorted(samples)
    return ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]


def answer(store: Neo4jStore, query: str, start: str, depth: int | None) -> int:
    """As scripts/bench.py's in-store cells: the walk, and its answer read as Python values."""
    if query == "lineage":
        found = dataset_lineage(
            GraphView(store, summaries=True),
            start,
            Direction.DOWNSTREAM,
            Budget(depth=UNBOUNDED if depth is None else depth),
        ).answer
        for name in ("id", "kind", "namespace", "name"):
            found.node_column(name)
        return len(found.node_column("id"))
    report = impact(GraphView(store, summaries=True), start, depth=depth)
    for name in ("id", "kind", "distance", "severity", "certain"):
        report.answer.affected_column(name)
    return len(report.answer.affected_column("id")) + 1


def floor_ms(
    driver: neo4j.Driver, query: str, start: str, depth: int | None, seconds: float, reps: int
) -> tuple[float, str]:
    timed = []
    for form in neo4j_floor.FORMS:
        if depth is None and form == "filtered":
            continue
        read: Callable[[], Any]
        if form == "levels":
            read = functools.partial(neo4j_floor.read_levels, driver, query, start, depth)
        else:
            statement = neo4j_floor.reach_statement(query, depth, form)
            read = functools.partial(neo4j_floor.read_reach, driver, statement, start)
        timed.append((p50_ms(read, seconds, reps), form))
    return min(timed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uri", required=True, help="a Neo4j loaded with the mesh (only read)")
    parser.add_argument("--datasets", type=int, required=True, help="the mesh's size")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sample", type=int, default=150, help="datasets sized to pick starts")
    parser.add_argument("--seconds", type=float, default=2.0, help="time budget per cell")
    parser.add_argument("--reps", type=int, default=15, help="most timed answers per cell")
    parser.add_argument(
        "--level-by-level", action="store_true", help="also time the reads without the walk ahead"
    )
    parser.add_argument(
        "--decoded",
        action="store_true",
        help="also time the reads decoded in Python before the native view installs them",
    )
    parser.add_argument("--cells", nargs="*", help="only these, e.g. lineage:small impact:large")
    parser.add_argument(
        "--starts",
        nargs="*",
        metavar="SIZE=ID",
        help="the starts (e.g. large=dataset:…) instead of picking them (as an earlier run printed)",
    )
    args = parser.parse_args(argv)
    tune_gc(REMOTE)
    store = open_store(args.uri)
    assert isinstance(store, Neo4jStore), "--uri must be a Neo4j"
    statements = [0]
    read = store._read

    def counted(text: str, parameters: dict[str, Any], doing: str) -> list[list[Any]]:
        statements[0] += 1
        return read(text, parameters, doing)

    store._read = counted  # type: ignore[method-assign]
    walk_ahead = store.walk_ahead
    level_of = _CypherReads._level_of
    with neo4j.GraphDatabase.driver(
        args.uri, auth=None, notifications_min_severity="OFF"
    ) as driver:
        starts = (
            dict(given.split("=", 1) for given in args.starts)
            if args.starts
            else pick_starts(driver, args.datasets, args.seed, args.sample)
        )
        print(f"starts: {starts}", flush=True)
        modes = (
            [("walk ahead", False, False)]
            + ([("level by level", True, False)] if args.level_by_level else [])
            + ([("decoded", False, True)] if args.decoded else [])
        )
        for query in ("lineage", "impact"):
            for size, start in starts.items():
                for depth in DEPTHS:
                    if args.cells and f"{query}:{size}" not in args.cells:
                        continue
                    line = f"{query:7} {size:6} depth {'∞' if depth is None else depth:>2}"
                    floor, form = floor_ms(driver, query, start, depth, args.seconds, args.reps)
                    for name, level_by_level, decoded in modes:
                        store.walk_ahead = None if level_by_level else walk_ahead  # type: ignore[method-assign,assignment]
                        _CypherReads._level_of = (  # type: ignore[method-assign]
                            _CypherReads._neighbourhood_of if decoded else level_of
                        )
                        statements[0] = 0
                        nodes = answer(store, query, start, depth)
                        asked = statements[0]
                        again = functools.partial(answer, store, query, start, depth)
                        times = samples_ms(again, args.seconds, args.reps)
                        ms = statistics.median(times)
                        line += (
                            f" | {name}: {nodes} nodes, {asked} statements, {ms:.1f} ms "
                            f"(p95 {p95(times):.1f}), {ms / floor:.2f}x"
                        )
                    print(f"{line} | floor {floor:.1f} ms ({form})", flush=True)
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
