"""The Cypher of a lookup around a lineage answer (``graph.stores.neo4j.around``): static text,
types only from the enums, values only as parameters."""

from __future__ import annotations

import functools

from graph.core.model import EdgeKind
from graph.stores.neo4j.cypher.graph import (
    _CLOCKS_OF_OWNERS,
    _EDGE_KEY,
    _owners_of,
    _start_by_handle,
    _start_by_id,
    _types,
    _whole,
)


@functools.cache
def around_query(kinds: frozenset[EdgeKind], by_handle: bool) -> str:
    """The edges of ``kinds`` at the nodes asked both ways whose type is in ``$records`` with
    their records, the far ends whole with their handles, the column clocks those refer to (the
    columns of ``graph._neighbourhood_query``), then the others' keys (none of ``kinds`` is a
    job's input or output: no currency marks to read)."""
    return "\n".join(
        [
            _start_by_handle() if by_handle else _start_by_id(),
            f"MATCH (a)-[r:{_types(kinds)}]-(b)",
            "WITH a, id, r, b, type(r) IN $records AS recorded",
            (
                f"WITH collect(CASE WHEN recorded THEN [{_EDGE_KEY['both']}, properties(r)] END) "
                f"AS edges, collect(CASE WHEN NOT recorded THEN [{_EDGE_KEY['both']}] END) AS keys, "
                "collect(DISTINCT b) AS ends"
            ),
            f"WITH *, {_owners_of('edges', '[3]')} + {_owners_of('ends')} AS owners {_CLOCKS_OF_OWNERS}",
            (
                f"RETURN edges, [n IN ends | {_whole('n')}] AS nodes, [] AS ahead, "
                "[n IN ends | elementId(n)] AS handles, [] AS ahead_in, [] AS sources, "
                "[] AS source_handles, clocks, keys"
            ),
        ]
    )
