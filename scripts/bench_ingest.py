"""The bench's ingest cells: the direct path (``graph.intake.bulk_load`` as ``lineagemesh ingest``
runs it), HTTP batches from concurrent clients, and the steady state's re-runs.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import generate_mesh
from bench_cells import QUIET, _count_events, log, read_batches
from devservers.neo4j import wipe as wipe_neo4j

from graph.core.heap import REMOTE, tune_gc
from graph.eventlog.event_log_migration import open_event_log
from graph.intake.bulk_load import LoadReport, load_events
from graph.intake.ingest_service import IngestService
from graph.stores import Store, open_store

# -- ingest -----------------------------------------------------------------------------------


@dataclass
class DirectIngest:
    """``lineagemesh ingest openlineage`` as it runs (graph.intake.bulk_load): wall-clock throughput, with
    what translating (parse, validate, translate: CPU, in the workers) and applying took apart."""

    report: LoadReport

    @property
    def events(self) -> int:
        return self.report.events

    @property
    def changes(self) -> int:
        return self.report.changes

    def as_dict(self) -> dict[str, Any]:
        r = self.report
        return {
            "events": r.events,
            "changes": r.changes,
            "workers": r.workers,
            "seconds": round(r.seconds, 3),
            "events_per_s": round(r.events / r.seconds, 1) if r.seconds else None,
            "translate_cpu_s": round(r.translate_cpu_seconds, 3),
            "translate_events_per_s": round(r.events / r.translate_cpu_seconds, 1)
            if r.translate_cpu_seconds
            else None,
            "apply_s": round(r.apply_seconds, 3),
            "apply_events_per_s": round(r.events / r.apply_seconds, 1) if r.apply_seconds else None,
        }


def ingest_direct(
    store: Store, ndjson: Path, skip: int = 0, limit: int | None = None, workers: int | None = None
) -> DirectIngest:
    """The events of ``ndjson`` (after ``skip``, at most ``limit``) loaded as ``lineagemesh ingest``
    loads them: read and translated in worker processes beside this one's apply, in chunks of
    ``graph.intake.bulk_load.CHUNK_EVENTS``, the heap settled after each."""
    source = ndjson
    if skip or limit is not None:
        source = ndjson.with_name(f"{ndjson.stem}-{skip}-{limit}.ndjson")
        with open(source, "wb") as out:
            for batch in read_batches(ndjson, 1000, skip, limit):
                out.writelines(batch)
    if os.environ.get(
        "LINEAGEMESH_BENCH_NO_EVENT_LOG"
    ):  # the same load without the raw event log, to measure its cost
        return DirectIngest(load_events(IngestService(store), [source], workers=workers))
    with contextlib.ExitStack() as scratch:
        directory = (
            Path(
                scratch.enter_context(
                    tempfile.TemporaryDirectory(prefix="lineagemesh-bench-events-")
                )
            )
            if store.remote
            else None
        )
        with open_event_log(store, directory) as log:
            return DirectIngest(load_events(IngestService(store, log), [source], workers=workers))


def ingest_http(
    url: str, ndjson: Path, batch_events: int, clients: int, skip: int = 0, limit: int | None = None
) -> dict[str, Any]:
    """POST /api/v1/lineage/batch from ``clients`` threads, each sending the next batch of the file."""
    import httpx

    # Bodies are cut from the file as clients ask for them (a join of raw lines: microseconds),
    # so a 100k-dataset run does not hold every request in memory.
    batches = read_batches(ndjson, batch_events, skip, limit)
    feed = threading.Lock()
    events = 0

    def next_body() -> bytes | None:
        nonlocal events
        with feed:
            lines = next(batches, None)
            if lines is None:
                return None
            events += len(lines)
            return b"[" + b",".join(line.rstrip(b"\n") for line in lines) + b"]"

    accepted = rejected = requests = 0
    errors: list[str] = []
    lock = threading.Lock()

    def client() -> None:
        nonlocal accepted, rejected, requests
        with httpx.Client(
            base_url=url, timeout=600, headers={"content-type": "application/json"}
        ) as http:
            while (body := next_body()) is not None:
                try:
                    for _ in range(
                        20
                    ):  # 503: the store is busy or unreachable; the contract says retry
                        response = http.post("/api/v1/lineage/batch", content=body)
                        if response.status_code != 503:
                            break
                        time.sleep(0.5)
                except httpx.HTTPError as e:
                    with lock:
                        errors.append(f"{type(e).__name__}: {e}")
                    return
                with lock:
                    requests += 1
                    if response.status_code != 200:
                        errors.append(f"{response.status_code}: {response.text[:200]}")
                        continue
                    answer = response.json()
                    accepted += answer["accepted"]
                    rejected += answer["rejected"]

    threads = [threading.Thread(target=client, name=f"bench-client-{i}") for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"HTTP ingest failed ({len(errors)} requests): {errors[0]}")
    return {
        "events": events,
        "accepted": accepted,
        "rejected": rejected,
        "requests": requests,
        "batch_events": batch_events,
        "clients": clients,
        "seconds": round(elapsed, 3),
        "events_per_s": round(accepted / elapsed, 1) if elapsed else None,
    }


# -- steady state -----------------------------------------------------------------------------


def elements_written(url: str) -> float:
    """The server's ``lineagemesh_ingest_elements_written_total``: nodes and edges its ingest changed."""
    import httpx

    for line in httpx.get(f"{url}/metrics", timeout=120).text.splitlines():
        if line.startswith("lineagemesh_ingest_elements_written_total "):
            return float(line.split()[1])
    raise RuntimeError("the server reports no lineagemesh_ingest_elements_written_total")


