"""Judging the jobs a Neo4j write batch touched, from what the batch read before it wrote.

``job_currency.judge`` asks a reader for the jobs of the batch's runs, the jobs, the runs they name
as newest, those runs' input and output keys and the jobs' own inputs and outputs. The batch's
first statement (``cypher.graph._LOCK_AND_READ_BATCH``) reads all of that for the nodes it locks, as the
graph stood before the batch (``Prefetched``); with the batch's changes over it, that is the graph
the batch leaves (``_AsLeft``), which the same ``judge`` reads from memory before the write, so the
rule is still written once and the marks that move ride in the batch's write (``before_write``).
When the rule asks for something that statement did not read (a run's job the batch did not lock,
a deciding run it neither locked nor had read), the batch is judged after its write instead, with
what the rule asks read in one more statement (``judge_batch``, ``JUDGING_READ``: it locks the
jobs not yet locked, in id order, and returns all of it; ``_Prefetched`` answers from it)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, NamedTuple

import neo4j

from graph.core.model import JOB_IO, RUN_IO, Edge, EdgeKind, Node, NodeKind
from graph.core.mutations import Changes
from graph.stores import EdgeDirection, EdgeKey, column_clocks
from graph.stores.job_currency import FIRST_SEEN, jobs_of, judge, touched_by
from graph.stores.neo4j.codec import (
    _CLOCK_OWNER,
    _CLOCKS,
    _EDGE_KIND_BY_TYPE,
    _REFS,
    _UNRESTATED,
    _clock_owners,
    _decode_edges,
    _decode_node,
    _decode_nodes,
    _keys,
)
from graph.stores.neo4j.cypher.judging import JUDGING_READ, WRITE_MARKS
from graph.stores.neo4j.parameters import unprinted
from graph.stores.neo4j.reads import _InTransaction

_JOBS_AND_RUNS = frozenset({NodeKind.JOB, NodeKind.RUN})  # the nodes $known names


class _Prefetched(_InTransaction):
    """The transaction's reads, answered from one ``JUDGING_READ`` where it covers them."""

    def __init__(
        self,
        tx: neo4j.ManagedTransaction,
        known: dict[str, Node],
        runs: Collection[str],
        clocks: Mapping[str, column_clocks.Clocks],
    ) -> None:
        super().__init__(tx, known)
        self.of: dict[str, list[EdgeKey]] = {run: [] for run in runs}
        self.wholes: dict[str, list[Any]] = {}  # id -> [id, labels, properties]
        self.covered: set[str] = set()  # ids whose node the statement answered, found or not
        self._given = clocks
        self._clocks: dict[str, Any] = {}
        self.run_io: dict[str, list[EdgeKey]] = {}  # runs read as a job's deciding one
        self.job_io: dict[str, list[list[Any]]] = {}  # jobs naming one: their edge rows
        self.marks: dict[str, list[list[Any]]] = {}  # each :Job's edge rows, as marked now

    def load(self, jobs: Collection[str], of: list[list[str]], rows: list[list[Any]]) -> None:
        """What ``JUDGING_READ`` returned, asked for ``jobs`` and the runs given."""
        self.covered.update(jobs)  # the statement looked each up, and the jobs of the runs
        for key in _keys(of):
            self.of[key[0]].append(key)
            self.covered.add(key[2])
        for job, job_whole, run, run_whole, run_io, is_job, job_io in rows:
            self.covered.add(job)
            if is_job:
                self.marks[job] = job_io
            if job_whole is not None:
                self.wholes[job] = [job, *job_whole]
            if run is not None:  # it names a run: the rule may ask for it and its own inputs
                self.covered.add(run)
                if run_whole is not None:
                    self.wholes[run] = [run, *run_whole]
                self.run_io[run] = _keys(run_io)
                self.job_io[job] = job_io
        maps = [*(whole[2] for whole in self.wholes.values())]
        maps += [row[3] for rows_ in self.job_io.values() for row in rows_]
        # (a job's edges refer to its own clocks, which the batch holds as it leaves them)
        owners = _clock_owners(maps)
        self._clocks = {owner: self._given[owner] for owner in owners if owner in self._given}
        if missing := owners - self._clocks.keys():
            self._clocks.update(self._clocks_of([{_REFS: True, _CLOCK_OWNER: o} for o in missing]))

    def nodes(self, ids: Collection[str]) -> dict[str, Node]:
        held = [self.wholes[i] for i in ids if i in self.wholes and i not in self._known]
        found = _decode_nodes([[i, labels, dict(props)] for i, labels, props in held], self._clocks)
        rest = [i for i in ids if i not in self.covered or i in self._known]
        found.update(super().nodes(rest))  # the known ones, and any the statement did not cover
        return found

    def edge_keys(
        self, ids: Collection[str], kinds: Collection[EdgeKind], direction: EdgeDirection
    ) -> list[EdgeKey]:
        held = self._held(kinds, direction)
        if held is None:
            return super().edge_keys(ids, kinds, direction)
        keys = [key for i in ids if i in held for key in held[i]]
        return keys + super().edge_keys([i for i in ids if i not in held], kinds, direction)

    def edges(
        self, ids: Collection[str], kinds: Collection[EdgeKind], direction: EdgeDirection
    ) -> list[Edge]:
        if direction != "out" or frozenset(kinds) != frozenset(JOB_IO):
            return super().edges(ids, kinds, direction)
        rows = [
            [source, type_, target, dict(props)]
            for i in ids
            if i in self.job_io
            for source, type_, target, props, _ in self.job_io[i]
        ]
        found = _decode_edges(rows, None, self._clocks)
        return found + super().edges([i for i in ids if i not in self.job_io], kinds, direction)

    def _held(
        self, kinds: Collection[EdgeKind], direction: EdgeDirection
    ) -> Mapping[str, list[EdgeKey]] | None:
        if direction != "out":
            return None
        if frozenset(kinds) == {EdgeKind.OF}:
            return self.of
        if frozenset(kinds) == frozenset(RUN_IO):
            return self.run_io
        return None


