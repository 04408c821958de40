"""Which jobs a write may have moved the currency verdict of, and judging them in a store that
holds its graph elsewhere.

A job's inputs and outputs are what its newest completed run read and wrote: a READS/WRITES edge
that run did not restate, first seen before the run ended, is stale (a newer run that stopped
reading a table no longer makes the job upstream of it). The verdict only changes when the job,
one of its runs, or their edges do, so stores decide it as they write, and walks read it. The
rule itself is the native core's (``native/core/currency.h``): the embedded graph judges the jobs its
commits touched before its next read; Neo4j judges in its write transaction, through
:func:`judge`, which reads what the rule needs and hands it to the same code.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from graph import _native
from graph.core.model import JOB_IO, RUN_IO, Edge, EdgeKind, NodeKind, PropertyKey
from graph.core.mutations import Changes
from graph.stores import EdgeKey, PrimitiveReader

DECIDING_RUN = PropertyKey.LATEST_COMPLETED_RUN  # the job property naming its newest completed run
FIRST_SEEN = PropertyKey.FIRST_SEEN_AT  # of a job's edge, what the rule reads
_RUN_EDGES = frozenset({*RUN_IO, EdgeKind.OF})  # edges whose source's job's verdict they can change


def touched_by(changes: Changes) -> tuple[set[str], set[str]]:
    """The jobs, and the runs, whose jobs' verdicts a batch's changes may have moved."""
    jobs = {node.id for node in changes.nodes.values() if node.kind is NodeKind.JOB}
    runs = {node.id for node in changes.nodes.values() if node.kind is NodeKind.RUN}
    for source, kind, _ in changes.edges:
        if kind in JOB_IO:
            jobs.add(source)
        elif kind in _RUN_EDGES:
            runs.add(source)
    return jobs, runs


def jobs_of(reader: PrimitiveReader, jobs: Collection[str], runs: Collection[str]) -> set[str]:
    """``jobs`` and the jobs of ``runs``."""
    return {*jobs, *(job for _, _, job in reader.edge_keys(runs, (EdgeKind.OF,), "out"))}


def judge(reader: PrimitiveReader, jobs: Collection[str]) -> dict[str, set[EdgeKey]]:
    """The unrestated edges of those of ``jobs`` that have some, in the graph ``reader`` reads: the
    jobs, the runs they name as newest, those runs' inputs and outputs and the jobs' own, judged
    by the native rule."""
    job_nodes = reader.nodes(jobs)
    deciding = {
        job for job, node in job_nodes.items() if isinstance(node.props.get(DECIDING_RUN), str)
    }
    if not deciding:
        return {}
    runs = {job_nodes[job].props[DECIDING_RUN] for job in deciding}
    # Of the runs' inputs and outputs the rule asks only which datasets they name (a run's
    # restating its job's edge): their keys, not their stamps and facets (most of what a re-run
    # round's judging read was its runs' PRODUCED statistics). Of the jobs' own, their keys and
    # when each was first seen (``native/core/currency.cc``): a reader may give only those.
    run_io = [Edge(*key, {}, {}) for key in reader.edge_keys(runs, RUN_IO, "out")]
    job_io = [
        Edge(edge.source, edge.kind, edge.target, first_seen(edge.props), {})
        for edge in reader.edges(deciding, JOB_IO, "out")
    ]
    graph = _native.Graph()
    graph.install([*job_nodes.values(), *reader.nodes(runs).values()], [*run_io, *job_io])
    graph.judge(list(deciding))
    return graph.unrestated(list(deciding))


def first_seen(props: Mapping[str, Any]) -> dict[str, Any]:
    """Of a job's edge's properties, what the rule reads: when it was first seen."""
    return {FIRST_SEEN: props[FIRST_SEEN]} if FIRST_SEEN in props else {}


def grouped_by_job(keys: Iterable[EdgeKey]) -> dict[str, set[EdgeKey]]:
    """Job edge keys grouped by their job (the verdict's shape, as judged or as a store kept it)."""
    grouped: dict[str, set[EdgeKey]] = {}
    for key in keys:
        grouped.setdefault(key[0], set()).add(key)
    return grouped
