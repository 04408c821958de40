"""The graph as it stands: current facts only, or the facts as of a past moment.

The store keeps every fact ever observed (an edge once seen stays, with its first/last seen
stamps). Queries want the graph as it is — or was — so they read through a :class:`GraphView`,
which answers the same primitives (``nodes``, ``edges``) with stale facts left out:

* A job's READS/WRITES edges are current when its newest completed run read/wrote that dataset
  (or first saw it after that run completed: a newer run, a JobEvent). A job whose newer run no
  longer reads a table stops being upstream of it; the old edge is still there for ``as_of``.
  Jobs without a completed run that recorded inputs or outputs keep all their edges.
* Column lineage into a dataset is current when its latest columnLineage facet restated it.
* Dropped datasets and columns removed from a schema leave no lineage behind.
* ``as_of`` also hides nodes and edges first seen after that moment, and judges runs, drops and
  deletions by their own stamps. (A property keeps only its latest value, so schemas and column
  lineage are judged as they are now, limited to what existed then.)

Being written once over the primitives, the view gives the same answers on every store.
"""

from __future__ import annotations

from typing import Collection

from graph.currency import JOB_IO, RUN_IO, deciding_run, io_of, unrestated
from graph.model import Edge, EdgeKind, Node, NodeKind
from graph.stores import EdgeDirection, EdgeKey, Store

#: Kinds whose currency the rules judge by the nodes at both ends (read with the edges).
_JUDGED = frozenset({*JOB_IO, EdgeKind.DERIVES_FROM})
#: Read ahead from the far ends of judged edges: where a reached dataset's name points (the walks
#: ask next).
_AHEAD = (EdgeKind.ALIAS_OF,)
_TO_DATASETS = {("out", EdgeKind.READS), ("out", EdgeKind.WRITES)}
#: The properties walks, their rules and answers read from the nodes they reach (``summaries``):
#: names, what a column belongs to, what a dataset's schema and column lineage say, drops.
SUMMARY = ("namespace", "name", "dataset", "datasetId", "declared", "deleted", "columns", "columnLineageAt")