def judge_batch(
    tx: neo4j.ManagedTransaction,
    jobs: Collection[str],
    runs: Collection[str],
    known: dict[str, Node],
    locked: Collection[str],
    clocks: Mapping[str, column_clocks.Clocks] | None = None,
) -> set[str]:
    """Judge ``jobs`` and the jobs of ``runs`` as the graph stands in ``tx`` and write the marks
    that change (``WRITE_MARKS``: in a steady state none do); returns the jobs judged. ``known``: nodes as ``tx`` left them;
    ``locked``: jobs ``tx`` has write-locked already (a batch has usually locked all it judges:
    an event's run comes with its job); the statement locks the others. ``clocks``: the clocks
    ``tx`` has left of owners it locked (a job's own, which its edges refer to)."""
    reader = _Prefetched(tx, known, runs, clocks or {})
    ((of, rows),) = tx.run(
        JUDGING_READ,
        unprinted(
            jobs=sorted(set(jobs)),
            runs=sorted(set(runs)),
            locked=sorted(locked),
            known=sorted(i for i, node in known.items() if node.kind in _JOBS_AND_RUNS),
        ),
    ).values()
    reader.load(jobs, of, rows)
    judged = jobs_of(reader, jobs, runs)
    by_job = judge(reader, judged)
    marks = []
    for job in sorted(judged & reader.marks.keys()):
        unrestated = by_job.get(job, set())
        for source, type_, target, props, eid in reader.marks[job]:
            wanted = (source, _EDGE_KIND_BY_TYPE[type_], target) in unrestated
            if wanted != (props.get(_UNRESTATED) is not None):
                marks.append([eid, wanted])
    if marks:
        tx.run(WRITE_MARKS, unprinted(marks=marks)).consume()
    return judged


# -- judged before the write ---------------------------------------------------------------------


class Prefetched:
    """What the batch's first statement read for judging (``cypher.graph._LOCK_AND_READ_BATCH``), as the
    graph stood before the batch: the ids it locked (for each, what follows is all there is), each
    locked :Job's READS/WRITES edges (``[type, target, first seen, marked, element id]``: what the
    rule reads of one, ``job_currency.first_seen``), the runs those
    jobs name as deciding, whole, and the input and output keys of those and of each locked
    :Run, with the jobs each locked :Run is OF."""

    __slots__ = ("job_edges", "locked", "named", "run_io", "run_jobs")

    def __init__(self, locked: Collection[str], jobs: list[Any], runs: list[Any]) -> None:
        self.locked = set(locked)
        self.job_edges: dict[str, list[list[Any]]] = {}
        self.named: dict[str, list[Any]] = {}  # id -> [id, labels, properties]
        self.run_io: dict[str, list[EdgeKey]] = {}
        self.run_jobs: dict[str, list[str]] = {}
        for job, edges, run in jobs:
            self.job_edges[job] = edges
            if run is not None:
                self.named[run[0]] = run[:3]
                self.run_io[run[0]] = _keys(run[3])
        for run, io, of in runs:
            self.run_io[run] = _keys(io)
            self.run_jobs[run] = of


class _Uncovered(Exception):
    """The rule asked for what the first statement did not read."""


