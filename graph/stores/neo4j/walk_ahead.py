"""A walk's levels read ahead: one statement for every dataset hop the walk may take.

A lineage or impact walk over Neo4j reads a dataset hop per call of ``neighbourhood`` (the jobs of
a level, the datasets they write or read, what enters those next): one round trip and one small
statement per hop, where Neo4j itself answers the same reach in one. :class:`WalkAhead` stands
between one query's native view and the store. At the first level read of a walk it asks Neo4j's
own breadth-first search for the jobs within the hops the walk may still take (the walk's plan,
``graph.stores.requests.WalkPlan``, which the native view hands on with each of the walk's level
reads, ``NeighbourhoodRequest.plan``) and reads the level of all of them in the same statement;
the walk's later level reads are then answered from what it holds, exactly as the store would answer them (the same rows, decoded by
the store). A level read it does not hold (an alias member, a reach beyond ``_REACH`` jobs) is read
then, a level at a time once a reach has proved that wide. Likewise a walk's first three reads
around its start are one (``start_walk``, given the walk's plan), and the read ahead from the
start's own jobs the way the plan goes is in that statement too: a small answer is one
statement. A walk over whole nodes (a column's impact) asks a level's ALIAS_OF edges leaving and
then entering its nodes, and its datasets' DERIVES_FROM and then HAS_COLUMN edges: each pair is
read in the first's statement.
Nothing is kept past the view (one query).

The read ahead follows every edge, current or not, as the level reads do: the walk judges them.
It is bounded by the hops and by ``_REACH`` jobs, whichever comes first, and starts from fewer than
``_CAP`` jobs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from graph.core.model import JOB_IO, EdgeKind, Node, NodeKind, kind_prefix
from graph.stores import Neighbourhood, NeighbourhoodRequest, Reach, column_clocks
from graph.stores.neo4j import batched_reads
from graph.stores.neo4j.codec import (
    _EDGE_KIND_BY_TYPE,
    _decode_nodes,
    summary_parameter,
)
from graph.stores.neo4j.cypher.graph import neighbourhood_read
from graph.stores.neo4j.cypher.walk_ahead import (
    AROUND_KINDS,
    AROUND_RECORD_TYPES,
    AROUND_RECORDS,
    AROUND_START,
    ENTERING_START,
    START_AND_AROUND,
    entering_lineage_read,
    first_level_key,
    start_and_ahead,
    starts_read,
    walk_query,
)
from graph.stores.neo4j.reads import clocks_of_rows
from graph.stores.remote_reads import (
    AroundRequest,
    NeighbourhoodKeys,
    NeighbourhoodSource,
    edge_targets,
)
from graph.stores.requests import WalkPlan

if TYPE_CHECKING:
    from graph.stores.neo4j.reads import StoreReads

_T = TypeVar("_T")
_JOB_IO = frozenset(JOB_IO)
#: Most jobs a read ahead starts from. A search from more (a hub's readers) costs Neo4j more than
#: reading the reach a level at a time (scripts/neo4j_floor.py): the walk then reads on a level a
#: read.
_CAP = 100
#: Most jobs one read ahead expands: a reach of a few hundred jobs (the bench's medium answers,
#: ~1 000 nodes) is one statement, where a level a statement took 14-19; a wider one goes on a level
#: a read from where the search stopped.
_REACH = 1_000


class _Levels:
    """What the read aheads of one kind of level read have read: per job its edges, per dataset
    what leaves and enters it, per node its summary row and handle."""

    def __init__(self) -> None:
        self.edges: dict[str, list[list[Any]]] = {}  # job -> its edge rows (expanded jobs only)
        self.ahead: dict[str, list[list[Any]]] = {}  # far end -> ahead rows (expanded ends only)
        self.entering: dict[str, list[list[Any]]] = {}  # far end -> entering rows
        self.summaries: dict[str, list[Any]] = {}  # id -> summary row (without its handle)
        self.handles: dict[str, str] = {}
        self.hops = 0  # level reads of this kind the walk has made
        self.wide = False  # a read ahead met _REACH jobs: the rest is read a level at a time

    def keep(self, row: list[Any], asked: Collection[str]) -> None:
        """A read of the jobs ``asked`` (those it did not find have no edges, as the store's own
        read would say)."""
        expanded, edges, ends, ahead, entering, sources = row
        for node in (*ends, *sources):
            self.summaries[node[0]] = node[:5]
            self.handles[node[0]] = node[5]
        for end in ends:  # each read whole again: what an earlier read held of it is replaced
            self.ahead[end[0]] = []
            self.entering[end[0]] = []
        for key in ahead:
            self.ahead[key[0]].append(key)
        for key in entering:
            self.entering[key[2]].append(key)
        for job in expanded:
            self.edges[job] = []
        for edge in edges:
            self.edges[edge[0]].append(edge)
        for job in asked:
            self.edges.setdefault(job, [])

    def rows(self, ids: Collection[str]) -> list[Any]:
        """The columns the store's own level read of ``ids`` would give (``_neighbourhood_query``),
        as the store decodes them (``reads._CypherReads._neighbourhood_of``)."""
        edge_rows = [edge for job in ids for edge in self.edges[job]]
        ends = list(dict.fromkeys(edge[2] for edge in edge_rows))
        entering = [key for end in ends for key in self.entering[end]]
        sources = list(dict.fromkeys(key[0] for key in entering))
        return [
            edge_rows,
            [self.summaries[end] for end in ends],
            [key for end in ends for key in self.ahead[end]],
            [self.handles[end] for end in ends],
            entering,
            [self.summaries[source] for source in sources],
            [self.handles[source] for source in sources],
        ]


def _copied(rows: list[list[Any]], at: int = 2) -> list[list[Any]]:
    """Held rows (a node's ``[id, labels, properties]``; ``at=3``: an edge's ``[source, type,
    target, properties]``) with their properties copied, to be decoded: decoding takes a row's
    properties over (``codec._decode``), and what the walk ahead holds may be asked again."""
    return [[*row[:at], dict(row[at])] for row in rows]


def _kinds(kinds: Collection[EdgeKind]) -> frozenset[EdgeKind]:
    """A request's kinds (members or their texts: ``EdgeKind`` is a str enum, so the codec's
    lookup by type serves both) as a set: a lookup, where ``EdgeKind(kind)`` costs an enum call
    and a walk's keys take ~100 of them an answer."""
    return frozenset(_EDGE_KIND_BY_TYPE[kind] for kind in kinds)


