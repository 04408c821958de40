#!/usr/bin/env python3
"""Deterministic synthetic data-mesh generator emitting OpenLineage 2-0-2 NDJSON.

Usage::

    python scripts/generate_mesh.py --datasets 10000 --seed 7 --out mesh.ndjson.gz
    python scripts/generate_mesh.py --datasets 2000 --seed 7 --out - | head
    python scripts/generate_mesh.py --datasets 10000 --out mesh.ndjson --domain-rules domains.json
    lineagemesh ingest openlineage mesh.ndjson --domain-rules domains.json

Library use::

    from generate_mesh import generate, mesh_shape
    for event in generate(2000, seed=7):
        ...
    shape = mesh_shape(2000, seed=7)   # what the mesh is meant to look like
    rules = domain_rules(2000)         # the --domain-rules document of its domains

Only the standard library is needed; ``orjson`` is used when importable (the
``json`` fallback produces byte-identical output for the values emitted here).
The same arguments always give byte-identical output: all randomness comes from
``random.Random`` instances seeded from the arguments, timestamps are offsets
from a fixed base time and run ids are UUIDs built from the random stream.

Shape of the mesh (N datasets):

* D domains (default ``max(3, N // 2000)``): ``sales``, ``finance``, ... then
  ``domain_017`` ...; each domain owns data products of 5-20 tables named
  ``{domain}.{product}.table_{i}`` in namespace ``warehouse://{domain}``, each
  with about ``--columns`` columns (schema facet); OpenLineage carries no domain, so
  ``--domain-rules FILE`` writes the rules (one per domain namespace) that ``lineagemesh ingest
  openlineage --domain-rules FILE`` maps them by, as a real mesh is mapped; PII columns (``email``,
  ``phone``, ...) are also tagged through the ``tags`` dataset facet.
* Products are arranged in 8 layers: layer 0 (about 8% of the datasets) is
  source-aligned (no upstream, schemas published with DatasetEvents); a
  product in layer L reads tables of lower layers (often the last table, its
  "output port", often another domain) and chains its own tables.
* One job (namespace ``airflow://{domain}``) per written dataset, about 10% of
  the jobs write two tables.  Jobs read 1-4 datasets; ``max(3, N/1000)`` hub
  tables are read by a Zipf-distributed share of about 35% of all jobs.
* Guaranteed structures: a spine chain of ``max(10, 16*log10(N))`` hops
  (52 at 2k, 64 at 10k, 80 at 100k, 96 at 1M; the longest path of the dataset
  graph with cycles condensed is at least that), ``max(2, N/1000)`` explicit
  diamonds, ``max(2, N/2000)`` 2- and 3-job loops across tables (diamonds and
  loops need a few hundred datasets to fit), and ~0.5% of jobs that read the
  table they write (at least one).  ``mesh_shape()`` lists them by name.
* Every output carries schema, columnLineage (ColumnLineageDatasetFacet 1-2-0,
  DIRECT IDENTITY/TRANSFORMATION/AGGREGATION, INDIRECT FILTER/JOIN/GROUP_BY/
  SORT/WINDOW/CONDITIONAL, masking on some PII columns), ownership,
  documentation and (for PII tables) tags facets on START; the COMPLETE event
  repeats inputs/outputs without dataset facets (outputs carry
  outputStatistics).  Events are written in eventTime order.

Steady state (``--reruns K --change-rate P``): what schedulers send once the mesh exists, every
job running again and again.  After the mesh above, K-1 more rounds follow (a round one mesh
span plus an hour after the previous one, jobs in the same order): each re-run is a new
START/COMPLETE pair (new runId, later eventTimes, new outputStatistics).  A fraction P of the
re-runs changes one output: a column added, a column retyped, or a column's lineage input
moved; the change stays for the job's later runs, as a deployed change does.  The other re-runs
repeat the job's latest schema, columnLineage and other facets byte for byte.  The re-run
randomness has its own stream, so the first round is the mesh ``--reruns 1`` gives; re-runs
hold each job's latest START in memory (O(jobs) events).
"""

from __future__ import annotations

import argparse
import gzip
import json
import queue
import sys
import threading
import time
from collections.abc import Iterator

from mesh_events import _Emitter
from mesh_openlineage import _orjson, dumps_json_line, dumps_line
from mesh_plan import MeshShape, _Plan, mesh_shape
from mesh_vocabulary import PII_COLUMN_NAMES, default_domains, domain_name, domain_namespace

# What scripts and tests use as ``generate_mesh.X``, defined in the modules above.
__all__ = [
    "PII_COLUMN_NAMES",
    "MeshShape",
    "domain_rules",
    "dumps_json_line",
    "dumps_line",
    "generate",
    "mesh_shape",
    "write_mesh",
]


def generate(
    datasets: int,
    seed: int,
    columns: int = 10,
    domains: int | None = None,
    reruns: int = 1,
    change_rate: float = 0.0,
) -> Iterator[dict]:
    """Yield the mesh's OpenLineage events (DatasetEvents and RunEvents) in eventTime order;
    ``reruns`` runs of every job, ``change_rate`` of the re-runs changing an output (module doc).

    Streams: memory is O(datasets) small integers, never the events themselves (but each job's
    latest START with ``reruns`` > 1).  Treat the yielded dicts as read-only: facet objects
    that never change (schema per column template, transformation descriptors, jobType) are
    shared between events.
    """
    plan = _Plan(datasets, seed, columns, domains)
    yield from _Emitter(plan, reruns, change_rate).events()


