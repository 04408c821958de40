"""Several neighbourhood reads in one statement: what a query knows it will read next, asked at
once (``Source::edges_batch`` in the native core: a lineage answer's node facts).

Each read is the store's own (``_neighbourhood_query``) in a ``CALL () { ... }`` of its own, with
its parameters renamed apart, and its columns decoded as the store decodes one read's: the reads
and their answers are the same, only the round trips are one. Bounded as each read is (the ids
asked, the edges of the kinds asked at them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from graph.stores import Neighbourhood, NeighbourhoodRequest

if TYPE_CHECKING:
    from graph.stores.neo4j.store import Neo4jStore

#: The parameters a neighbourhood read names (``cypher._neighbourhood_query``).
_PARAMETER = re.compile(r"\$(ids|props|eids|handled)\b")


def neighbourhoods(
    store: Neo4jStore, requests: Sequence[NeighbourhoodRequest]
) -> list[Neighbourhood]:
    """The neighbourhoods of ``requests``, in order, read in one statement."""
    parts: list[str] = []
    columns: list[str] = []
    parameters: dict[str, Any] = {}
    asked: list[int] = []  # the index of each request read, in column order
    for index, request in enumerate(requests):
        read = store._neighbourhood_read(request, f"read{index}")
        if read is None:
            continue
        query, own = read
        parts.append("CALL () {\n" + _renamed(query, index) + "\n}")
        parameters.update({f"{name}_{index}": value for name, value in own.items()})
        columns.append(f"read{index}")
        asked.append(index)
    found = [Neighbourhood([], {}, [], set()) for _ in requests]
    if not parts:
        return found
    text = "\n".join([*parts, "RETURN " + ", ".join(columns)])
    ((*rows,),) = store._read(text, parameters, "reading neighbourhoods")
    for index, row in zip(asked, rows):
        request = requests[index]
        found[index] = store._neighbourhood_of(row, request.direction, request.node_props)
    return found


def _renamed(query: str, index: int) -> str:
    """``query`` with its parameters named apart from those of the other reads."""
    return _PARAMETER.sub(lambda m: f"${m[1]}_{index}", query)
