#!/usr/bin/env python3
"""The recursive-SQL lineage baseline: lineage the way Marquez computes it, in SQLite.

Marquez keeps lineage in relational tables (``datasets``, ``jobs``, ``job_versions_io_mapping``,
``dataset_fields``, ``column_lineage``) and walks it with a ``WITH RECURSIVE`` query. This module
loads the same OpenLineage NDJSON into that shape (stdlib ``sqlite3``, no validation, no history)
and answers the questions the benchmark asks lineagemesh, from the same start datasets at the
same depths, so every lineagemesh figure has a ratio against it. It is a baseline, not a product:
it knows only what the synthetic mesh contains (no symlinks, renames or drops).

Library use::

    from sql_baseline import Baseline
    with Baseline.load("mesh.ndjson") as sql:          # or Baseline.load(events_iterable)
        result = sql.lineage("warehouse://sales", "sales.orders.table_3", depth=5)
        result.dataset_ids()                           # {"dataset:warehouse://sales:...", ...}

``depth`` counts dataset → job → dataset hops like ``graph.read.lineage.dataset_lineage``; ``None``
means unbounded. A bounded walk carries the hop count in the recursion (as Marquez does), so a
dataset reached at several distances is expanded once per distance: that is the cost of
depth-limited recursive SQL. The unbounded walk keeps only the dataset (plain reachability),
which is the cheapest form SQL has and the only one that terminates on cycles.

Command line (prints the row counts and one timed walk)::

    python scripts/sql_baseline.py mesh.ndjson --start 'warehouse://sales' 'sales.orders.table_3' --depth 20
"""

from __future__ import annotations

import argparse
import gzip
import sqlite3
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

SCHEMA = """
CREATE TABLE datasets (
    uuid INTEGER PRIMARY KEY,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    UNIQUE (namespace, name)
);
CREATE TABLE jobs (
    uuid INTEGER PRIMARY KEY,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    UNIQUE (namespace, name)
);
-- Marquez: job_versions_io_mapping (only the current job version here: one run per job).
CREATE TABLE job_io (
    job_uuid INTEGER NOT NULL REFERENCES jobs (uuid),
    dataset_uuid INTEGER NOT NULL REFERENCES datasets (uuid),
    io_type TEXT NOT NULL CHECK (io_type IN ('INPUT', 'OUTPUT')),
    PRIMARY KEY (job_uuid, io_type, dataset_uuid)
) WITHOUT ROWID;
CREATE INDEX job_io_by_dataset ON job_io (dataset_uuid, io_type, job_uuid);
CREATE TABLE dataset_fields (
    uuid INTEGER PRIMARY KEY,
    dataset_uuid INTEGER NOT NULL REFERENCES datasets (uuid),
    name TEXT NOT NULL,
    type TEXT,
    UNIQUE (dataset_uuid, name)
);
CREATE TABLE column_lineage (
    output_field_uuid INTEGER NOT NULL REFERENCES dataset_fields (uuid),
    input_field_uuid INTEGER NOT NULL REFERENCES dataset_fields (uuid),
    transformation_type TEXT,
    transformation_subtype TEXT,
    PRIMARY KEY (output_field_uuid, input_field_uuid)
) WITHOUT ROWID;
CREATE INDEX column_lineage_by_input ON column_lineage (input_field_uuid, output_field_uuid);
CREATE TABLE owners (
    subject TEXT NOT NULL,  -- 'dataset:<uuid>' or 'job:<uuid>'
    owner TEXT NOT NULL,
    PRIMARY KEY (subject, owner)
) WITHOUT ROWID;
"""

