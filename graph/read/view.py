"""The graph as it stands: current facts only, or the facts as of a past moment.

The store keeps every fact ever observed (an edge once seen stays, with its first/last seen
stamps). Queries want the graph as it is — or was — so they read through a :class:`GraphView`,
which answers the same primitives (``nodes``, ``edges``) with stale facts left out:

* A job's READS/WRITES edges are current when its newest completed run read/wrote that dataset
  (or first saw it after that run completed: a newer run, a JobEvent). A job whose newer run no
  longer reads a table stops being upstream of it; the old edge is still there for ``as_of``.
  Jobs without a completed run that recorded inputs or outputs keep all their edges. A STREAMING
  job (jobType facet) is decided by its newest started run instead, from its first event on, and
  its edges stop being current when that run ends (``native/core/currency.h``; judged so now,
  not yet ``as_of`` a past moment).
* Column lineage into a dataset is current when its latest columnLineage facet restated it.
* Dropped datasets and columns removed from a schema leave no lineage behind.
* ``as_of`` also hides nodes and edges first seen after that moment, and judges runs, drops and
  deletions by their own stamps. (A property keeps only its latest value, so schemas and column
  lineage are judged as they are now, limited to what existed then.)

The rules, alias resolution and the walks (``graph.read.lineage``, ``graph.read.impact``) run in the
native core (``native/core/view.h``) over one graph: the embedded store's own, or, for a store that
holds its graph elsewhere (Neo4j), a mirror the view fills as the query reads, through the
store's primitives (``neighbourhood``, ``nodes``), a whole level per round trip. Written once,
so every store gives the same answers.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from graph import _native
from graph.core.model import Edge, EdgeKind, Node, NodeKind, PropertyKey
from graph.stores import (
    EdgeDirection,
    EdgeKey,
    GraphReader,
    Store,
    holds_native_graph,
)
from graph.stores.requests import SUMMARY as SUMMARY  # (the store contract's, re-exported)
from graph.stores.requests import WalkPlan

#: What a caller reads of nodes it only names or orders (a Marquez job's inputs and outputs, and
#: its runs, of which it reads the newest whole; the far ends of the jobs' edges whose neighbours
#: ``graph.read.node_facts`` counts), and whether they were dropped: a job's edges into a dropped
#: dataset are judged stale by it.
NAMES = (PropertyKey.NAMESPACE, PropertyKey.NAME, PropertyKey.CREATED_AT, PropertyKey.DELETED)


class GraphView:
    """A read-only, per-query view of a store (it caches what it reads).

    ``summaries``: the caller reads only :data:`SUMMARY` of the properties of the nodes walks
    reach (the GraphQL API: a lineage or impact answer's nodes show no others), so on a remote
    store the current view reads those ahead in summary form, which is most of what a level's
    read costs there. :meth:`nodes` still answers with whole nodes.
    ``shown``: with ``summaries``, the properties besides :data:`SUMMARY` the caller reads of those
    nodes (the Marquez answers: ``graph._native.MARQUEZ_SHOWN``), read ahead with them.
    """

    def __init__(
        self,
        store: Store,
        as_of: str | None = None,
        summaries: bool = False,
        shown: Sequence[str] = (),
    ) -> None:
        self.store = store
        self.as_of = as_of
        self.uri = store.uri
        graph = store.native_graph() if holds_native_graph(store) else None
        summary = (*SUMMARY, *shown) if summaries and as_of is None and graph is None else None
        walk_ahead = store.walk_ahead if graph is None else None
        self._walks = walk_ahead(summary or ()) if walk_ahead is not None else None
        source = store if self._walks is None else self._walks
        self.native = _native.View(graph, source, as_of, summary, NAMES if summary else None)

    def walk_start(self, node_id: str, plan: WalkPlan) -> Node | None:
        """The node the walk of ``plan`` starts at (None: no such node). A store that reads walks
        ahead (``Store.walk_ahead``; Neo4j: ``graph.stores.neo4j.walk_ahead``) reads it with the
        walk's first levels by the plan, in one round trip; the walk's own call then takes the
        same plan (``native.dataset_lineage(..., plan)``), which the view hands on with each level
        read."""
        if self._walks is not None:
            self._walks.start_walk(plan, None if self.native.holds(node_id) else node_id)
        return self.nodes([node_id]).get(node_id)

    def expect_starts(self, ids: Collection[str], around: Collection[str] = ()) -> None:
        """The walks asked next start at ``ids``, one after another (a batch's impact walks,
        ``graph.notify.notifications.BatchWalks``), and read around ``around`` first (a changed column's
        dataset): a store that reads walks ahead reads what they read first for all of them at
        once."""
        if self._walks is not None:
            self._walks.expect_starts(ids, around)

    def nodes(self, ids: Collection[str]) -> dict[str, Node]:
        return self.native.nodes(ids)

    def summaries(self, ids: Collection[str]) -> dict[str, Node]:
        """Nodes carrying at least :data:`SUMMARY` of their properties."""
        return self.native.summaries(ids)

    def edges(
        self, ids: Collection[str], kinds: Collection[EdgeKind], direction: EdgeDirection
    ) -> list[Edge]:
        return self.native.edges(ids, kinds, direction)

    def edge_keys(
        self, ids: Collection[str], kinds: Collection[EdgeKind], direction: EdgeDirection
    ) -> list[EdgeKey]:
        return self.native.edge_keys(ids, kinds, direction)

    def search(self, text: str, kinds: Collection[NodeKind], first: int) -> list[Node]:
        return self.store.search(text, kinds, first)

    def nodes_of_kind(self, kind: NodeKind, first: int, after: str | None = None) -> list[Node]:
        return self.store.nodes_of_kind(kind, first, after)

    def counts(self) -> dict[str, int]:
        return self.store.counts()


def view_of(reader: GraphReader) -> GraphView:
    """``reader`` if it is a view, else the current view of the store."""
    if isinstance(reader, GraphView):
        return reader
    if isinstance(reader, Store):
        return GraphView(reader)
    raise TypeError(f"{reader!r} is neither a store nor a view of one")