class GraphView:
    """A read-only, per-query view of a store (on a remote store, or as of a past moment, it
    caches the nodes it reads; on a remote store it also reads ahead what the walks and its
    rules ask next).

    ``summaries``: the caller reads only :data:`SUMMARY` of the properties of the nodes walks
    reach (the GraphQL API: a lineage or impact answer's nodes show no others), so on a remote
    store the current view reads those ahead in summary form, which is most of what a level's
    read costs there. :meth:`nodes` still answers with whole nodes; walks ask :meth:`summaries`.
    """

    def __init__(self, store: Store, as_of: str | None = None, summaries: bool = False) -> None:
        self.store = store
        self.as_of = as_of
        self.uri = store.uri
        self._summarize = summaries and as_of is None and store.remote
        self._nodes: dict[str, Node | None] = {}
        self._summaries: dict[str, Node] = {}  # nodes read ahead in summary form (when summarizing)
        self._io: dict[str, set[EdgeKey]] = {}  # run id -> its CONSUMED/PRODUCED edges
        self._ahead_read: set[str] = set()  # nodes whose _AHEAD edges are known (current view only)
        self._ahead: dict[str, list[EdgeKey]] = {}  # ... those of them that have some
        self._judged: set[str] = set()  # datasets whose drop is judged (a walk asks again from the far side)
        self._dropped: set[str] = set()  # ... those of them that are dropped
        self._handles: dict[str, object] = {}  # the store's handles of the nodes read ahead, to seek them by

    # -- primitives -------------------------------------------------------------------------

    def nodes(self, ids: Collection[str]) -> dict[str, Node]:
        if self.as_of is None and not self.store.remote:  # a lookup in memory: a cache would only add one
            return self.store.nodes(ids)
        cache = self._nodes
        missing = [i for i in ids if i not in cache]
        if missing:
            found = self.store.nodes(missing)
            for node_id in missing:
                cache[node_id] = found.get(node_id)
        if self.as_of is None:
            return {i: node for i in ids if (node := cache[i]) is not None}
        return {
            i: node for i in ids if (node := cache[i]) is not None and self._existed(node.props.get("firstSeenAt"))
        }

    def summaries(self, ids: Collection[str]) -> dict[str, Node]:
        """Nodes carrying at least :data:`SUMMARY` of their properties: as read ahead in summary
        form, else whole."""
        if not self._summarize:
            return self.nodes(ids)
        known = self._summaries
        found = {i: known[i] for i in ids if i in known}
        if len(found) < len(ids):
            found.update(self.nodes([i for i in ids if i not in known]))
        return found

    def edges(self, ids: Collection[str], kinds: Collection[EdgeKind], direction: EdgeDirection) -> list[Edge]:
        verdict: set[EdgeKey] | None = None  # the store's, on unrestated job edges, when read with the edges
        if self.store.remote and not _JUDGED.isdisjoint(kinds):
            found, verdict = self._read_ahead(ids, kinds, direction, True)
        else:
            found = self.store.edges(ids, kinds, direction)
        if self.as_of is not None:
            found = [e for e in found if self._existed(e.props.get("firstSeenAt"))]
        stale: set[EdgeKey] = set()
        if not JOB_IO.keys().isdisjoint(kinds):
            only_io = JOB_IO.keys() >= set(kinds)
            # Inbound, the datasets at the edges' ends are the ones asked about: no pass over the edges.
            stale = self._stale_job_edges(found if only_io else [e for e in found if e.kind in JOB_IO],
                                          ids if direction == "in" else None, verdict)
        if EdgeKind.DERIVES_FROM in kinds:
            stale |= self._stale_derivations([e for e in found if e.kind is EdgeKind.DERIVES_FROM])
        return [e for e in found if e.key not in stale] if stale else found

    def edge_keys(self, ids: Collection[str], kinds: Collection[EdgeKind], direction: EdgeDirection) -> list[EdgeKey]:
        if self.as_of is not None or EdgeKind.DERIVES_FROM in kinds:  # judged by the edges' properties
            return [edge.key for edge in self.edges(ids, kinds, direction)]
        if not _JUDGED.isdisjoint(kinds):  # job edges: judged by their ends and the store's verdict
            return self._current_job_keys(ids, kinds, direction)
        if not self.store.remote or direction != "out" or tuple(kinds) != _AHEAD:
            return self.store.edge_keys(ids, kinds, direction)
        missing = {i for i in ids if i not in self._ahead_read}
        if missing:
            self._keep_ahead(missing, self.store.edge_keys(missing, _AHEAD, "out"))
        ahead = self._ahead
        return [key for i in ids if i in ahead for key in ahead[i]]

    def search(self, text: str, kinds: Collection[NodeKind], first: int) -> list[Node]:
        return self.store.search(text, kinds, first)

    def nodes_of_kind(self, kind: NodeKind, first: int, after: str | None = None) -> list[Node]:
        return self.store.nodes_of_kind(kind, first, after)

    def counts(self) -> dict[str, int]:
        return self.store.counts()

    def _read_ahead(
        self, ids: Collection[str], kinds: Collection[EdgeKind], direction: EdgeDirection, with_props: bool
    ) -> tuple[list[Edge], set[EdgeKey] | None]:
        """Judged edges, read with what comes next (one round trip on a remote store): the far
        ends, which the rules judge and the walks keep (with the store's handles to seek them by
        when the walk starts from them next), the store's verdict on the job edges
        among them and (now) _AHEAD; ``as_of`` judges aliases by their own stamps, so it reads
        those itself. Without ``with_props`` the edges may come without their properties."""
        ahead = _AHEAD if self.as_of is None and {(direction, kind) for kind in kinds} & _TO_DATASETS else ()
        known = self._handles
        handles = {i: known[i] for i in ids if i in known} if known else None
        read = self.store.neighbourhood(ids, kinds, direction, ahead, with_props, SUMMARY if self._summarize else None, handles)
        known.update(read.handles)
        if ahead:
            self._keep_ahead(set(read.nodes).difference(self._ahead_read), read.ahead)
        cache = self._summaries if self._summarize else self._nodes
        seen = read.nodes.keys() & cache.keys()  # a node read earlier in this query stays as it was read
        cache.update({i: node for i, node in read.nodes.items() if i not in seen} if seen else read.nodes)
        return read.edges, read.unrestated

    def _keep_ahead(self, ids: Collection[str], keys: list[EdgeKey]) -> None:
        """Remember the _AHEAD edges of ``ids``, read with ``keys`` (which may say more)."""
        self._ahead_read.update(ids)
        for key in keys:
            if key[0] in ids:
                self._ahead.setdefault(key[0], []).append(key)

    # -- rules ------------------------------------------------------------------------------

    def _existed(self, first_seen: str | None) -> bool:
        return self.as_of is None or first_seen is None or first_seen <= self.as_of

    def deleted(self, node: Node) -> bool:
        """Dropped (lifecycle DROP, or gone from its catalog) at the view's moment."""
        if not node.props.get("deleted"):
            return False
        return self.as_of is None or node.stamps.get("deleted", "") <= self.as_of

    def _gone(self, dataset_ids: Collection[str]) -> set[str]:
        """The dropped ones among ``dataset_ids``: as the store keeps them, else each judged once
        per view from its node."""
        if self.as_of is None and (kept := self.store.dropped_among(dataset_ids)) is not None:
            return kept
        unjudged = (dataset_ids if isinstance(dataset_ids, (set, frozenset)) else set(dataset_ids)) - self._judged
        if unjudged:
            self._judged |= unjudged
            self._dropped.update(i for i, node in self.summaries(unjudged).items() if node.props.get("deleted") and self.deleted(node))
        dropped = self._dropped
        return {i for i in dataset_ids if i in dropped} if dropped else set()

    def _current_job_keys(self, ids: Collection[str], kinds: Collection[EdgeKind], direction: EdgeDirection) -> list[EdgeKey]:
        """:meth:`edge_keys` of READS/WRITES (and unjudged kinds) in the current view: no edge
        properties are read, unless the store keeps no verdict."""
        if self.store.remote:
            found, verdict = self._read_ahead(ids, kinds, direction, False)
            keys = [edge.key for edge in found]
        else:
            keys, verdict = self.store.edge_keys(ids, kinds, direction), None
        job_keys = keys if JOB_IO.keys() >= set(kinds) else [key for key in keys if key[1] in JOB_IO]
        if not job_keys:
            return keys
        verdict = self._store_verdict({job for job, _, _ in job_keys}, verdict)
        if verdict is None:  # the rules need the edges' properties
            return [edge.key for edge in self.edges(ids, kinds, direction)]
        # Inbound, the datasets at the edges' ends are the ones asked about: no pass over the edges.
        gone = self._gone({dataset for _, _, dataset in job_keys} if direction == "out" else ids)
        stale = verdict.union(key for key in job_keys if key[2] in gone) if gone else verdict
        return [key for key in keys if key not in stale] if stale else keys

    def _store_verdict(self, jobs: Collection[str], verdict: set[EdgeKey] | None) -> set[EdgeKey] | None:
        """The unrestated edges of ``jobs`` as the store decided when it wrote them: ``verdict``
        when it was read with the edges, else asked for. None: the view is as of a moment (its
        rules judge), or the store keeps no verdict."""
        if self.as_of is not None:
            return None
        if verdict is not None:
            return verdict
        kept = self.store.unrestated_job_edges(jobs)
        return None if kept is None else set().union(*kept.values())

    def _stale_job_edges(
        self, edges: list[Edge], datasets: Collection[str] | None, verdict: set[EdgeKey] | None
    ) -> set[tuple[str, EdgeKind, str]]:
        """Stale READS/WRITES ``edges``; ``datasets``, when given, holds every dataset they end at;
        ``verdict``, when given, the store's on which are unrestated, read with them."""
        if not edges:
            return set()
        gone = self._gone({e.target for e in edges} if datasets is None else datasets)
        stale = {e.key for e in edges if e.target in gone} if gone else set()
        jobs = {e.source for e in edges}
        verdict = self._store_verdict(jobs, verdict)
        if verdict is not None:
            return stale | verdict
        deciding = self._deciding_runs(jobs)
        if not deciding:
            return stale
        return stale | unrestated(edges, deciding, self._run_io(set(deciding.values())), self.nodes)

    def _run_io(self, runs: Collection[str]) -> dict[str, set[EdgeKey]]:
        """What each run consumed and produced (cached: a walk asks about a run from both ends)."""
        missing = {r for r in runs if r not in self._io}
        if missing:
            self._io.update(io_of(missing, self.store.edge_keys(missing, RUN_IO, "out")))
        return self._io

    def _deciding_runs(self, jobs: set[str]) -> dict[str, str]:
        """Each job's newest completed run at the view's moment."""
        if self.as_of is None:
            return {j: run for j, n in self.nodes(jobs).items() if (run := deciding_run(n))}
        runs_of = self.store.edges(jobs, (EdgeKind.OF,), "in")
        runs = self.nodes({e.source for e in runs_of})
        best: dict[str, tuple[str, str]] = {}
        for edge in runs_of:
            run = runs.get(edge.source)
            if run is None or run.props.get("state") != "COMPLETE":
                continue
            ended = run.stamps.get("endedAt", "")
            if ended and ended <= self.as_of and (edge.target not in best or (ended, run.id) > best[edge.target]):
                best[edge.target] = (ended, run.id)
        return {job: run_id for job, (_, run_id) in best.items()}

    def _stale_derivations(self, edges: list[Edge]) -> set[tuple[str, EdgeKind, str]]:
        if not edges:
            return set()
        ends = self.summaries({e.source for e in edges} | {e.target for e in edges})
        datasets = {(n.props.get("datasetId") if n.kind is NodeKind.COLUMN else n.id) for n in ends.values()}
        datasets.discard(None)
        dataset_nodes = self.summaries(datasets)  # type: ignore[arg-type]
        stale = set()
        for edge in edges:
            source, target = ends.get(edge.source), ends.get(edge.target)
            if source is None or target is None:
                stale.add(edge.key)
                continue
            output = dataset_nodes.get(source.props.get("datasetId") if source.kind is NodeKind.COLUMN else source.id)
            if self._dropped_column(source, dataset_nodes) or self._dropped_column(target, dataset_nodes):
                stale.add(edge.key)
            elif self.as_of is None and output is not None and (edge.props.get("lastSeenAt") or "") < output.props.get("columnLineageAt", ""):
                stale.add(edge.key)
        return stale

    def _dropped_column(self, node: Node, datasets: dict[str, Node]) -> bool:
        """A column whose dataset is dropped, or (now) that its dataset's schema no longer has."""
        if node.kind is not NodeKind.COLUMN:
            return self.deleted(node)
        dataset = datasets.get(node.props.get("datasetId", ""))
        if dataset is None:
            return False
        if self.deleted(dataset):
            return True
        schema = dataset.props.get("columns")
        return self.as_of is None and node.props.get("declared") is True and schema is not None and node.props.get("name") not in schema
