"""A walk answer's node facts written as JSON by the native core (``render_nodes`` with the facts'
fields and a budget): the same bytes as the facts read into Python and completed there
(``graph.read.node_facts``, the owners as ``Owner`` objects), on generated meshes whose owners share
lists, lack a type, carry names that need escaping, and own columns' datasets."""

from __future__ import annotations

import random
from typing import Any

import orjson
import pytest
from graphql_in_process import run
from openlineage_events import complete

from graph.core.model import Direction, NodeKind, dataset_id, field_id
from graph.read.lineage import DEFAULT_DEADLINE_SECONDS, DEFAULT_MAX_NODES
from graph.read.node_facts import NodeFacts
from graph.read.view import GraphView
from graph.serve.execution import JSON_FRAGMENTS
from graph.serve.schema import context
from graph.serve.schema.lineage import _objects_json
from graph.serve.schema.owners import owner_objects
from graph.stores import Store
from graph.stores.requests import WalkPlan
from ingest.openlineage import translate

PRODUCER = "https://example.com/tests"
NAMES = ["team-a", "team-b", 'quoted "q"', "back\\slash", "tab\there", "café ☕", "ops/on-call"]
TYPES = ["team", "maintainer", None, "Ünïcode"]
FACTS_QUERY = """query($id: String!) { lineage(nodeId: $id, direction: DOWNSTREAM) {
  nodes { id kind upstreamCount downstreamCount domain owners { id name type } latestRunState
          teams: owners { type name } } } }"""
COLUMN_QUERY = """query($id: String!) { columnLineage(nodeId: $id, direction: DOWNSTREAM) {
  nodes { id kind dataset owners { name id } upstreamCount } } }"""


def _owned(owners: list[tuple[str, str | None]]) -> dict[str, Any]:
    return {
        "ownership": {
            "_producer": PRODUCER,
            "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/OwnershipDatasetFacet.json",
            "owners": [
                {"name": name, **({"type": type_} if type_ is not None else {})}
                for name, type_ in owners
            ],
        }
    }


def _columns(source: dict[str, Any]) -> dict[str, Any]:
    """A column-lineage facet deriving ``value`` from the source dataset's ``value``."""
    return {
        "columnLineage": {
            "_producer": PRODUCER,
            "_schemaURL": "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json",
            "fields": {
                "value": {
                    "inputFields": [
                        {"namespace": source["namespace"], "name": source["name"], "field": "value"}
                    ]
                }
            },
        },
        "schema": {
            "_producer": PRODUCER,
            "_schemaURL": "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json",
            "fields": [{"name": "value", "type": "int"}],
        },
    }


def _mesh(store: Store, seed: int, datasets: int = 24) -> str:
    """A chain-and-fan mesh of ``datasets`` tables, each written by one job from one or two
    earlier ones, most owned by one to three of a few owners (so lists repeat); its root's id."""
    rng = random.Random(seed)
    tables = [{"namespace": "pg", "name": f"t{k}"} for k in range(datasets)]
    owners = [(name, rng.choice(TYPES)) for name in NAMES]
    for k in range(1, datasets):
        sources = rng.sample(tables[:k], min(k, rng.choice((1, 2))))
        facets = _columns(sources[0])
        if rng.random() < 0.8:
            facets.update(_owned(rng.sample(owners, rng.choice((1, 1, 2, 3)))))
        event = complete(
            f"job{k}",
            [{**source} for source in sources],
            [{**tables[k], "facets": facets}],
            at=f"2026-01-05T{6 + k % 12:02d}:00:00Z",
        )
        store.apply(translate(event))
    return dataset_id("pg", "t0")


def _python_rendered(view: GraphView, walk: Any, specs: list[tuple[Any, ...]]) -> bytes | None:
    """The nodes as graph.read.node_facts reads their facts into Python, the owners completed there."""
    facts = NodeFacts(
        view,
        walk.node_column("id"),
        walk.node_column("kind"),
        {"max_nodes": DEFAULT_MAX_NODES, "deadline_seconds": DEFAULT_DEADLINE_SECONDS},
    )
    columns = {
        "upstream_count": lambda: facts.counts(Direction.UPSTREAM),
        "downstream_count": lambda: facts.counts(Direction.DOWNSTREAM),
        "domain": facts.domains,
        "latest_run_state": facts.latest_run_states,
    }
    given: list[tuple[Any, ...]] = []
    for spec in specs:
        if spec[1] == "owners":
            lists = [owner_objects(listed) for listed in facts.owners()]
            written = _objects_json(spec[3], spec[4], lists)
            assert written is not None
            given.append((spec[0], spec[1], "json", None, spec[4], written))
        elif spec[1] in columns:
            given.append((*spec, columns[spec[1]]()))
        else:
            given.append(spec)
    rendered: bytes | None = walk.render_nodes(given)
    return rendered


