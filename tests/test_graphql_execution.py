"""The fast executor (graph.serve.execution) answers exactly as graphql-core's own, on every store.

Each query runs through the server's schema and through the same schema on strawberry's stock
execution context, over the food_delivery seed; the two JSON answers (data and errors) must be
byte-for-byte equal. A small schema with a field of every shape the fast path completes column by
column does the same with odd values (nulls, wrong types, out-of-range ints, unknown enum values).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from enum import Enum
from operator import itemgetter
from typing import Any, cast

import food_delivery as fd
import orjson
import pytest
import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from graph.serve import schema as api_schema
from graph.serve.answers import encode_answer
from graph.serve.app import limited_schema
from graph.serve.execution import JSON_FRAGMENTS, FlatListExecutor
from graph.serve.limits import GraphQLLimits
from graph.serve.record_list import ColumnList, RecordList
from graph.serve.schema import LineageSchema, Query, Subscription, context
from graph.stores import Store
from ingest.openlineage import translate

OWNERS = {"etl_delivery_7_days": "team-logistics", "delivery_times_7_days": "team-analytics"}

FAST = limited_schema(GraphQLLimits())
STOCK = LineageSchema(
    query=Query,
    subscription=Subscription,
    execution_context_class=StrawberryGraphQLCoreExecutionContext,
)

LINEAGE_FIELDS = "nodes { id kind namespace name dataset deleted declared } edges { source target kind transformationType transformations { type subtype description masking } } truncated"
IMPACT_FIELDS = "affected { id kind namespace name dataset distance path severity certain } owners { id name type } truncated breaking"

QUERIES: list[tuple[str, dict[str, Any]]] = [
    (
        f"query($id: String!) {{ lineage(nodeId: $id) {{ {LINEAGE_FIELDS} }} }}",
        {"id": fd.ds("customers")},
    ),
    (
        f"query($id: String!) {{ lineage(nodeId: $id, direction: UPSTREAM, depth: 1) {{ {LINEAGE_FIELDS} }} }}",
        {"id": fd.ds("discounts")},
    ),
    (
        f"query($id: String!) {{ columnLineage(nodeId: $id) {{ {LINEAGE_FIELDS} }} }}",
        {"id": fd.col("customers", "email")},
    ),
    (
        f"query($id: String!) {{ impact(nodeId: $id) {{ {IMPACT_FIELDS} changed {{ id kind }} change }} }}",
        {"id": fd.col("customers", "email")},
    ),
    (
        f"query($id: String!) {{ impact(nodeId: $id, change: SEMANTIC, depth: 1) {{ {IMPACT_FIELDS} }} }}",
        {"id": fd.ds("customers")},
    ),
    # aliases, the same field twice, __typename at every level
    (
        """query($id: String!) { __typename a: lineage(nodeId: $id) { __typename all: nodes { __typename key: id id kind kind2: kind }
        edges { from: source to: target source } } b: lineage(nodeId: $id, depth: 0) { nodes { id } truncated } }""",
        {"id": fd.ds("customers")},
    ),
    # named fragments, inline fragments (typed and untyped), fields merged from several of them
    (
        """query($id: String!) { lineage(nodeId: $id) { nodes { ...Named ... on LineageNode { kind id } ... { namespace } }
        edges { ...Edge transformations { ... on Transformation { type } ...T } } } }
        fragment Named on LineageNode { id name }
        fragment Edge on LineageEdge { kind source }
        fragment T on Transformation { subtype masking }""",
        {"id": fd.ds("customers")},
    ),
    # @include / @skip from variables, on fields and on fragments
    (
        """query($id: String!, $yes: Boolean!, $no: Boolean!) { impact(nodeId: $id) {
        affected { id path @include(if: $yes) severity @skip(if: $yes) ... on ImpactedNode @include(if: $no) { kind }
                   ...F @skip(if: $no) } owners @include(if: $no) { id } } }
        fragment F on ImpactedNode { distance certain }""",
        {"id": fd.col("customers", "email"), "yes": True, "no": False},
    ),
    # fields with resolvers, arguments and interfaces beside plain ones: graphql-core's path
    (
        """query { dataset(namespace: "food_delivery", name: "public.customers") { id name columns { name type owners { name } }
        readBy { name runs(first: 2) { state } outputs { name } } } search(text: "deliver", first: 5) { id kind name } }""",
        {},
    ),
    (
        """query($id: String!) { impact(nodeId: $id) { products { id owners { name } } domains { id } consumers { id kind }
        contracts { id } affected { id } } }""",
        {"id": fd.ds("customers")},
    ),
    # what a frontend draws nodes with, one hop at a time, and connections
    (
        """query($id: String!) { lineage(nodeId: $id) { nodes { id upstreamCount downstreamCount domain owners { id name type } latestRunState } }
        neighbours(nodeId: $id, direction: BOTH, first: 2) { totalCount truncated pageInfo { hasNextPage endCursor }
        edges { cursor kind direction node { id kind upstreamCount latestRunState } } nodes { id downstreamCount owners { name } } } }""",
        {"id": fd.job("etl_delivery_7_days")},
    ),
    (
        """query { searchConnection(text: "deliver", first: 3) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        edges { cursor node { id kind } } nodes { name } }
        job(namespace: "food_delivery", name: "etl_customers") { runsConnection(first: 1) { totalCount nodes { id state } } } }""",
        {},
    ),
    # nulls and errors: a missing node, a null lineage position, introspection
    (
        "query($id: String!) { lineage(nodeId: $id) { nodes { id } } }",
        {"id": "dataset:nowhere:nothing"},
    ),
    (
        "query($id: String!) { impact(nodeId: $id) { affected { id } } }",
        {"id": "dataset:nowhere:nothing"},
    ),
    ('query { node(id: "dataset:nowhere:nothing") { id kind } stats { kind count } }', {}),
    ("query { __schema { types { name kind fields { name args { name } } } } }", {}),
]


@pytest.fixture
def seeded(store: Store, food_delivery_events) -> Store:
    for event in food_delivery_events + [
        fd.ownership_event(job, owner) for job, owner in OWNERS.items()
    ]:
        store.apply(translate(event))
    return store


def _answer(schema: Any, store: Store, query: str, variables: dict[str, Any]) -> bytes:
    result = schema.execute_sync(
        query,
        variable_values=variables,
        context_value={"request": None, "response": None, **context(store)},
    )
    return orjson.dumps({"data": result.data, "errors": [e.formatted for e in result.errors or []]})


@pytest.mark.parametrize("query, variables", QUERIES, ids=range(len(QUERIES)))
def test_fast_and_stock_execution_give_the_same_json(
    seeded: Store, query: str, variables: dict[str, Any]
) -> None:
    fast = _answer(FAST, seeded, query, variables)
    assert fast == _answer(STOCK, seeded, query, variables)
    if "nowhere" not in query + str(
        variables
    ):  # the others ask about real nodes: no error expected
        assert fast.endswith(b'"errors":[]}')


@pytest.mark.parametrize("query, variables", QUERIES, ids=range(len(QUERIES)))
def test_lists_the_native_core_renders_hold_what_graphql_core_completes(
    seeded: Store, query: str, variables: dict[str, Any]
) -> None:
    """Over HTTP, large answer lists are JSON the native core writes (``JSON_FRAGMENTS``), spliced in
    by orjson: the same answer, value for value."""
    context_value = {"request": None, "response": None, JSON_FRAGMENTS: True, **context(seeded)}
    rendered = FAST.execute_sync(query, variable_values=variables, context_value=context_value)
    stock = STOCK.execute_sync(
        query,
        variable_values=variables,
        context_value={"request": None, "response": None, **context(seeded)},
    )
    assert orjson.loads(orjson.dumps(rendered.data)) == orjson.loads(orjson.dumps(stock.data))
    assert [e.formatted for e in rendered.errors or []] == [e.formatted for e in stock.errors or []]


def test_leaf_selections_of_answer_lists_are_rendered_natively(seeded: Store) -> None:
    query = """query($id: String!, $col: String!) {
        lineage(nodeId: $id) { nodes { id kind namespace name deleted declared } edges { source target kind } }
        impact(nodeId: $col) { affected { id kind distance path severity certain } } }"""
    context_value = {"request": None, "response": None, JSON_FRAGMENTS: True, **context(seeded)}
    data = FAST.execute_sync(
        query,
        variable_values={"id": fd.ds("customers"), "col": fd.col("customers", "email")},
        context_value=context_value,
    ).data
    assert data is not None
    lists = [data["lineage"]["nodes"], data["lineage"]["edges"], data["impact"]["affected"]]
    assert all(isinstance(found, orjson.Fragment) for found in lists)


def test_lineage_nodes_with_their_owners_are_rendered_natively(seeded: Store) -> None:
    """A frontend's lineage asks each node's owners (a list of objects): the list is still JSON
    the native core writes, each distinct owners list written once, as graphql-core completes it."""
    query = """query($id: String!) { lineage(nodeId: $id) {
        nodes { id owners { type id name } upstreamCount latestRunState } } }"""
    variables = {"id": fd.job("etl_delivery_7_days")}
    context_value = {"request": None, "response": None, JSON_FRAGMENTS: True, **context(seeded)}
    data = FAST.execute_sync(query, variable_values=variables, context_value=context_value).data
    assert data is not None
    assert isinstance(data["lineage"]["nodes"], orjson.Fragment)
    stock = STOCK.execute_sync(
        query,
        variable_values=variables,
        context_value={"request": None, "response": None, **context(seeded)},
    ).data
    assert orjson.dumps(data) == orjson.dumps(stock)
    owned = [
        node for node in orjson.loads(orjson.dumps(data))["lineage"]["nodes"] if node["owners"]
    ]
    assert owned and all(
        list(owner) == ["type", "id", "name"] for n in owned for owner in n["owners"]
    )


@pytest.fixture
def broken_node(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Lineage answers whose third node has a null id (non-null in the schema) and whose fourth has
    an unknown kind (in the answer's columns, which the answer's lists read)."""
    original = api_schema.LineageGraph.of

    def of(view: Any, info: Any, graph: Any) -> Any:
        made = original(view, info, graph)
        if len(made.nodes) > 3:

            def broken(name: str) -> list[Any]:
                column = graph.answer.node_column(name)
                if name == "id":
                    column[2] = None
                if name == "kind":
                    column[3] = "no such kind"
                return column

            plain: dict[str, Any] = {
                "upstream_count": 0,
                "downstream_count": 0,
                "domain": None,
                "owners": [],
                "latest_run_state": None,
            }

            def column(
                name: str,
            ) -> list[Any]:  # the facts plain: they are read from the (broken) ids
                return (
                    broken(name)
                    if name in api_schema._LINEAGE_NODE_FIELDS
                    else [plain[name]] * len(made.nodes)
                )

            made.nodes = ColumnList(
                api_schema.LineageNode, api_schema._LINEAGE_NODE_NAMES, column, len(made.nodes)
            )
        return made

    monkeypatch.setattr(api_schema.LineageGraph, "of", staticmethod(of))
    yield


