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

Which of a job's inputs and outputs are current is decided once per write, not on every walk:
commits mark the jobs and runs they touched and the next read settles them
(``graph.stores.job_currency``).

Memory per element, which decides how large a mesh fits: every reference to a node id is the one
string its record holds (``plan`` builds records from the stored node's id), a node's only edge
of a kind in a direction is held without a dict (``graph.stores.adjacency``), and start-up
replays the journal through a ``graph.stores.interning.Interner``, so equal stamps, props and
strings are held once. On the 10k mesh: ~1,230 bytes per element ingested live before, ~1,050
now; after a restart ~1,710 before, ~660 now.
"""

from __future__ import annotations

import heapq
import threading
from collections import Counter
from pathlib import Path
from typing import Collection, Sequence

from graph.model import Edge, EdgeKind, Node, NodeKind
from graph.mutations import Changes, Mutation, Sharing, decode, encode, plan
from graph.stores import EdgeDirection, EdgeKey, Store, adjacency
from graph.stores.adjacency import Adjacency
from graph.stores.interning import Interner
from graph.stores.job_currency import JobCurrency
from graph.stores.journal import Journal, seal
from graph.stores.search import rank_key


class EmbeddedStore(Store):
    """Nodes by id and by kind, edges by kind in both directions, plus a SQLite journal in ``data_dir``."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.uri = f"embedded:{data_dir}"
        self._lock = threading.RLock()
        self._nodes: dict[str, Node] = {}
        self._ids_of_kind: dict[NodeKind, set[str]] = {kind: set() for kind in NodeKind}
        self._out: dict[EdgeKind, Adjacency] = {kind: {} for kind in EdgeKind}
        self._in: dict[EdgeKind, Adjacency] = {kind: {} for kind in EdgeKind}
        self._edge_counts: Counter[EdgeKind] = Counter()
        self._stored_edges = _StoredEdges(self._out)
        self._currency = JobCurrency(self)
        self._journal = Journal(data_dir / "journal.sqlite")
        interner = Interner()  # for the replay only (see graph.stores.interning), then dropped
        try:
            for mutations in self._journal.replay(decode):  # a torn tail is dropped, damage refused
                self._commit(self._plan(mutations, interner))
                interner.trim()
        except BaseException:
            self._journal.close()
            raise

    def apply(self, mutations: Sequence[Mutation], encoded: bytes | None = None) -> int:
        # sealed outside the lock: while one writer compresses, another plans
        sealed = seal(encode(mutations) if encoded is None else encoded)
        with self._lock:
            changes = self._plan(mutations)
            if changes:
                self._journal.append([sealed])
                self._commit(changes)
            return len(changes.nodes) + len(changes.edges)

    def _plan(self, mutations: Sequence[Mutation], share: Sharing | None = None) -> Changes:
        """``plan`` over the graph in memory itself: it only reads, and the caller holds the lock."""
        return plan(mutations, self._nodes, self._stored_edges, share)

    def _commit(self, changes: Changes) -> None:
        """Hold the batch's records; keys are the records' own id strings, so each id is held once."""
        nodes = self._nodes
        for node in changes.nodes.values():
            if node.id not in nodes:
                self._ids_of_kind[node.kind].add(node.id)
            nodes[node.id] = node
        out, in_, put = self._out, self._in, adjacency.put
        for edge in changes.edges.values():
            source, kind, target = edge.source, edge.kind, edge.target
            if put(out[kind], source, target, edge):
                self._edge_counts[kind] += 1
            put(in_[kind], target, source, edge)
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
        self._journal.close()


class _StoredEdges:
    """The store's edges by key, read where they are held (``plan``'s ``EdgeLookup``)."""

    __slots__ = ("_out",)

    def __init__(self, out: dict[EdgeKind, Adjacency]) -> None:
        self._out = out

    def get(self, key: tuple[str, EdgeKind, str], /) -> Edge | None:
        source, kind, target = key
        return adjacency.get(self._out[kind], source, target)
