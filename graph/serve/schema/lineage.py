"""Lineage answers: nodes and edges of a walk (``lineage``, ``columnLineage``), read as columns,
and the ``lineageDiff`` and ``node`` fields."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from operator import attrgetter
from typing import Annotated, Any

import orjson
import strawberry
from strawberry.types import Info

from graph.core.model import Direction, Node, PropertyKey
from graph.core.model import NodeKind as ModelNodeKind
from graph.read import lineage as lineage_queries
from graph.read import queries
from graph.read.node_facts import NodeFacts, fact_budget
from graph.read.view import GraphView
from graph.serve import lineage_diff as lineage_diff_api
from graph.serve.record_list import ColumnList, Fields
from graph.serve.schema.context import (
    DEFAULT_DEPTH,
    lineage_budget,
    store_view,
    view_at,
    walk_budgets,
)
from graph.serve.schema.kinds import EdgeType, LineageDirection, NodeKind
from graph.serve.schema.owners import Owner, owner_objects

_DESCRIBED_KINDS = (
    ModelNodeKind.DATASET,
    ModelNodeKind.COLUMN,
)  # kinds that can be mere references


@strawberry.type(
    description="A node of a lineage graph, with what a frontend draws it with (read for the whole answer at once)."
)
class LineageNode:
    id: str
    kind: NodeKind
    namespace: str | None
    name: str | None
    dataset: str | None = strawberry.field(description="For columns: the dataset's name.")
    deleted: bool = strawberry.field(
        description="The dataset was dropped (lifecycleStateChange DROP)."
    )
    declared: bool = strawberry.field(
        description="Described by its source (a schema, an input/output); false for dirty references "
        "that only column lineage mentions."
    )
    upstream_count: int = strawberry.field(
        description="Direct upstream neighbours (`neighbours` UPSTREAM): a dataset's writing jobs, a job's inputs, "
        "a column's sources; 0 for other kinds."
    )
    downstream_count: int = strawberry.field(
        description="Direct downstream neighbours (`neighbours` DOWNSTREAM): a dataset's reading jobs, a job's outputs, "
        "the columns derived from a column; 0 for other kinds."
    )
    domain: str | None = strawberry.field(
        description="The domain's name: a dataset's own, a column's dataset's, a job's (of what it writes; the first "
        "by name where several), a product's."
    )
    owners: list[Owner] = strawberry.field(
        description="Its owners (a column's: its dataset's), by id."
    )
    latest_run_state: str | None = strawberry.field(
        description="The state of a job's latest run; for a dataset, of the latest run of the jobs writing it."
    )


_LINEAGE_NODE_FIELDS: Fields = {
    "id": attrgetter("id"),
    "kind": attrgetter("kind"),
    "namespace": lambda node: node.props.get(PropertyKey.NAMESPACE),
    "name": lambda node: node.props.get(PropertyKey.NAME),
    "dataset": lambda node: node.props.get(PropertyKey.DATASET),
    "deleted": lambda node: bool(node.props.get(PropertyKey.DELETED)),
    "declared": lambda node: (
        bool(node.props.get(PropertyKey.DECLARED)) or node.kind not in _DESCRIBED_KINDS
    ),
}


def _shared(make: Any, lists: list[Any]) -> list[Any]:
    """``make`` of each of ``lists``, once per list object: many nodes share one (their owners)."""
    made: dict[int, Any] = {}
    return [made[key] if (key := id(v)) in made else made.setdefault(key, make(v)) for v in lists]


_NODE_FACTS: dict[
    str, Any
] = {  # the LineageNode fields read through graph.read.node_facts, a column at a time
    "upstream_count": lambda facts: facts.counts(Direction.UPSTREAM),
    "downstream_count": lambda facts: facts.counts(Direction.DOWNSTREAM),
    "domain": NodeFacts.domains,
    "owners": lambda facts: _shared(owner_objects, facts.owners()),
    "latest_run_state": NodeFacts.latest_run_states,
}
_LINEAGE_NODE_NAMES = (*_LINEAGE_NODE_FIELDS, *_NODE_FACTS)
_FACT_NAMES = {  # each field's fact in graph.read.node_facts
    "upstream_count": "upstream",
    "downstream_count": "downstream",
    "domain": "domain",
    "owners": "owners",
    "latest_run_state": "run_state",
}


def _lineage_nodes(
    view: GraphView,
    info: Info,
    length: int,
    base: Any,
    render: Any = None,
    walk_answer: bool = False,
) -> ColumnList[LineageNode]:
    """A list of lineage nodes as columns: ``base(field)`` reads the node's own fields; the facts
    (``graph.read.node_facts``) are read from ``view`` for the whole list when a field of them is first asked for.
    ``render``: a walk answer's ``render_nodes``, which reads and writes the facts itself."""
    facts: list[NodeFacts] = []
    expected: set[str] = set()

    def column(name: str) -> list[Any]:
        read = _NODE_FACTS.get(name)
        if read is None:
            return base(name)
        if not facts:
            # base, not `nodes`: the list's own columns would hold the list (a reference cycle)
            facts.append(NodeFacts(view, base("id"), base("kind"), walk_budgets(info)))
            facts[0].expect(_FACT_NAMES[field] for field in expected if field in _FACT_NAMES)
        return read(facts[0])

    def render_with_facts(specs: list[tuple[Any, ...]]) -> bytes | None:
        """The list as JSON natively, the facts asked for given as their columns: leaves as their
        values, ``owners`` (objects) as each node's JSON, written once per distinct list."""
        fields = [spec[1] for spec in specs]
        if not any(field in _NODE_FACTS for field in fields):
            return render(specs)
        if not facts:  # read and written natively, no Python value per node or owner
            rendered = render(specs, *fact_budget(walk_budgets(info)))
            if rendered is not None:
                return rendered
        expected.update(fields)
        given = []
        for spec in specs:
            if spec[1] not in _NODE_FACTS:
                given.append(spec)
            elif spec[2] == "objects":
                written = _objects_json(spec[3], spec[4], column(spec[1]))
                if written is None:
                    return None
                given.append((spec[0], spec[1], "json", None, spec[4], written))
            else:
                given.append((*spec, column(spec[1])))
        return render(given)

    nodes: ColumnList[LineageNode] = ColumnList(
        LineageNode,
        _LINEAGE_NODE_NAMES,
        column,
        length,
        render_with_facts if render is not None else None,
        walk_answer,
        expected.update,
    )
    return nodes