@pytest.mark.parametrize("fields", ["id", "kind", "name", "id kind"])
def test_errors_and_null_propagation_are_graphql_cores(
    seeded: Store, broken_node: None, fields: str
) -> None:
    query = f"query($id: String!) {{ lineage(nodeId: $id) {{ nodes {{ {fields} }} truncated }} }}"
    fast = _answer(FAST, seeded, query, {"id": fd.ds("customers")})
    assert fast == _answer(STOCK, seeded, query, {"id": fd.ds("customers")})
    assert (b'"errors":[]' in fast) == (fields == "name")


@pytest.fixture
def executed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The parent type of every field graphql-core itself executes on the fast executor (the stock
    one is not a subclass, so it is not counted)."""
    names: list[str] = []
    original = FlatListExecutor.execute_field

    def counting(self: Any, parent_type: Any, *args: Any) -> Any:
        names.append(parent_type.name)
        return original(self, parent_type, *args)

    monkeypatch.setattr(FlatListExecutor, "execute_field", counting)
    return names


def test_large_lists_skip_graphql_cores_field_execution(seeded: Store, executed: list[str]) -> None:
    """The fast path is taken: graphql-core executes the root fields only, not one per node and edge."""
    result = FAST.execute_sync(
        f"query($id: String!) {{ lineage(nodeId: $id) {{ {LINEAGE_FIELDS} }} }}",
        variable_values={"id": fd.ds("customers")},
        context_value=context(seeded),
    )
    assert (
        not result.errors and result.data is not None and len(result.data["lineage"]["nodes"]) > 5
    )
    assert executed == ["Query", "LineageGraph", "LineageGraph", "LineageGraph"]


@pytest.mark.parametrize(
    "data",
    [
        {
            "data": {
                "node": {"id": "dataset:ns:été", "kind": "DATASET"},
                "facets": {"ratio": 1.5, "n": None},
            }
        },
        {"data": {"dataset": {"facets": {"big": 2**70}}}},  # orjson refuses integers past 64 bits
    ],
)
def test_responses_are_the_json_of_the_result(data: dict[str, Any]) -> None:
    encoded = encode_answer(data)
    assert isinstance(encoded, bytes) and json.loads(encoded) == data


class _Name(str):
    """A str subclass: String serialises it as itself."""


@pytest.fixture
def odd_values(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Impact answers with paths holding a str subclass, an int, a null, and kinds given as plain strings."""
    original = api_schema.ImpactReport.of

    def of(report: Any, view: Any) -> Any:
        made = original(report, view)
        affected: Any = (
            made.affected
        )  # a ColumnList: its columns, as graph.serve.execution reads them

        def odd(name: str) -> list[Any]:
            column = list(affected.column(name))
            replaced = {
                "path": ([_Name("a"), "b"], ("a", 5), ["a", None], ()),
                "kind": ("DATASET", "no such kind"),
            }
            for i, value in enumerate(replaced.get(name, ())[: len(column)]):
                column[i] = value
            return column

        made.affected = ColumnList(
            api_schema.ImpactedNode, api_schema._IMPACTED_NODE_FIELDS, odd, len(affected)
        )
        return made

    monkeypatch.setattr(api_schema.ImpactReport, "of", staticmethod(of))
    yield