OWNER_FIELDS = [
    ("type", "type", "string", None, True),
    ("id", "id", "string", None, False),
    ("name", "name", "string", None, False),
]
SPECS: list[tuple[Any, ...]] = [
    ("id", "id", "string", None, False),
    ("kind", "kind", "enum", {kind: kind.name for kind in NodeKind}, False),
    ("upstreamCount", "upstream_count", "int", None, False),
    ("downstreamCount", "downstream_count", "int", None, False),
    ("domain", "domain", "string", None, True),
    ("owners", "owners", "objects", OWNER_FIELDS, False),
    ("latestRunState", "latest_run_state", "string", None, True),
    ("names", "owners", "objects", OWNER_FIELDS[2:], False),
]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_facts_written_natively_are_the_python_rendering(store: Store, seed: int) -> None:
    root = _mesh(store, seed)
    view = GraphView(store)
    walk = view.native.dataset_lineage(
        root, WalkPlan(100, downstream=True), DEFAULT_MAX_NODES, 60.0
    )
    native = walk.render_nodes(SPECS, DEFAULT_MAX_NODES, DEFAULT_DEADLINE_SECONDS)
    assert native is not None
    assert native == _python_rendered(view, walk, SPECS)
    nodes = orjson.loads(native)
    shared = [tuple(map(str, node["owners"])) for node in nodes if node["owners"]]
    assert len(set(shared)) < len(shared)  # lists many nodes share, each written once
    assert any(owner["type"] is None for node in nodes for owner in node["owners"])
    assert any('"' in owner["name"] for node in nodes for owner in node["owners"])


def test_a_fact_its_field_cannot_hold_as_it_is_leaves_the_list_to_python(store: Store) -> None:
    """A spec whose type is not the fact's (an owner's name as an Int, a count as a String, owners
    without their fields) is not written natively (None: GraphQL completes the list and says
    why); and facts need a budget."""
    view = GraphView(store)
    walk = view.native.dataset_lineage(
        _mesh(store, 4), WalkPlan(100, downstream=True), DEFAULT_MAX_NODES, 60.0
    )
    budget = (DEFAULT_MAX_NODES, DEFAULT_DEADLINE_SECONDS)
    as_int = [("owners", "owners", "objects", [("name", "name", "int", None, False)], False)]
    assert walk.render_nodes(as_int, *budget) is None
    assert walk.render_nodes([("n", "upstream_count", "string", None, False)], *budget) is None
    assert walk.render_nodes([("owners", "owners", "objects", None, False)], *budget) is None
    assert walk.render_nodes([("id", "id", "string", None, False)], *budget) is not None
    with pytest.raises(TypeError):
        walk.render_nodes(SPECS)


@pytest.mark.parametrize("query", [FACTS_QUERY, COLUMN_QUERY], ids=["datasets", "columns"])
def test_the_api_answers_the_facts_as_graphql_core_completes_them(store: Store, query: str) -> None:
    """Over HTTP the nodes' list is the native core's JSON, byte for byte the answer graphql-core
    gives (the columns' owners: their datasets')."""
    from graph.serve.app import limited_schema
    from graph.serve.limits import GraphQLLimits

    root = _mesh(store, 5)
    start = root if query is FACTS_QUERY else field_id("pg", "t0", "value")
    variables = {"id": start}
    fast = limited_schema(GraphQLLimits()).execute_sync(
        query,
        variable_values=variables,
        context_value={"request": None, "response": None, JSON_FRAGMENTS: True, **context(store)},
    )
    assert fast.errors is None and fast.data is not None
    answer = next(iter(fast.data.values()))
    assert isinstance(answer["nodes"], orjson.Fragment)
    stock = run(store, query, **variables)
    assert orjson.loads(orjson.dumps(fast.data)) == stock
    assert len(stock[next(iter(stock))]["nodes"]) > 3
    assert any(node["owners"] for node in stock[next(iter(stock))]["nodes"])
