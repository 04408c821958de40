"""The embedded default store: the graph in native memory, made durable by a journal on disk.

Zero setup: ``lineagemesh serve`` on a fresh laptop keeps its graph in ``~/.lineagemesh``.
Writes are planned against the graph in memory without touching it, journaled and synced, and
only then committed, so a failed write leaves memory and disk exactly as they were. Start-up
replays the journal, which drops a torn tail and refuses damage (``graph.stores.journal``).

The graph itself is the native core's (``graph._native.Graph``, C++ in ``native/``): nodes and
edges as compact arrays, each with one immutable record of its properties and their stamps,
every string held once however many records mention it, equal edge records held once, and each
node's edges in two sorted arrays (kind, neighbour), so "edges of these kinds at these nodes" —
every read the queries make — touches only the edges it follows. (The store began as a networkx
``MultiDiGraph``, then became per-kind adjacency of Python objects; both held ~500-1,200 bytes
per element, which put the 1M-dataset mesh past this machine's memory; docs/benchmarks.md has today's.)
Batches arrive and are journaled in their wire form (``graph.core.mutations.encode``), which the
graph plans from without a Python object per mutation.

A start loads the last snapshot of the graph (``graph.stores.embedded.snapshot``) and replays only the
journal batches after it. Snapshots are written on close, and whenever a start would otherwise
replay a lot: at start-up after such a replay, and in a background thread while writes go on
(a capture holds the records of that moment, which later writes replace but never change).

Which of a job's inputs and outputs are current is decided once per write, not on every walk:
commits note the jobs and runs they touched and the next read judges them (``native/core/currency.h``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection, Sequence
from concurrent import futures
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graph import _native
from graph.core.model import Edge, EdgeKind, Node, NodeKind
from graph.core.mutations import Mutation, as_wire, encode, stamp
from graph.stores import EdgeDirection, EdgeKey, FirstsRequest, ObservedFields, Store
from graph.stores.embedded import snapshot
from graph.stores.id_format import ID_FORMAT, renames, restated
from graph.stores.journal import Journal, JournalError, Point, Sealed, seal

log = logging.getLogger(__name__)

#: A batch this large (encoded) is planned while the journal writes it (``apply_encoded``): at
#: ~20 events and more the overlap gains; below, the thread hop costs more (~0.1 ms).
PLAN_BESIDE_BYTES = 32 * 1024

#: A snapshot is written, besides on close, once a start would replay at least SNAPSHOT_AFTER
#: mutations (~10 s here) and SNAPSHOT_GROWTH times the graph's elements since the last one: at
#: start-up after such a replay, and in the background while writes go on. (At 1x, a 100k-dataset
#: bulk load snapshotted twice on the way and took 61 s instead of 48: the threads share the GIL.)
SNAPSHOT_AFTER = 1_000_000
SNAPSHOT_GROWTH = 4
#: A stop writes a snapshot once the changes since the last one reach this share of the graph's
#: elements (or SNAPSHOT_AFTER): ``EmbeddedStore._worth_a_snapshot_on_close``.
CLOSE_SNAPSHOT_SHARE = 0.1
_IDS = "ids"  # the journal's meta key for the format of its node ids
_RESTATED_BATCH = 50_000  # upserts per journal batch when ids are renamed


class EmbeddedStore(Store):
    """The native graph, plus a SQLite journal in ``data_dir``.

    ``check_history=False``: for a command that only reads (``check``, ``diff``, ``export``), the
    journal's batches the snapshot holds are not read again (~0.4 s a 100k-dataset mesh): its
    answers come from the snapshot, checked whole, and the batches after it, checked as they are
    replayed. A start that may write checks them all, so damage there is found before anything
    is appended after it. Such a command's load also has its page faults taken on the second core
    (``graph.stores.embedded.prefault``)."""

    _graph: _native.Graph

    def __init__(self, data_dir: Path, check_history: bool = True) -> None:
        self.data_dir = data_dir
        self.uri = f"embedded:{data_dir}"
        self._lock = threading.RLock()
        self._planner = futures.ThreadPoolExecutor(1, thread_name_prefix="lineagemesh-plan")
        self._empty()
        self._journal = Journal(data_dir / "journal.sqlite")
        self._closed = False
        self._snapshotting: threading.Thread | None = None
        self._reads_only = not check_history
        try:
            self._snapshot_at = self._load_snapshot()
            self._since_snapshot = (
                0  # mutations replayed, then elements changed, since the snapshot's point
            )
            after = self._snapshot_at.seq if self._snapshot_at else 0
            # A torn tail is dropped, damage refused; a batch is planned as it is read (that is its
            # check), against the graph as the batches before it left it.
            for planned in self._journal.replay(
                lambda payload: self._graph.plan(as_wire(payload)),
                after=after,
                check_held=check_history,
            ):
                self._graph.commit(planned)
                self._since_snapshot += planned.changed
            self._graph.unrestated(())  # judge what the start-up wrote now, not at the first read
            self._bring_ids_to_format()
            if self._snapshot_due():  # so that a crash now would not replay all that again
                self._write_snapshot(self._capture())
        except BaseException:
            self._journal.close()
            raise

    @property
    def journal(self) -> Journal:
        """Where the deployment's raw event log lives too (``graph.eventlog.event_log_migration.open_event_log``)."""
        return self._journal

    def _bring_ids_to_format(self) -> None:
        """Rename the ids an older rule made (``graph.stores.id_format``), once: the journal's
        batches are replaced by the graph restated under the new ids (the old ones are kept in the
        journal file), and a snapshot of it is written. A journal without batches is marked only."""
        found = self._journal.meta(_IDS)
        if found == ID_FORMAT:
            return
        if found is not None and found > ID_FORMAT:
            raise JournalError(
                f"journal {self._journal.path} holds ids of format {found}, written by a newer "
                f"lineagemesh; this one reads formats up to {ID_FORMAT}"
            )
        nodes = [node for kind in NodeKind for node in self._all_of_kind(kind)]
        renamed = renames(nodes)
        if not renamed:
            self._journal.set_meta(_IDS, ID_FORMAT)
            return
        started = time.perf_counter()
        edges = self._graph.edges([node.id for node in nodes], list(EdgeKind), "out")
        mutations = list(restated(nodes, edges, renamed, stamp(datetime.now(UTC))))
        rows = [
            seal(encode(mutations[at : at + _RESTATED_BATCH]))
            for at in range(0, len(mutations), _RESTATED_BATCH)
        ]
        graph = _native.Graph()
        for row in rows:
            graph.commit(graph.plan(row.payload))
        graph.unrestated(())
        self._journal.rewrite(rows, _IDS, ID_FORMAT)
        self._graph = graph
        self._snapshot_at = None
        self._write_snapshot(self._capture())
        log.warning(
            "journal %s: %d ids of format %s renamed to format %d (e.g. %r -> %r) in %.1f s; the batches "
            "before are kept in its table batches_before_%s_%d",
            self._journal.path,
            len(renamed),
            found or 1,
            ID_FORMAT,
            *next(iter(renamed.items())),
            time.perf_counter() - started,
            _IDS,
            ID_FORMAT,
        )

    def _all_of_kind(self, kind: NodeKind, page: int = 10_000) -> list[Node]:
        found: list[Node] = []
        while batch := self._graph.nodes_of_kind(kind, page, found[-1].id if found else None):
            found.extend(batch)
        return found

    def _empty(self) -> None:
        """The graph, empty."""
        self._graph = _native.Graph()

    def _load_snapshot(self) -> Point | None:
        """The graph as the snapshot holds it, and where in the journal that is (None, and an empty
        graph, without a usable snapshot: the whole journal is then replayed)."""
        path = snapshot.path_in(self.data_dir)
        started = time.perf_counter()
        try:
            reader = snapshot.usable(self.data_dir, self._journal)
            if reader is None:
                return None
            point = reader.header.point
            for chunk in reader.chunks(prefault=self._reads_only):
                try:
                    self._graph.load_chunk(chunk)
                except ValueError as e:  # intact (its crc32 matched), yet it does not load: our bug
                    raise snapshot.SnapshotUnusable(f"a chunk does not load: {e}") from None
            self._graph.touch_all()  # job currency: judged once, at the first read
            stats = self._graph.stats()
            held = (stats["nodes"], stats["edges"])
            if held != (reader.header.nodes, reader.header.edges):
                raise snapshot.SnapshotUnusable(
                    f"it loads {held[0]} nodes and {held[1]} edges, its header says "
                    f"{reader.header.nodes} and {reader.header.edges}"
                )
        except snapshot.SnapshotUnusable as e:
            log.warning("snapshot %s not used (%s); replaying the whole journal instead", path, e)
            self._empty()
            return None
        log.info(
            "snapshot %s: %d nodes and %d edges as of journal batch %d, loaded in %.1f s",
            path,
            reader.header.nodes,
            reader.header.edges,
            point.seq,
            time.perf_counter() - started,
        )
        return point

    def _snapshot_due(self) -> bool:
        """Whether a start would now replay enough (since the last snapshot) to be worth a new one:
        at least SNAPSHOT_AFTER, and SNAPSHOT_GROWTH times the graph's elements. A graph being
        restated (the steady state of a mesh) gets there; a bulk load into an empty store, which
        changes ~1.25 elements per element it adds, does not, and is snapshotted when it closes."""
        return self._since_snapshot >= max(SNAPSHOT_AFTER, SNAPSHOT_GROWTH * self._graph.elements())

    def _worth_a_snapshot_on_close(self) -> bool:
        """Whether a stop writes a snapshot: always when there is none; else when a start would
        replay at least min(SNAPSHOT_AFTER, CLOSE_SNAPSHOT_SHARE x the graph's elements) changes
        since the last one. A snapshot is the whole graph (647 MiB in 35 s at 1M datasets), so a
        command that writes a few events, or a server stopped after a few, no longer rewrites it;
        the tail a start replays stays under ~2 s (~1 µs a change)."""
        if self._snapshot_at is None:
            return True
        least = min(SNAPSHOT_AFTER, CLOSE_SNAPSHOT_SHARE * self._graph.elements())
        return self._since_snapshot >= least

    def _capture(self) -> tuple[Point, _native.Capture] | None:
        """What a snapshot of the graph now holds (None: the last one stands here, or the journal
        is empty), and the count towards the next one starts again. The capture holds this
        moment's records while later writes go on; the caller holds the lock."""
        point = self._journal.position()
        if point is None or point == self._snapshot_at:
            return None
        self._since_snapshot = 0
        return point, self._graph.capture()

    def _snapshot_in_background(self) -> None:
        """Write a snapshot in a thread (the caller holds the lock, and writers go on meanwhile)."""
        if self._snapshotting is not None and self._snapshotting.is_alive():
            return
        captured = self._capture()
        if captured is not None:
            self._snapshotting = threading.Thread(
                target=self._write_snapshot,
                args=(captured,),
                name="lineagemesh-snapshot",
                daemon=True,
            )
            self._snapshotting.start()

    def _write_snapshot(self, captured: tuple[Point, _native.Capture] | None) -> None:
        """Write a captured snapshot (see _capture). A failure is logged, never raised: the journal
        holds everything either way."""
        if captured is None:
            return
        point, capture = captured
        path = snapshot.path_in(self.data_dir)
        started = time.perf_counter()
        try:
            size = snapshot.write(path, point, capture)
        except OSError as e:
            log.warning(
                "snapshot %s not written (%s); the next start replays the journal from the last one",
                path,
                e,
            )
            return
        finally:
            capture.close()
        with self._lock:
            if self._snapshot_at is None or point.seq > self._snapshot_at.seq:
                self._snapshot_at = point
        log.info(
            "snapshot %s: written at journal batch %d in %.1f s (%.1f MiB)",
            path,
            point.seq,
            time.perf_counter() - started,
            size / 2**20,
        )

    def apply(self, mutations: Sequence[Mutation], encoded: bytes | None = None) -> int:
        return self.apply_encoded(encode(mutations) if encoded is None else encoded)

    def apply_encoded(self, payload: bytes) -> int:
        beside = len(payload) >= PLAN_BESIDE_BYTES
        # A small batch is sealed outside the lock: while one writer seals, another plans.
        sealed = None if beside else seal(payload)
        with self._lock:
            # A large batch is planned on the planner's thread (without the GIL) while this one
            # seals it and SQLite writes it and its raw blocks (also without); a small one here,
            # after them (the hop would cost more than it saves).
            planning = self._planner.submit(self._graph.plan, payload) if beside else None
            try:
                planned = self._planned(payload, sealed, planning)
            finally:
                if planning is not None:  # the graph is this lock's until its plan is done
                    futures.wait([planning])
            changed = planned.changed
            if changed:
                self._graph.commit(planned)
                self._since_snapshot += changed
                if self._snapshot_due():
                    self._snapshot_in_background()
            return changed

    def _planned(
        self, payload: bytes, sealed: Sealed | None, planning: Future[_native.Plan] | None
    ) -> _native.Plan:
        """The batch written to the journal with its raw blocks, and its plan. A batch that changes
        nothing is rolled back, so the journal keeps exactly what it kept before. One planned
        beside that brings events the raw log did not hold (a bulk load's, a re-run's) is
        committed without waiting for its plan: SQLite's commit, its WAL write and fsync, is then
        off the batch's path. If the plan then finds it changes nothing, it is retracted (its raw
        blocks stay: new bytes of events already applied), and if the plan fails, with its raw
        blocks: the journal ends as a rollback would have left it. A batch of repeats (a client
        sending an event again) waits for its plan: a retraction would write it for nothing."""
        riding = self.raw_blocks
        with self._journal.appending(
            [sealed or seal(payload)], riding.write_riding if riding else None
        ) as written:
            if planning is None or riding is None or not riding.kept_riding():
                planned = self._graph.plan(payload) if planning is None else planning.result()
                if not planned.changed:
                    written.abandon()
                    if riding:
                        riding.riding_rolled_back()
                return planned
        try:
            planned = planning.result()
        except BaseException:
            self._journal.retract(written.seqs, riding.unwrite_riding)
            raise
        if not planned.changed:
            self._journal.retract(written.seqs)
        return planned

    def clear(self) -> None:
        with self._lock:
            running = self._snapshotting
        if running is not None:
            running.join()
        with self._lock:
            self._journal.clear()
            snapshot.path_in(self.data_dir).unlink(missing_ok=True)
            self._empty()
            self._snapshot_at = None
            self._since_snapshot = 0

    def nodes(self, ids: Collection[str]) -> dict[str, Node]:
        with self._lock:
            return self._graph.nodes(ids)

    def edges(
        self, ids: Collection[str], kinds: Collection[EdgeKind], direction: EdgeDirection
    ) -> list[Edge]:
        with self._lock:
            return self._graph.edges(ids, kinds, direction)

    def edge_keys(
        self, ids: Collection[str], kinds: Collection[EdgeKind], direction: EdgeDirection
    ) -> list[EdgeKey]:
        with self._lock:
            return self._graph.edge_keys(ids, kinds, direction)

    def unrestated_job_edges(self, jobs: Collection[str]) -> dict[str, frozenset[EdgeKey]]:
        """:class:`graph.stores.JudgesJobEdges`: judged as jobs are written (``native/core/currency.h``)."""
        with self._lock:
            return {job: frozenset(keys) for job, keys in self._graph.unrestated(jobs).items()}

    def native_graph(self) -> _native.Graph:
        """:class:`graph.stores.HoldsNativeGraph`: views read the graph in place."""
        return self._graph

    def search(self, text: str, kinds: Collection[NodeKind], first: int) -> list[Node]:
        with self._lock:
            return self._graph.search(text.lower(), kinds, first)

    def nodes_of_kind(self, kind: NodeKind, first: int, after: str | None = None) -> list[Node]:
        with self._lock:
            return self._graph.nodes_of_kind(kind, first, after)

    def first_of_kind(self, asked: FirstsRequest) -> dict[str, Node]:
        """One native read for all of the prefixes (``native/bindings/graph_py.cc``)."""
        keys = None if asked.keys is None else list(asked.keys)
        with self._lock:
            return self._graph.first_of_kind(
                asked.kind, asked.prefixes, keys, None if keys is None else asked.like
            )

    def first_holding(
        self, kind: NodeKind, prefixes: Sequence[str], key: str, values: Sequence[Any]
    ) -> list[bool | None]:
        """One native read (``native/bindings/graph_py.cc``): a stored value is compared with the
        one given as it lies in its record, and True only for a twin (equal, of the same types)."""
        with self._lock:
            return self._graph.first_holding(kind, prefixes, key, values)

    def first_holding_observed(
        self, kind: NodeKind, prefixes: Sequence[str], key: str, values: ObservedFields
    ) -> list[bool | None]:
        """One native read (``native/bindings/graph_py.cc``): a stored value is compared with the
        observation's fields where they lie in the batch, none made into Python objects."""
        with self._lock:
            return self._graph.first_holding_observed(
                kind, prefixes, key, values.observed, values.indices
            )

    def counts(self) -> dict[str, int]:
        with self._lock:
            return self._graph.counts()

    def ping(self) -> None:
        return None

    def close(self, snapshot: bool = True) -> None:
        """Snapshot the graph when the journal's tail since the last snapshot is worth it
        (:meth:`_worth_a_snapshot_on_close`: the next start then loads it instead of replaying
        that tail), and release the journal. ``snapshot=False``: a store about to be deleted (the
        build of ``ingest --neo4j-import``: a large graph's snapshot is a long write for nothing)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            running = self._snapshotting
        if running is not None:
            running.join()
        with self._lock:
            try:
                if snapshot and self._worth_a_snapshot_on_close():
                    self._write_snapshot(self._capture())
            finally:
                self._journal.close()
                self._planner.shutdown()
