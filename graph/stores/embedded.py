"""The embedded default store: a networkx graph in memory, made durable by a journal on disk.

Zero setup: ``lineagemesh serve`` on a fresh laptop keeps its graph in ``~/.lineagemesh``.
Writes are planned against the in-memory graph without touching it, journaled and synced,
and only then applied, so a failed write leaves memory and disk exactly as they were. Start-up
replays the journal, which drops a torn tail and refuses damage (``graph.stores.journal``).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Collection, Sequence

import networkx as nx

from graph.model import Edge, EdgeKind, Node, NodeKind
from graph.mutations import Changes, Mutation, decode, encode, plan, touched_ids
from graph.stores import EdgeDirection, Store
from graph.stores.journal import Journal
from graph.stores.search import rank_key


class EmbeddedStore(Store):
    """networkx ``MultiDiGraph`` keyed by edge kind, plus a SQLite journal in ``data_dir``."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.uri = f"embedded:{data_dir}"
        self._lock = threading.RLock()
        self._graph = nx.MultiDiGraph()
        self._journal = Journal(data_dir / "journal.sqlite")
        try:
            for mutations in self._journal.replay(decode):  # a torn tail is dropped, damage refused
                self._commit(self._plan(mutations))
        except BaseException:
            self._journal.close()
            raise

    def apply(self, mutations: Sequence[Mutation]) -> int:
        with self._lock:
            changes = self._plan(mutations)
            if changes:
                self._journal.append([encode(mutations)])
                self._commit(changes)
            return len(changes.nodes) + len(changes.edges)

    def _plan(self, mutations: Sequence[Mutation]) -> Changes:
        node_ids, edge_keys = touched_ids(mutations)
        graph = self._graph
        current_nodes = {i: graph.nodes[i]["node"] for i in node_ids if i in graph}
        current_edges = {}
        for source, kind, target in edge_keys:
            data = graph.get_edge_data(source, target, kind)
            if data is not None:
                current_edges[(source, kind, target)] = data["edge"]
        return plan(mutations, current_nodes, current_edges)

    def _commit(self, changes: Changes) -> None:
        graph = self._graph
        for node_id, node in changes.nodes.items():
            graph.add_node(node_id, node=node)
        for (source, kind, target), edge in changes.edges.items():
            graph.add_edge(source, target, key=kind, edge=edge)

    def nodes(self, ids: Collection[str]) -> dict[str, Node]:
        with self._lock:
            graph = self._graph
            return {i: graph.nodes[i]["node"] for i in ids if i in graph}

    def edges(self, ids: Collection[str], kinds: Collection[EdgeKind], direction: EdgeDirection) -> list[Edge]:
        wanted = set(kinds)
        with self._lock:
            adjacency = self._graph._succ if direction == "out" else self._graph._pred
            found: list[Edge] = []
            for node_id in ids:
                for by_kind in adjacency.get(node_id, {}).values():
                    for kind, data in by_kind.items():
                        if kind in wanted:
                            found.append(data["edge"])
            return found

    def search(self, text: str, kinds: Collection[NodeKind], first: int) -> list[Node]:
        needle = text.lower()
        with self._lock:
            matches = [
                node
                for _, node in self._graph.nodes(data="node")
                if node.kind in kinds and needle in str(node.props.get("name", "")).lower()
            ]
        matches.sort(key=lambda n: rank_key(n, needle))
        return matches[:first]

    def nodes_of_kind(self, kind: NodeKind, first: int, after: str | None = None) -> list[Node]:
        with self._lock:
            ids = sorted(i for i, n in self._graph.nodes(data="node") if n.kind == kind and (after is None or i > after))
            return [self._graph.nodes[i]["node"] for i in ids[:first]]

    def counts(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        with self._lock:
            for _, node in self._graph.nodes(data="node"):
                totals[node.kind.value] = totals.get(node.kind.value, 0) + 1
            for _, _, kind in self._graph.edges(keys=True):
                totals[kind.value] = totals.get(kind.value, 0) + 1
        return totals

    def ping(self) -> None:
        return None

    def close(self) -> None:
        self._journal.close()
