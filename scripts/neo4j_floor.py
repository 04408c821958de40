"""How fast can this Neo4j write, and read, at all? The engine's floors for what lineagemesh asks of it.

lineagemesh's Neo4j ingest is one write transaction per batch that MERGEs nodes on the ``id``
constraint and creates relationships between them, with the property shapes of our graph (a
column node with eight properties and a JSON ``_stamps`` string; a derivation edge with seen-at
stamps). This probe does only that — plain ``UNWIND``/``MERGE``/``CREATE`` from parameters, with
no reads, no planning and no Python per element — so its rate is the most any ingest through
Cypher can reach on this machine and this Neo4j configuration. ``scripts/bench.py`` divides it by
the elements our ingest writes per event to give the ceiling our events/s can be compared to.

    python scripts/neo4j_floor.py --uri bolt://127.0.0.1:7687   # a running Neo4j (probe data is removed)
    python scripts/neo4j_floor.py                                 # starts and stops its own Neo4j

Probe nodes carry only the ``LineagemeshFloorProbe`` label (and its own constraint), so the probe
never touches lineagemesh's data; both are removed afterwards.

The read floor (:func:`reach_statement`, timed by ``scripts/bench.py`` beside each Neo4j latency
cell) is the same reach as a ``lineage`` or ``impact`` answer downstream of a dataset, asked as one
Cypher statement over lineagemesh's graph: Neo4j's own breadth-first search (``ANY SHORTEST`` over
a quantified path pattern, no APOC) for the datasets within the depth, then the READS and WRITES
edges the walk reports, and for impact the owners, products, domains and contracts its report
names; ids only, as plain lists. No Python runs between its steps, so its time is what the server
needs for that reach, and what our answer takes beyond it is ours (statements, rows, the walk).
It assumes what the bench mesh holds: no aliases.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import neo4j
import orjson

PROBE = "LineagemeshFloorProbe"
_CONSTRAINT = f"CREATE CONSTRAINT lineagemesh_floor_probe_id IF NOT EXISTS FOR (n:{PROBE}) REQUIRE n.id IS UNIQUE"
_DROP_CONSTRAINT = "DROP CONSTRAINT lineagemesh_floor_probe_id IF EXISTS"
_MERGE_NODES = f"UNWIND $rows AS row MERGE (n:{PROBE} {{id: row.id}}) SET n += row.props"
_CREATE_EDGES = (
    f"UNWIND $rows AS row MATCH (a:{PROBE} {{id: row.source}}) MATCH (b:{PROBE} {{id: row.target}}) "
    "CREATE (a)-[r:DERIVES_FROM]->(b) SET r = row.props"
)
_DELETE = f"MATCH (n:{PROBE}) CALL (n) {{ DETACH DELETE n }} IN TRANSACTIONS OF 10000 ROWS"
_STAMP = "2026-01-05T00:28:12.124000Z"


def _rows(round_: int, nodes: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``nodes`` column-like nodes (ten per table) and as many derivation edges between them."""
    stamps = orjson.dumps(
        dict.fromkeys(("namespace", "dataset", "datasetId", "name", "type", "ordinal"), _STAMP)
    ).decode()
    node_rows = []
    for i in range(nodes):
        table = f"probe.round_{round_}.table_{i // 10}"
        node_rows.append(
            {
                "id": f"datasetField:warehouse://probe:{table}:column_{i % 10}",
                "props": {
                    "namespace": "warehouse://probe",
                    "dataset": table,
                    "datasetId": f"dataset:warehouse://probe:{table}",
                    "name": f"column_{i % 10}",
                    "type": "BIGINT",
                    "declared": True,
                    "ordinal": i % 10,
                    "_stamps": stamps,
                },
            }
        )
    edge_rows = [
        {
            "source": node_rows[i]["id"],
            "target": node_rows[(i * 7919 + 1) % nodes]["id"],
            "props": {
                "firstSeenAt": _STAMP,
                "lastSeenAt": _STAMP,
                "jobId": "job:probe:build",
                "_stamps": stamps,
            },
        }
        for i in range(nodes)
    ]
    return node_rows, edge_rows


def _write(
    tx: neo4j.ManagedTransaction, node_rows: list[dict[str, Any]], edge_rows: list[dict[str, Any]]
) -> None:
    tx.run(_MERGE_NODES, rows=node_rows).consume()
    tx.run(_CREATE_EDGES, rows=edge_rows).consume()


