"""A lineage answer's node facts read during its walk: each level's nodes' facts reads started on
the second connection as the walk reaches them, so that little is left to read after it.

The native node facts (``native/core/node_facts.cc``, ``Facts::start``) ask, once the walk is
done, for every edge read they make around the answer's datasets and jobs in one batch
(``Neo4jStore.neighbourhoods``): on a hub, one statement of ~25k edges that Neo4j runs after the
walk while the walk's own ~20 level statements left it idle in between. :class:`FactsAhead` makes
the same reads of each level's jobs and datasets (:func:`fact_reads`: the same requests, read by
the store's own ``batched_reads``) beside the walk's next level (``Neo4jStore.soon``), and answers
the batch from them: each request's ids read ahead are taken from there (restricted to the ids
asked, exactly as a read of those ids gives them: :func:`restricted`), the rest read then, in one
statement, and the parts merged as ``batched_reads`` merges a split read. No rule moved: the facts
read the same rows, earlier. What is read ahead and not asked (a node the answer cut, or one whose
edges the walk read already) costs a read, never an answer.

Bounded by the walk: each node's facts reads are started once, on the nodes the walk's levels
returned. Nothing is kept past the view (one query).
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable, Sequence
from concurrent.futures import CancelledError, Future
from typing import TYPE_CHECKING, Any

from graph.model import ID_PREFIX, EdgeKind, Node, NodeKind, PropertyKey
from graph.stores import EdgeDirection, Neighbourhood, NeighbourhoodRequest, StoreUnavailable
from graph.stores.neo4j import batched_reads

if TYPE_CHECKING:
    from graph.stores.neo4j.store import Neo4jStore

#: The facts ``graph.node_facts`` reads (its names for them).
FACTS = frozenset({"upstream", "downstream", "domain", "owners", "run_state"})

_DATASET = f"{ID_PREFIX[NodeKind.DATASET]}:"
_JOB = f"{ID_PREFIX[NodeKind.JOB]}:"
_ALIASES = (EdgeKind.ALIAS_OF,)
#: What ``Facts::run_states`` asks of ``newest``: a job's runs, the newest by its first event.
NEWEST_RUN: tuple[EdgeKind, EdgeDirection, str] = (EdgeKind.OF, "in", PropertyKey.CREATED_AT)
#: The reads of ids (an id a read) from which the first statement is started: the large answers
#: (a hub's: ~26k, as ``batched_reads.SPLIT_FROM``). Below, the statements and threads it adds
#: cost more than they hide (a medium answer's ~2.5k, reached a few hundred a level: in turn
#: with integ6, its facts' p50 went 2.1-2.3x -> 2.8-3.2x the plain answer's with 500 here).
_FIRST = 4_000
#: Statements read ahead at once (the store reads beside the caller on two connections, which the
#: facts' own reads beside their batch share).
_IN_FLIGHT = 1

#: A read's shape: what a request asks but its ids (and handles, which find the same nodes).
Shape = tuple[frozenset[EdgeKind], str, frozenset[EdgeKind], frozenset[EdgeKind], bool, Any]


def shape_of(request: NeighbourhoodRequest) -> Shape:
    return (
        frozenset(EdgeKind(kind) for kind in request.kinds),
        request.direction,
        frozenset(EdgeKind(kind) for kind in request.ahead),
        frozenset(EdgeKind(kind) for kind in request.ahead_in),
        request.with_props,
        None if request.node_props is None else tuple(request.node_props),
    )


def fact_reads(
    facts: Collection[str], names: Sequence[str]
) -> tuple[list[NeighbourhoodRequest], list[NeighbourhoodRequest]]:
    """The reads ``Facts::start`` asks for the ``facts`` around a lineage answer's datasets and
    around its jobs (as ``RemoteSource::edges_request`` makes them; ``names``: what it reads of
    far ends it only names, ``graph.view.NAMES``), without ids."""
    up = bool({"upstream", "run_state"} & set(facts))
    down = "downstream" in facts

    def read(
        kind: EdgeKind, direction: str, whole: bool = False, aliases: bool = False
    ) -> NeighbourhoodRequest:
        return _reading(kind, direction, names, whole, aliases)

    datasets: list[NeighbourhoodRequest] = []
    jobs: list[NeighbourhoodRequest] = []
    if up or down:
        datasets += [read(EdgeKind.ALIAS_OF, "out"), read(EdgeKind.ALIAS_OF, "in")]
    if up:
        datasets.append(read(EdgeKind.WRITES, "in"))
        jobs.append(read(EdgeKind.READS, "out", aliases=True))
    if down:
        datasets.append(read(EdgeKind.READS, "in"))
    if down or "domain" in facts:
        jobs.append(read(EdgeKind.WRITES, "out", aliases=True))
    if "domain" in facts:
        datasets.append(read(EdgeKind.BELONGS_TO, "out", whole=True))
    if "owners" in facts:
        datasets.append(read(EdgeKind.OWNED_BY, "out", whole=True))
        jobs.append(read(EdgeKind.OWNED_BY, "out", whole=True))
    return datasets, jobs


def _reading(
    kind: EdgeKind,
    direction: str,
    names: Sequence[str],
    whole: bool = False,
    aliases: bool = False,
) -> NeighbourhoodRequest:
    """A read of the edges of ``kind`` one way, as ``RemoteSource::edges_request`` makes it
    (``whole``: the far ends whole, else their ``names``; ``aliases``: with theirs)."""
    return NeighbourhoodRequest(
        ids=(),
        kinds=[kind],
        direction="out" if direction == "out" else "in",
        ahead=_ALIASES if aliases else (),
        with_props=whole,
        node_props=None if whole else names,
        ahead_in=list(_ALIASES) if aliases else [],
    )


def _known_by(level: NeighbourhoodRequest, read: NeighbourhoodRequest, far: bool) -> bool:
    """Whether the level read ``level`` already read what ``read`` asks of its ids (``far``: of
    its far ends; the native view then does not ask it again: ``RemoteSource::install_read``)."""
    kinds = {EdgeKind(kind) for kind in read.kinds}
    if not far:
        return read.direction == level.direction and kinds <= {
            EdgeKind(kind) for kind in level.kinds
        }
    if read.direction == "out":
        return kinds <= {EdgeKind(kind) for kind in level.ahead}
    return kinds <= {EdgeKind(kind) for kind in level.ahead_in}


class _Chunk:
    """One statement read ahead: for each shape read, its ids and, once read, its answer."""

    def __init__(self, asked: list[tuple[Shape, list[str]]], future: Future[list[Neighbourhood]]):
        self.asked = asked
        self.future = future


class FactsAhead:
    """The facts' reads of a walk's nodes, read as the walk reaches them (module docstring).

    One statement at a time is in flight (:data:`_IN_FLIGHT`): what levels reach meanwhile waits
    for it and is read next, in one statement (a small walk read ahead in one statement of its own reaches all its
    levels at once: below :data:`_FIRST` reads of ids they are left to the facts' own batch)."""

    def __init__(self, store: Neo4jStore, facts: Collection[str], names: Sequence[str]) -> None:
        self._store = store
        self._datasets, self._jobs = fact_reads(facts, names)
        self._lock = threading.RLock()  # (a chunk read at once calls back in the thread)
        self._reads: dict[Shape, NeighbourhoodRequest] = {}
        self._started: dict[Shape, set[str]] = {}  # the ids read ahead or waiting, by shape
        self._waiting: dict[Shape, list[str]] = {}  # ids reached, not read yet, by shape
        self._chunks: list[_Chunk] = []
        self._busy = 0  # statements in flight
        self._closed = False  # the facts asked: nothing more is started
        # run_state: the jobs' newest runs (those of the levels' jobs and of the datasets' writers)
        self._runs = "run_state" in facts
        self._writers = shape_of(_reading(EdgeKind.WRITES, "in", names))
        self._runs_started: set[str] = set()
        self._runs_waiting: list[str] = []
        self._runs_read: list[tuple[list[str], Future[dict[str, Node]]]] = []
        self._runs_held: dict[str, Node] = {}  # what those reads found
        self._runs_asked: set[str] = set()  # the jobs they read

    def reached(self, level: NeighbourhoodRequest, found: Neighbourhood) -> None:
        """The walk read the level ``level`` (jobs' READS or WRITES, far ends datasets): start
        the facts' reads of its jobs and datasets that the walk has not read already."""
        jobs = [node_id for node_id in level.ids if node_id.startswith(_JOB)]
        datasets = [node_id for node_id in found.nodes if node_id.startswith(_DATASET)]
        self._add(
            [
                *((read, jobs) for read in self._jobs if not _known_by(level, read, False)),
                *((read, datasets) for read in self._datasets if not _known_by(level, read, True)),
            ],
            jobs,
        )

    def start(self, ids: Iterable[str]) -> None:
        """The walk's start: its facts' reads (some the walk makes too: the facts then do not ask
        them, and what was read ahead of them is not used)."""
        ids = list(ids)
        jobs = [node_id for node_id in ids if node_id.startswith(_JOB)]
        datasets = [node_id for node_id in ids if node_id.startswith(_DATASET)]
        self._add(
            [
                *((read, jobs) for read in self._jobs),
                *((read, datasets) for read in self._datasets),
            ],
            jobs,
        )

    def _add(
        self, reads: Iterable[tuple[NeighbourhoodRequest, list[str]]], jobs: Iterable[str] = ()
    ) -> None:
        """Wait ``reads`` (each with its ids) and the newest runs of ``jobs``; start what waits
        if nothing is in flight."""
        with self._lock:
            if self._runs:
                new_jobs = [job for job in dict.fromkeys(jobs) if job not in self._runs_started]
                self._runs_started.update(new_jobs)
                self._runs_waiting.extend(new_jobs)
            for read, ids in reads:
                shape = shape_of(read)
                self._reads.setdefault(shape, read)
                started = self._started.setdefault(shape, set())
                new = [node_id for node_id in dict.fromkeys(ids) if node_id not in started]
                started.update(new)
                self._waiting.setdefault(shape, []).extend(new)
            if self._busy < _IN_FLIGHT:
                self._next(_FIRST)

    def newest(self, ids: Collection[str]) -> dict[str, Node]:
        """The newest runs of the jobs ``ids`` (``Neo4jStore.newest`` over :data:`NEWEST_RUN`):
        those read ahead, and the rest read now. (The facts ask twice, one call after the other:
        their answer's jobs, then its datasets' other writers.)"""
        with self._lock:
            reads, self._runs_read = self._runs_read, []
        for jobs, future in reads:
            try:
                self._runs_held.update(future.result())
            except (StoreUnavailable, CancelledError):  # read again below: the caller's failure
                continue
            self._runs_asked.update(jobs)
        found = {job: self._runs_held[job] for job in ids if job in self._runs_held}
        if missing := [job for job in ids if job not in self._runs_asked]:
            found.update(self._store.newest(missing, *NEWEST_RUN))
        return found

    def _next(self, least: int) -> None:
        """Start reading what waits (at least ``least`` reads of ids), the lock held."""
        waiting = sum(map(len, self._waiting.values())) + len(self._runs_waiting)
        if self._closed or waiting < max(least, 1):
            return
        if asked := [(shape, ids) for shape, ids in self._waiting.items() if ids]:
            self._waiting = {}
            requests = [_with_ids(self._reads[shape], ids) for shape, ids in asked]
            future = self._store.soon(batched_reads.read_together, self._store, requests)
            self._busy += 1
            chunk = _Chunk(asked, future)
            self._chunks.append(chunk)
            future.add_done_callback(lambda _: self._done(chunk))
        if jobs := self._runs_waiting:
            self._runs_waiting = []
            runs = self._store.soon(self._store.newest, jobs, *NEWEST_RUN)
            self._busy += 1
            self._runs_read.append((jobs, runs))
            runs.add_done_callback(lambda _: self._done(None))

    def _done(self, chunk: _Chunk | None) -> None:
        """A statement read ahead is done: the writers it found wait for their newest runs, and
        what waits is started."""
        writers: list[str] = []
        if (
            chunk is not None
            and self._runs
            and not chunk.future.cancelled()
            and chunk.future.exception() is None
        ):
            for (shape, _), found in zip(chunk.asked, chunk.future.result()):
                if shape == self._writers:
                    writers = [edge.source for edge in found.edges]
        with self._lock:
            self._busy -= 1
            self._add((), writers)
            if self._busy < _IN_FLIGHT:
                self._next(1)

    def neighbourhoods(self, requests: Sequence[NeighbourhoodRequest]) -> list[Neighbourhood]:
        """``requests`` answered from what was read ahead and, for the ids it does not hold, one
        more batch (``Neo4jStore.neighbourhoods``)."""
        with self._lock:
            self._closed = True
            chunks, self._chunks = self._chunks, []
            self._waiting.clear()
            self._started.clear()
        held: dict[Shape, list[tuple[set[str], Neighbourhood]]] = {}
        for chunk in chunks:
            try:
                answers = chunk.future.result()
            except (StoreUnavailable, CancelledError):  # read again below: the caller's failure
                continue
            for (shape, read_ids), neighbourhood in zip(chunk.asked, answers):
                held.setdefault(shape, []).append((set(read_ids), neighbourhood))
        parts: list[list[Neighbourhood]] = []
        rest: list[NeighbourhoodRequest] = []
        rest_of: list[int] = []
        for index, request in enumerate(requests):
            asked = set(request.ids)
            mine: list[Neighbourhood] = []
            covered: set[str] = set()
            for read, neighbourhood in held.get(shape_of(request), ()):  # (never "both")
                if read <= asked:
                    mine.append(neighbourhood)
                elif read & asked:
                    mine.append(restricted(neighbourhood, read & asked, request.direction))
                else:
                    continue
                covered |= read & asked
            parts.append(mine)
            if missing := [node_id for node_id in request.ids if node_id not in covered]:
                rest.append(_with_ids(request, missing, request.handles))
                rest_of.append(index)
        if rest:
            for index, answer in zip(rest_of, self._store.neighbourhoods(rest)):
                parts[index].append(answer)
        return [
            batched_reads.merged(part, request.direction == "both")
            for part, request in zip(parts, requests)
        ]


def _with_ids(
    read: NeighbourhoodRequest, ids: list[str], handles: Any = None
) -> NeighbourhoodRequest:
    kept = {node_id: handles[node_id] for node_id in ids if node_id in handles} if handles else {}
    return NeighbourhoodRequest(
        ids=ids,
        kinds=read.kinds,
        direction=read.direction,
        ahead=read.ahead,
        with_props=read.with_props,
        node_props=read.node_props,
        handles=kept or None,
        ahead_in=read.ahead_in,
    )


def restricted(found: Neighbourhood, ids: Collection[str], direction: str) -> Neighbourhood:
    """What a read of ``found``'s shape gives for ``ids`` only (some of the ids it was read for,
    one way: ``direction`` "out" or "in"): their edges, those edges' far ends and what was read
    around them."""
    if direction == "out":
        edges = [edge for edge in found.edges if edge.source in ids]
        ends = {edge.target for edge in edges}
    else:
        edges = [edge for edge in found.edges if edge.target in ids]
        ends = {edge.source for edge in edges}
    ahead_in = [key for key in found.ahead_in if key[2] in ends]
    sources = {key[0] for key in ahead_in}
    near = 0 if direction == "out" else 2
    unrestated = (
        None
        if found.unrestated is None
        else {
            key
            for key in found.unrestated
            if key[near] in ids or (key[2] in ends and key in found.ahead_in)
        }
    )
    return Neighbourhood(
        edges,
        {node_id: node for node_id, node in found.nodes.items() if node_id in ends},
        [key for key in found.ahead if key[0] in ends],
        unrestated,
        {
            node_id: handle
            for node_id, handle in found.handles.items()
            if node_id in ends or node_id in sources
        },
        ahead_in,
        {node_id: node for node_id, node in found.ahead_nodes.items() if node_id in sources},
    )
