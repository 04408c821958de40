"""A reference implementation of dataset lineage over networkx, written from the documented rule
(graph/read/lineage.py, native/core/lineage.h), to hold the native walk to: a graph of datasets and
jobs, an edge along the data (dataset -> job: the job READS it; job -> dataset: it WRITES it).

``depth`` counts dataset hops (dataset -> job -> dataset is one); a walk goes a level at a time,
breadth first. A level's edges are every edge between its datasets and their jobs (a job already
met included), and every edge from the jobs it met first to their datasets (a dataset already met
included): so an answer holds the edges among its nodes that the walk crossed, and a job at the
last level's far side is not in it. Both ways: the union of the two walks.

Column lineage (``column_lineage``, ``column_impact``) is a graph of columns, each naming its
dataset, with an edge along the data for each derivation (input column -> output column), and a
dataset-wide derivation (a columnLineage ``dataset`` entry: INDIRECT) as an edge from the input
column to the output dataset. ``as_of`` is the graph as it stood at a past moment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import networkx as nx

from graph.core.model import EdgeKind, NodeKind

Key = tuple[str, str, EdgeKind]  # (source, target, kind), source upstream of target


def mesh(reads: Iterable[tuple[str, str]], writes: Iterable[tuple[str, str]]) -> nx.DiGraph:
    """The graph of ``reads`` (job, dataset) and ``writes`` (job, dataset), edges along the data."""
    graph: nx.DiGraph = nx.DiGraph()
    for job, dataset in reads:
        graph.add_edge(dataset, job, kind=EdgeKind.READS)
    for job, dataset in writes:
        graph.add_edge(job, dataset, kind=EdgeKind.WRITES)
    return graph


def as_of(graph: nx.DiGraph, moment: str | None) -> nx.DiGraph:
    """The graph as it stood at ``moment`` (None: now): its nodes and edges first seen by then
    (each one's ``seen`` stamp), an edge only between nodes shown (docs: a view ``as_of``)."""
    if moment is None:
        return graph
    shown: nx.DiGraph = nx.DiGraph()
    shown.add_nodes_from((n, a) for n, a in graph.nodes(data=True) if a["seen"] <= moment)
    shown.add_edges_from(
        (s, t, a)
        for s, t, a in graph.edges(data=True)
        if a["seen"] <= moment and s in shown and t in shown
    )
    return shown


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


def _lower(rank: int) -> int:
    return max(rank - 1, 0)


# -- columns --------------------------------------------------------------------------------------
#
# (graph/read/lineage.py column_lineage, native/core/lineage.h): ``depth`` counts column hops, a
# level at a time. Downstream a column reaches what derives from it: columns, which the walk goes
# on from, and datasets (a dataset-wide derivation), where it stops. Upstream a column reaches what
# it derives from, and what its dataset derives from as a whole, each with an edge into the column.


def columns(
    derivations: Iterable[tuple[str, str, bool, str | None]],
    dataset_of: Mapping[str, str],
    jobs: Iterable[str] = (),
) -> nx.DiGraph:
    """The graph of ``derivations`` (output, input, direct, job): ``output`` derives from column
    ``input`` (DIRECT when ``direct``), in ``job`` if named; ``output`` is a column (a key of
    ``dataset_of``, which names each column's dataset) or a dataset (a dataset-wide derivation)."""
    graph: nx.DiGraph = nx.DiGraph()
    for column, dataset in dataset_of.items():
        graph.add_node(column, kind=NodeKind.COLUMN, dataset=dataset)
        graph.add_node(dataset, kind=NodeKind.DATASET)
    graph.add_nodes_from(jobs, kind=NodeKind.JOB)
    for output, column, direct, job in derivations:
        graph.add_edge(column, output, kind=EdgeKind.DERIVES_FROM, direct=direct, job=job)
    return graph


def _is_column(graph: nx.DiGraph, node: str) -> bool:
    return bool(graph.nodes[node]["kind"] is NodeKind.COLUMN)


def _column_walk(graph: nx.DiGraph, start: str, depth: int, downstream: bool) -> set[Key]:
    edges: set[Key] = set()
    frontier, seen = {start}, {start}
    for _ in range(depth):
        reached: set[str] = set()
        for column in frontier:
            if downstream:
                for output in graph.successors(column):
                    edges.add((column, output, EdgeKind.DERIVES_FROM))
                    reached.add(output)
                continue
            dataset = graph.nodes[column]["dataset"]
            wholes = graph.predecessors(dataset) if dataset in graph else ()
            for source in (*graph.predecessors(column), *wholes):
                edges.add((source, column, EdgeKind.DERIVES_FROM))
                reached.add(source)
        frontier = {n for n in reached - seen if _is_column(graph, n)}
        seen |= reached
        if not frontier:
            break
    return edges


def column_lineage(
    graph: nx.DiGraph, start: str, upstream: bool, downstream: bool, depth: int
) -> tuple[set[str], set[Key]]:
    """The nodes and edges of the lineage of column ``start``."""
    edges: set[Key] = set()
    for way, wanted in ((False, upstream), (True, downstream)):
        if wanted:
            edges |= _column_walk(graph, start, depth, way)
    return {start} | {n for s, t, _ in edges for n in (s, t)}, edges


# (graph/read/impact.py, docs/impact.md) From a changed column the change flows downstream along
# column lineage: a DIRECT hop into a column keeps the severity, any other hop (INDIRECT, or
# dataset-wide) lowers it a level; a SEMANTIC change starts a level lower. The job a derivation
# names is reached with the column it leads to. Each node is reported by its best reach over every
# path of at most ``depth`` hops: more severe, then shorter; and each dataset of an affected
# column that is not affected itself as its worst column.


def column_impact(
    graph: nx.DiGraph, start: str, depth: int | None, semantic: bool
) -> dict[str, tuple[int, str]]:
    """{affected node: (distance, severity)} of changing column ``start`` (the start not included)."""
    top = 1 if semantic else 2
    shortest: dict[tuple[str, int], int] = {(start, top): 0}  # (node, severity rank) -> distance
    level = [(start, top)]
    distance = 0
    while level and (depth is None or distance < depth):
        distance += 1
        following = []
        for column, rank in level:
            for output in graph.successors(column):
                data = graph.edges[column, output]
                here = rank if data["direct"] and _is_column(graph, output) else _lower(rank)
                reached = [output] + ([data["job"]] if data["job"] in graph else [])
                for node in reached:
                    if (node, here) not in shortest:
                        shortest[node, here] = distance
                        if _is_column(graph, node):
                            following.append((node, here))
        level = following
    best: dict[str, tuple[int, int]] = {}  # node -> (severity rank, distance)
    for (node, rank), far in shortest.items():
        if node != start and (node not in best or (rank, -far) > (best[node][0], -best[node][1])):
            best[node] = (rank, far)
    for column in [n for n in best if _is_column(graph, n)]:
        dataset = graph.nodes[column]["dataset"]
        if dataset in graph and dataset not in best:
            worst = max(
                (
                    best[c]
                    for c in best
                    if _is_column(graph, c) and graph.nodes[c]["dataset"] == dataset
                ),
                key=lambda reach: (reach[0], -reach[1]),
            )
            best[dataset] = worst
    return {node: (distance, SEVERITIES[rank]) for node, (rank, distance) in best.items()}
