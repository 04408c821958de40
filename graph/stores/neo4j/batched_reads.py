"""Several neighbourhood reads in one statement: what a query knows it will read next, asked at
once (``Source::edges_batch`` in the native core: a lineage answer's node facts).

Each read is the store's own (``_neighbourhood_query``) in a ``CALL () { ... }`` of its own, its
parameters named after its column (``$ids_read0``...), and its columns decoded as the store
decodes one read's: the reads and their answers are the same, only the round trips are one.
Bounded as each read is (the ids asked, the edges of the kinds asked at them).

With the reads, the batch may ask what a lineage answer's facts read of runs and owners
(``facts_batch``): the newest runs of the jobs asked and of the jobs writing the datasets asked,
each in summary form with only what a run state is judged by (``RUN_PROPS``), where they were a
statement beside the batch and one after it; and the nodes' owners as ``[owner id, type]`` lists,
each distinct list once with the nodes it is the list of, where they were an OWNED_BY edge row
(and an ``Edge``) a node.

The reads whose far ends the facts only need to know exist (``found_only``: the edges at the
answer's datasets and jobs, a hub's thousands) are read lean (:func:`_found_query`): their edges as
``[source, type, target, unrestated]`` and their far ends as ``[id, kind, deleted]`` rows, handed to the
native core as the driver made them (``FoundRead``; ``RemoteSource::install_found``), where they
were a Python ``Node`` and ``Edge`` a row in summary form.

A large batch (a hub's facts: thousands of datasets' writers, jobs' reads, nodes' owners) is read
as two such statements at once, each with half of every read's ids, one on the caller's
connection and one beside it (``Neo4jStore.soon``): Neo4j runs a statement's subqueries one after
another on one core, and the driver decodes one statement's rows while the other's are computed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from graph.model import EdgeKind, Node, NodeKind, PropertyKey
from graph.stores import Neighbourhood, NeighbourhoodRequest
from graph.stores.neo4j.codec import (
    _JSON_KEYS,
    _STAMPS,
    _UNRESTATED,
    _decode_nodes,
    _decode_summaries,
)
from graph.stores.neo4j.cypher import (
    _EDGE_KEY,
    _match_edges,
    _start_by_handle,
    _start_by_id,
    _summary,
    _types,
    start_parameters,
)

if TYPE_CHECKING:
    from graph.stores.neo4j.store import Neo4jStore

#: The ids over all reads from which a batch is read as two statements at once: below, the second
#: round trip and thread cost more than the halves save (a medium answer's facts: ~1k nodes, ~2.5k ids).
SPLIT_FROM = 4_000

#: What the runs of ``neighbourhoods_with_runs`` carry: the property they are ordered by, then the
#: state the facts answer (``latestRunState``).
RUN_PROPS = ("createdAt", "state")


#: The newest run of each job asked and of each job writing a dataset asked: as ``newest`` orders
#: a job's runs (``cypher._newest_query``: createdAt if a string, else ""; then id), in summary
#: form (``$props_runs``); a job with no run answers null. A job asked is sought by its handle
#: where the batch's reads gave one (:func:`_by_handle`). ``writers``: the variable holding the
#: far ends of the batch's found read of the WRITES entering datasets (:func:`_found_query`), the
#: writers of the datasets it read: those are not matched a second time.
def _runs(writers: str | None) -> str:
    imported = (
        ""
        if writers is None
        else f"""
    UNION ALL
    UNWIND {writers} AS j RETURN j"""
    )
    # (UNION ALL, then DISTINCT j: a UNION's own DISTINCT would key its rows by what it imports too)
    return f"""CALL ({writers or ""}) {{
  CALL ({writers or ""}) {{
    MATCH (j) WHERE elementId(j) IN $eids_runs RETURN j
    UNION ALL
    UNWIND $jobs_runs AS id MATCH (j:Node {{id: id}}) RETURN j
    UNION ALL
    UNWIND $written_runs AS id MATCH (:Node {{id: id}})<-[:WRITES]-(j:Node) RETURN j{imported}
  }}
  WITH DISTINCT j
  CALL (j) {{
    OPTIONAL MATCH (j)<-[:OF]-(b) WHERE b.{_STAMPS} IS NOT NULL
    RETURN b ORDER BY CASE WHEN b.createdAt IS :: STRING NOT NULL THEN b.createdAt ELSE '' END DESC, b.id DESC
    LIMIT 1
  }}
  RETURN collect([j.id, CASE WHEN b IS NULL THEN null ELSE {_summary("b", "_runs")} END]) AS runs
}}"""


#: A far end's id, its kind where it is a node of ours (as ``codec._decode_summaries`` keeps them;
#: else null) and its drop (``deleted``, a bool: what judges the job edges entering it current).
_FOUND_END = (
    f"[{{n}}.id, CASE WHEN {{n}}.{_STAMPS} IS NULL THEN null "
    f"ELSE head([label IN labels({{n}}) WHERE label IN $found_kinds]) END, {{n}}.{PropertyKey.DELETED}]"
)


def _found_query(request: NeighbourhoodRequest, column: str) -> str:
    """A read of ``request``'s edges (keys and unrestated marks only) whose far ends are read as
    ``[id, kind, deleted]`` only (the whole column: ``FoundRead``), with the ahead keys and the ahead_in
    edges and sources it asks, as the store's neighbourhood read reads them; the far ends also as
    ``ends_<column>`` (:func:`_runs`)."""
    suffix = f"_{column}"
    direction = request.direction
    start = _start_by_handle(suffix) if request.handles else _start_by_id(suffix)
    parts = [
        _match_edges(frozenset(EdgeKind(kind) for kind in request.kinds), direction, start),
        (
            f"WITH collect([{_EDGE_KEY[direction]}, coalesce(r.{_UNRESTATED}, false)]) AS edges, "
            "collect(DISTINCT b) AS ends"
        ),
    ]
    ahead, ahead_in = request.ahead, request.ahead_in
    if ahead:
        parts.append(
            f"CALL (ends) {{ UNWIND ends AS n MATCH (n)-[x:{_types(ahead)}]->(c) "
            "RETURN collect([n.id, type(x), c.id]) AS ahead }"
        )
    if ahead_in:
        parts.append(
            f"CALL (ends) {{ UNWIND ends AS n MATCH (n)<-[x:{_types(ahead_in)}]-(c) "
            f"RETURN collect([c.id, type(x), n.id, coalesce(x.{_UNRESTATED}, false)]) AS ahead_in, "
            "collect(DISTINCT c) AS sources }"
        )
    found = [
        "edges",
        f"[n IN ends | {_FOUND_END.format(n='n')}]",
        "ahead" if ahead else "[]",
        "ahead_in" if ahead_in else "[]",
        f"[c IN sources | {_FOUND_END.format(n='c')}]" if ahead_in else "[]",
    ]
    parts.append(f"RETURN [{', '.join(found)}] AS {column}, ends AS ends_{column}")
    return "\n".join(parts)


def _found_parameters(request: NeighbourhoodRequest, column: str) -> dict[str, Any]:
    """The parameters of :func:`_found_query` (those of the store's neighbourhood read)."""
    own = start_parameters(request.ids, request.handles)
    return {f"{name}_{column}": value for name, value in own.items()}


#: Each node's owners as ``[owner id, type, whether the type is JSON]`` by owner id (what the facts
#: read of an OWNED_BY edge), the nodes grouped by that list (a few hundred lists for 10k nodes),
#: and the owners met, whole (``codec._decode_nodes``; an owner refers to no column clocks). A node
#: is sought by its handle where the batch's reads gave one (:func:`_by_handle`), else by its id.
_OWNERS = f"""CALL () {{
  CALL () {{
    MATCH (n) WHERE elementId(n) IN $eids_owners RETURN n
    UNION ALL
    UNWIND $ids_owners AS id MATCH (n:Node {{id: id}}) RETURN n
  }}
  CALL (n) {{
    OPTIONAL MATCH (n)-[r:OWNED_BY]->(o)
    WITH r, o ORDER BY o.id
    RETURN [x IN collect([o.id, r.type, 'type' IN coalesce(r.{_JSON_KEYS}, [])]) WHERE x[0] IS NOT NULL] AS owned,
      collect(o) AS ends
  }}
  WITH owned, collect(n.id) AS nodes, head(collect(ends)) AS ends
  WITH collect([owned, nodes]) AS owned, collect(ends) AS ends
  CALL (ends) {{
    UNWIND ends AS some UNWIND some AS o WITH DISTINCT o
    RETURN collect([o.id, labels(o), properties(o)]) AS owners
  }}
  RETURN owned, owners
}}"""


def neighbourhoods(
    store: Neo4jStore, requests: Sequence[NeighbourhoodRequest]
) -> list[Neighbourhood]:
    """The neighbourhoods of ``requests``, in order: read in one statement, or in two at once
    when the batch is large (:data:`SPLIT_FROM`)."""
    return facts_batch(store, requests, (), (), ()).neighbourhoods


#: What :func:`_found_query` reads, as the driver decodes it: ``[edges, ends, ahead, ahead_in,
#: sources]``, edges as ``[source, type, target, unrestated]``, far ends and ahead_in sources as
#: ``[id, kind, deleted]`` (kind null: not a node of ours; deleted null: not dropped), ahead keys ``[source, type, target]``, ahead_in
#: keys ``[source, type, target, unrestated]``.
FoundRead = list[list[list[Any]]]


#: Per job, its newest run (in summary form, :data:`RUN_PROPS`), or None: it has none.
Runs = dict[str, Node | None]
#: Lists of owners, each ``[owner id, the OWNED_BY edge's type]`` by owner id, each with the ids of
#: the nodes it is the whole list of (a node with no owner: under the empty list).
OwnerLists = list[tuple[list[tuple[str, Any]], list[str]]]


class FactsBatch(NamedTuple):
    """What :func:`facts_batch` read: the neighbourhoods asked, in order (a found-only read's
    empty); the newest runs; the nodes' owner lists; the owners met, whole; the found-only
    reads by their index in the requests."""

    neighbourhoods: list[Neighbourhood]
    runs: Runs
    owned: OwnerLists
    owners: dict[str, Node]
    found: dict[int, FoundRead]


def facts_batch(
    store: Neo4jStore,
    requests: Sequence[NeighbourhoodRequest],
    jobs: Sequence[str],
    written: Sequence[str],
    owning: Sequence[str],
    found_only: Collection[int] = (),
) -> FactsBatch:
    """:func:`neighbourhoods`, and in the same statement(s) the newest run of each of ``jobs``
    and of each job writing one of the datasets ``written`` (jobs not found are left out), and
    the owners of each of ``owning`` as lists of ``[owner id, type]``, each distinct list once
    with the nodes it is the list of (nodes not found are left out). The requests at the indexes
    ``found_only`` are read as :data:`FoundRead` (their far ends' ids and kinds only)."""
    # (the owners were a read of their own when SPLIT_FROM was measured; the runs ride along)
    if sum(len(request.ids) for request in requests) + len(owning) < SPLIT_FROM:
        return _read_together(store, requests, jobs, written, owning, found_only)
    halves = [_halved(request) for request in requests]
    jobs_half, written_half, owning_half = len(jobs) // 2, len(written) // 2, len(owning) // 2
    beside = store.soon(
        _read_together,
        store,
        [second for _, second in halves],
        jobs[jobs_half:],
        written[written_half:],
        owning[owning_half:],
        found_only,
    )
    try:
        first = _read_together(
            store,
            [first for first, _ in halves],
            jobs[:jobs_half],
            written[:written_half],
            owning[:owning_half],
            found_only,
        )
    except BaseException:
        beside.cancel()
        raise
    second = beside.result()
    return FactsBatch(
        [
            _merged(one, other, request.direction == "both")
            for one, other, request in zip(first.neighbourhoods, second.neighbourhoods, requests)
        ],
        # (a job writing datasets of both halves: the same run in both)
        {**first.runs, **second.runs},
        first.owned + second.owned,  # (a list in both halves: its nodes in each)
        {**first.owners, **second.owners},
        {
            index: [one + other for one, other in zip(read, second.found[index])]
            for index, read in first.found.items()
        },
    )


def _read_together(
    store: Neo4jStore,
    requests: Sequence[NeighbourhoodRequest],
    jobs: Sequence[str] = (),
    written: Sequence[str] = (),
    owning: Sequence[str] = (),
    found_only: Collection[int] = (),
) -> FactsBatch:
    """:func:`facts_batch` in one statement."""
    parts: list[str] = []
    columns: list[str] = []
    parameters: dict[str, Any] = {}
    asked: list[int] = []  # the index of each request read, in column order
    found = FactsBatch(
        [_empty() for _ in requests],
        {},
        [],
        {},
        {index: [[], [], [], [], []] for index in found_only},
    )
    for index, request in enumerate(requests):
        column = f"read{index}"
        if index in found_only:
            if request.ids and request.kinds:
                parts.append("CALL () {\n" + _found_query(request, column) + "\n}")
                parameters.update(_found_parameters(request, column))
                parameters["found_kinds"] = _NODE_LABELS
                columns.append(column)
                asked.append(index)
            continue
        read = store._neighbourhood_read(request, column)
        if read is None:
            continue
        query, own = read
        parts.append("CALL () {\n" + query + "\n}")
        parameters.update(own)
        columns.append(column)
        asked.append(index)
    handles = {i: handle for request in requests for i, handle in (request.handles or {}).items()}
    if jobs or written:
        writers, read_ids = _writers_read(requests, asked, found_only)
        parts.append(_runs(writers))
        sought, jobs_by_id = _by_handle(jobs, handles)
        parameters.update(
            eids_runs=sought,
            jobs_runs=jobs_by_id,
            written_runs=[dataset for dataset in written if dataset not in read_ids],
            props_runs=RUN_PROPS,
        )
        columns.append("runs")
    if owning:
        parts.append(_OWNERS)
        parameters["eids_owners"], parameters["ids_owners"] = _by_handle(owning, handles)
        columns += ["owned", "owners"]
    if not parts:
        return found
    text = "\n".join([*parts, "RETURN " + ", ".join(columns)])
    ((*rows,),) = store._read(text, parameters, "reading neighbourhoods")
    for index, row in zip(asked, rows):
        request = requests[index]
        if index in found_only:
            found.found[index] = row
        else:
            found.neighbourhoods[index] = store._neighbourhood_of(
                row, request.direction, request.node_props
            )
    rest = rows[len(asked) :]
    if jobs or written:
        run_rows = rest.pop(0)
        decoded = _decode_summaries([row for _, row in run_rows if row is not None], RUN_PROPS)
        found.runs.update(
            (job, None if row is None else decoded.get(row[0])) for job, row in run_rows
        )
    if owning:
        owned_rows, owner_rows = rest
        asked_owning = set(owning)
        found.owned.extend(
            (
                [
                    (owner, orjson.loads(kind) if is_json else kind)
                    for owner, kind, is_json in owned
                ],
                [node for node in nodes if node in asked_owning],
            )
            for owned, nodes in owned_rows
        )
        found.owners.update(_decode_nodes(owner_rows))
    return found


def _by_handle(ids: Sequence[str], handles: Mapping[str, object]) -> tuple[list[object], list[str]]:
    """The handles (element ids) of those of ``ids`` the batch's reads gave one, and the other ids:
    a node is sought by its element id with no check of its id (the check costs as much as the
    seek by id saves), as the rows it makes carry the id it has. A handle gone stale (its node
    deleted, the element id reused) finds another node, whose runs are true of it and whose owner
    rows are dropped (not asked), and loses the node asked, as its deletion would."""
    sought = [i for i in ids if i in handles]
    return [handles[i] for i in sought], [i for i in ids if i not in handles]


def _writers_read(
    requests: Sequence[NeighbourhoodRequest], asked: Sequence[int], found_only: Collection[int]
) -> tuple[str | None, frozenset[str]]:
    """The variable holding the far ends of the batch's found read of (only) the WRITES entering
    datasets, and the datasets it reads: their writers are those far ends (None: the batch has no
    such read)."""
    for index in asked:
        request = requests[index]
        if (
            index in found_only
            and request.direction == "in"
            and [EdgeKind(kind) for kind in request.kinds] == [EdgeKind.WRITES]
        ):
            return f"ends_read{index}", frozenset(request.ids)
    return None, frozenset()


#: The labels a node of ours carries its kind by (``codec._node_kind``).
_NODE_LABELS = [kind.value for kind in NodeKind]


def _empty() -> Neighbourhood:
    return Neighbourhood([], {}, [], set())


def _halved(
    request: NeighbourhoodRequest,
) -> tuple[NeighbourhoodRequest, NeighbourhoodRequest]:
    """``request`` as two reads of half its ids each: together they read what it reads."""
    ids = list(request.ids)
    middle = len(ids) // 2
    return replace(request, ids=ids[:middle]), replace(request, ids=ids[middle:])


def _merged(first: Neighbourhood, second: Neighbourhood, both_ways: bool) -> Neighbourhood:
    """What one read of the two halves' ids reads: each edge, far end and key once (a far end of
    both halves, and its edges ahead, come in both; ``both_ways``: an edge between the halves
    too)."""
    edges = first.edges + second.edges
    if both_ways:
        edges = list({edge.key: edge for edge in edges}.values())
    unrestated = (
        None
        if first.unrestated is None or second.unrestated is None
        else first.unrestated | second.unrestated
    )
    return Neighbourhood(
        edges,
        first.nodes | second.nodes,
        list(dict.fromkeys(first.ahead + second.ahead)),
        unrestated,
        {**first.handles, **second.handles},
        list(dict.fromkeys(first.ahead_in + second.ahead_in)),
        first.ahead_nodes | second.ahead_nodes,
    )
