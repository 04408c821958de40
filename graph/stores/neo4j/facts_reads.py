"""What a lineage answer's node facts read around it, in one statement of places (two at once for
a hub): ``Source::edges_batch`` with a ``FactsRead`` in the native core (``native/core/node_facts.cc``
asks; ``native/core/remote_rows.cc`` installs).

The facts read thousands of edges at the answer's own nodes (the writers of its datasets, the
inputs of its jobs, their owners, their newest runs) whose far ends are mostly the answer's nodes
again. Named by their ids, each edge cost Neo4j two reads of a long string property (an id) and
the client two strings to decode and look up; so the caller names the nodes it asks about by their
place in a table of its own (``remote_reads.FactsRequest``: ids, and the handles its reads gave), and Neo4j answers
with those places: an edge entering a dataset is ``[its place, the writer's place, its mark]``,
a far end the table does not hold is named by its id, once ``[handle, id, kind, deleted]``. The
statement reads no property of a node it was given a handle for but its id, to check the handle
still names it (a handle is meant for one query, and the answer's places must be its nodes').

Which edges, far ends and runs count is the core's to judge, as for any read: a read here is a
neighbourhood read of the store's own, answered in another form (``tests/test_neo4j_facts_reads.py``
compares them), and the newest run of a job is ``Neo4jStore.newest``'s, in summary form
(:data:`RUN_PROPS`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from graph.core.model import EdgeKind, Node, NodeKind
from graph.stores import Neighbourhood, NeighbourhoodRequest
from graph.stores.neo4j.batched_reads import _halved, _merged
from graph.stores.neo4j.codec import _decode_nodes
from graph.stores.neo4j.cypher.facts_reads import (
    OWNERS,
    facts_statement,
    found_query,
    neighbourhood_in_map,
    runs_query,
)
from graph.stores.neo4j.cypher.graph import neighbourhood_read
from graph.stores.remote_reads import FactsRequest

if TYPE_CHECKING:
    from graph.stores.neo4j.reads import StoreReads

#: The places over all reads from which the facts are read as two statements at once, each with
#: half of every read's places (a hub's: ~10k nodes), one on the caller's connection and one beside
#: it (``Neo4jStore.soon``): Neo4j runs a statement's subqueries one after another on one core.
SPLIT_FROM = 4_000

#: What the runs carry: the property they are ordered by, then the state the facts answer
#: (``latestRunState``).
RUN_PROPS = ("createdAt", "state")


class FoundAsk(NamedTuple):
    """One read of the edges of ``kinds`` leaving (``direction`` "out") or entering ("in") the
    nodes at the places ``at``, for a caller that reads no more of their far ends than whether
    they exist, their kind and their drop; ``aliases``: and the ALIAS_OF edges at those far ends,
    both ways, with their other ends as well (what resolves the far ends' names)."""

    kinds: Sequence[EdgeKind]
    direction: str
    at: Sequence[int]
    aliases: bool = False


class FoundRows(NamedTuple):
    """What a :class:`FoundAsk` read: ``edges`` as ``[start's place, far end, unrestated]`` rows
    (with the edge's type last where it asked more than one kind), a far end named by its place
    in the table or, if the table lacks it, by its id; ``ends``: those far ends the table lacks,
    each once, as ``[handle, id, kind, deleted]`` (kind None: not a node of ours); ``aliases``:
    ALIAS_OF edges at the far ends as ``[source, target]`` (each a place or an id); ``sources``:
    the other ends of those the table lacks, as ``ends``."""

    edges: list[list[Any]]
    ends: list[list[Any]]
    aliases: list[list[Any]]
    sources: list[list[Any]]


class FactsRows(NamedTuple):
    """What :func:`facts_read` read: the neighbourhoods of the ``requests``, in order; the rows of
    each :class:`FoundAsk`, in order; the newest runs as ``[job, run id, kind, props]`` (the job a
    place or an id; kind None: it has no run of ours; props its :data:`RUN_PROPS` it has, values as
    the store decodes them); the owners as ``(owners, places)``: each distinct list of ``(owner,
    type)`` with the places of the nodes it is the whole list of (a node with no owner: under the
    empty list), each owner whole (an owner not of ours: its id)."""

    neighbourhoods: list[Neighbourhood]
    found: list[FoundRows]
    runs: list[list[Any]]
    owned: list[tuple[list[tuple[Node | str, Any]], list[int]]]


def facts_read(store: StoreReads, request: FactsRequest) -> FactsRows:
    """The found reads and the neighbourhoods of the requests (as ``Neo4jStore.neighbourhood``
    reads them), with the newest run of each of the jobs and of each job writing one of the
    datasets written, and the owners of each of the owning nodes (all places in the request's
    table: each node's id, its handle (the element id a read of the same query gave; None: sought by
    its id), and whether the caller holds its ALIAS_OF edges both ways; a node with a handle is one
    the caller holds: met as a far end, it is named by its place); nodes not found are left out. In
    one statement, or two at once when the places are many (:data:`SPLIT_FROM`)."""
    nodes, found = request, [FoundAsk(*ask) for ask in request.found]
    requests, jobs, written, owning = (
        request.requests,
        request.jobs,
        request.written,
        request.owning,
    )
    places = sum(len(ask.at) for ask in found) + len(owning) + len(jobs)
    if places < SPLIT_FROM:
        return _read(store, nodes, found, requests, jobs, written, owning)
    first, second = _halves(found), _halves(found, 1)
    beside = store.soon(
        _read,
        store,
        nodes,
        second,
        [_half(request, 1) for request in requests],
        _cut(jobs, 1),
        _cut(written, 1),
        _cut(owning, 1),
    )
    try:
        one = _read(
            store,
            nodes,
            first,
            [_half(request, 0) for request in requests],
            _cut(jobs, 0),
            _cut(written, 0),
            _cut(owning, 0),
        )
    except BaseException:
        beside.cancel()
        raise
    other = beside.result()
    return FactsRows(
        [
            _merged(a, b, request.direction == "both")
            for a, b, request in zip(one.neighbourhoods, other.neighbourhoods, requests)
        ],
        [FoundRows(*(x + y for x, y in zip(a, b))) for a, b in zip(one.found, other.found)],
        one.runs + other.runs,  # (a job writing datasets of both halves: its run twice)
        one.owned + other.owned,  # (a list in both halves: its nodes in each)
    )


def _cut(places: Sequence[int], half: int) -> Sequence[int]:
    middle = len(places) // 2
    return places[:middle] if half == 0 else places[middle:]


def _halves(found: Sequence[FoundAsk], half: int = 0) -> list[FoundAsk]:
    return [ask._replace(at=_cut(ask.at, half)) for ask in found]


def _half(request: NeighbourhoodRequest, half: int) -> NeighbourhoodRequest:
    return _halved(request)[half]


def _read(
    store: StoreReads,
    nodes: FactsRequest,
    found: Sequence[FoundAsk],
    requests: Sequence[NeighbourhoodRequest],
    jobs: Sequence[int],
    written: Sequence[int],
    owning: Sequence[int],
) -> FactsRows:
    """:func:`facts_read` in one statement."""
    read = FactsRows(
        [_empty() for _ in requests], [FoundRows([], [], [], []) for _ in found], [], []
    )
    parts: list[str] = []
    columns: list[str] = []
    asked: list[int] = []  # the index of each found ask read, in column order
    used: list[Sequence[int]] = []  # the places this statement seeks
    parameters: dict[str, Any] = {}
    writers = _writers_ask(found)
    for index, ask in enumerate(found):
        if not ask.at or not ask.kinds:
            continue
        name = f"found{index}"
        parts.append(found_query(ask.kinds, ask.direction, ask.aliases, name, index == writers))
        parameters.update(_places(name, ask.at, nodes))
        used.append(ask.at)
        columns.append(name)
        asked.append(index)
    read_requests: list[int] = []
    for index, request in enumerate(requests):
        one = neighbourhood_read(request, f"read{index}")
        if one is None:
            continue
        query, own = one
        parts.append(neighbourhood_in_map(query, own))
        parameters.update(own)
        columns.append(f"read{index}")
        read_requests.append(index)
    if jobs or written:
        covered = frozenset(found[writers].at) if writers is not None else frozenset()
        others = [place for place in written if place not in covered]
        parts.append(runs_query(None if writers is None else f"ends_found{writers}"))
        parameters.update(_places("jobs", jobs, nodes))
        parameters.update(_places("written", others, nodes))
        used += [jobs, others]
        columns.append("runs")
    if owning:
        parts.append(OWNERS)
        parameters.update(_places("owning", owning, nodes))
        used.append(owning)
        columns += ["owned", "owners"]
    if not parts:
        return read
    parameters.update(_table(nodes, used))
    text = facts_statement(parts, columns)
    # (one map: Neo4j plans a statement again for each new type and size class of a top-level
    # list parameter, and planning this one takes longer than running it)
    ((*rows,),) = store._read(text, {"f": parameters}, "reading the facts around an answer")
    for index, row in zip(asked, rows):
        read.found[index] = FoundRows(*row)
    rest = rows[len(asked) :]
    for index, row in zip(read_requests, rest):
        request = requests[index]
        read.neighbourhoods[index] = store._neighbourhood_of(
            row, request.direction, request.node_props
        )
    rest = rest[len(read_requests) :]
    if jobs or written:
        read.runs.extend(_decoded_runs(rest.pop(0)))
    if owning:
        owned_rows, owner_rows = rest
        whole = _decode_nodes([row for _, row in owner_rows])
        owners = {handle: whole.get(row[0], row[0]) for handle, row in owner_rows}
        read.owned.extend(
            (
                [
                    (
                        owners[owner],
                        orjson.loads(kind) if json_keys and "type" in json_keys else kind,
                    )
                    for owner, kind, json_keys in owned
                ],
                places,
            )
            for owned, places in owned_rows
        )
    return read


def _decoded_runs(rows: list[list[Any]]) -> list[list[Any]]:
    """The runs' rows (``[job, [id, kind, createdAt, state, _json] or None]``) as :class:`FactsRows`
    gives them: a value stored as JSON text decoded (as ``codec._decode_summaries``)."""
    runs: list[list[Any]] = []
    for job, run in rows:
        if run is None:
            runs.append([job, None, None, {}])
            continue
        run_id, kind, *values, json_keys = run
        props = {
            key: orjson.loads(value) if json_keys and key in json_keys else value
            for key, value in zip(RUN_PROPS, values)
            if value is not None
        }
        runs.append([job, run_id, kind, props])
    return runs


def _places(name: str, places: Sequence[int], nodes: FactsRequest) -> dict[str, list[int]]:
    """The parameters of ``cypher.facts_reads._start``: the places with a handle, and the others."""
    handles = nodes.handles
    return {
        name: [place for place in places if handles[place] is not None],
        f"{name}_by_id": [place for place in places if handles[place] is None],
    }


def _table(nodes: FactsRequest, used: Sequence[Sequence[int]]) -> dict[str, Any]:
    """The table as one statement reads it: the handles and ids of the places it seeks (null at
    the others: a statement sends what it seeks) and those sought by handle (``cypher.facts_reads._STALE``),
    the place of every node with a handle (a far end the caller holds is named by its place) and
    whether the caller holds its aliases, the labels of the kinds of ours."""
    ids: list[str | None] = [None] * len(nodes.ids)
    handles: list[object | None] = [None] * len(nodes.ids)
    for places in used:
        for place in places:
            ids[place] = nodes.ids[place]
            handles[place] = nodes.handles[place]
    return {
        "ids": ids,
        "handles": handles,
        "seek": [place for place, handle in enumerate(handles) if handle is not None],
        "pos": {
            handle: place * 2 + held
            for place, (handle, held) in enumerate(zip(nodes.handles, nodes.aliased))
            if handle is not None
        },
        "kinds": _NODE_LABELS,
    }


def _writers_ask(found: Sequence[FoundAsk]) -> int | None:
    """The index of the found read of (only) the WRITES entering datasets: its far ends are the
    writers of the datasets it reads (None: there is none)."""
    for index, ask in enumerate(found):
        if ask.direction == "in" and list(ask.kinds) == [EdgeKind.WRITES] and ask.at:
            return index
    return None


#: The labels a node of ours carries its kind by (``codec._node_kind``).
_NODE_LABELS = [kind.value for kind in NodeKind]


def _empty() -> Neighbourhood:
    return Neighbourhood([], {}, [], set())