@pytest.mark.parametrize("fields", ["path", "kind", "id path kind"])
def test_unusual_list_items_and_enum_values_are_graphql_cores(
    seeded: Store, odd_values: None, fields: str
) -> None:
    query = f"query($id: String!) {{ impact(nodeId: $id) {{ affected {{ {fields} }} truncated }} }}"
    fast = _answer(FAST, seeded, query, {"id": fd.col("customers", "email")})
    assert fast == _answer(STOCK, seeded, query, {"id": fd.col("customers", "email")})
    assert b'"errors":[]' not in fast


# A small schema with a field of every shape the fast path completes column by column; one item at a
# time gets an odd value, and the fast answer must still be graphql-core's.


@strawberry.enum
class Colour(str, Enum):  # a str mixin, as the schema's enums: "red" == Colour.RED
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Inner:
    label: str | None


@strawberry.type
class Item:
    text: str
    maybe_text: str | None
    number: int
    maybe_number: int | None
    flag: bool
    colour: Colour
    maybe_colour: Colour | None
    tags: list[str]
    maybe_tags: list[str | None] | None
    inner: list[Inner] | None


def _items(info: strawberry.Info) -> list[Any]:
    return info.context["items"]


def _record_items(info: strawberry.Info) -> Sequence[Item]:
    """The context's records (dicts) as a RecordList of Items, made by ``info.context['make']``."""
    return RecordList(info.context.get("make", Item), ITEM_READERS, info.context["records"])


