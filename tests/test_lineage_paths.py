"""``lineagePaths``: every path between two datasets or jobs within a depth, either way round, on
every store and read mode, on the food_delivery demo; and a clear "none" when none lies within."""

from __future__ import annotations

import food_delivery as fd
import pytest

from graph.core.errors import WrongNodeKind
from graph.read.lineage_paths import lineage_paths
from graph.serve.schema import context, schema
from graph.stores import Store
from ingest.demo import food_delivery_events
from ingest.openlineage import translate

pytestmark = pytest.mark.usefixtures("read_modes")

PATHS = """query($from: String!, $to: String!, $depth: Int) {
  lineagePaths(fromId: $from, toId: $to, depth: $depth) {
    nodes { id kind } edges { source target kind } direction depth truncated } }"""

# customers feeds popular_orders_day_of_week two ways: straight through orders_popular_day_of_week,
# and through delivery_7_days and top_delivery_times
BOTH_WAYS = {
    fd.ds("customers"),
    fd.job("orders_popular_day_of_week"),
    fd.ds("popular_orders_day_of_week"),
    fd.job("etl_delivery_7_days"),
    fd.ds("delivery_7_days"),
    fd.job("delivery_times_7_days"),
    fd.ds("top_delivery_times"),
}


def ask(store: Store, **variables: object) -> dict:
    result = schema.execute_sync(PATHS, variable_values=variables, context_value=context(store))
    assert result.errors is None and result.data is not None, result.errors
    return result.data["lineagePaths"]


@pytest.fixture
def demo(store: Store) -> Store:
    for event in food_delivery_events():
        store.apply(translate(event))
    return store


def test_every_path_between_two_datasets_and_nothing_beside(demo: Store) -> None:
    found = ask(demo, **{"from": fd.ds("customers"), "to": fd.ds("popular_orders_day_of_week")})
    assert found["direction"] == "DOWNSTREAM" and not found["truncated"]
    assert {n["id"] for n in found["nodes"]} == BOTH_WAYS  # discounts, email_discounts: not on it
    edges = {(e["source"], e["target"]) for e in found["edges"]}
    assert (fd.ds("customers"), fd.job("orders_popular_day_of_week")) in edges
    assert (fd.job("delivery_times_7_days"), fd.ds("top_delivery_times")) in edges
    assert all(e["source"] in BOTH_WAYS and e["target"] in BOTH_WAYS for e in found["edges"])
    # the other way round: the same paths, the data flowing to the first node
    back = ask(demo, **{"from": fd.ds("popular_orders_day_of_week"), "to": fd.ds("customers")})
    assert back["direction"] == "UPSTREAM"
    assert {n["id"] for n in back["nodes"]} == BOTH_WAYS
    assert {(e["source"], e["target"]) for e in back["edges"]} == edges


def test_the_depth_bounds_the_search(demo: Store) -> None:
    menus, popular = fd.ds("menus"), fd.ds("popular_orders_day_of_week")
    assert ask(demo, **{"from": menus, "to": popular, "depth": 4})["direction"] == "DOWNSTREAM"
    short = ask(demo, **{"from": menus, "to": popular, "depth": 3})
    # none within 3 hops, and the walks stopped with more graph beyond: a longer one may exist
    assert short == {"nodes": [], "edges": [], "direction": None, "depth": 3, "truncated": True}


def test_unconnected_nodes_have_no_path_and_columns_are_refused(demo: Store) -> None:
    none = ask(demo, **{"from": fd.ds("menus"), "to": fd.ds("customers")})
    assert none["direction"] is None and none["nodes"] == []
    assert none["truncated"] is False  # walked to the end both ways: none at any depth
    with pytest.raises(WrongNodeKind, match="paths join datasets and jobs"):
        lineage_paths(demo, fd.col("customers", "email"), fd.ds("customers"))
    result = schema.execute_sync(
        PATHS,
        variable_values={"from": fd.ds("menus"), "to": "dataset:nowhere:x"},
        context_value=context(demo),
    )
    assert result.errors and "no node with id 'dataset:nowhere:x'" in result.errors[0].message
