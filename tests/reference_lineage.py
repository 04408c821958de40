"""A reference implementation of dataset lineage over networkx, written from the documented rule
(graph/read/lineage.py, native/core/lineage.h), to hold the native walk to: a graph of datasets and
jobs, an edge along the data (dataset -> job: the job READS it; job -> dataset: it WRITES it).

``depth`` counts dataset hops (dataset -> job -> dataset is one); a walk goes a level at a time,
breadth first. A level's edges are every edge between its datasets and their jobs (a job already
met included), and every edge from the jobs it met first to their datasets (a dataset already met
included): so an answer holds the edges among its nodes that the walk crossed, and a job at the
last level's far side is not in it. Both ways: the union of the two walks.
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

from graph.core.model import EdgeKind

Key = tuple[str, str, EdgeKind]  # (source, target, kind), source upstream of target


def mesh(reads: Iterable[tuple[str, str]], writes: Iterable[tuple[str, str]]) -> nx.DiGraph:
    """The graph of ``reads`` (job, dataset) and ``writes`` (job, dataset), edges along the data."""
    graph: nx.DiGraph = nx.DiGraph()
    for job, dataset in reads:
        graph.add_edge(dataset, job, kind=EdgeKind.READS)
    for job, dataset in writes:
        graph.add_edge(job, dataset, kind=EdgeKind.WRITES)
    return graph


def _walk(graph: nx.DiGraph, start: str, depth: int, downstream: bool) -> tuple[set[str], set[Key]]:
    ahead = graph.successors if downstream else graph.predecessors

    def key(near: str, far: str) -> Key:
        source, target = (near, far) if downstream else (far, near)
        return source, target, graph.edges[source, target]["kind"]

    nodes, edges = {start}, set()

    def cross(near: set[str], seen: set[str]) -> set[str]:
        """One half-hop: every edge from ``near`` to the nodes ahead; the ones not ``seen``."""
        new = set()
        for node in near:
            for far in ahead(node):
                edges.add(key(node, far))
                nodes.add(far)
                if far not in seen:
                    new.add(far)
        seen |= new
        return new

    datasets, seen_datasets, seen_jobs = {start}, {start}, set[str]()
    for _ in range(depth):
        datasets = cross(cross(datasets, seen_jobs), seen_datasets)
        if not datasets:
            break
    return nodes, edges


def dataset_lineage(
    graph: nx.DiGraph, start: str, upstream: bool, downstream: bool, depth: int
) -> tuple[set[str], set[Key]]:
    """The nodes and edges of the lineage of dataset ``start``."""
    nodes, edges = {start}, set()
    for way, wanted in ((False, upstream), (True, downstream)):
        if wanted:
            found, crossed = _walk(graph, start, depth, way)
            nodes |= found
            edges |= crossed
    return nodes, edges


# -- impact ---------------------------------------------------------------------------------------
#
# From a changed dataset (graph/read/impact.py, docs/impact.md): its readers and what they write break
# (BREAKING; a SEMANTIC change one level lower: WARNING), everything further downstream goes stale
# (one level lower again). A job and the datasets it writes are one hop further than the dataset it
# reads. Each node is reported by its best reach: more severe, then shorter. ``depth`` (None:
# unbounded) bounds the hops.

SEVERITIES = ("INFO", "WARNING", "BREAKING")  # by rank


def dataset_impact(
    graph: nx.DiGraph, start: str, depth: int | None, semantic: bool
) -> dict[str, tuple[int, str]]:
    """{affected node: (distance, severity)} of changing dataset ``start`` (the start not included)."""
    top = 1 if semantic else 2
    best: dict[str, tuple[int, int]] = {start: (top, 0)}  # node -> (severity rank, distance)

    def better(a: tuple[int, int], b: tuple[int, int]) -> bool:
        return a[0] > b[0] or (a[0] == b[0] and a[1] < b[1])

    frontier = [start]
    hop = 0
    while frontier:
        cap = top if hop == 0 else max(top - 1, 0)
        following: list[str] = []
        for dataset in frontier:
            severity, distance = best[dataset]
            if depth is not None and distance >= depth:
                continue
            reach = (min(severity, cap), distance + 1)
            for job in graph.successors(dataset):
                if job not in best or better(reach, best[job]):
                    best[job] = reach
                for output in graph.successors(job):
                    if output not in best or better(reach, best[output]):
                        best[output] = reach
                        following.append(output)
        frontier = list(dict.fromkeys(following))
        hop += 1
    del best[start]
    return {node: (distance, SEVERITIES[rank]) for node, (rank, distance) in best.items()}