def _key(
    request: NeighbourhoodRequest, ids: tuple[str, ...], handles: tuple[Any, ...]
) -> tuple[Any, ...]:
    return (
        ids,
        _kinds(request.kinds),
        request.direction,
        _kinds(request.ahead),
        _kinds(request.ahead_in),
        request.with_props,
        None if request.node_props is None else tuple(request.node_props),
        handles,
    )


def _asked(request: NeighbourhoodRequest) -> tuple[Any, ...]:
    """What a neighbourhood read asks, as a key: two equal keys read the same rows."""
    handles = request.handles
    return _key(request, tuple(request.ids), tuple(sorted(handles.items())) if handles else ())


_DATASET = kind_prefix(NodeKind.DATASET)
_COLUMN = kind_prefix(NodeKind.COLUMN)


def _read_next(request: NeighbourhoodRequest) -> NeighbourhoodRequest | None:
    """The read a column's impact walk asks right after ``request``, where it always asks one on
    the same nodes: over whole nodes, a level's ALIAS_OF edges entering after those leaving (in
    summary form those are read with the start's, ``_start``); either way, its datasets'
    HAS_COLUMN edges after their DERIVES_FROM edges (dataset-level lineage)."""
    if not request.ids or request.direction != "out" or request.ahead or request.ahead_in:
        return None
    kinds = _kinds(request.kinds)
    if kinds == {EdgeKind.ALIAS_OF}:
        if request.node_props is not None:
            return None
        return dataclasses.replace(request, direction="in")
    if (
        kinds == {EdgeKind.DERIVES_FROM}
        and request.with_props
        and all(node_id.startswith(_DATASET) for node_id in request.ids)
    ):
        return dataclasses.replace(request, kinds=[EdgeKind.HAS_COLUMN], with_props=False)
    return None