def steady_cell(
    args: argparse.Namespace, tmp: Path, reruns: int, change_rate: float, stores: dict[str, str]
) -> dict[str, Any]:
    """One steady-state cell: the mesh loaded once (its first round), then its re-runs (rounds 2..K),
    the first half through the direct path and the second half over HTTP, into each store.
    Elements written are what the store changed (``Store.apply``'s count, the server's
    ``lineagemesh_ingest_elements_written_total``): the same counter on every store."""
    from devservers.lineagemesh import LineagemeshServer

    mesh = tmp / f"steady-{reruns}-{change_rate}.ndjson"
    generate_mesh.write_mesh(
        str(mesh), args.datasets, args.seed, reruns=reruns, change_rate=change_rate
    )
    base = generate_mesh.mesh_shape(args.datasets, args.seed).events
    total = _count_events(mesh)
    half = (total - base) // 2
    cell: dict[str, Any] = {
        "reruns": reruns,
        "change_rate": change_rate,
        "events": total,
        "first_round_events": base,
        "rerun_events": total - base,
    }
    for name, uri in stores.items():
        log(
            f"steady K={reruns} P={change_rate} on {name}: loading the first round ({base:,} events)"
        )
        if name == "neo4j":
            tune_gc(REMOTE)
            wipe_neo4j(uri)
            store = open_store(uri)
            serve_args = [
                "--store",
                uri,
                "--event-log",
                str(tmp / f"steady-{reruns}-{change_rate}-events"),
            ]
        else:
            data_dir = tmp / f"steady-{reruns}-{change_rate}-embedded"
            store = open_store(data_dir=str(data_dir))
            serve_args = ["--data-dir", str(data_dir)]
        # A store writing to a server also counts what it wrote there (Neo4j: a re-run's unchanged
        # columns move their dataset's column clock, one write, where the rule changes each of them).
        rewritten: list[int] = []
        try:
            first = ingest_direct(store, mesh, limit=base, workers=args.ingest_workers)
            rewritten.append(getattr(store, "elements_written", 0))
            log(f"steady {name}: re-runs, direct ({half:,} events)")
            direct = ingest_direct(store, mesh, skip=base, limit=half, workers=args.ingest_workers)
            rewritten.append(getattr(store, "elements_written", 0) - rewritten[0])
        finally:
            store.close()
        server = LineagemeshServer(serve_args, tmp / f"steady-{name}-server.log", global_args=QUIET)
        try:
            server.start(timeout=300)
            before = elements_written(server.url)
            log(f"steady {name}: re-runs, HTTP ({total - base - half:,} events)")
            http = ingest_http(
                server.url, mesh, args.batch_events, args.http_clients, skip=base + half
            )
            http["elements_written"] = int(elements_written(server.url) - before)
            http["elements_written_per_event"] = round(
                http["elements_written"] / max(http["accepted"], 1), 2
            )
        finally:
            server.stop()
        row = {
            "first_round": {
                **first.as_dict(),
                "elements_written_per_event": round(first.changes / max(first.events, 1), 2),
            },
            "direct": {
                **direct.as_dict(),
                "elements_written_per_event": round(direct.changes / max(direct.events, 1), 2),
            },
            "http": http,
        }
        if hasattr(store, "elements_written"):
            row["first_round"]["elements_stored_per_event"] = round(
                rewritten[0] / max(first.events, 1), 2
            )
            row["direct"]["elements_stored_per_event"] = round(
                rewritten[1] / max(direct.events, 1), 2
            )
            log(
                f"steady {name}: nodes and edges written to the server per event: first round "
                f"{row['first_round']['elements_stored_per_event']}, re-runs {row['direct']['elements_stored_per_event']}"
            )
        cell[name] = row
        log(
            f"steady {name}: direct {row['direct']['events_per_s']} events/s, {row['direct']['elements_written_per_event']} "
            f"elements/event; HTTP {http['events_per_s']} events/s, {http['elements_written_per_event']} elements/event "
            f"(first round: {row['first_round']['elements_written_per_event']} elements/event)"
        )
    return cell


def steady_cells(text: str) -> tuple[int, float]:
    """``K,P`` of ``--steady``."""
    reruns, _, rate = text.partition(",")
    try:
        cell = int(reruns), float(rate or 0)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected K,P (runs per job, share of changed re-runs)"
        ) from None
    if cell[0] < 2 or not 0 <= cell[1] <= 1:
        raise argparse.ArgumentTypeError(f"{text!r}: K must be >= 2 and P between 0 and 1")
    return cell
