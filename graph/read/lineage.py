"""Dataset and column lineage: breadth-first walks over a view of the graph.

The walks are the native core's (``native/core/lineage.h``), written once for every store: each BFS
level is one read per edge kind, so a remote store answers a whole level in one round trip.
Results are sorted, so every store returns the very same answer, and they are bounded by a
``Budget`` (``graph.read.walk_defaults``): ``depth`` limits hops, ``max_nodes`` size and
``deadline_seconds`` time, and hitting one with more graph beyond sets ``truncated`` instead of
failing.

Edges in results follow the data: ``dataset → job`` (READS), ``job → dataset`` (WRITES) and
``input column → output column`` (DERIVES_FROM). Nodes in results are as the view holds them:
whole from the embedded store or a plain view, with only ``graph.read.view.SUMMARY`` of their
properties from a view of a remote store reading summaries (the API's).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from graph import _native
from graph.core.errors import NodeNotFound, WrongNodeKind
from graph.core.model import Direction, EdgeKind, Node, NodeKind
from graph.read.view import GraphView, view_of
from graph.read.walk_defaults import DEFAULT_DEADLINE_SECONDS, DEFAULT_MAX_NODES, Budget
from graph.stores import Store
from graph.stores.requests import WalkPlan

_NO_PROPS: Mapping[str, Any] = MappingProxyType(
    {}
)  # shared by every property-less edge of an answer


@dataclass(
    slots=True
)  # not frozen: a frozen dataclass's __init__ costs ~4x, and answers hold 10k+ of these
class LineageEdge:
    source: str
    target: str
    kind: EdgeKind
    props: Mapping[str, Any] = field(compare=False, hash=False)


class LineageGraph:
    """A lineage answer: ``nodes`` by id, ``edges`` by (source, target, kind), ``truncated``.
    The lists are made from the native answer when first read (the API reads ``answer`` itself,
    a column at a time)."""

    __slots__ = ("_edges", "_nodes", "answer")

    def __init__(self, answer: _native.Lineage) -> None:
        self.answer = answer
        self._nodes: list[Node] | None = None
        self._edges: list[LineageEdge] | None = None

    @property
    def truncated(self) -> bool:
        return self.answer.truncated

    @property
    def nodes(self) -> list[Node]:
        if self._nodes is None:
            self._nodes = self.answer.nodes()
        return self._nodes

    @property
    def edges(self) -> list[LineageEdge]:
        if self._edges is None:
            self._edges = [
                LineageEdge(s, t, k, props if props is not None else _NO_PROPS)
                for s, t, k, props in self.answer.edges()
            ]
        return self._edges


def _start(
    view: GraphView,
    node_id: str,
    kinds: tuple[NodeKind, ...],
    hint: str,
    plan: WalkPlan | None = None,
) -> Node:
    """The walk's start, of one of ``kinds`` (``plan``: read with what the walk reads first)."""
    node = view.nodes([node_id]).get(node_id) if plan is None else view.walk_start(node_id, plan)
    if node is None:
        raise NodeNotFound(f"no node with id {node_id!r}")
    if node.kind not in kinds:
        raise WrongNodeKind(f"{node_id!r} is a {node.kind.value}; {hint}")
    return node


def _plan(direction: Direction, budget: Budget) -> WalkPlan:
    """The walk's plan, the one statement of its hops (``budget.depth``) and ways (``direction``):
    the native walk reads them from it."""
    return WalkPlan(
        budget.depth, direction is not Direction.DOWNSTREAM, direction is not Direction.UPSTREAM
    )


def dataset_lineage(
    reader: GraphView | Store,
    node_id: str,
    direction: Direction = Direction.BOTH,
    budget: Budget = Budget(),
) -> LineageGraph:
    """Datasets and jobs upstream and/or downstream of a dataset or job.

    ``budget.depth`` counts dataset-to-dataset hops (dataset → job → dataset is one). From a job,
    its own inputs or outputs are the first hop. Aliases (symlinks, renames) collapse into their
    canonical dataset. Example: ``dataset_lineage(store, "dataset:food_delivery:public.discounts",
    Direction.UPSTREAM, Budget(depth=1))`` gives discounts, the job writing it and that job's
    inputs.
    """
    view = view_of(reader)
    plan = _plan(direction, budget)
    _start(view, node_id, (NodeKind.DATASET, NodeKind.JOB), "use columnLineage for columns", plan)
    walk = view.native.dataset_lineage(node_id, plan, budget.max_nodes, budget.deadline_seconds)
    return LineageGraph(walk)


def column_lineage(
    reader: GraphView | Store,
    node_id: str,
    direction: Direction = Direction.BOTH,
    budget: Budget = Budget(),
) -> LineageGraph:
    """Columns (``datasetField:`` nodes) a column is derived from and/or feeds, via column lineage.

    ``budget.depth`` counts column-to-column hops. Dataset-wide (INDIRECT) dependencies from the
    columnLineage facet's ``dataset`` entries appear as edges between a column and a dataset node:
    downstream the walk stops at such a dataset; upstream its inputs count for every column of it.
    """
    view = view_of(reader)
    _start(view, node_id, (NodeKind.COLUMN,), "use lineage for datasets and jobs")
    plan = _plan(direction, budget)
    walk = view.native.column_lineage(node_id, plan, budget.max_nodes, budget.deadline_seconds)
    return LineageGraph(walk)


def neighbours(
    reader: GraphView | Store,
    node_ids: list[str],
    direction: Direction,
    max_nodes: int = DEFAULT_MAX_NODES,
    deadline_seconds: float = DEFAULT_DEADLINE_SECONDS,
) -> LineageGraph:
    """The direct neighbours of each of ``node_ids`` one way (UPSTREAM or DOWNSTREAM): one hop of
    ``dataset_lineage`` from a dataset or job (a dataset's jobs, a job's datasets), of
    ``column_lineage`` from a column, for many nodes in one walk. Every edge of the answer has one
    of the nodes at its downstream end (UPSTREAM) or its upstream end (DOWNSTREAM); nodes that do
    not exist, or of other kinds, have none. ``truncated``: the node budget cut the answer."""
    if direction is Direction.BOTH:
        raise ValueError("neighbours go one way: UPSTREAM or DOWNSTREAM")
    view = view_of(reader)
    return LineageGraph(
        view.native.neighbours(
            node_ids, direction is Direction.DOWNSTREAM, max_nodes, deadline_seconds
        )
    )