# Downstream datasets with their distance; the bounded form carries depth in the recursion.
_REACH_BOUNDED = """
reach(dataset_uuid, depth) AS (
    SELECT :start, 0
    UNION
    SELECT o.dataset_uuid, r.depth + 1
    FROM reach r
    JOIN job_io i ON i.dataset_uuid = r.dataset_uuid AND i.io_type = 'INPUT'
    JOIN job_io o ON o.job_uuid = i.job_uuid AND o.io_type = 'OUTPUT'
    WHERE r.depth < :depth
),
ds(dataset_uuid, depth) AS MATERIALIZED (SELECT dataset_uuid, MIN(depth) FROM reach GROUP BY dataset_uuid)
"""
_REACH_UNBOUNDED = """
reach(dataset_uuid) AS (
    SELECT :start
    UNION
    SELECT o.dataset_uuid
    FROM reach r
    JOIN job_io i ON i.dataset_uuid = r.dataset_uuid AND i.io_type = 'INPUT'
    JOIN job_io o ON o.job_uuid = i.job_uuid AND o.io_type = 'OUTPUT'
),
ds(dataset_uuid, depth) AS MATERIALIZED (SELECT dataset_uuid, 0 FROM reach)
"""
# The whole answer in one statement: datasets, the jobs that read them inside the depth limit,
# and the READS/WRITES edges between those (what a lineage client draws).
_LINEAGE_TAIL = """
, readers(dataset_uuid, job_uuid) AS MATERIALIZED (
    SELECT i.dataset_uuid, i.job_uuid FROM ds JOIN job_io i ON i.dataset_uuid = ds.dataset_uuid AND i.io_type = 'INPUT'
    WHERE ds.depth < :depth
)
SELECT 'D', d.namespace, d.name, ds.depth, NULL FROM ds JOIN datasets d ON d.uuid = ds.dataset_uuid
UNION ALL
SELECT 'J', j.namespace, j.name, NULL, NULL FROM (SELECT DISTINCT job_uuid FROM readers) r JOIN jobs j ON j.uuid = r.job_uuid
UNION ALL
SELECT 'R', r.dataset_uuid, r.job_uuid, NULL, NULL FROM readers r
UNION ALL
SELECT 'W', o.job_uuid, o.dataset_uuid, NULL, NULL
FROM (SELECT DISTINCT job_uuid FROM readers) r
JOIN job_io o ON o.job_uuid = r.job_uuid AND o.io_type = 'OUTPUT'
JOIN ds ON ds.dataset_uuid = o.dataset_uuid
"""
# Impact: the affected datasets and jobs with their distance, and whom to tell (their owners).
_IMPACT_TAIL = """
, readers(dataset_uuid, job_uuid, depth) AS MATERIALIZED (
    SELECT i.dataset_uuid, i.job_uuid, ds.depth FROM ds JOIN job_io i ON i.dataset_uuid = ds.dataset_uuid AND i.io_type = 'INPUT'
    WHERE ds.depth < :depth
),
affected(subject, kind, namespace, name, depth) AS MATERIALIZED (
    SELECT 'dataset:' || d.uuid, 'D', d.namespace, d.name, ds.depth FROM ds JOIN datasets d ON d.uuid = ds.dataset_uuid
    WHERE ds.dataset_uuid != :start
    UNION ALL
    SELECT 'job:' || j.uuid, 'J', j.namespace, j.name, MIN(r.depth) + 1 FROM readers r JOIN jobs j ON j.uuid = r.job_uuid
    GROUP BY j.uuid
)
SELECT kind, namespace, name, depth, NULL FROM affected
UNION ALL
SELECT DISTINCT 'O', o.owner, NULL, NULL, NULL FROM affected a JOIN owners o ON o.subject = a.subject
"""

UNBOUNDED = 1 << 30


@dataclass
class SqlResult:
    """One baseline answer: datasets and jobs as (namespace, name), edges by uuid, owners."""

    datasets: list[tuple[str, str, int]] = field(default_factory=list)
    jobs: list[tuple[str, str, int | None]] = field(default_factory=list)
    edges: list[tuple[str, int, int]] = field(default_factory=list)
    owners: list[str] = field(default_factory=list)

    def dataset_ids(self) -> set[str]:
        """Dataset ids in lineagemesh's spelling (``dataset:{namespace}:{name}``)."""
        return {f"dataset:{ns}:{name}" for ns, name, _ in self.datasets}

    def job_ids(self) -> set[str]:
        return {f"job:{ns}:{name}" for ns, name, _ in self.jobs}

    @property
    def node_count(self) -> int:
        return len(self.datasets) + len(self.jobs)