@strawberry.type
class ItemQuery:
    items: list[Item] = strawberry.field(resolver=_items)
    maybe_items: list[Item | None] = strawberry.field(resolver=_items)
    record_items: Sequence[Item] = strawberry.field(resolver=_record_items)


ITEM_READERS = {name: itemgetter(name) for name in Item.__annotations__}


ITEMS_FAST = strawberry.Schema(query=ItemQuery, execution_context_class=FlatListExecutor)
ITEMS_STOCK = strawberry.Schema(
    query=ItemQuery, execution_context_class=StrawberryGraphQLCoreExecutionContext
)
ITEM_FIELDS = "__typename t: text text maybeText number maybeNumber flag colour maybeColour tags maybeTags inner { label __typename }"
ITEM_QUERIES = [
    f"{{ items {{ {ITEM_FIELDS} }} }}",
    f"{{ maybeItems {{ {ITEM_FIELDS} }} }}",
    """query($yes: Boolean!) { items { text @skip(if: $yes) number @include(if: $yes) ... @include(if: $yes) { colour tags }
        ... @skip(if: $yes) { flag } t: tags @include(if: $yes) } }""",
    "query($yes: Boolean!) { maybeItems { text @skip(if: $yes) } }",  # every field skipped: empty objects
]


def _item(n: int) -> Item:
    return Item(
        text=f"t{n}",
        maybe_text=None if n % 2 else f"m{n}",
        number=n - 1,
        maybe_number=None if n % 2 else n,
        flag=bool(n % 2),
        colour=Colour.RED,
        maybe_colour=None if n % 2 else Colour.BLUE,
        tags=[f"a{n}", "b"],
        maybe_tags=None if n % 2 else ["x", None],
        inner=[Inner(label=None), Inner(label=f"l{n}")] if n % 2 else None,
    )


