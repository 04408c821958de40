"""Several neighbourhood reads in one statement: what a query knows it will read next, asked at
once (``Source::edges_batch`` in the native core: a lineage answer's node facts).

Each read is the store's own (``_neighbourhood_query``) in a ``CALL () { ... }`` of its own, its
parameters named after its column (``$ids_read0``...), and its columns decoded as the store
decodes one read's: the reads and their answers are the same, only the round trips are one.
Bounded as each read is (the ids asked, the edges of the kinds asked at them).

With the reads, the batch may ask the newest runs of jobs (``neighbourhoods_with_runs``): those
of the jobs asked and of the jobs writing the datasets asked, each run in summary form with only
what a run state is judged by (``RUN_PROPS``), in a last ``CALL`` of the same statement. A lineage
answer's facts thus read their jobs' and their datasets' writers' latest runs in the round trip
of their edges, where they were a statement beside it and one after it.

A large batch (a hub's facts: thousands of datasets' writers, jobs' reads, nodes' owners) is read
as two such statements at once, each with half of every read's ids, one on the caller's
connection and one beside it (``Neo4jStore.soon``): Neo4j runs a statement's subqueries one after
another on one core, and the driver decodes one statement's rows while the other's are computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from graph.model import Node
from graph.stores import Neighbourhood, NeighbourhoodRequest
from graph.stores.neo4j.codec import _STAMPS, _decode_summaries
from graph.stores.neo4j.cypher import _summary

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
#: form (``$props_runs``); a job with no run answers null.
_RUNS = f"""CALL () {{
  CALL () {{
    UNWIND $jobs_runs AS id MATCH (j:Node {{id: id}}) RETURN j
    UNION
    UNWIND $written_runs AS id MATCH (:Node {{id: id}})<-[:WRITES]-(j:Node) RETURN j
  }}
  CALL (j) {{
    OPTIONAL MATCH (j)<-[:OF]-(b) WHERE b.{_STAMPS} IS NOT NULL
    RETURN b ORDER BY CASE WHEN b.createdAt IS :: STRING NOT NULL THEN b.createdAt ELSE '' END DESC, b.id DESC
    LIMIT 1
  }}
  RETURN collect([j.id, CASE WHEN b IS NULL THEN null ELSE {_summary("b", "_runs")} END]) AS runs
}}"""


def neighbourhoods(
    store: Neo4jStore, requests: Sequence[NeighbourhoodRequest]
) -> list[Neighbourhood]:
    """The neighbourhoods of ``requests``, in order: read in one statement, or in two at once
    when the batch is large (:data:`SPLIT_FROM`)."""
    found, _ = neighbourhoods_with_runs(store, requests, (), ())
    return found


#: Per job, its newest run (in summary form, :data:`RUN_PROPS`), or None: it has none.
Runs = dict[str, Node | None]


def neighbourhoods_with_runs(
    store: Neo4jStore,
    requests: Sequence[NeighbourhoodRequest],
    jobs: Sequence[str],
    written: Sequence[str],
) -> tuple[list[Neighbourhood], Runs]:
    """:func:`neighbourhoods`, and in the same statement(s) the newest run of each of ``jobs``
    and of each job writing one of the datasets ``written`` (jobs not found are left out)."""
    asked = sum(len(request.ids) for request in requests) + len(jobs) + len(written)
    if asked < SPLIT_FROM:
        return _read_together(store, requests, jobs, written)
    halves = [_halved(request) for request in requests]
    jobs_half, written_half = len(jobs) // 2, len(written) // 2
    beside = store.soon(
        _read_together,
        store,
        [second for _, second in halves],
        jobs[jobs_half:],
        written[written_half:],
    )
    try:
        firsts, runs = _read_together(
            store, [first for first, _ in halves], jobs[:jobs_half], written[:written_half]
        )
    except BaseException:
        beside.cancel()
        raise
    seconds, more_runs = beside.result()
    runs.update(more_runs)  # (a job writing datasets of both halves: the same run in both)
    return [
        _merged(first, second, request.direction == "both")
        for first, second, request in zip(firsts, seconds, requests)
    ], runs


def _read_together(
    store: Neo4jStore,
    requests: Sequence[NeighbourhoodRequest],
    jobs: Sequence[str] = (),
    written: Sequence[str] = (),
) -> tuple[list[Neighbourhood], Runs]:
    """The neighbourhoods of ``requests``, in order, and the newest runs of ``jobs`` and of the
    writers of ``written``, read in one statement."""
    parts: list[str] = []
    columns: list[str] = []
    parameters: dict[str, Any] = {}
    asked: list[int] = []  # the index of each request read, in column order
    for index, request in enumerate(requests):
        column = f"read{index}"
        read = store._neighbourhood_read(request, column)
        if read is None:
            continue
        query, own = read
        parts.append("CALL () {\n" + query + "\n}")
        parameters.update(own)
        columns.append(column)
        asked.append(index)
    if jobs or written:
        parts.append(_RUNS)
        parameters.update(jobs_runs=list(jobs), written_runs=list(written), props_runs=RUN_PROPS)
        columns.append("runs")
    found = [_empty() for _ in requests]
    if not parts:
        return found, {}
    text = "\n".join([*parts, "RETURN " + ", ".join(columns)])
    ((*rows,),) = store._read(text, parameters, "reading neighbourhoods")
    for index, row in zip(asked, rows):
        request = requests[index]
        found[index] = store._neighbourhood_of(row, request.direction, request.node_props)
    runs: Runs = {}
    if jobs or written:
        run_rows = rows[-1]
        decoded = _decode_summaries([row for _, row in run_rows if row is not None], RUN_PROPS)
        runs = {job: None if row is None else decoded.get(row[0]) for job, row in run_rows}
    return found, runs


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
