"""What a frontend draws a lineage node with: how many direct neighbours it has each way, its
domain, its owners and the state of its latest run, for many nodes at once.

A lineage answer of 1k nodes asking these costs a handful of reads in all (one neighbour walk
each way, one read of ownership, of domains, of runs), not a few reads per node. Each fact is
read when first asked for, so a query not selecting it reads nothing for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graph import lineage
from graph.aliases import AliasResolver
from graph.mesh import dataset_domains, job_domains
from graph.model import Direction, EdgeKind, NodeKind
from graph.queries import Ownership
from graph.view import GraphView


class NodeFacts:
    """The facts of ``ids`` (of ``kinds``, in the same order) in one view; ``budgets`` bound the
    neighbour walks as they bound a lineage walk (``max_nodes``, ``deadline_seconds``): past them
    a count is a lower bound."""

    def __init__(
        self,
        view: GraphView,
        ids: Sequence[str],
        kinds: Sequence[NodeKind],
        budgets: dict[str, Any],
    ) -> None:
        self.view = view
        self.ids = list(ids)
        self.kinds = list(kinds)
        self.budgets = budgets
        self._neighbours: dict[Direction, dict[str, list[str]]] = {}

    def _of_kind(self, *kinds: NodeKind) -> list[str]:
        return [i for i, k in zip(self.ids, self.kinds) if k in kinds]

    def neighbours(self, direction: Direction) -> dict[str, list[str]]:
        """Each node's direct neighbours one way (ids, sorted), as ``graph.lineage.neighbours`` finds them."""
        found = self._neighbours.get(direction)
        if found is None:
            walked = self._of_kind(NodeKind.DATASET, NodeKind.JOB, NodeKind.COLUMN)
            answer = (
                lineage.neighbours(self.view, walked, direction, **self.budgets).answer
                if walked
                else None
            )
            by_end: dict[str, list[str]] = {}
            if answer is not None:
                sources, targets = answer.edge_column("source"), answer.edge_column("target")
                ends, others = (
                    (targets, sources) if direction is Direction.UPSTREAM else (sources, targets)
                )
                for end, other in zip(ends, others):
                    by_end.setdefault(end, []).append(other)
            canonical = AliasResolver(self.view).canonical(self._of_kind(NodeKind.DATASET))
            found = self._neighbours[direction] = {
                i: sorted(set(by_end.get(canonical.get(i, i), ()))) for i in walked
            }
        return found

    def counts(self, direction: Direction) -> list[int]:
        """How many direct neighbours each node has one way (0 for nodes no lineage runs through)."""
        found = self.neighbours(direction)
        return [len(found.get(i, ())) for i in self.ids]

    def domains(self) -> list[str | None]:
        """Each node's domain name: a dataset's own, a column's dataset's, a job's (the domain of
        what it writes; the first by name where several), a product's, a domain itself."""
        columns = self._of_kind(NodeKind.COLUMN)
        column_datasets = (
            {i: n.props.get("datasetId") for i, n in self.view.summaries(columns).items()}
            if columns
            else {}
        )
        datasets = self._of_kind(NodeKind.DATASET) + [d for d in column_datasets.values() if d]
        of_dataset = dataset_domains(self.view, datasets) if datasets else {}
        jobs = self._of_kind(NodeKind.JOB)
        of_job = (
            {j: min(ds) for j, ds in job_domains(self.view, jobs).items() if ds} if jobs else {}
        )
        products = self._of_kind(NodeKind.DATA_PRODUCT)
        product_nodes = self.view.nodes(products) if products else {}
        domain_ids: list[str | None] = []
        for node_id, kind in zip(self.ids, self.kinds):
            if kind is NodeKind.DATASET:
                domain_ids.append(of_dataset.get(node_id))
            elif kind is NodeKind.COLUMN:
                domain_ids.append(of_dataset.get(column_datasets.get(node_id) or ""))
            elif kind is NodeKind.JOB:
                domain_ids.append(of_job.get(node_id))
            elif kind is NodeKind.DATA_PRODUCT and node_id in product_nodes:
                name = product_nodes[node_id].props.get("domain")
                domain_ids.append(f"domain:{name}" if name else None)
            elif kind is NodeKind.DOMAIN:
                domain_ids.append(node_id)
            else:
                domain_ids.append(None)
        domain_nodes = self.view.nodes({d for d in domain_ids if d})
        return [
            domain_nodes[d].props.get("name", d) if d in domain_nodes else None for d in domain_ids
        ]

    def owners(self) -> list[list[Ownership]]:
        """Each node's owners, by id: a column's are its dataset's."""
        columns = self._of_kind(NodeKind.COLUMN)
        column_datasets = (
            {i: n.props.get("datasetId") for i, n in self.view.summaries(columns).items()}
            if columns
            else {}
        )
        owning = [
            column_datasets.get(i) if k is NodeKind.COLUMN else i
            for i, k in zip(self.ids, self.kinds)
        ]
        edges = self.view.edges({o for o in owning if o}, (EdgeKind.OWNED_BY,), "out")
        owner_nodes = self.view.nodes({e.target for e in edges})
        by_node: dict[str, list[Ownership]] = {}
        for edge in edges:
            if edge.target in owner_nodes:
                by_node.setdefault(edge.source, []).append(
                    Ownership(owner_nodes[edge.target], edge.props.get("type"))
                )
        return [
            sorted(by_node.get(o, ()), key=lambda found: found.owner.id) if o else []
            for o in owning
        ]

    def latest_run_states(self) -> list[str | None]:
        """The state of each job's latest run (newest by first event, then id, as ``Job.latestRun``);
        for a dataset, of the latest run of the jobs writing it; none for other kinds."""
        writers = self.neighbours(Direction.UPSTREAM) if self._of_kind(NodeKind.DATASET) else {}
        jobs = set(self._of_kind(NodeKind.JOB))
        for dataset in self._of_kind(NodeKind.DATASET):
            jobs.update(writers.get(dataset, ()))
        keys = self.view.edge_keys(jobs, (EdgeKind.OF,), "in") if jobs else []
        runs = self.view.nodes({run for run, _, _ in keys})
        latest: dict[str, tuple[str, str]] = {}  # job -> (createdAt, run id) of its newest run
        for run, _, job in keys:
            node = runs.get(run)
            if node is not None:
                order = (node.props.get("createdAt") or "", run)
                if order > latest.get(job, ("", "")):
                    latest[job] = order

        def state_of(job_ids: Sequence[str]) -> str | None:
            newest = max((latest[j] for j in job_ids if j in latest), default=None)
            return None if newest is None else runs[newest[1]].props.get("state")

        result: list[str | None] = []
        for node_id, kind in zip(self.ids, self.kinds):
            if kind is NodeKind.JOB:
                result.append(state_of([node_id]))
            elif kind is NodeKind.DATASET:
                result.append(state_of(writers.get(node_id, ())))
            else:
                result.append(None)
        return result