def _error_item() -> ValueError:
    """An exception with every attribute of an item: still an error to graphql-core, not an item."""
    error = ValueError("boom")
    error.__dict__.update(vars(_item(9)))
    return error


ODD_VALUES: list[tuple[str, Any]] = [
    ("text", None),
    ("text", 5),
    ("text", _Name("x")),
    ("text", ValueError("boom")),
    ("text", b"bytes"),
    ("maybe_text", 5.0),
    ("maybe_text", True),
    ("number", 2**31 - 1),
    ("number", -(2**31)),
    ("number", 2**31),
    ("number", -(2**31) - 1),
    ("number", True),
    ("number", 3.0),
    ("number", 1.5),
    ("number", "3"),
    ("number", None),
    ("maybe_number", 2**40),
    ("maybe_number", False),
    ("flag", 1),
    ("flag", None),
    ("flag", "yes"),
    ("colour", "red"),
    ("colour", "RED"),
    ("colour", "nope"),
    ("colour", Colour.BLUE),
    ("colour", None),
    ("colour", []),
    ("maybe_colour", "nope"),
    ("maybe_colour", ["x"]),
    ("tags", ("a", "b")),
    ("tags", []),
    ("tags", ["a", None]),
    ("tags", ["a", 1]),
    ("tags", [_Name("a")]),
    ("tags", None),
    ("tags", "ab"),
    ("tags", {"a": 1}),
    ("maybe_tags", [None]),
    ("maybe_tags", ("a", 2)),
    ("maybe_tags", 7),
    ("inner", []),
    ("inner", [None]),
    ("inner", [Inner(label=cast(Any, 3))]),
    ("inner", [ValueError("boom")]),
    ("inner", Inner(label="x")),
    ("item", None),
    ("item", ValueError("boom")),
    ("item", Inner(label="x")),
    ("item", _error_item()),
]