def _objects_json(
    fields: list[tuple[Any, ...]], nullable: bool, lists: list[Any]
) -> list[bytes] | None:
    """Each of ``lists`` (of objects, or None) as the JSON GraphQL completes it to, with the
    ``fields`` (render specs of leaves: key, attribute, how, enum names, nullable), made once
    per list object (nodes share their owners' list); None when a value is not one its field's
    type holds as it is (the list is then completed in Python, which says why)."""
    made: dict[int, bytes] = {}
    written: list[bytes] = []
    for objects in lists:
        text = made.get(id(objects))
        if text is None:
            if objects is None:
                if not nullable:
                    return None
                text = b"null"
            else:
                rows = [_object_row(fields, item) for item in objects]
                if any(row is None for row in rows):
                    return None
                text = orjson.dumps(rows)
            made[id(objects)] = text
        written.append(text)
    return written


_INT32 = range(-(2**31), 2**31)
_EXACT = {"string": str, "bool": bool}  # leaves whose values serialise as themselves


def _object_row(fields: list[tuple[Any, ...]], item: Any) -> dict[str, Any] | None:
    """One object's selected leaves as GraphQL completes them, or None for a value it would not
    pass as it is."""
    row: dict[str, Any] = {}
    for key, attribute, how, names, nullable in fields:
        value = getattr(item, attribute)
        if how == "enum" and value is not None:
            value = names.get(value) if isinstance(names, dict) else None
            if value is None:
                return None
        if not _holds(how, value, nullable):
            return None
        row[key] = value
    return row


def _holds(how: str, value: Any, nullable: bool) -> bool:
    """Whether a leaf of this render kind serialises as the value it is."""
    if value is None:
        return nullable
    if how == "int":
        return type(value) is int and value in _INT32
    if how == "strings":
        return type(value) is list and all(type(v) is str for v in value)
    return how == "enum" or type(value) is _EXACT.get(how)


def lineage_nodes(
    info: Info, records: Sequence[Node], view: GraphView | None = None
) -> ColumnList[LineageNode]:
    """Nodes read from the store as lineage nodes, as ``view`` shows them (the current graph
    unless given): dropped as the view judges it (as of its moment), its facts read there."""
    shown = view or store_view(info)

    def column(name: str) -> list[Any]:
        if name == "deleted":
            return shown.native.deleted([record.id for record in records])
        return list(map(_LINEAGE_NODE_FIELDS[name], records))

    return _lineage_nodes(shown, info, len(records), column)


@strawberry.type(description="An OpenLineage column-lineage transformation.")
class Transformation:
    type: str | None
    subtype: str | None
    description: str | None
    masking: bool | None


@strawberry.type(
    description="An edge along the data flow: dataset → job, job → dataset, input column → output column."
)
class LineageEdge:
    source: str
    target: str
    kind: EdgeType
    transformations: list[Transformation] | None = strawberry.field(
        description="For DERIVES_FROM: how the target is computed from the source."
    )
    transformation_type: str | None = strawberry.field(
        description="Deprecated OpenLineage transformationType."
    )


