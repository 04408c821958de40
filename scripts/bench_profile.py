"""``--profile``: where the time of one workload goes, function by function (py-spy sampling,
self time per function).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import generate_mesh
from bench_cells import (
    IMPACT_GQL,
    LINEAGE_GQL,
    Start,
    _depth_arg,
    in_store_runner,
    log,
    starts_of_mesh,
)
from bench_ingest import ingest_direct
from devservers.neo4j import wipe as wipe_neo4j

from graph.stores import open_store

# -- profiles ---------------------------------------------------------------------------------

PROFILES = ("ingest", "lineage", "impact", "graphql-lineage", "graphql-impact")


def self_times(root: Any) -> list[tuple[float, str]]:
    """Self time per function over a pyinstrument frame tree, biggest first."""
    totals: dict[str, float] = {}
    stack = [root]
    while stack:
        frame = stack.pop()
        stack.extend(frame.children)
        if frame.is_synthetic:
            continue
        key = f"{frame.function} ({frame.file_path_short}:{frame.line_no})"
        totals[key] = totals.get(key, 0.0) + frame.total_self_time
    return sorted(((t, k) for k, t in totals.items()), reverse=True)


class PySpy:
    """py-spy attached to this process for one region (sampling from outside: no overhead in the
    profiled code, unlike a setprofile-based profiler on call-dense code)."""

    def __init__(self, raw_path: Path, rate: int = 250) -> None:
        self.raw_path = raw_path
        self.rate = rate
        self.process: subprocess.Popen[bytes] | None = None
        self.began = 0.0

    def start(self) -> None:
        exe = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        self.process = subprocess.Popen(
            [
                exe,
                "record",
                "--pid",
                str(os.getpid()),
                "--format",
                "raw",
                "--rate",
                str(self.rate),
                "--output",
                str(self.raw_path),
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        time.sleep(1.0)  # let it attach
        self.began = time.perf_counter()

    def stop(self) -> float:
        elapsed = time.perf_counter() - self.began
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        _, err = self.process.communicate(timeout=120)
        if not self.raw_path.exists():
            raise RuntimeError(f"py-spy wrote nothing: {err.decode(errors='replace')[-500:]}")
        return elapsed


def raw_self_times(raw_path: Path) -> tuple[int, list[tuple[int, str]]]:
    """Samples and self samples per function from py-spy's raw (collapsed stack) output."""
    totals: dict[str, int] = {}
    count = 0
    for line in raw_path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack or not n.isdigit():
            continue
        count += int(n)
        leaf = stack.rsplit(";", 1)[-1].strip() or "(idle)"
        if (
            leaf.endswith(")") and ":" in leaf
        ):  # "function (file.py:123)" -> per function, not per line
            leaf = leaf.rsplit(":", 1)[0] + ")"
        totals[leaf] = totals.get(leaf, 0) + int(n)
    return count, sorted(((n, k) for k, n in totals.items()), reverse=True)


def profile_workload(args: argparse.Namespace, tmp: Path) -> None:
    """Profile one workload (its region only) with py-spy (default) or pyinstrument and write the
    top functions by self time, and the raw stacks or call tree, to ``--profile-out``. Client side
    only for Neo4j: time spent waiting for the server shows up as socket reads."""
    if args.profiler == "pyinstrument":
        try:
            from pyinstrument import Profiler
        except ImportError:
            raise SystemExit(
                "--profiler pyinstrument needs it: .venv/bin/pip install pyinstrument"
            ) from None
    kind, store_name = args.profile, ("neo4j" if args.store == "neo4j" else "embedded")
    ndjson = tmp / "mesh.ndjson"
    generate_mesh.write_mesh(str(ndjson), args.datasets, args.seed)
    neo4j_server = None
    if store_name == "neo4j":
        uri = args.neo4j_uri
        if uri is None:
            from devservers import neo4j as neo4j_launcher

            neo4j_server = neo4j_launcher.start(
                data_dir=tmp / "neo4j", heap=args.neo4j_heap, page_cache=args.neo4j_page_cache
            )
            uri = neo4j_server.uri
        wipe_neo4j(uri)
        store = open_store(uri)
    else:
        store = open_store(data_dir=str(tmp / "embedded"))
    out = args.profile_out
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{store_name}-{kind}-{args.datasets}"
    profiler: Any = (
        Profiler(interval=0.001) if args.profiler == "pyinstrument" else PySpy(out / f"{stem}.raw")
    )
    try:
        if kind == "ingest":
            ingest_direct(store, ndjson, limit=args.batch_events, workers=0)  # warm-up batch
            profiler.start()
            stats = ingest_direct(
                store, ndjson, skip=args.batch_events, workers=0
            )  # this process only: what a profiler sees
            elapsed = profiler.stop()
            log(f"profiled ingest: {stats.as_dict()}")
        else:
            ingest_direct(store, ndjson, workers=args.ingest_workers)
            starts = starts_of_mesh(ndjson, args)["large"]
            query = kind.removeprefix("graphql-")
            run: Callable[[Start], int]
            if kind.startswith("graphql-"):
                from graph.serve.schema import context, schema

                text = LINEAGE_GQL if query == "lineage" else IMPACT_GQL

                def graphql_run(start: Start) -> int:
                    variables = {
                        "id": start.id,
                        "depth": _depth_arg(None) if query == "lineage" else None,
                    }
                    result = schema.execute_sync(
                        text, variable_values=variables, context_value=context(store)
                    )
                    if result.errors:
                        raise RuntimeError(str(result.errors))
                    return len(
                        json.dumps({"data": result.data}, separators=(",", ":"))
                    )  # as strawberry encodes

                run = graphql_run
            else:
                run = in_store_runner(store, query, None)
            run(starts[0])
            profiler.start()
            began = time.perf_counter()
            for i in range(args.reps):
                run(starts[i % len(starts)])
            log(
                f"profiled {args.reps} {kind} queries: {1000 * (time.perf_counter() - began) / args.reps:.1f} ms each"
            )
            elapsed = profiler.stop()
    finally:
        store.close()
        if neo4j_server is not None:
            from devservers import neo4j as neo4j_launcher

            neo4j_launcher.stop(neo4j_server)
    if args.profiler == "pyinstrument":
        session = profiler.last_session
        (out / f"{stem}.txt").write_text(
            profiler.output_text(unicode=False, color=False, show_all=False)
        )
        total = session.duration or 1.0
        ranked = [(t / total, k) for t, k in self_times(session.root_frame())]
    else:
        samples, counted = raw_self_times(out / f"{stem}.raw")
        # py-spy records only threads that run (no --idle): the gap to the elapsed time is waiting
        # (for Neo4j, for the disk). Shares are of the samples taken; seconds are samples / rate.
        total = samples / profiler.rate
        ranked = [(n / max(samples, 1), k) for n, k in counted]
        lines = [
            (
                f"{stem} (py-spy): {elapsed:.2f} s elapsed, {total:.2f} s running Python in this process "
                f"({100 * total / elapsed:.0f}%); top functions by self time, as a share of the running time"
            )
        ]
    if args.profiler == "pyinstrument":
        lines = [f"{stem} (pyinstrument): {total:.2f} s profiled; top functions by self time"]
    lines += [f"{100 * share:5.1f}%  {share * total:7.3f} s  {k}" for share, k in ranked[:40]]
    (out / f"{stem}-self.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines[:26]))
    log(f"wrote {out / (stem + '-self.txt')}")
