"""The embedded default store: an in-memory property graph, made durable by a journal on disk.

Zero setup: ``lineagemesh serve`` on a fresh laptop keeps its graph in ``~/.lineagemesh``.
Writes are planned against the in-memory graph without touching it, journaled and synced,
and only then applied, so a failed write leaves memory and disk exactly as they were. Start-up
replays the journal, which drops a torn tail and refuses damage (``graph.stores.journal``).

The graph in memory is adjacency partitioned by edge kind and direction (kind → node → neighbour →
edge). Every read the queries make is "edges of these kinds at these nodes", so a walk touches only
the edges it follows: a hub dataset read by thousands of runs costs nothing to a walk that only
follows READS. (The store began as a networkx ``MultiDiGraph``; its per-node adjacency mixes all
kinds, so each such read scanned every edge of the node, and it spent two dicts per edge — see
docs/benchmarks.md.)

A start loads the last snapshot of the graph (``graph.stores.snapshot``) and replays only the
journal batches after it. Snapshots are written on close, and whenever a start would otherwise
replay a lot: at start-up after such a replay, and in a background thread while writes go on
(records are never changed once stored, so a list of them taken under the lock stays that
moment's graph while the thread writes it).

Which of a job's inputs and outputs are current is decided once per write, not on every walk:
commits mark the jobs and runs they touched and the next read settles them
(``graph.stores.job_currency``).

Memory per element, which decides how large a mesh fits: every reference to a node id is the one
string its record holds (``plan`` builds records from the stored node's id), a node's only edge
of a kind in a direction is held without a dict (``graph.stores.adjacency``), and start-up
loads the snapshot and replays the journal through a ``graph.stores.interning.Interner``, so
equal stamps, props and strings are held once. Live writes share too, where it costs nothing:
the translators state equal edge props with one dict and intern column strings
(``ingest.builder``), and ``plan`` shares each batch's equal merges and stamps. On the 10k mesh:
~1,230 bytes per element ingested live at first, ~1,070 with lone edges held bare, ~630 now;
after a restart ~1,710 at first, ~660 replaying the journal, ~520 loading a snapshot.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Collection, Sequence

from graph.model import Edge, EdgeKind, Node, NodeKind
from graph.mutations import Changes, Mutation, Sharing, decode, encode, plan
from graph.stores import EdgeDirection, EdgeKey, Store, adjacency, snapshot
from graph.stores.adjacency import Adjacency
from graph.stores.interning import Interner
from graph.stores.job_currency import JobCurrency
from graph.stores.journal import Journal, Point, seal
from graph.stores.search import rank_key

log = logging.getLogger(__name__)

#: A snapshot is written, besides on close, once a start would replay at least SNAPSHOT_AFTER
#: mutations (~10 s here) and SNAPSHOT_GROWTH times the graph's elements since the last one: at
#: start-up after such a replay, and in the background while writes go on. (At 1x, a 100k-dataset
#: bulk load snapshotted twice on the way and took 61 s instead of 48: the threads share the GIL.)
SNAPSHOT_AFTER = 1_000_000
SNAPSHOT_GROWTH = 4


class EmbeddedStore(Store):
    """Nodes by id and by kind, edges by kind in both directions, plus a SQLite journal in ``data_dir``."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.uri = f"embedded:{data_dir}"
        self._lock = threading.RLock()
        self._empty()
        self._journal = Journal(data_dir / "journal.sqlite")
        self._closed = False
        self._snapshotting: threading.Thread | None = None
        try:
            self._snapshot_at = self._load_snapshot()
            self._since_snapshot = 0  # mutations replayed, then elements changed, since the snapshot's point
            interner = Interner()  # for the start-up only (see graph.stores.interning), then dropped
            after = self._snapshot_at.seq if self._snapshot_at else 0
            for mutations in self._journal.replay(decode, after=after):  # a torn tail is dropped, damage refused
                self._commit(self._plan(mutations, interner))
                interner.trim()
                self._since_snapshot += len(mutations)
            self._currency.settle()
            if self._snapshot_due():  # so that a crash now would not replay all that again
                self._write_snapshot(self._capture())
        except BaseException:
            self._journal.close()
            raise

    def _empty(self) -> None:
        """The in-memory graph, empty."""
        self._nodes: dict[str, Node] = {}
        self._ids_of_kind: dict[NodeKind, set[str]] = {kind: set() for kind in NodeKind}
        self._out: dict[EdgeKind, Adjacency] = {kind: {} for kind in EdgeKind}
        self._in: dict[EdgeKind, Adjacency] = {kind: {} for kind in EdgeKind}
        self._edge_counts: Counter[EdgeKind] = Counter()
        self._dropped: set[str] = set()  # nodes whose `deleted` property is set: walks skip their edges
        self._stored_edges = _StoredEdges(self._out)
        self._currency = JobCurrency(self)

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
            interner = Interner()
            for changes in reader.changes(interner, self._nodes):
                self._commit(changes, touch=False)
                interner.trim()
            self._currency.touch_all(self._ids_of_kind[NodeKind.JOB], self._ids_of_kind[NodeKind.RUN])
            held = (len(self._nodes), sum(self._edge_counts.values()))
            if held != (reader.header.nodes, reader.header.edges):
                raise snapshot.SnapshotUnusable(f"it loads {held[0]} nodes and {held[1]} edges, its header says "
                                                f"{reader.header.nodes} and {reader.header.edges}")
        except snapshot.SnapshotUnusable as e:
            log.warning("snapshot %s not used (%s); replaying the whole journal instead", path, e)
            self._empty()
            return None
        log.info("snapshot %s: %d nodes and %d edges as of journal batch %d, loaded in %.1f s",
                 path, reader.header.nodes, reader.header.edges, point.seq, time.perf_counter() - started)
        return point

    def _snapshot_due(self) -> bool:
        """Whether a start would now replay enough (since the last snapshot) to be worth a new one:
        at least SNAPSHOT_AFTER, and SNAPSHOT_GROWTH times the graph's elements. A graph being
        restated (the steady state of a mesh) gets there; a bulk load into an empty store, which
        changes ~1.25 elements per element it adds, does not, and is snapshotted when it closes."""
        elements = len(self._nodes) + sum(self._edge_counts.values())
        return self._since_snapshot >= max(SNAPSHOT_AFTER, SNAPSHOT_GROWTH * elements)

    def _capture(self) -> tuple[Point, list[Node], list[Edge]] | None:
        """What a snapshot of the graph now holds (None: the last one stands here, or the journal
        is empty), and the count towards the next one starts again. Records are never changed once
        stored, so these lists stay this moment's graph while later writes go on; the caller
        holds the lock."""
        point = self._journal.position()
        if point is None or point == self._snapshot_at:
            return None
        self._since_snapshot = 0
        edges = [edge for index in self._out.values() for edge in adjacency.every_edge(index)]
        return point, list(self._nodes.values()), edges

    def _snapshot_in_background(self) -> None:
        """Write a snapshot in a thread (the caller holds the lock, and writers go on meanwhile)."""
        if self._snapshotting is not None and self._snapshotting.is_alive():
            return
        captured = self._capture()
        if captured is not None:
            self._snapshotting = threading.Thread(target=self._write_snapshot, args=(captured,),
                                                  name="lineagemesh-snapshot", daemon=True)
            self._snapshotting.start()

    def _write_snapshot(self, captured: tuple[Point, list[Node], list[Edge]] | None) -> None:
        """Write a captured snapshot (see _capture). A failure is logged, never raised: the journal
        holds everything either way."""
        if captured is None:
            return
        point, nodes, edges = captured
        path = snapshot.path_in(self.data_dir)
        started = time.perf_counter()
        try:
            size = snapshot.write(path, point, nodes, edges, (len(nodes), len(edges)))
        except OSError as e:
            log.warning("snapshot %s not written (%s); the next start replays the journal from the last one", path, e)
            return
        with self._lock:
            if self._snapshot_at is None or point.seq > self._snapshot_at.seq:
                self._snapshot_at = point
        log.info("snapshot %s: written at journal batch %d in %.1f s (%.1f MiB)",
                 path, point.seq, time.perf_counter() - started, size / 2**20)

    def apply(self, mutations: Sequence[Mutation], encoded: bytes | None = None) -> int:
        # sealed outside the lock: while one writer compresses, another plans
        sealed = seal(encode(mutations) if encoded is None else encoded)
        with self._lock:
            changes = self._plan(mutations)
            changed = len(changes.nodes) + len(changes.edges)
            if changed:
                self._journal.append([sealed])
                self._commit(changes)
                self._since_snapshot += changed
                if self._snapshot_due():
                    self._snapshot_in_background()
            return changed

    def _plan(self, mutations: Sequence[Mutation], share: Sharing | None = None) -> Changes:
        """``plan`` over the graph in memory itself: it only reads, and the caller holds the lock."""
        return plan(mutations, self._nodes, self._stored_edges, share)

    def _commit(self, changes: Changes, touch: bool = True) -> None:
        """Hold the batch's records; keys are the records' own id strings, so each id is held once.
        ``touch``: note what the batch changed for job currency (a bulk load notes it at its end)."""
        nodes, dropped = self._nodes, self._dropped
        for node in changes.nodes.values():
            if node.id not in nodes:
                self._ids_of_kind[node.kind].add(node.id)
            nodes[node.id] = node
            if node.props.get("deleted"):
                dropped.add(node.id)
            elif dropped:
                dropped.discard(node.id)
        out, in_, put = self._out, self._in, adjacency.put
        for edge in changes.edges.values():
            source, kind, target = edge.source, edge.kind, edge.target
            if put(out[kind], source, target, edge):
                self._edge_counts[kind] += 1
            put(in_[kind], target, source, edge)
        if touch:
            self._currency.touch(changes)

    def nodes(self, ids: Collection[str]) -> dict[str, Node]:
        with self._lock:
            nodes = self._nodes
            return {i: nodes[i] for i in ids if i in nodes}

    def edges(self, ids: Collection[str], kinds: Collection[EdgeKind], direction: EdgeDirection) -> list[Edge]:
        index = self._out if direction == "out" else self._in
        found: list[Edge] = []
        with self._lock:
            for kind in kinds:
                adjacency.collect(index[kind], ids, found)
        return found

    def edge_keys(self, ids: Collection[str], kinds: Collection[EdgeKind], direction: EdgeDirection) -> list[EdgeKey]:
        index = self._out if direction == "out" else self._in
        found: list[EdgeKey] = []
        with self._lock:
            for kind in kinds:
                adjacency.collect_keys(index[kind], ids, kind, direction == "out", found)
        return found

    def dropped_among(self, ids: Collection[str]) -> set[str]:
        with self._lock:
            return self._dropped.intersection(ids) if self._dropped else set()

    def unrestated_job_edges(self, jobs: Collection[str]) -> dict[str, frozenset[EdgeKey]]:
        with self._lock:
            return self._currency.unrestated(jobs)

    def search(self, text: str, kinds: Collection[NodeKind], first: int) -> list[Node]:
        needle = text.lower()
        with self._lock:
            nodes = self._nodes
            matches = [
                node
                for kind in set(kinds)
                for node in map(nodes.__getitem__, self._ids_of_kind[kind])
                if needle in str(node.props.get("name", "")).lower()
            ]
        matches.sort(key=lambda n: rank_key(n, needle))
        return matches[:first]

    def nodes_of_kind(self, kind: NodeKind, first: int, after: str | None = None) -> list[Node]:
        with self._lock:
            ids = self._ids_of_kind[kind]
            page = heapq.nsmallest(first, ids if after is None else (i for i in ids if i > after))
            return [self._nodes[i] for i in page]

    def counts(self) -> dict[str, int]:
        with self._lock:
            totals = {kind.value: len(ids) for kind, ids in self._ids_of_kind.items() if ids}
            totals.update((kind.value, n) for kind, n in self._edge_counts.items() if n)
        return totals

    def ping(self) -> None:
        return None

    def close(self) -> None:
        """Snapshot the graph (the next start then loads it instead of replaying the journal), and
        release the journal."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            running = self._snapshotting
        if running is not None:
            running.join()
        with self._lock:
            try:
                self._write_snapshot(self._capture())
            finally:
                self._journal.close()


class _StoredEdges:
    """The store's edges by key, read where they are held (``plan``'s ``EdgeLookup``)."""

    __slots__ = ("_out",)

    def __init__(self, out: dict[EdgeKind, Adjacency]) -> None:
        self._out = out

    def get(self, key: tuple[str, EdgeKind, str], /) -> Edge | None:
        source, kind, target = key
        return adjacency.get(self._out[kind], source, target)