def _transformations_of(props: Mapping[str, Any]) -> list[Transformation] | None:
    raw = props.get(PropertyKey.TRANSFORMATIONS)
    if raw is None:
        return None
    return [
        Transformation(
            type=t.get("type"),
            subtype=t.get("subtype"),
            description=t.get("description"),
            masking=t.get("masking"),
        )
        for t in raw
    ]


_LINEAGE_EDGE_FIELDS = ("source", "target", "kind", "transformations", "transformation_type")

edge_fields: Fields = {  # LineageEdge's fields read from a walk's edges (``graph.read.lineage.LineageEdge``)
    "source": attrgetter("source"),
    "target": attrgetter("target"),
    "kind": attrgetter("kind"),
    "transformations": lambda edge: _transformations_of(edge.props),
    "transformation_type": lambda edge: edge.props.get("transformationType"),
}


@strawberry.type(
    description="A lineage answer. `truncated` is true when depth or size limits cut it short."
)
class LineageGraph:
    nodes: Sequence[
        LineageNode
    ]  # RecordLists: GraphQL reads the fields asked for, no object per node
    edges: Sequence[LineageEdge]
    truncated: bool

    @staticmethod
    def of(view: GraphView, info: Info, graph: lineage_queries.LineageGraph) -> LineageGraph:
        """``graph`` as walked in ``view``, which the nodes' facts are read from too."""
        answer = graph.answer
        nodes, edges = answer.sizes
        return LineageGraph(
            nodes=_lineage_nodes(
                view, info, nodes, answer.node_column, answer.render_nodes, walk_answer=True
            ),
            edges=ColumnList(
                LineageEdge,
                _LINEAGE_EDGE_FIELDS,
                _edge_column(answer),
                edges,
                answer.render_edges,
                walk_answer=True,
            ),
            truncated=graph.truncated,
        )


def _edge_column(answer: Any) -> Any:
    """The native answer's edge columns, and the two the schema derives from edge props."""

    def column(name: str) -> list[Any]:
        if name == "transformations":
            return [
                None if props is None else _transformations_of(props)
                for props in answer.edge_column("props")
            ]
        if name == "transformation_type":
            return [
                None if props is None else props.get("transformationType")
                for props in answer.edge_column("props")
            ]
        return answer.edge_column(name)

    return column


def walk(
    walker: Any,
    info: Info,
    node_id: str,
    direction: Direction | None,
    depth: int | None,
    as_of: datetime | None,
    max_nodes: int | None = None,
) -> LineageGraph:
    """Run a lineage walk with the request's view, defaults and budgets; ``max_nodes`` trims it
    further (at least the start, never past the server's own budget)."""
    view = view_at(info, as_of)
    budget = lineage_budget(info, depth)
    if max_nodes is not None:
        budget = replace(budget, max_nodes=max(1, min(max_nodes, budget.max_nodes)))
    return LineageGraph.of(view, info, walker(view, node_id, direction or Direction.BOTH, budget))


def _walk_resolver(walker: Any) -> Any:
    """A lineage field's resolver: dataset and column lineage differ only in the walk."""

    def resolve(
        info: Info,
        node_id: str,
        direction: LineageDirection | None = Direction.BOTH,
        depth: int | None = DEFAULT_DEPTH,
        as_of: Annotated[
            datetime | None, strawberry.argument(description="Show the graph as it was then.")
        ] = None,
        max_nodes: Annotated[
            int | None,
            strawberry.argument(
                description="At most this many nodes, nearest first (the last hop reached cut by id; "
                "the server's own budget caps it): a walk trimmed for drawing, `truncated` when cut."
            ),
        ] = None,
    ) -> LineageGraph:
        return walk(walker, info, node_id, direction, depth, as_of, max_nodes)

    return resolve


lineage = _walk_resolver(lineage_queries.dataset_lineage)
column_lineage = _walk_resolver(lineage_queries.column_lineage)


def lineage_diff(
    info: Info,
    node_id: str,
    from_: Annotated[datetime, strawberry.argument(name="from")],
    direction: LineageDirection | None = Direction.BOTH,
    depth: int | None = DEFAULT_DEPTH,
    to: datetime | None = None,
) -> lineage_diff_api.LineageDiff:
    return lineage_diff_api.resolve(
        store_view(info).store,
        node_id,
        direction or Direction.BOTH,
        lineage_budget(info, depth),
        from_,
        to,
    )


def node(info: Info, id: str) -> LineageNode | None:
    found = queries.node(store_view(info), id)
    return lineage_nodes(info, [found])[0] if found else None
