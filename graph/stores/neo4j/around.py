"""What a report looks up around a walk's answer, in one statement (``Source::around``: impact's
owners, products, contracts, aliases and domains of every node it reached).

The lookup read each of thousands of nodes by its id and every edge of the kinds asked with its
record (an impact on 9.8k nodes of the 10k mesh: 2.5 MB, ~280 ms on the server, a third of the
answer); the report follows most of those edges only to their far ends. Here the nodes a walk
read are sought by the handles it was given, one pass over their edges returns the records of
the kinds the caller judges by (``records``: the domains' BELONGS_TO) and keys of the others, far
ends whole (a few: owners, products, contracts, domains): 1.1 MB, ~90 ms. The keys stay the rows
the driver made for a native view to install (``remote_reads.NeighbourhoodKeys``). Bounded as a
level read is: the ids asked and their edges of the kinds asked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graph.core.model import JOB_IO, EdgeKind
from graph.stores import Neighbourhood
from graph.stores.neo4j.cypher.around import around_query
from graph.stores.neo4j.cypher.graph import start_parameters
from graph.stores.remote_reads import AroundRequest, NeighbourhoodKeys

if TYPE_CHECKING:
    from graph.stores.neo4j.reads import StoreReads


def around(store: StoreReads, request: AroundRequest) -> NeighbourhoodKeys:
    """What ``request`` asks, the edges read without their records as keys
    (:class:`NeighbourhoodKeys`)."""
    ids, handles = request.ids, request.handles
    asked = frozenset(EdgeKind(kind) for kind in request.kinds)
    if not ids or not asked:
        return NeighbourhoodKeys(Neighbourhood([], {}, [], set()), [])
    if asked.intersection(JOB_IO):  # (their currency marks are not read here)
        raise ValueError("a lookup around an answer reads no job's inputs or outputs")
    parameters: dict[str, Any] = {
        "records": sorted(EdgeKind(kind).value for kind in request.records)
    }
    parameters.update(start_parameters(ids, handles))
    ((*rows, keys),) = store._read(
        around_query(asked, bool(handles)), parameters, "reading around an answer"
    )
    return NeighbourhoodKeys(store._neighbourhood_of(rows, "both", None), keys)