def measure(
    uri: str, rounds: int = 6, nodes_per_round: int = 10_000, database: str = "neo4j"
) -> dict[str, Any]:
    """Write ``rounds`` transactions of ``nodes_per_round`` nodes plus as many relationships; the
    floor is the median rate of the second half of the rounds (the first ones warm the JVM up)."""
    rates: list[float] = []
    with neo4j.GraphDatabase.driver(uri, auth=None) as driver:
        driver.execute_query(_CONSTRAINT, database_=database)
        try:
            for round_ in range(rounds):
                node_rows, edge_rows = _rows(round_, nodes_per_round)

                began = time.perf_counter()
                with driver.session(database=database) as session:
                    session.execute_write(_write, node_rows, edge_rows)
                rates.append((len(node_rows) + len(edge_rows)) / (time.perf_counter() - began))
        finally:
            with driver.session(database=database) as session:
                session.run(_DELETE).consume()
            driver.execute_query(_DROP_CONSTRAINT, database_=database)
    warm = rates[len(rates) // 2 :]
    return {
        "elements_per_s": round(statistics.median(warm), 1),
        "rounds_elements_per_s": [round(r, 1) for r in rates],
        "elements_per_round": 2 * nodes_per_round,
        "what": "one write transaction per round: UNWIND MERGE of column-like nodes on a unique id, then UNWIND "
        "MATCH/MATCH/CREATE of as many relationships; median of the second half of the rounds",
    }


_CURRENT = "_unrestated IS NULL"  # a READS/WRITES edge its job's newest completed run restated


#: The forms a reach can be asked in. One statement: the quantifier bounded (Neo4j's search then
#: keeps a state per node and length, ~8x the work of an unbounded one on a deep reach), or
#: unbounded with the shortest paths longer than the depth left out (the whole reach walked). Or
#: ``levels``: a bare breadth-first walk from Python, one statement per dataset hop returning ids
#: only (Neo4j's single-statement search falls far behind it on a 10k-node reach). The bench times
#: them and keeps the fastest as the floor.
FORMS = ("bounded", "filtered", "levels")

_LEVEL = f"""
UNWIND $frontier AS id MATCH (d:Dataset {{id: id}})<-[r:READS]-(j:Job) WHERE r.{_CURRENT}
WITH j, collect([d.id, j.id]) AS reads
MATCH (j)-[w:WRITES]->(o:Dataset) WHERE w.{_CURRENT}
RETURN collect([j.id, o.id]) AS writes, collect(reads) AS reads
"""


def reach_statement(query: str, depth: int | None, form: str = "bounded") -> str:
    """One statement answering ``$id``'s downstream reach as ``lineage`` (``query="lineage"``) or
    ``impact`` (``"impact"``) at ``depth`` dataset hops (None: unbounded) sees it: the datasets
    within ``depth - 1`` hops are expanded (their readers, and what those write, are reached)."""
    step = f"(()<-[r:READS WHERE r.{_CURRENT}]-(:Job)-[w:WRITES WHERE w.{_CURRENT}]->())"
    if depth is None:
        search = f"MATCH ANY SHORTEST (s){step}{{0,}}(d:Dataset)"
    elif form == "bounded":
        search = f"MATCH ANY SHORTEST (s){step}{{0,{max(depth - 1, 0)}}}(d:Dataset)"
    else:
        search = f"MATCH p = ANY SHORTEST (s){step}{{0,}}(d:Dataset)\nWITH s, d WHERE length(p) <= {2 * max(depth - 1, 0)}"
    text = f"""
MATCH (s:Dataset {{id: $id}})
{search}
WITH s, collect(d) AS expanded  // every dataset it reaches but the start is one of the outputs below
CALL (expanded) {{
  UNWIND expanded AS d MATCH (d)<-[r:READS]-(j:Job) WHERE r.{_CURRENT}
  RETURN collect([d.id, j.id]) AS reads, collect(DISTINCT j) AS jobs
}}
CALL (jobs) {{
  UNWIND jobs AS j MATCH (j)-[w:WRITES]->(o:Dataset) WHERE w.{_CURRENT}
  RETURN collect([j.id, o.id]) AS writes, collect(DISTINCT o) AS outputs
}}
"""
    if query == "lineage":
        return (
            text
            + "RETURN [s.id] + [o IN outputs WHERE o <> s | o.id] AS datasets, [j IN jobs | j.id] AS jobs, reads, writes"
        )
    return (
        text
        + f"""WITH s, jobs, [o IN outputs WHERE o <> s] AS affected
CALL (affected, s) {{
  UNWIND affected + [s] AS d MATCH (p:DataProduct)-[:EXPOSES]->(d) RETURN collect(DISTINCT p) AS products
}}
CALL (affected) {{
  UNWIND affected AS d MATCH (d)-[:BELONGS_TO]->(m:Domain) RETURN collect(DISTINCT m.id) AS domains
}}
CALL (affected, jobs, products) {{
  UNWIND affected + jobs + products AS x MATCH (x)-[:OWNED_BY]->(o:Owner) RETURN collect(DISTINCT o.id) AS owners
}}
CALL (s) {{
  OPTIONAL MATCH (s)<-[r:READS WHERE r.{_CURRENT}]-(:Job)-[w:WRITES WHERE w.{_CURRENT}]->(d:Dataset)
  WITH s, collect(DISTINCT d) AS first
  UNWIND first + [s] AS d MATCH (c:Contract)-[:GOVERNS]->(d) RETURN collect(DISTINCT c.id) AS contracts
}}
RETURN [n IN affected | n.id] AS datasets, [j IN jobs | j.id] AS jobs, [p IN products | p.id] AS products, domains,
       owners, contracts"""
    )


def read_reach(
    driver: neo4j.Driver, statement: str, start_id: str, database: str = "neo4j"
) -> dict[str, list[Any]]:
    """The reach of one start, as :func:`reach_statement`'s columns: one auto-commit query, every
    row fetched (as lineagemesh's reads are run)."""
    with driver.session(
        database=database, default_access_mode=neo4j.READ_ACCESS, fetch_size=-1
    ) as session:
        record = session.run(statement, id=start_id).single(strict=True)
    return dict(record.items())


_CONCERNED = """
MATCH (s:Dataset {id: $id})
CALL () { UNWIND $affected AS id MATCH (d:Dataset {id: id}) RETURN collect(d) AS affected }
CALL () { UNWIND $jobs AS id MATCH (j:Job {id: id}) RETURN collect(j) AS jobs }
CALL (affected, s) {
  UNWIND affected + [s] AS d MATCH (p:DataProduct)-[:EXPOSES]->(d) RETURN collect(DISTINCT p) AS products
}
CALL (affected) {
  UNWIND affected AS d MATCH (d)-[:BELONGS_TO]->(m:Domain) RETURN collect(DISTINCT m.id) AS domains
}
CALL (affected, jobs, products) {
  UNWIND affected + jobs + products AS x MATCH (x)-[:OWNED_BY]->(o:Owner) RETURN collect(DISTINCT o.id) AS owners
}
CALL (s) {
  UNWIND $first + [s.id] AS id MATCH (c:Contract)-[:GOVERNS]->(:Dataset {id: id}) RETURN collect(DISTINCT c.id) AS contracts
}
RETURN [p IN products | p.id] AS products, domains, owners, contracts
"""


def read_levels(
    driver: neo4j.Driver,
    query: str,
    start_id: str,
    depth: int | None,
    database: str = "neo4j",
    most: int | None = None,
) -> dict[str, list[Any]]:
    """A reach (as :func:`reach_statement`'s columns) walked a dataset hop per statement, ids only,
    then for impact whom it concerns in one more: the floor of a walk that reads a level at a
    time, as lineagemesh's does. ``most``: stop after the hop whose datasets and jobs pass it
    (a reach sized, not timed)."""
    jobs: set[str] = set()
    datasets, reads, writes = {start_id}, [], []
    frontier, hop = [start_id], 0
    with driver.session(
        database=database, default_access_mode=neo4j.READ_ACCESS, fetch_size=-1
    ) as session:
        while frontier and (depth is None or hop < depth):
            if most is not None and len(datasets) + len(jobs) > most:
                break
            level_writes, level_reads = session.run(_LEVEL, frontier=frontier).single(strict=True)
            for pairs in level_reads:
                reads.extend(pairs)
                jobs.update(job for _, job in pairs)
            writes.extend(level_writes)
            frontier = sorted({out for _, out in level_writes} - datasets)
            datasets.update(frontier)
            hop += 1
        if query == "lineage":
            return {
                "datasets": sorted(datasets),
                "jobs": sorted(jobs),
                "reads": reads,
                "writes": writes,
            }
        first = sorted(
            {out for job_id, out in writes if any(d == start_id and j == job_id for d, j in reads)}
        )
        affected = sorted(datasets - {start_id})
        record = session.run(
            _CONCERNED, id=start_id, affected=affected, jobs=sorted(jobs), first=first
        ).single(strict=True)
    return {"datasets": affected, "jobs": sorted(jobs), **dict(record.items())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--uri", help="a running Neo4j (default: start one from scripts/devservers)"
    )
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument(
        "--nodes", type=int, default=10_000, help="nodes (and relationships) per round"
    )
    args = parser.parse_args(argv)
    if args.uri is not None:
        result = measure(args.uri, args.rounds, args.nodes)
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from devservers import neo4j as neo4j_launcher

        with tempfile.TemporaryDirectory(prefix="lineagemesh-floor-") as tmp:
            server = neo4j_launcher.start(data_dir=Path(tmp) / "neo4j")
            try:
                result = measure(server.uri, args.rounds, args.nodes)
            finally:
                neo4j_launcher.stop(server)
    print(
        f"Neo4j floor: {result['elements_per_s']:,.0f} elements/s "
        f"(rounds: {', '.join(f'{r:,.0f}' for r in result['rounds_elements_per_s'])})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