def domain_rules(datasets: int, domains: int | None = None) -> dict:
    """The domain rules document (``lineagemesh ingest openlineage --domain-rules``) putting every
    dataset of the mesh in its domain: the events name no domain, as real pipelines' do not."""
    n_domains = int(domains) if domains else default_domains(datasets)
    names = [domain_name(i) for i in range(n_domains)]
    return {"rules": [{"domain": d, "namespace": domain_namespace(d)} for d in names]}


# --------------------------------------------------------------------------- output
class _ThreadedWriter:
    """Writes byte chunks from a background thread (zlib/file I/O release the GIL)."""

    def __init__(self, raw, compresslevel: int | None):
        self._raw = raw
        self._gz = (
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=compresslevel, mtime=0)
            if compresslevel is not None
            else None
        )
        self._sink = self._gz if self._gz is not None else raw
        self._q: queue.Queue = queue.Queue(maxsize=8)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="mesh-writer", daemon=True)
        self._thread.start()

    def _run(self):
        try:
            while True:
                chunk = self._q.get()
                if chunk is None:
                    break
                self._sink.write(chunk)
        except BaseException as exc:  # noqa: BLE001 - handed to the writing thread  # pragma: no cover
            self._error = exc
            while self._q.get() is not None:
                pass

    def write(self, chunk: bytes):
        if self._error is not None:
            raise self._error
        self._q.put(chunk)

    def close(self):
        self._q.put(None)
        self._thread.join()
        if self._gz is not None:
            self._gz.close()
        self._raw.flush()
        if self._error is not None:
            raise self._error


def write_mesh(
    out,
    datasets: int,
    seed: int,
    columns: int = 10,
    domains: int | None = None,
    compresslevel: int = 6,
    progress: bool = False,
    reruns: int = 1,
    change_rate: float = 0.0,
) -> dict:
    """Write the mesh as NDJSON to path ``out`` (``.gz`` => gzip, ``-`` => stdout). Returns stats."""
    t0 = time.perf_counter()
    if out == "-":
        raw = sys.stdout.buffer
        close_raw = False
    else:
        raw = open(out, "wb")  # noqa: SIM115 - closed by the writer below, or left open as stdout is
        close_raw = True
    gz = compresslevel if (out != "-" and str(out).endswith(".gz")) else None
    writer = _ThreadedWriter(raw, gz)
    n_events = 0
    n_bytes = 0
    buf: list[bytes] = []
    buf_bytes = 0
    dumps = dumps_line
    try:
        for ev in generate(datasets, seed, columns, domains, reruns, change_rate):
            line = dumps(ev)
            buf.append(line)
            buf_bytes += len(line)
            n_events += 1
            if buf_bytes >= 1 << 20:
                writer.write(b"".join(buf))
                n_bytes += buf_bytes
                buf, buf_bytes = [], 0
            if progress and n_events % 200_000 == 0:
                el = time.perf_counter() - t0
                print(
                    f"  {n_events:,} events, {el:.1f}s, {n_events / el:,.0f} ev/s", file=sys.stderr
                )
        if buf:
            writer.write(b"".join(buf))
            n_bytes += buf_bytes
    finally:
        writer.close()
        if close_raw:
            raw.close()
    elapsed = time.perf_counter() - t0
    return {
        "events": n_events,
        "uncompressed_bytes": n_bytes,
        "seconds": round(elapsed, 3),
        "events_per_second": round(n_events / elapsed) if elapsed > 0 else None,
        "serializer": "orjson" if _orjson is not None else "json",
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--datasets", type=int, required=True, help="number of datasets (>= 50)")
    ap.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    ap.add_argument("--out", required=True, help="output file; '.gz' suffix => gzip; '-' => stdout")
    ap.add_argument(
        "--columns", type=int, default=10, help="average columns per dataset (default 10)"
    )
    ap.add_argument(
        "--domains", type=int, default=None, help="number of domains (default max(3, N//2000))"
    )
    ap.add_argument(
        "--compresslevel",
        type=int,
        default=6,
        choices=range(10),
        metavar="0-9",
        help="gzip level for .gz output (default 6)",
    )
    ap.add_argument(
        "--reruns",
        type=int,
        default=1,
        metavar="K",
        help="runs of every job (default 1); K > 1 adds the steady state: K-1 more rounds",
    )
    ap.add_argument(
        "--change-rate",
        type=float,
        default=0.0,
        metavar="P",
        help="share of re-runs that change an output's schema or column lineage (default 0)",
    )
    ap.add_argument(
        "--domain-rules",
        metavar="FILE",
        help="also write the mesh's domain rules (JSON) for ingest openlineage --domain-rules",
    )
    ap.add_argument(
        "--summary", action="store_true", help="print the intended mesh shape (JSON) to stderr"
    )
    ap.add_argument("--quiet", action="store_true", help="no statistics on stderr")
    ap.add_argument("--progress", action="store_true", help="progress lines on stderr")
    args = ap.parse_args(argv)
    try:
        if args.summary:
            shape = mesh_shape(args.datasets, args.seed, args.columns, args.domains, args.reruns)
            print(json.dumps(shape.to_dict(max_items=10), indent=2), file=sys.stderr)
        if args.domain_rules:
            rules = domain_rules(args.datasets, args.domains)
            with open(args.domain_rules, "w") as out:
                json.dump(rules, out, indent=2)
        stats = write_mesh(
            args.out,
            args.datasets,
            args.seed,
            args.columns,
            args.domains,
            compresslevel=args.compresslevel,
            progress=args.progress,
            reruns=args.reruns,
            change_rate=args.change_rate,
        )
    except ValueError as exc:
        ap.error(str(exc))
    if not args.quiet:
        print(json.dumps(stats), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
