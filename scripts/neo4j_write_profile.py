#!/usr/bin/env python3
"""What a Neo4j re-run batch costs, statement by statement: the steady state of ``bench.py
--steady`` taken apart.

    .venv/bin/python scripts/neo4j_write_profile.py --neo4j-uri bolt://127.0.0.1:7687 \\
        --datasets 1000 --reruns 5            # the database is WIPED

Loads the mesh's first round (``generate_mesh.py --reruns K --change-rate P``), then each re-run
round as the bench's direct path does (``bench.ingest_direct``: worker translation, the raw event
log riding in the write), and prints per round: events/s, the time in ``Neo4jStore.apply`` and in
its planning and statements (``_apply_in``; the rest is the commit and the log's blocks), every
statement kind with its count and time (the driver's ``run``, results read at once), the bytes
the driver received (the history's reads and walks apart), and the bytes of the write
statement's parameters, by property: what the engine is asked to store.

``--floor`` then measures the engine's own floor for what the last round wrote (``write_floor``):
the same rows (new nodes and edges, the changed properties, the raw event log's nodes) written
onto probe elements a batch a transaction, one statement each, nothing read or planned: the
fastest any statement shape could write that round, and so the ceiling of events/s.
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
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
        self.received: collections.Counter[str] = collections.Counter()  # bytes read, by phase
        self.writes: list[dict[str, Any]] = []  # each graph write's rows, for ``write_floor``
        self.blocks: list[list[dict[str, Any]]] = []  # each raw-event-log write's blocks

    def clear(self) -> None:
        self.statements.clear()
        self.bytes.clear()
        self.by_phase.clear()
        self.received.clear()
        self.writes.clear()
        self.blocks.clear()

    def statement(self, query: Any, parameters: dict[str, Any], seconds: float) -> None:
        text = getattr(query, "text", query)
        lines = [line.strip() for line in str(text).strip().splitlines() if line.strip()]
        entry = self.statements[" | ".join(lines[:2])[:100]]
        entry[0] += 1
        entry[1] += seconds
        self.by_phase[self.phase] += 1
        if "blocks" in parameters:
            self.blocks.append(parameters["blocks"])
        if "changed_edges" in parameters:
            self.writes.append({name: parameters[name] for name in _WRITE_ROWS})
            for name in _WRITE_ROWS:
                for row in parameters[name]:
                    if name.startswith("changed"):
                        for key, value in row[-1].items():
                            self.bytes[f"{name[8:-1]} {key}"] += len(orjson.dumps(value))
                    else:
                        self.bytes[name[:-1].replace("_", " ")] += len(orjson.dumps(row))


def instrument(tally: Tally) -> None:
    """Time every statement the driver runs (its rows read at once, so the time is its own), and
    count the bytes the driver receives (its socket's reads), by phase."""
    from neo4j._async_compat.network._bolt_socket import BoltSocketBase
    from neo4j._sync.work.session import Session
    from neo4j._sync.work.transaction import TransactionBase

    receive = BoltSocketBase.recv_into

    def counted(self: Any, buffer: Any, nbytes: int) -> int:
        got: int = receive(self, buffer, nbytes)
        if tally.on:
            tally.received[tally.phase] += got
        return got

    setattr(BoltSocketBase, "recv_into", counted)  # noqa: B010 - a method replaced on the driver's class

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


# -- the engine's floor for a round's writes ---------------------------------------------------

_PROBE = "LineagemeshFloorProbe"
_PROBE_SCHEMA = (
    f"CREATE CONSTRAINT lineagemesh_floor_probe_id IF NOT EXISTS FOR (n:{_PROBE}) REQUIRE n.id IS UNIQUE",
    f"CREATE TEXT INDEX lineagemesh_floor_probe_name IF NOT EXISTS FOR (n:{_PROBE}) ON (n._nameLower)",
    "CREATE CONSTRAINT lineagemesh_floor_block_id IF NOT EXISTS FOR (b:FloorBlock) REQUIRE b.id IS UNIQUE",
    "CREATE CONSTRAINT lineagemesh_floor_block_seq IF NOT EXISTS FOR (b:FloorBlock) REQUIRE b.seq IS UNIQUE",
    "CREATE CONSTRAINT lineagemesh_floor_hash IF NOT EXISTS FOR (h:FloorHash) REQUIRE h.hash IS UNIQUE",
    "CREATE RANGE INDEX lineagemesh_floor_hash_seq IF NOT EXISTS FOR (h:FloorHash) ON (h.seq)",
    "CREATE RANGE INDEX lineagemesh_floor_subject IF NOT EXISTS FOR (s:FloorSubject) ON (s.subject)",
    "CREATE RANGE INDEX lineagemesh_floor_subject_seq IF NOT EXISTS FOR (s:FloorSubject) ON (s.seq)",
    "CREATE RANGE INDEX lineagemesh_floor_block_received IF NOT EXISTS FOR (b:FloorBlock) ON (b.receivedAt)",
)
_PROBE_DROP = (
    "DROP CONSTRAINT lineagemesh_floor_probe_id IF EXISTS",
    "DROP INDEX lineagemesh_floor_probe_name IF EXISTS",
    "DROP CONSTRAINT lineagemesh_floor_block_id IF EXISTS",
    "DROP CONSTRAINT lineagemesh_floor_block_seq IF EXISTS",
    "DROP CONSTRAINT lineagemesh_floor_hash IF EXISTS",
    "DROP INDEX lineagemesh_floor_hash_seq IF EXISTS",
    "DROP INDEX lineagemesh_floor_subject IF EXISTS",
    "DROP INDEX lineagemesh_floor_subject_seq IF EXISTS",
    "DROP INDEX lineagemesh_floor_block_received IF EXISTS",
)
_PROBE_BASE = f"""
UNWIND $ids AS id
CREATE (n:{_PROBE} {{id: id, _nameLower: id, namespace: 'floor://probe', name: id,
  lastSeenAt: '2026-01-01T00:00:00.000000Z', _stamps: '{{"name":0,"namespace":0}}'}})
WITH collect(n) AS made
UNWIND range(0, size(made) - 1) AS i
WITH made[i] AS a, made[(i * 7 + 1) % size(made)] AS b
CREATE (a)-[r:FLOOR_EDGE {{lastSeenAt: '2026-01-01T00:00:00.000000Z', firstSeenAt: '2026-01-01T00:00:00.000000Z'}}]->(b)
RETURN collect(elementId(a)), collect(elementId(r))
"""
#: One batch of a round as the engine's floor: everything found by element id, nothing read back.
_PROBE_WRITE = f"""
CALL () {{
  UNWIND $new_nodes AS row
  CREATE (n:{_PROBE})
  SET n:$(row[0])
  SET n += row[1]
  RETURN collect(n) AS made
}}
CALL (made) {{
  UNWIND $new_edges AS row
  WITH made[row[0]] AS a, row
  MATCH (b) WHERE elementId(b) = row[1]
  CREATE (a)-[r:$(row[2])]->(b)
  SET r = row[3]
}}
CALL () {{
  UNWIND $changed_nodes AS row
  MATCH (n) WHERE elementId(n) = row[0]
  SET n += row[1]
}}
CALL () {{
  UNWIND $changed_edges AS row
  MATCH ()-[r]->() WHERE elementId(r) = row[0]
  SET r += row[1]
}}
CALL () {{
  MERGE (c:FloorClock {{id: 'blocks'}}) ON CREATE SET c.seq = 0
  SET c.seq = c.seq + size($blocks)
  WITH c.seq - size($blocks) AS base
  UNWIND range(0, size($blocks) - 1) AS i
  WITH base + i + 1 AS seq, $blocks[i] AS b
  CREATE (n:FloorBlock {{id: b.id, seq: seq, kind: b.kind, receivedAt: b.receivedAt,
    events: b.events, payload: b.payload, times: b.times, firstTime: b.firstTime, lastTime: b.lastTime}})
  WITH b, seq
  CALL (b, seq) {{ UNWIND b.hashes AS h MERGE (e:FloorHash {{hash: h}}) ON CREATE SET e.seq = seq }}
  CALL (b, seq) {{ UNWIND b.subjects AS s CREATE (:FloorSubject {{subject: s, seq: seq}}) }}
}}
"""


def _probe_batch(tx: Any, parameters: dict[str, Any]) -> None:
    tx.run(_PROBE_WRITE, parameters).consume()


def write_floor(
    uri: str, writes: list[dict[str, Any]], blocks: list[list[dict[str, Any]]], reps: int = 3
) -> dict[str, Any]:
    """The seconds the engine takes to write one round's rows (``writes``: each batch's graph
    write, ``blocks``: its raw event log's blocks) onto probe elements, a transaction a batch,
    one statement each: new nodes created with their properties (their labels prefixed), new
    edges from them to existing probe nodes, the changed properties set on as many existing
    ones, by element id, the log's nodes as the store writes them. The median of ``reps``
    rounds after one untimed round (the statement planned, the JVM warm). Probe elements are
    removed after."""
    import neo4j

    batches = list(zip(writes, blocks + [[]] * (len(writes) - len(blocks))))
    per_rep = {
        name: sum(len(write[name]) for write, _ in batches)
        for name in ("new_nodes", "new_edges", "changed_nodes", "changed_edges")
    }
    pool = max(per_rep["changed_nodes"], per_rep["changed_edges"], per_rep["new_edges"], 1)
    pool *= reps + 1
    seconds: list[float] = []
    with neo4j.GraphDatabase.driver(uri, auth=None, notifications_min_severity="OFF") as driver:
        for statement in _PROBE_SCHEMA:
            driver.execute_query(statement)
        try:
            node_eids: list[str] = []
            edge_eids: list[str] = []
            for at in range(0, pool, 10_000):
                ids = [f"floor:base:{i}" for i in range(at, min(at + 10_000, pool))]
                ((nodes, edges),), _, _ = driver.execute_query(_PROBE_BASE, ids=ids)
                node_eids += nodes
                edge_eids += edges
            used = {"nodes": 0, "edges": 0, "targets": 0}

            def take(kind: str, eids: list[str]) -> str:
                used[kind] += 1
                return eids[used[kind] % len(eids)]

            for rep in range(reps + 1):
                began = time.perf_counter()
                for write, block_rows in batches:
                    parameters = {
                        "new_nodes": [
                            [f"Floor{kind}", {**props, "id": f"floor:{rep}:{eid}"}]
                            for eid, kind, props in write["new_nodes"]
                        ],
                        "new_edges": [
                            [
                                i % max(len(write["new_nodes"]), 1),
                                take("targets", node_eids),
                                kind,
                                props,
                            ]
                            for i, (_, _, kind, props) in enumerate(write["new_edges"])
                        ]
                        if write["new_nodes"]
                        else [],
                        "changed_nodes": [
                            [take("nodes", node_eids), delta] for _, delta in write["changed_nodes"]
                        ],
                        "changed_edges": [
                            [take("edges", edge_eids), delta] for _, delta in write["changed_edges"]
                        ],
                        "blocks": [
                            {
                                **row,
                                "id": f"{rep}:{row['id']}",
                                "hashes": [f"{rep}:{h}" for h in row["hashes"]],
                            }
                            for row in block_rows
                        ],
                    }
                    with driver.session() as session:
                        session.execute_write(_probe_batch, parameters)
                if rep:
                    seconds.append(time.perf_counter() - began)
        finally:
            with driver.session() as session:
                for label in (_PROBE, "FloorBlock", "FloorHash", "FloorSubject", "FloorClock"):
                    session.run(
                        f"MATCH (n:{label}) CALL (n) {{ DETACH DELETE n }} IN TRANSACTIONS OF 10000 ROWS"
                    ).consume()
            for statement in _PROBE_DROP:
                driver.execute_query(statement)
    graph = sum(per_rep.values())
    log = sum(len(row["hashes"]) + len(row["subjects"]) + 1 for rows in blocks for row in rows)
    return {
        "seconds": statistics.median(seconds),
        "all_seconds": seconds,
        "graph_elements": graph,
        "log_nodes": log,
        "by_row": per_rep,
    }


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
    parser.add_argument(
        "--floor",
        action="store_true",
        help="after the rounds, the engine's floor for the last round's writes (``write_floor``)",
    )
    args = parser.parse_args(argv)
    mesh = args.mesh or Path(f"/tmp/lineagemesh-write-profile-{args.datasets}-{args.reruns}.ndjson")
    if not mesh.exists():
        generate_mesh.write_mesh(
            str(mesh), args.datasets, args.seed, reruns=args.reruns, change_rate=args.change_rate
        )
    base = generate_mesh.mesh_shape(args.datasets, args.seed).events
    per_round = (bench._count_events(mesh) - base) // (args.reruns - 1)

    from graph.change.schema_history import SchemaHistory
    from graph.notify import notifications
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
        received = tally.received
        print(
            f"  received: {sum(received.values()):,} bytes, of which the history's reads "
            f"{received['history']:,} and its walks {received['walks']:,}"
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
    if args.floor:
        for what, blocks in (("graph and log", tally.blocks), ("graph alone", [])):
            floor = write_floor(args.neo4j_uri, tally.writes, blocks)
            print(
                f"the engine's floor for the last round's writes, {what}: "
                f"{floor['graph_elements']:,} graph elements ({floor['by_row']}) and "
                f"{floor['log_nodes']:,} event-log nodes in {floor['seconds']:.2f} s (rounds "
                f"{', '.join(f'{s:.2f}' for s in floor['all_seconds'])}): "
                f"{(floor['graph_elements'] + floor['log_nodes']) / floor['seconds']:,.0f} "
                f"elements/s, a ceiling of {per_round / floor['seconds']:,.0f} events/s"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
