#!/usr/bin/env python3
"""What a Neo4j re-run batch costs, statement by statement: the steady state of ``bench.py
--steady`` taken apart.

    .venv/bin/python scripts/neo4j_write_profile.py --neo4j-uri bolt://127.0.0.1:7687 \\
        --datasets 1000 --reruns 5            # the database is WIPED

Loads the mesh's first round (``generate_mesh.py --reruns K --change-rate P``), then each re-run
round as the bench's direct path does (``bench.ingest_direct``: worker translation, the raw event
log riding in the write), and prints per round: events/s, the time in ``Neo4jStore.apply`` and in
its planning and statements (``_apply_in``; the rest is the commit and the log's blocks), every
statement kind with its count and time (the driver's ``run``, results read at once), and the bytes
of the write statement's parameters, by property: what the engine is asked to store.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import time
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench
import generate_mesh

_WRITE_ROWS = ("new_nodes", "changed_nodes", "new_edges", "changed_edges")


class Tally:
    """Statements by kind (their first lines) and the write parameters' bytes, while ``on``."""

    def __init__(self) -> None:
        self.on = False
        self.statements: dict[str, list[float]] = collections.defaultdict(lambda: [0, 0.0])
        self.bytes: collections.Counter[str] = collections.Counter()
        self.phase = ""  # what the statements are run for now ("" the rest)
        self.by_phase: collections.Counter[str] = collections.Counter()

    def clear(self) -> None:
        self.statements.clear()
        self.bytes.clear()
        self.by_phase.clear()

    def statement(self, query: Any, parameters: dict[str, Any], seconds: float) -> None:
        text = getattr(query, "text", query)
        lines = [line.strip() for line in str(text).strip().splitlines() if line.strip()]
        entry = self.statements[" | ".join(lines[:2])[:100]]
        entry[0] += 1
        entry[1] += seconds
        self.by_phase[self.phase] += 1
        if "changed_edges" in parameters:
            for name in _WRITE_ROWS:
                for row in parameters[name]:
                    if name.startswith("changed"):
                        for key, value in row[-1].items():
                            self.bytes[f"{name[8:-1]} {key}"] += len(orjson.dumps(value))
                    else:
                        self.bytes[name[:-1].replace("_", " ")] += len(orjson.dumps(row))


def instrument(tally: Tally) -> None:
    """Time every statement the driver runs (its rows read at once, so the time is its own)."""
    from neo4j._sync.work.session import Session
    from neo4j._sync.work.transaction import TransactionBase

    for owner in (TransactionBase, Session):
        run = owner.run

        def timed(self: Any, query: Any, parameters: Any = None, _run: Any = run, **kw: Any) -> Any:
            started = time.perf_counter()
            result = _run(self, query, parameters, **kw)
            result._buffer_all()
            if tally.on:
                tally.statement(query, {**(parameters or {}), **kw}, time.perf_counter() - started)
            return result

        setattr(owner, "run", timed)  # noqa: B010 - a method replaced on the driver's class