class _AsLeft:
    """The graph as the batch leaves it, where the rule reads it (a ``PrimitiveReader``): what the
    first statement read, with the batch's changes over it; anything else is ``_Uncovered``."""

    def __init__(
        self,
        before: Prefetched,
        current: Mapping[str, Node],
        stored: Mapping[str, Mapping[str, Any]],
        changes: Changes,
        clocks: Mapping[str, column_clocks.Clocks],
    ) -> None:
        self._before, self._current, self._stored = before, current, stored
        self._changes, self._clocks = changes, clocks
        self._out: dict[str, list[EdgeKey]] = {}  # the batch's changed edges by source
        for key in changes.edges:
            self._out.setdefault(key[0], []).append(key)
        self.job_edges: dict[str, list[EdgeKey]] = {}  # each job's edges as given to the rule
        self.marked: dict[EdgeKey, tuple[bool, str]] = {}  # stored ones: [marked, element id]

    def _clocks_of(self, props: Mapping[str, Any]) -> dict[str, column_clocks.Clocks]:
        """The clocks a stored property map refers to, as the batch leaves them."""
        owners = _clock_owners([props])
        clocks = {owner: self._clocks[owner] for owner in owners if owner in self._clocks}
        for owner in owners - clocks.keys():
            if owner not in self._stored:
                raise _Uncovered(owner)
            clocks[owner] = column_clocks.parse(self._stored[owner].get(_CLOCKS))
        return clocks

    def nodes(self, ids: Collection[str]) -> dict[str, Node]:
        found: dict[str, Node] = {}
        for i in ids:
            node = self._changes.nodes.get(i) or self._current.get(i)
            if node is not None:
                found[i] = node
            elif i in self._before.named and i not in self._before.locked:
                _, labels, props = self._before.named[i]
                decoded = _decode_node(i, labels, dict(props), self._clocks_of(props))
                if decoded is not None:
                    found[i] = decoded
            elif i not in self._before.locked:
                raise _Uncovered(i)
        return found

    def edge_keys(
        self, ids: Collection[str], kinds: Collection[EdgeKind], direction: EdgeDirection
    ) -> list[EdgeKey]:
        asked = frozenset(kinds)
        if direction != "out" or asked not in (_OF, _RUN_IO):
            raise _Uncovered(kinds)
        found: list[EdgeKey] = []
        for i in ids:
            if asked == _OF and i in self._before.run_jobs:
                held = [(i, EdgeKind.OF, job) for job in self._before.run_jobs[i]]
            elif asked == _RUN_IO and i in self._before.run_io:
                held = list(self._before.run_io[i])
            elif i in self._before.locked:
                held = []  # locked, and not a :Run: it has none
            else:
                raise _Uncovered(i)
            held += [key for key in self._out.get(i, ()) if key[1] in asked and key not in held]
            found += held
        return found

    def edges(
        self, ids: Collection[str], kinds: Collection[EdgeKind], direction: EdgeDirection
    ) -> list[Edge]:
        if direction != "out" or frozenset(kinds) != _JOB_IO:
            raise _Uncovered(kinds)
        found: list[Edge] = []
        for job in ids:
            if job not in self._before.locked:
                raise _Uncovered(job)
            edges: dict[EdgeKey, Edge] = {}
            for type_, target, first, marked, eid in self._before.job_edges.get(job, ()):
                key = (job, _EDGE_KIND_BY_TYPE[type_], target)
                self.marked[key] = (bool(marked), eid)
                seen = {} if first is None else {FIRST_SEEN: first}  # what the rule reads of it
                edges[key] = Edge(job, key[1], target, seen, {})
            for key in self._out.get(job, ()):
                if key[1] in _JOB_IO:
                    edges[key] = self._changes.edges[key]
            self.job_edges[job] = list(edges)
            found += edges.values()
        return found


_OF = frozenset({EdgeKind.OF})
_RUN_IO = frozenset(RUN_IO)
_JOB_IO = frozenset(JOB_IO)


class Marks(NamedTuple):
    """The currency marks of the judged jobs' edges as the batch leaves them (``wanted``), and of
    those stored before it, whether each was marked and its element id (``held``)."""

    wanted: dict[EdgeKey, bool]
    held: dict[EdgeKey, tuple[bool, str]]

    def rows(self, made: Mapping[EdgeKey, str]) -> list[list[Any]] | None:
        """``WRITE_MARKS`` rows of the marks that move (``made``: the element ids of the edges
        the batch created, which held none); None if an edge is in neither."""
        rows = []
        for key, wanted in self.wanted.items():
            if key in self.held:
                marked, eid = self.held[key]
            elif key in made:
                marked, eid = False, made[key]
            else:
                return None
            if wanted != marked:
                rows.append([eid, wanted])
        return rows


def judged(
    before: Prefetched,
    current: Mapping[str, Node],
    stored: Mapping[str, Mapping[str, Any]],
    changes: Changes,
    clocks: Mapping[str, column_clocks.Clocks],
) -> Marks | None:
    """The marks of the jobs ``changes`` touched, judged as the batch leaves the graph (what the
    first statement read, ``before``, and the batch's ``changes``; ``current`` and ``stored``:
    the locked nodes, decoded and as Neo4j held them; ``clocks``: as the batch leaves them), the
    batch's write meanwhile under way. None when the rule asks what the first statement did not
    read: judge after the write (``judge_batch``)."""
    jobs, runs = touched_by(changes)
    if not (jobs or runs):
        return Marks({}, {})
    graph = _AsLeft(before, current, stored, changes, clocks)
    try:
        judged = jobs_of(graph, jobs, runs)
        unrestated = judge(graph, judged)
        after = graph.nodes(judged)
        of_jobs = sorted(i for i, node in after.items() if node.kind is NodeKind.JOB)
        graph.edges([i for i in of_jobs if i not in graph.job_edges], JOB_IO, "out")
    except _Uncovered:
        return None
    wanted = {
        key: key in unrestated.get(job, ()) for job in of_jobs for key in graph.job_edges[job]
    }
    return Marks(wanted, graph.marked)
