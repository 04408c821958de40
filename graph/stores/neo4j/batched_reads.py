"""Several neighbourhood reads in one statement: what a query knows it will read next, asked at
once (``Source::edges_batch`` in the native core: a lineage answer's node facts).

Each read is the store's own (``_neighbourhood_query``) in a ``CALL () { ... }`` of its own, its
parameters named after its column (``$ids_read0``...), and its columns decoded as the store
decodes one read's: the reads and their answers are the same, only the round trips are one.
Bounded as each read is (the ids asked, the edges of the kinds asked at them).

A large batch (a hub's facts: thousands of datasets' writers, jobs' reads, nodes' owners) is read
as two such statements at once, each with half of every read's ids, one on the caller's
connection and one beside it (``Neo4jStore.soon``): Neo4j runs a statement's subqueries one after
another on one core, and the driver decodes one statement's rows while the other's are computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from graph.stores import EdgeKey, Neighbourhood, NeighbourhoodRequest

if TYPE_CHECKING:
    from graph.stores.neo4j.store import Neo4jStore

#: The ids over all reads from which a batch is read as two statements at once: below, the second
#: round trip and thread cost more than the halves save (a medium answer's facts: ~1k nodes, ~2.5k ids).
SPLIT_FROM = 4_000


def neighbourhoods(
    store: Neo4jStore, requests: Sequence[NeighbourhoodRequest]
) -> list[Neighbourhood]:
    """The neighbourhoods of ``requests``, in order: read in one statement, or in two at once
    when the batch is large (:data:`SPLIT_FROM`)."""
    if sum(len(request.ids) for request in requests) < SPLIT_FROM:
        return read_together(store, requests)
    halves = [_halved(request) for request in requests]
    beside = store.soon(read_together, store, [second for _, second in halves])
    try:
        firsts = read_together(store, [first for first, _ in halves])
    except BaseException:
        beside.cancel()
        raise
    seconds = beside.result()
    return [
        merged([first, second], request.direction == "both")
        for first, second, request in zip(firsts, seconds, requests)
    ]


def read_together(
    store: Neo4jStore, requests: Sequence[NeighbourhoodRequest]
) -> list[Neighbourhood]:
    """The neighbourhoods of ``requests``, in order, read in one statement."""
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
    found = [_empty() for _ in requests]
    if not parts:
        return found
    text = "\n".join([*parts, "RETURN " + ", ".join(columns)])
    ((*rows,),) = store._read(text, parameters, "reading neighbourhoods")
    for index, row in zip(asked, rows):
        request = requests[index]
        found[index] = store._neighbourhood_of(row, request.direction, request.node_props)
    return found


def _empty() -> Neighbourhood:
    return Neighbourhood([], {}, [], set())


def _halved(
    request: NeighbourhoodRequest,
) -> tuple[NeighbourhoodRequest, NeighbourhoodRequest]:
    """``request`` as two reads of half its ids each: together they read what it reads."""
    ids = list(request.ids)
    middle = len(ids) // 2
    return replace(request, ids=ids[:middle]), replace(request, ids=ids[middle:])


def merged(parts: Sequence[Neighbourhood], both_ways: bool) -> Neighbourhood:
    """What one read of the ids of ``parts`` (reads of the same shape, of ids apart) reads: each
    edge, far end and key once (a far end several parts meet, and its edges ahead, come in each;
    ``both_ways``: an edge between two parts' ids too)."""
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return _empty()
    edges = [edge for part in parts for edge in part.edges]
    if both_ways:
        edges = list({edge.key: edge for edge in edges}.values())
    unrestated: set[EdgeKey] | None = set()
    for part in parts:
        if part.unrestated is None or unrestated is None:
            unrestated = None
        else:
            unrestated |= part.unrestated
    return Neighbourhood(
        edges,
        {node_id: node for part in parts for node_id, node in part.nodes.items()},
        list(dict.fromkeys(key for part in parts for key in part.ahead)),
        unrestated,
        {node_id: handle for part in parts for node_id, handle in part.handles.items()},
        list(dict.fromkeys(key for part in parts for key in part.ahead_in)),
        {node_id: node for part in parts for node_id, node in part.ahead_nodes.items()},
    )