def _cpu(pid: int | None) -> float:
    """The user and system CPU seconds process ``pid`` has used (0 when None)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--neo4j-uri", required=True, help="a running Neo4j (WIPED)")
    parser.add_argument("--datasets", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reruns", type=int, default=5, help="runs per job, K (default 5)")
    parser.add_argument("--change-rate", type=float, default=0.05)
    parser.add_argument("--mesh", type=Path, help="where the mesh is kept (made when missing)")
    parser.add_argument(
        "--neo4j-pid",
        type=int,
        help="the Neo4j server's process id, on this host: its CPU seconds a round are printed too",
    )
    args = parser.parse_args(argv)
    mesh = args.mesh or Path(f"/tmp/lineagemesh-write-profile-{args.datasets}-{args.reruns}.ndjson")
    if not mesh.exists():
        generate_mesh.write_mesh(
            str(mesh), args.datasets, args.seed, reruns=args.reruns, change_rate=args.change_rate
        )
    base = generate_mesh.mesh_shape(args.datasets, args.seed).events
    per_round = (bench._count_events(mesh) - base) // (args.reruns - 1)

    from graph import notifications
    from graph.schema_history import SchemaHistory
    from graph.stores import open_store
    from graph.stores.neo4j.store import Neo4jStore

    tally = Tally()
    instrument(tally)
    bench.wipe_neo4j(args.neo4j_uri)
    store = open_store(args.neo4j_uri)
    assert isinstance(store, Neo4jStore)
    started = time.perf_counter()
    bench.ingest_direct(store, mesh, limit=base)
    print(f"first round: {base:,} events in {time.perf_counter() - started:.1f} s", flush=True)

    spent = {"apply": 0.0, "planning and statements": 0.0, "history": 0.0, "walks": 0.0}
    walks = [0]
    apply, apply_in = Neo4jStore.apply, Neo4jStore._apply_in
    history, bounded_impact = SchemaHistory._history, notifications.bounded_impact

    def timed_history(self: SchemaHistory, *a: Any, **kw: Any) -> Any:
        started, tally.phase = time.perf_counter(), "history"
        try:
            return history(self, *a, **kw)
        finally:
            spent["history"] += time.perf_counter() - started
            tally.phase = ""

    def timed_impact(*a: Any, **kw: Any) -> Any:
        started, tally.phase = time.perf_counter(), "walks"
        try:
            return bounded_impact(*a, **kw)
        finally:
            spent["walks"] += time.perf_counter() - started
            walks[0] += 1
            tally.phase = "history"

    def timed_apply(self: Neo4jStore, *a: Any, **kw: Any) -> Any:
        started = time.perf_counter()
        try:
            return apply(self, *a, **kw)
        finally:
            spent["apply"] += time.perf_counter() - started

    def timed_apply_in(self: Neo4jStore, *a: Any, **kw: Any) -> Any:
        started = time.perf_counter()
        try:
            return apply_in(self, *a, **kw)
        finally:
            spent["planning and statements"] += time.perf_counter() - started

    setattr(Neo4jStore, "apply", timed_apply)  # noqa: B010
    setattr(Neo4jStore, "_apply_in", timed_apply_in)  # noqa: B010
    setattr(SchemaHistory, "_history", timed_history)  # noqa: B010
    setattr(notifications, "bounded_impact", timed_impact)  # noqa: B010
    for round_ in range(1, args.reruns):
        tally.clear()
        spent.update(dict.fromkeys(spent, 0.0))
        walks[0] = 0
        tally.on = True
        started, cpu, server = time.perf_counter(), time.process_time(), _cpu(args.neo4j_pid)
        bench.ingest_direct(store, mesh, skip=base + (round_ - 1) * per_round, limit=per_round)
        seconds = time.perf_counter() - started
        cpu, server = time.process_time() - cpu, _cpu(args.neo4j_pid) - server
        tally.on = False
        print(
            f"re-run round {round_}: {per_round:,} events in {seconds:.2f} s = "
            f"{per_round / seconds:.0f} events/s; Neo4jStore.apply {spent['apply']:.2f} s, of "
            f"which planning and statements {spent['planning and statements']:.2f} s (the rest: "
            "the commit)"
        )
        print(
            f"  CPU seconds: this process {cpu:.2f}"
            + (f", the Neo4j server {server:.2f}" if args.neo4j_pid else "")
            + " (on a shared host steadier than the wall clock)"
        )
        print(
            f"  schema history before the writes {spent['history']:.2f} s "
            f"({tally.by_phase['history'] + tally.by_phase['walks']} statements), of which "
            f"{walks[0]} impact walks {spent['walks']:.2f} s ({tally.by_phase['walks']} statements)"
            f"; statements in all: {sum(tally.by_phase.values())}"
        )
        for kind, (count, total) in sorted(tally.statements.items(), key=lambda kv: -kv[1][1]):
            if total >= 0.02:
                print(
                    f"  {int(count):5d} x {1000 * total / count:7.1f} ms = {total:6.2f} s  {kind}"
                )
        print(f"  write parameters: {sum(tally.bytes.values()):,} bytes")
        for key, size in tally.bytes.most_common(10):
            print(f"    {size:10,}  {key}")
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