def _shape(request: NeighbourhoodRequest) -> tuple[Any, ...]:
    """What a neighbourhood read asks but its nodes: two reads of one shape read the same rows
    of each node."""
    return _key(request, (), ())


def _part(found: Neighbourhood, ids: Collection[str], direction: Reach) -> Neighbourhood:
    """What a read of ``ids`` of the shape of ``found``'s read (edges leaving them, or entering
    them, ``direction``; far ends; nothing ahead) reads, from ``found``, a read of more nodes."""
    wanted = set(ids)
    if direction == "out":
        edges = [edge for edge in found.edges if edge.source in wanted]
        ends = {edge.target for edge in edges}
    else:
        edges = [edge for edge in found.edges if edge.target in wanted]
        ends = {edge.source for edge in edges}
    return Neighbourhood(
        edges,
        {end: node for end, node in found.nodes.items() if end in ends},
        [],
        set(),
        {end: handle for end, handle in found.handles.items() if end in ends},
    )


class WalkAhead:
    """The store as one query's native view reads it (a :class:`NeighbourhoodSource`), with walks'
    levels read ahead (module docstring). The reads a walk does not read ahead (``newest``,
    ``soon``, ``facts_read``, ``neighbourhoods``, ``node_summaries``) go to the store as asked."""

    def __init__(self, store: StoreReads, summary: Sequence[str] = ()) -> None:
        self._store = store
        # The reads a walk does not read ahead: the store's own, passed on as they are.
        self.node_summaries = store.node_summaries
        self.neighbourhoods = store.neighbourhoods
        self.facts_read = store.facts_read
        self.newest = store.newest
        self.soon = store.soon
        self.reads_batches = store.reads_batches
        self._props = list(summary)  # what the view reads of the nodes walks reach
        self._walk: WalkPlan | None = None  # the walk whose levels _levels holds
        # (its plan, and a level read's shape) -> what it read ahead
        self._levels: dict[tuple[Any, ...], _Levels] = {}
        # node -> (its edge rows leaving, entering), as AROUND_START read them
        self._around: dict[str, tuple[list[list[Any]], list[list[Any]]]] = {}
        self._summaries: dict[str, list[Any]] = {}  # id -> summary row, with its handle
        # what a start's read ahead looked up around the nodes it met: those nodes, and the
        # columns of cypher.around.around_query's read of them (its edges, far ends, handles, clocks)
        self._looked: tuple[frozenset[str], list[Any]] | None = None
        # the read asked next (by _asked) and its answer, read beside the one asked before
        self._next: tuple[tuple[Any, ...], Neighbourhood] | None = None
        # reads of more nodes than asked, by their shape (_shape): the nodes, what it read (the
        # DERIVES_FROM edges leaving a level's datasets' columns, read with those datasets'
        # HAS_COLUMN edges, _read_next; those entering the starts of walks, expect_starts)
        self._held: dict[tuple[Any, ...], tuple[frozenset[str], Neighbourhood]] = {}
        # nodes read whole ahead (expect_starts): their rows (None: no such node), the clocks
        self._wholes: dict[str, list[Any] | None] = {}
        self._whole_clocks: dict[str, column_clocks.Clocks] = {}

    def expect_starts(self, ids: Collection[str], around: Collection[str] = ()) -> None:
        """The walks this view makes next start at ``ids`` (a batch's impact walks: one after
        another); ``around``: the nodes they read around first (a column's dataset). What a
        column's impact walk reads first (the column and its dataset whole, the DERIVES_FROM edges
        entering the column, what surrounds both: ``AROUND_START``) is read for all of them in
        one statement, where each walk read it in three or four."""
        columns = [i for i in dict.fromkeys(ids) if i.startswith(_COLUMN)]
        if not columns or not self._props:  # (over whole nodes nothing is read ahead)
            return
        nearby = list(dict.fromkeys([*columns, *around]))
        entering = NeighbourhoodRequest(
            columns, [EdgeKind.DERIVES_FROM], "in", node_props=self._props
        )
        read = neighbourhood_read(entering, "entering", None, True)
        assert read is not None  # (columns were asked)
        query, parameters = read
        text = starts_read(query)
        parameters.update(
            {
                "ids_whole": nearby,
                "ids_around": nearby,
                "props_around": summary_parameter(self._props),
            }
        )
        (((found, clocks), row, around_rows),) = self._store._read(
            text, parameters, "reading the starts of walks"
        )
        self._keep_wholes(clocks, found, nearby)
        self._keep_wholes(*row[7:])
        self._held[_shape(entering)] = (
            frozenset(columns),
            self._store._neighbourhood_of(row, "in", self._props),
        )
        self._keep_around(nearby, around_rows)

    def _keep_wholes(
        self, clocks: list[list[Any]], rows: list[list[Any]], sought: Collection[str | None]
    ) -> None:
        """Nodes read whole ahead: their rows, those of ``sought`` not found (None), and the
        column clocks they refer to."""
        for row in rows:
            self._wholes[row[0]] = row
        for node_id in sought:
            if node_id is not None:
                self._wholes.setdefault(node_id, None)
        self._whole_clocks.update(clocks_of_rows(clocks))  # (parsed once, not at each answer)

    def _judging(
        self, requests: list[NeighbourhoodRequest], through: list[EdgeKind | None]
    ) -> list[Neighbourhood]:
        """``requests`` in one statement, the DERIVES_FROM reads among them with what judging
        their edges then reads whole (the datasets of their ends, the jobs they name: a
        statement each), held for it."""
        wholes: list[list[Any]] = []
        found = batched_reads.neighbourhoods(self._store, requests, through, wholes)
        for clocks, rows, sought in wholes:
            self._keep_wholes(clocks, rows, sought)
        return found

    def _entering_lineage(self, request: NeighbourhoodRequest) -> Neighbourhood:
        """The DERIVES_FROM edges entering a column walk's level (``request``), with what judging
        them reads whole (``_judging``) and what the walk reads next around the datasets of their
        ends, whose columns it goes on from (their aliases, ``AROUND_START``), in one statement."""
        read = neighbourhood_read(request, "read0", None, True)
        if read is None:
            return Neighbourhood([], {}, [], set())
        query, parameters = read
        text = entering_lineage_read(query)
        parameters["props_around"] = summary_parameter(self._props)
        ((row, around),) = self._store._read(text, parameters, "reading lineage entering")
        self._keep_wholes(*row[7:])
        self._keep_around([], around)
        return self._store._neighbourhood_of(row, "in", request.node_props)

    def start_walk(self, plan: WalkPlan, start: str | None) -> None:
        """The walk of ``plan`` begins: what was read ahead for the walk before goes, and its
        ``start`` (None: a node the view holds, not read again) is read now with what surrounds
        it (``START_AND_AROUND``) and the first levels of its dataset walks
        (``start_and_ahead``; with impact's lookup around what they meet,
        ``plan.looks_around``) in one statement, held for the walk's reads: the start itself then
        answers ``nodes``. A column read whole ahead (``expect_starts``) is not read again; over
        whole nodes nothing is read ahead."""
        self._looked = None
        self._levels_of(plan)
        if (
            start is None
            or not self._props
            or (start.startswith(_COLUMN) and start in self._wholes)
        ):
            return
        node_id = start
        ways = tuple(
            kind
            for kind, wanted in (
                (EdgeKind.READS, plan.upstream),
                (EdgeKind.WRITES, plan.downstream),
            )
            if wanted
        )
        looks_around = plan.looks_around and plan.downstream and not plan.upstream
        parameters = {
            "ids": [node_id],
            "props": summary_parameter(self._props),
            "cap": _CAP,
            "reach": _REACH,
        }
        if not ways:
            ((around, found, clocks),) = self._store._read(
                START_AND_AROUND, parameters, "reading a walk's start"
            )
        else:
            query = start_and_ahead(ways, plan.hops, looks_around)
            if looks_around:
                parameters["records"] = sorted(AROUND_RECORD_TYPES)
            ((around, found, clocks, *aheads),) = self._store._read(
                query, parameters, "reading a walk's start"
            )
            if looks_around:
                (met, *looked) = aheads.pop()
                self._looked = (frozenset(met), looked)
            for out_kind, row in zip(ways, aheads):
                if row[0]:  # (none when the start has _CAP jobs or more that way)
                    levels = self._levels.setdefault(
                        (plan, *first_level_key(out_kind), tuple(self._props)), _Levels()
                    )
                    levels.keep(row, row[0])
                    levels.wide = len(row[0]) >= _REACH
        self._keep_around([node_id], around)
        self._keep_wholes(clocks, found, [node_id])

    def _levels_of(self, plan: WalkPlan | None) -> dict[tuple[Any, ...], _Levels]:
        """What was read ahead for walks' levels, where a new walk (a plan not seen before) lets
        go of what was read for the one before it."""
        if plan is not None and plan is not self._walk:
            self._walk = plan
            self._levels.clear()  # (what was read around nodes and of their edges stays: the view's)
        return self._levels

    def nodes(self, ids: Collection[str]) -> dict[str, Node]:
        """Nodes read whole ahead (a walk's start, ``start_walk``; a batch's, ``expect_starts``)
        are answered from that read, any other nodes as the store reads them."""
        wholes = self._wholes
        if ids and all(i in wholes for i in ids):
            held = [row for row in (wholes[i] for i in ids) if row is not None]
            return _decode_nodes(_copied(held), self._whole_clocks)
        return self._store.nodes(ids)

    def lookup_around(self, request: AroundRequest) -> NeighbourhoodKeys:
        """Impact's lookup (``around.around``), answered from what a start's read ahead looked up
        where that holds every node asked (a reach within one read ahead), else the store's. As
        the store's own, the edges without records are handed on as the rows read
        (:class:`NeighbourhoodKeys`), for a native view to install by their ids: a medium
        impact's thousand owners' and domains' edges made no Python Edge each."""
        ids, asked = request.ids, _kinds(request.kinds)
        held = self._looked
        if (
            held is None
            or not asked <= AROUND_KINDS
            or not _kinds(request.records) <= AROUND_RECORDS
            or not held[0].issuperset(ids)
        ):
            return self._store.lookup_around(request)
        wanted = set(ids)
        edges, ends, end_handles, clocks = held[1]
        if asked == AROUND_KINDS and len(wanted) == len(held[0]):  # all it holds (an impact's)
            rows, far_ends, far_handles = edges, ends, end_handles
        else:
            types = {kind.value for kind in asked}
            rows = [r for r in edges if r[1] in types and (r[0] in wanted or r[2] in wanted)]
            far = {row[2] for row in rows if row[0] in wanted} | {
                row[0] for row in rows if row[2] in wanted
            }
            kept = [(end, handle) for end, handle in zip(ends, end_handles) if end[0] in far]
            far_ends, far_handles = [end for end, _ in kept], [handle for _, handle in kept]
        recorded = _copied([r for r in rows if r[1] in AROUND_RECORD_TYPES], at=3)
        keyed = [row for row in rows if row[1] not in AROUND_RECORD_TYPES]  # (their marks: {})
        columns = [recorded, _copied(far_ends), [], far_handles, [], [], []]
        return NeighbourhoodKeys(
            self._store._neighbourhood_of([*columns, clocks], "both", None), keyed
        )

    def neighbourhood(self, request: NeighbourhoodRequest) -> Neighbourhood:
        held, self._next = self._next, None
        if held is not None and held[0] == _asked(request):
            return held[1]
        wider = self._held.get(_shape(request)) if self._held else None
        if wider is not None and request.direction != "both" and wider[0].issuperset(request.ids):
            return _part(wider[1], request.ids, request.direction)
        if (paired := _read_next(request)) is not None:  # both in one statement
            if _kinds(paired.kinds) != {EdgeKind.HAS_COLUMN}:
                found, then = self._store.neighbourhoods([request, paired])
            else:  # and what the walk asks of those columns next (whether they derive)
                found, then, columns = self._judging(
                    [request, paired, request], [None, None, EdgeKind.HAS_COLUMN]
                )
                self._held[_shape(request)] = (
                    edge_targets(then),
                    columns,
                )
            self._next = (_asked(paired), then)
            return found
        ids, direction, with_props = request.ids, request.direction, request.with_props
        node_props = request.node_props
        kinds, entering, ahead = (
            _kinds(request.kinds),
            _kinds(request.ahead_in),
            _kinds(request.ahead),
        )
        if (
            ids
            and len(ids)
            < _CAP  # a start's; around thousands (a whole answer's facts) it reads far more than asked
            and not ahead
            and not entering
            and not with_props
            and node_props is not None
            and (
                (direction == "out" and kinds == {EdgeKind.ALIAS_OF})
                or (direction == "in" and kinds <= ENTERING_START)
            )
        ):
            return self._start(ids, kinds, direction, list(node_props))
        if not (
            ids
            and direction == "out"
            and len(kinds) == 1
            and kinds <= _JOB_IO
            and (_JOB_IO - kinds) <= entering
            and not with_props
            and node_props is not None
            and ahead <= {EdgeKind.ALIAS_OF}
        ):
            if kinds == {EdgeKind.DERIVES_FROM} and direction == "in" and self._props:
                return self._entering_lineage(request)
            if kinds == {EdgeKind.DERIVES_FROM} and direction != "both":
                return self._judging([request], [None])[0]
            return self._store.neighbourhood(request)
        (out_kind,) = kinds
        props = list(node_props)
        plan = request.plan  # (none: a level a read, as asked)
        levels = self._levels_of(plan).setdefault(
            (plan, out_kind, entering, ahead, tuple(props)), _Levels()
        )
        levels.hops += 1
        if missing := [i for i in dict.fromkeys(ids) if i not in levels.edges]:
            hops = 1 if plan is None else plan.hops
            left = None if hops is None else hops - levels.hops + 1
            levels.wide = levels.wide or len(missing) >= _CAP  # (a hub's readers: wide already)
            if levels.wide or (left is not None and left <= 1):  # the store's own level read
                return self._store.neighbourhood(request)
            query = walk_query(out_kind, entering, ahead, left)
            ((*row,),) = self._store._read(
                query,
                {"ids": missing, "props": summary_parameter(props), "reach": _REACH},
                "reading a walk ahead",
            )
            levels.keep(row, missing)
            levels.wide = levels.wide or len(row[0]) >= _REACH
        return self._store._level_of(levels.rows(list(dict.fromkeys(ids))), "out", props)

    def _start(
        self, ids: Collection[str], kinds: frozenset[EdgeKind], direction: Reach, props: list[str]
    ) -> Neighbourhood:
        """A start's ALIAS_OF edges leaving, or edges entering, read with the others
        (``AROUND_START``) when the first of them is asked."""
        asked = list(dict.fromkeys(ids))
        if props != self._props:  # held in another summary form: read again
            self._around.clear()
            self._props = props
        if missing := [i for i in asked if i not in self._around]:
            ((rows,),) = self._store._read(
                AROUND_START,
                {"ids": missing, "props": summary_parameter(props)},
                "reading around a start",
            )
            self._keep_around(missing, rows)
        types = {kind.value for kind in kinds}
        far = 2 if direction == "out" else 0
        edge_rows = [
            row
            for node_id in asked
            for row in self._around[node_id][0 if direction == "out" else 1]
            if row[1] in types
        ]
        ends = [self._summaries[end] for end in dict.fromkeys(row[far] for row in edge_rows)]
        rows = [edge_rows, [end[:5] for end in ends], [], [end[5] for end in ends], [], [], []]
        return self._store._level_of(rows, direction, props)

    def _keep_around(self, ids: list[str], rows: list[list[Any]]) -> None:
        for node_id, outs, out_ends, ins, in_ends in rows:
            self._around[node_id] = (outs, ins)
            for node in (*out_ends, *in_ends):
                self._summaries[node[0]] = node
        for node_id in ids:  # not found: no edges
            self._around.setdefault(node_id, ([], []))


def _reads_as_a_source(walks: WalkAhead) -> NeighbourhoodSource:
    """For mypy: the read ahead answers every read the core makes (``NeighbourhoodSource``)."""
    return walks