def _item_answer(schema: strawberry.Schema, query: str, items: list[Any]) -> bytes:
    result = schema.execute_sync(
        query, variable_values={"yes": True}, context_value={"items": items}
    )
    return orjson.dumps({"data": result.data, "errors": [e.formatted for e in result.errors or []]})


@pytest.mark.parametrize("query", ITEM_QUERIES, ids=range(len(ITEM_QUERIES)))
@pytest.mark.parametrize("field, value", ODD_VALUES, ids=[f"{f}={v!r}" for f, v in ODD_VALUES])
def test_odd_values_in_columns_are_graphql_cores(query: str, field: str, value: Any) -> None:
    items: list[Any] = [_item(n) for n in range(4)]
    if field == "item":
        items[2] = value
    else:
        setattr(items[2], field, value)
    assert _item_answer(ITEMS_FAST, query, items) == _item_answer(ITEMS_STOCK, query, items)


@pytest.mark.parametrize("query", ITEM_QUERIES, ids=range(len(ITEM_QUERIES)))
@pytest.mark.parametrize("count", [0, 1, 5])
def test_plain_columns_take_the_fast_path(query: str, count: int, executed: list[str]) -> None:
    """Plain items of every field shape: the same answer, with graphql-core executing the root field only."""
    items = [_item(n) for n in range(count)]
    stock = _item_answer(ITEMS_STOCK, query, items)
    assert _item_answer(ITEMS_FAST, query, items) == stock
    assert executed == ["ItemQuery"] and b'"errors":[]' in stock


def test_null_items_stay_on_the_fast_path(executed: list[str]) -> None:
    """Nulls in a list of nullable objects complete item by item, without graphql-core's field execution."""
    items = [_item(0), None, _item(1)]
    query = f"{{ maybeItems {{ {ITEM_FIELDS} }} }}"
    stock = _item_answer(ITEMS_STOCK, query, items)
    assert _item_answer(ITEMS_FAST, query, items) == stock
    assert executed == ["ItemQuery"] and b'"errors":[]' in stock


def test_lists_in_the_answer_are_new_lists() -> None:
    """As graphql-core's, the answer shares no list with the objects: changing one leaves the other be."""
    items = [_item(n) for n in range(3)]
    data = ITEMS_FAST.execute_sync(
        "{ items { tags inner { label } } }", context_value={"items": items}
    ).data
    assert data is not None
    for item, answer in zip(items, data["items"]):
        assert answer["tags"] == item.tags and answer["tags"] is not item.tags


def _record_answer(
    schema: strawberry.Schema, records: list[dict[str, Any]], make: Any = Item
) -> bytes:
    result = schema.execute_sync(
        f"{{ recordItems {{ {ITEM_FIELDS} }} }}", context_value={"records": records, "make": make}
    )
    return orjson.dumps({"data": result.data, "errors": [e.formatted for e in result.errors or []]})


@pytest.mark.parametrize(
    "field, value",
    [(f, v) for f, v in ODD_VALUES if f != "item"],
    ids=[f"{f}={v!r}" for f, v in ODD_VALUES if f != "item"],
)
def test_odd_values_in_record_lists_are_graphql_cores(field: str, value: Any) -> None:
    """A RecordList's columns (the fast path) and its objects (graphql-core's) give the same answer."""
    records = [vars(_item(n)).copy() for n in range(4)]
    records[2][field] = value
    assert _record_answer(ITEMS_FAST, records) == _record_answer(ITEMS_STOCK, records)


def test_record_lists_answer_without_making_objects() -> None:
    """Plain records: the fast path reads columns and never builds an item; graphql-core builds each."""
    made: list[Item] = []

    def make(**fields: Any) -> Item:
        made.append(Item(**fields))
        return made[-1]

    records = [vars(_item(n)).copy() for n in range(5)]
    fast = _record_answer(ITEMS_FAST, records, make)
    assert made == [] and b'"errors":[]' in fast
    assert fast == _record_answer(ITEMS_STOCK, records, make) and len(made) == 5
