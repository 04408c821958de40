"""Which jobs a write may have moved the verdict of, judging them, and the embedded store's keeping
of the verdict.

``graph.currency`` decides which READS/WRITES edges of a job its newest completed run did not
restate. Worked out per query, a walk reaching 8k jobs read each one's newest run and its inputs
and outputs again: close to half of a large lineage walk. The verdict only changes when the job,
one of its runs, or their edges do, so a store decides it as it writes: :func:`touched_by` says
which jobs and runs a batch touched, :func:`jobs_of` which jobs those are, and :func:`judge`
decides them over any reader (the embedded store's memory, or a Neo4j write transaction). The
embedded store settles touched jobs at its next read and keeps the verdict only for the few jobs
that have stale edges; Neo4j marks the stale edges in the same transaction as the write.
"""

from __future__ import annotations

from typing import Collection, Iterable

from graph.currency import JOB_IO, RUN_IO, deciding_run, io_of, unrestated
from graph.model import EdgeKind, NodeKind
from graph.mutations import Changes
from graph.stores import EdgeKey, PrimitiveReader

#: Edges whose source's verdict they can change: a run's I/O, a run joining its job (from a run).
_RUN_EDGES = frozenset({*RUN_IO, EdgeKind.OF})
_SETTLE_AT = 1 << 16  # touched ids kept before a write settles them itself (bounds the memory)


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
    """The unrestated edges of those of ``jobs`` that have some, in the graph ``reader`` reads."""
    deciding = {j: run for j, node in reader.nodes(jobs).items() if (run := deciding_run(node))}
    runs = set(deciding.values())
    io = io_of(runs, reader.edge_keys(runs, RUN_IO, "out"))
    return grouped_by_job(unrestated(reader.edges(set(deciding), tuple(JOB_IO), "out"), deciding, io, reader.nodes))


def grouped_by_job(keys: Iterable[EdgeKey]) -> dict[str, set[EdgeKey]]:
    """Job edge keys grouped by their job (the verdict's shape, as judged or as a store kept it)."""
    grouped: dict[str, set[EdgeKey]] = {}
    for key in keys:
        grouped.setdefault(key[0], set()).add(key)
    return grouped


class JobCurrency:
    """Unrestated job edges, decided per write; not thread-safe (the store holds its lock)."""

    def __init__(self, reader: PrimitiveReader) -> None:
        self._reader = reader
        self._jobs: set[str] = set()  # jobs written since the last settle
        self._runs: set[str] = set()  # ... and runs
        self._unrestated: dict[str, frozenset[EdgeKey]] = {}  # only jobs that have some

    def touch(self, jobs: Iterable[str], runs: Iterable[str]) -> None:
        """Note the jobs and runs a commit changed (their verdicts may have moved), or a snapshot
        loaded (once it is whole: judged batch by batch, a job was judged again as more of it loaded)."""
        self._jobs.update(jobs)
        self._runs.update(runs)
        if len(self._jobs) + len(self._runs) >= _SETTLE_AT:
            self._settle()

    def settle(self) -> None:
        """Decide now what writes have left undecided (a start-up, so its first read does not)."""
        if self._jobs or self._runs:
            self._settle()

    def unrestated(self, jobs: Collection[str]) -> dict[str, frozenset[EdgeKey]]:
        self.settle()
        kept = self._unrestated
        if not kept:
            return {}
        return {job: kept[job] for job in jobs if job in kept}

    def _settle(self) -> None:
        jobs = jobs_of(self._reader, self._jobs, self._runs)
        self._jobs, self._runs = set(), set()
        by_job = judge(self._reader, jobs)
        kept = self._unrestated
        for job in jobs:
            if job in by_job:
                kept[job] = frozenset(by_job[job])
            else:
                kept.pop(job, None)