def _events(source: Path | str | Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    if not isinstance(source, (str, Path)):
        yield from source
        return
    path = Path(source)
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as handle:
        for line in handle:
            if line.strip():
                yield orjson.loads(line)


class Baseline:
    """A SQLite database in the Marquez shape, and the recursive-CTE walks over it."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    # -- loading ------------------------------------------------------------------------------

    @classmethod
    def load(
        cls, source: Path | str | Iterable[dict[str, Any]], path: Path | str = ":memory:"
    ) -> Baseline:
        """Load OpenLineage events (an NDJSON file, gzip allowed, or an iterable of dicts)."""
        db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.executescript(SCHEMA)
        loader = _Loader(db)
        db.execute("BEGIN")
        for event in _events(source):
            loader.event(event)
        db.execute("COMMIT")
        # No ANALYZE: with statistics SQLite 3.40 plans Bloom filters that scan job_io on every
        # recursive step (10x slower at 10k datasets); without, every step is an index search.
        return cls(db)

    @classmethod
    def open(cls, path: Path | str) -> Baseline:
        """A database :meth:`load` wrote to a file before."""
        if not Path(path).exists():
            raise FileNotFoundError(path)
        return cls(sqlite3.connect(str(path), isolation_level=None, check_same_thread=False))

    def counts(self) -> dict[str, int]:
        tables = ("datasets", "jobs", "job_io", "dataset_fields", "column_lineage", "owners")
        return {t: self.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Baseline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- queries ------------------------------------------------------------------------------

    def dataset_uuid(self, namespace: str, name: str) -> int:
        row = self.db.execute(
            "SELECT uuid FROM datasets WHERE namespace = ? AND name = ?", (namespace, name)
        ).fetchone()
        if row is None:
            raise KeyError(f"no dataset {namespace}:{name}")
        return row[0]

    def _run(self, tail: str, namespace: str, name: str, depth: int | None) -> SqlResult:
        start = self.dataset_uuid(namespace, name)
        reach = _REACH_UNBOUNDED if depth is None else _REACH_BOUNDED
        limit = UNBOUNDED if depth is None else max(depth, 0)
        result = SqlResult()
        for kind, a, b, c, _ in self.db.execute(
            "WITH RECURSIVE " + reach + tail, {"start": start, "depth": limit}
        ):
            if kind == "D":
                result.datasets.append((a, b, c))
            elif kind == "J":
                result.jobs.append((a, b, c))
            elif kind == "O":
                result.owners.append(a)
            else:
                result.edges.append((kind, a, b))
        return result

    def lineage(self, namespace: str, name: str, depth: int | None = 20) -> SqlResult:
        """Downstream lineage of a dataset: datasets, jobs and READS/WRITES edges."""
        return self._run(_LINEAGE_TAIL, namespace, name, depth)

    def impact(self, namespace: str, name: str, depth: int | None = None) -> SqlResult:
        """What changing a dataset affects downstream: datasets and jobs with distance, owners."""
        return self._run(_IMPACT_TAIL, namespace, name, depth)

    def downstream_adjacency(
        self,
    ) -> tuple[dict[int, tuple[str, str]], dict[int, list[int]], dict[int, list[int]]]:
        """(datasets by uuid, dataset → reading jobs, job → written datasets), for picking starts."""
        names = {
            uuid: (ns, name)
            for uuid, ns, name in self.db.execute("SELECT uuid, namespace, name FROM datasets")
        }
        readers: dict[int, list[int]] = {}
        writes: dict[int, list[int]] = {}
        for job, dataset, io_type in self.db.execute(
            "SELECT job_uuid, dataset_uuid, io_type FROM job_io"
        ):
            if io_type == "INPUT":
                readers.setdefault(dataset, []).append(job)
            else:
                writes.setdefault(job, []).append(dataset)
        return names, readers, writes


class _Loader:
    """Upserts rows per event, like Marquez's OpenLineageDao (minus versions and history)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.datasets: dict[tuple[str, str], int] = {}
        self.jobs: dict[tuple[str, str], int] = {}
        self.fields: dict[tuple[int, str], int] = {}

    def dataset(self, namespace: str, name: str, facets: dict[str, Any] | None = None) -> int:
        key = (namespace, name)
        uuid = self.datasets.get(key)
        if uuid is None:
            uuid = self.datasets[key] = len(self.datasets) + 1
            self.db.execute(
                "INSERT INTO datasets (uuid, namespace, name) VALUES (?, ?, ?)",
                (uuid, namespace, name),
            )
        facets = facets or {}
        if "documentation" in facets:
            self.db.execute(
                "UPDATE datasets SET description = ? WHERE uuid = ?",
                (facets["documentation"].get("description"), uuid),
            )
        for f in (facets.get("schema") or {}).get("fields") or []:
            self.field(uuid, f["name"], f.get("type"))
        for owner in (facets.get("ownership") or {}).get("owners") or []:
            self.db.execute(
                "INSERT OR IGNORE INTO owners VALUES (?, ?)", (f"dataset:{uuid}", owner["name"])
            )
        lineage = facets.get("columnLineage") or {}
        for out_field, spec in (lineage.get("fields") or {}).items():
            out_uuid = self.field(uuid, out_field)
            for source in spec.get("inputFields") or []:
                in_uuid = self.field(
                    self.dataset(source["namespace"], source["name"]), source["field"]
                )
                first = (source.get("transformations") or [{}])[0]
                self.db.execute(
                    "INSERT OR IGNORE INTO column_lineage VALUES (?, ?, ?, ?)",
                    (out_uuid, in_uuid, first.get("type"), first.get("subtype")),
                )
        return uuid

    def field(self, dataset: int, name: str, type_: str | None = None) -> int:
        key = (dataset, name)
        uuid = self.fields.get(key)
        if uuid is None:
            uuid = self.fields[key] = len(self.fields) + 1
            self.db.execute(
                "INSERT INTO dataset_fields VALUES (?, ?, ?, ?)", (uuid, dataset, name, type_)
            )
        elif type_ is not None:
            self.db.execute("UPDATE dataset_fields SET type = ? WHERE uuid = ?", (type_, uuid))
        return uuid

    def job(self, namespace: str, name: str, facets: dict[str, Any] | None = None) -> int:
        key = (namespace, name)
        uuid = self.jobs.get(key)
        if uuid is None:
            uuid = self.jobs[key] = len(self.jobs) + 1
            self.db.execute("INSERT INTO jobs VALUES (?, ?, ?)", (uuid, namespace, name))
        for owner in ((facets or {}).get("ownership") or {}).get("owners") or []:
            self.db.execute(
                "INSERT OR IGNORE INTO owners VALUES (?, ?)", (f"job:{uuid}", owner["name"])
            )
        return uuid

    def event(self, event: dict[str, Any]) -> None:
        if "dataset" in event and "job" not in event:
            ds = event["dataset"]
            self.dataset(ds["namespace"], ds["name"], ds.get("facets"))
            return
        job = event["job"]
        job_uuid = self.job(job["namespace"], job["name"], job.get("facets"))
        for side, io_type in (("inputs", "INPUT"), ("outputs", "OUTPUT")):
            for ds in event.get(side) or []:
                uuid = self.dataset(ds["namespace"], ds["name"], ds.get("facets"))
                self.db.execute(
                    "INSERT OR IGNORE INTO job_io VALUES (?, ?, ?)", (job_uuid, uuid, io_type)
                )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ndjson", type=Path, help="OpenLineage NDJSON (gzip allowed)")
    parser.add_argument(
        "--start", nargs=2, metavar=("NAMESPACE", "NAME"), help="a dataset to walk downstream from"
    )
    parser.add_argument("--depth", type=int, default=None, help="hops (default unbounded)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with Baseline.load(args.ndjson) as sql:
        print(f"loaded {sql.counts()} in {time.perf_counter() - started:.1f}s")
        if args.start:
            started = time.perf_counter()
            namespace, name = args.start
            result = sql.lineage(namespace, name, depth=args.depth)
            print(
                f"{len(result.datasets)} datasets, {len(result.jobs)} jobs, {len(result.edges)} edges "
                f"in {1000 * (time.perf_counter() - started):.1f} ms"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
