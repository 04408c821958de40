"""Several neighbourhood reads in one statement: what a query knows it will read next, asked at
once (``Source::edges_batch`` in the native core).

Each read is the store's own (``_neighbourhood_query``) in a ``CALL () { ... }`` of its own, its
parameters named after its column (``$ids_read0``...), and its columns decoded as the store
decodes one read's: the reads and their answers are the same, only the round trips are one.
Bounded as each read is (the ids asked, the edges of the kinds asked at them).

A large batch is read as two such statements at once, each with half of every read's ids, one on
the caller's connection and one beside it (``Neo4jStore.soon``): Neo4j runs a statement's
subqueries one after another on one core, and the driver decodes one statement's rows while the
other's are computed. (A lineage answer's node facts are read by ``facts_reads``.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from graph.core.model import EdgeKind
from graph.stores import Neighbourhood, NeighbourhoodRequest
from graph.stores.neo4j.cypher.graph import neighbourhood_read, reads_together, subquery

if TYPE_CHECKING:
    from graph.stores.neo4j.reads import StoreReads

#: The ids over all reads from which a batch is read as two statements at once: below, the second
#: round trip and thread cost more than the halves save (a medium answer's facts: ~1k nodes, ~2.5k ids).
SPLIT_FROM = 4_000


def neighbourhoods(
    store: StoreReads,
    requests: Sequence[NeighbourhoodRequest],
    through: Sequence[EdgeKind | None] = (),
    wholes: list[list[Any]] | None = None,
) -> list[Neighbourhood]:
    """The neighbourhoods of ``requests``, in order: read in one statement, or in two at once
    when the batch is large (:data:`SPLIT_FROM`). ``through``: per request, None or an edge
    kind: the read is then of the nodes its ids reach over those edges (the far ends of another
    read of the batch, which it need not wait for). ``wholes``: the DERIVES_FROM reads among
    them read what judging their edges reads whole too, and each one's clocks, rows and ids
    sought (``cypher.graph._neighbourhood_query``) are appended to it."""
    through = [*through, *[None] * (len(requests) - len(through))]
    if sum(len(request.ids) for request in requests) < SPLIT_FROM:
        return _read_together(store, requests, through, wholes)
    halves = [_halved(request) for request in requests]
    beside = store.soon(_read_together, store, [second for _, second in halves], through, wholes)
    try:
        first = _read_together(store, [first for first, _ in halves], through, wholes)
    except BaseException:
        beside.cancel()
        raise
    second = beside.result()
    return [
        # (a node both halves reach is read by both: its edges once)
        _merged(one, other, request.direction == "both" or kind is not None)
        for one, other, request, kind in zip(first, second, requests, through)
    ]


def _read_together(
    store: StoreReads,
    requests: Sequence[NeighbourhoodRequest],
    through: Sequence[EdgeKind | None],
    wholes: list[list[Any]] | None = None,
) -> list[Neighbourhood]:
    """:func:`neighbourhoods` in one statement."""
    parts: list[str] = []
    columns: list[str] = []
    parameters: dict[str, object] = {}
    asked: list[int] = []  # the index of each request read, in column order
    found = [_empty() for _ in requests]
    for index, (request, kind) in enumerate(zip(requests, through)):
        column = f"read{index}"
        read = neighbourhood_read(request, column, kind, _judged(request, wholes))
        if read is None:
            continue
        query, own = read
        parts.append(subquery(query))
        parameters.update(own)
        columns.append(column)
        asked.append(index)
    if not parts:
        return found
    text = reads_together(parts, columns)
    ((*rows,),) = store._read(text, parameters, "reading neighbourhoods")
    for index, row in zip(asked, rows):
        request = requests[index]
        if request.node_props is not None and not request.with_props:
            found[index] = store._level_of(row, request.direction, request.node_props)
        else:
            found[index] = store._neighbourhood_of(row, request.direction, request.node_props)
        if wholes is not None and _judged(request, wholes):
            wholes.append(row[7:])
    return found


def _judged(request: NeighbourhoodRequest, wholes: list[list[Any]] | None) -> bool:
    """Whether ``request`` reads what judging its edges reads whole (``wholes`` asked; its
    edges DERIVES_FROM, one way)."""
    return (
        wholes is not None
        and request.direction != "both"
        and {EdgeKind(kind) for kind in request.kinds} == {EdgeKind.DERIVES_FROM}
    )


def _empty() -> Neighbourhood:
    return Neighbourhood([], {}, [], set())


def _halved(
    request: NeighbourhoodRequest,
) -> tuple[NeighbourhoodRequest, NeighbourhoodRequest]:
    """``request`` as two reads of half its ids each: together they read what it reads."""
    ids = list(request.ids)
    middle = len(ids) // 2
    return replace(request, ids=ids[:middle]), replace(request, ids=ids[middle:])


def _merged(first: Neighbourhood, second: Neighbourhood, twice: bool) -> Neighbourhood:
    """What one read of the two halves' ids reads: each edge, far end and key once (a far end of
    both halves, and its edges ahead, come in both; ``twice``: an edge may come in both too, one
    between the halves read both ways, or one of a node both reach ``through``)."""
    edges = first.edges + second.edges
    if twice:
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
