"""Which of a job's READS/WRITES edges its newest completed run no longer restates.

A job's inputs and outputs are what its newest completed run read and wrote: an edge that run did
not restate, first seen before the run ended, is stale (a newer run that stopped reading a table
no longer makes the job upstream of it). The rule is written once, here: ``graph.view`` applies it
per query, and a store that keeps the verdict per job (``Store.unrestated_job_edges``) applies it
once per write instead, so a walk need not read every job's newest run again.
"""

from __future__ import annotations

from typing import Callable, Collection, Iterable, Mapping

from graph.model import Edge, EdgeKind, Node
from graph.stores import EdgeKey

DECIDING_RUN = "latestCompletedRun"  # the job property naming its newest completed run
RUN_IO = (EdgeKind.CONSUMED, EdgeKind.PRODUCED)
JOB_IO = {EdgeKind.READS: EdgeKind.CONSUMED, EdgeKind.WRITES: EdgeKind.PRODUCED}


def deciding_run(job: Node) -> str | None:
    """The job's newest completed run, as it names it now (None: no run has completed)."""
    run = job.props.get(DECIDING_RUN)
    return run if isinstance(run, str) and run else None


def io_of(runs: Collection[str], keys: Iterable[EdgeKey]) -> dict[str, set[EdgeKey]]:
    """Each of ``runs`` with the CONSUMED/PRODUCED keys among ``keys`` that leave it (``keys``
    may say more: a read ahead brings other runs' too)."""
    io: dict[str, set[EdgeKey]] = {run: set() for run in runs}
    for key in keys:
        if key[0] in io:
            io[key[0]].add(key)
    return io


def unrestated(
    edges: Iterable[Edge],
    deciding: Mapping[str, str],
    io: Mapping[str, Collection[EdgeKey]],
    runs: Callable[[set[str]], dict[str, Node]],
) -> set[EdgeKey]:
    """The keys of the job ``edges`` that are stale: their job's deciding run (``deciding``: job →
    run) recorded inputs or outputs (``io``: run → its CONSUMED/PRODUCED keys) without this one,
    and ended after the edge was first seen. ``runs`` reads run nodes; it is only called when some
    edge is not restated, which is rare."""
    suspects = []
    for edge in edges:
        run = deciding.get(edge.source)
        if run is not None and io.get(run) and (run, JOB_IO[edge.kind], edge.target) not in io[run]:
            suspects.append((edge, run))
    if not suspects:
        return set()
    found = runs({run for _, run in suspects})
    return {
        edge.key
        for edge, run in suspects
        if run in found and (edge.props.get("firstSeenAt") or "") <= found[run].stamps.get("endedAt", "")
    }
