"""What a lineage frontend drives the GraphQL API with, on every store: one-hop neighbours a page
at a time, the facts a node is drawn with (neighbour counts, domain, owners, latest run state),
and Relay connections on the lists that grow with the graph.

Expected answers are the food_delivery seed's and the hand-made mesh's, written out by hand
(``tests/food_delivery.py``, ``test_mesh_queries.build_mesh``).
"""

from __future__ import annotations

import copy
from typing import Any

import food_delivery as fd
import pytest
from graphql_in_process import errors, run
from test_mesh_queries import build_mesh

from graph.core.model import dataset_id, domain_id, product_id
from graph.stores import Store
from ingest.openlineage import translate

OWNERS = {"etl_delivery_7_days": "team-logistics"}
NEIGHBOURS = """query($id: String!, $direction: LineageDirection!, $kinds: [NodeKind!], $first: Int, $after: String) {
  neighbours(nodeId: $id, direction: $direction, kinds: $kinds, first: $first, after: $after) {
    totalCount truncated pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor kind direction node { id kind } } nodes { id } } }"""


@pytest.fixture
def seeded(store: Store, food_delivery_events) -> Store:
    return fd.load_with_owners(store, food_delivery_events, OWNERS)


def hop(store: Store, node_id: str, direction: str, **arguments: Any) -> list[tuple[str, str, str]]:
    """Every neighbour of one hop as (direction, id, edge kind), read a page of one at a time."""
    found: list[tuple[str, str, str]] = []
    after = None
    total = None
    while True:
        page = run(
            store, NEIGHBOURS, id=node_id, direction=direction, first=1, after=after, **arguments
        )["neighbours"]
        total = page["totalCount"] if total is None else total
        assert page["totalCount"] == total
        assert page["pageInfo"]["hasPreviousPage"] == (after is not None)
        assert [e["node"]["id"] for e in page["edges"]] == [n["id"] for n in page["nodes"]]
        found += [(e["direction"], e["node"]["id"], e["kind"]) for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        after = page["pageInfo"]["endCursor"]
    assert len(found) == total
    return found


def test_neighbours_are_one_hop_in_a_stable_order_a_page_at_a_time(seeded: Store) -> None:
    inputs = ("customers", "drivers", "order_status", "orders_7_days", "restaurants")
    both = hop(seeded, fd.job("etl_delivery_7_days"), "BOTH")
    assert both == [("UPSTREAM", fd.ds(t), "READS") for t in inputs] + [
        ("DOWNSTREAM", fd.ds("delivery_7_days"), "WRITES")
    ]
    assert hop(seeded, fd.job("etl_delivery_7_days"), "UPSTREAM") == both[:5]
    assert hop(seeded, fd.ds("customers"), "DOWNSTREAM") == [
        ("DOWNSTREAM", fd.job(j), "READS")
        for j in ("email_discounts", "etl_delivery_7_days", "orders_popular_day_of_week")
    ]
    assert hop(seeded, fd.ds("customers"), "UPSTREAM") == [
        ("UPSTREAM", fd.job("etl_customers"), "WRITES")
    ]
    email = fd.col("customers", "email")
    assert hop(seeded, email, "DOWNSTREAM") == [
        ("DOWNSTREAM", fd.col("delivery_7_days", "customer_email"), "DERIVES_FROM")
    ]
    # one page holds what the pages of one did, in the same order, with the same cursors
    whole = run(seeded, NEIGHBOURS, id=fd.job("etl_delivery_7_days"), direction="BOTH")[
        "neighbours"
    ]
    assert [(e["direction"], e["node"]["id"], e["kind"]) for e in whole["edges"]] == both
    assert not whole["pageInfo"]["hasNextPage"] and not whole["truncated"]
    second = run(
        seeded,
        NEIGHBOURS,
        id=fd.job("etl_delivery_7_days"),
        direction="BOTH",
        first=2,
        after=whole["edges"][0]["cursor"],
    )["neighbours"]
    assert [e["cursor"] for e in second["edges"]] == [e["cursor"] for e in whole["edges"][1:3]]
    # nodes no lineage runs through have no neighbours
    assert (
        run(seeded, NEIGHBOURS, id="owner:team-logistics", direction="BOTH")["neighbours"][
            "totalCount"
        ]
        == 0
    )


def test_neighbours_filter_by_kind(seeded: Store) -> None:
    assert hop(seeded, fd.ds("customers"), "BOTH", kinds=["DATASET"]) == []
    assert len(hop(seeded, fd.ds("customers"), "BOTH", kinds=["JOB", "DATASET"])) == 4
    assert hop(seeded, fd.col("customers", "email"), "BOTH", kinds=["COLUMN"]) == [
        ("DOWNSTREAM", fd.col("delivery_7_days", "customer_email"), "DERIVES_FROM")
    ]


def rerun(
    events: list[dict[str, Any]],
    job: str,
    run_id: str,
    at: str,
    states: tuple[str, ...] = ("START", "COMPLETE"),
    more_inputs: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """Events of a new run of one of the seed's jobs, as its first run's START, at ``at``."""
    start = next(e for e in events if e["job"]["name"] == job and e["eventType"] == "START")
    made = []
    for state in states:
        event = copy.deepcopy(start)
        event.update(eventTime=at, eventType=state)
        event["run"]["runId"] = run_id
        event["inputs"] = event.get("inputs", []) + [
            {"namespace": fd.NS, "name": f"public.{name}"} for name in more_inputs
        ]
        made.append(event)
    return made


def test_a_cursor_survives_changes_to_the_graph(seeded: Store, food_delivery_events) -> None:
    job = fd.job("etl_delivery_7_days")
    first = run(seeded, NEIGHBOURS, id=job, direction="UPSTREAM", first=2)["neighbours"]
    assert [e["node"]["id"] for e in first["edges"]] == [fd.ds("customers"), fd.ds("drivers")]
    for event in rerun(
        food_delivery_events,
        "etl_delivery_7_days",
        "0198c1f6-0000-7000-8000-000000000001",
        "2026-01-06T06:00:00.000Z",
        more_inputs=("aaa_first", "dz_between"),
    ):
        seeded.apply(translate(event))
    rest = run(
        seeded,
        NEIGHBOURS,
        id=job,
        direction="UPSTREAM",
        first=10,
        after=first["pageInfo"]["endCursor"],
    )["neighbours"]
    assert rest["totalCount"] == 7
    assert [e["node"]["id"] for e in rest["edges"]] == [
        fd.ds(t) for t in ("dz_between", "order_status", "orders_7_days", "restaurants")
    ]


def test_bad_neighbour_requests_are_errors(seeded: Store) -> None:
    job = fd.job("etl_delivery_7_days")
    assert errors(seeded, NEIGHBOURS, id="dataset:nowhere:nothing", direction="BOTH") == [
        "no node with id 'dataset:nowhere:nothing'"
    ]
    assert errors(seeded, NEIGHBOURS, id=job, direction="BOTH", after="not a cursor") == [
        "invalid cursor 'not a cursor'"
    ]
    assert errors(seeded, NEIGHBOURS, id=job, direction="BOTH", first=-1) == [
        "first must be 0 or more, not -1"
    ]
    empty = run(seeded, NEIGHBOURS, id=job, direction="BOTH", first=0)["neighbours"]
    assert (empty["edges"], empty["totalCount"], empty["pageInfo"]["hasNextPage"]) == ([], 6, True)


NODE_FACTS = "id kind upstreamCount downstreamCount domain owners { id name type } latestRunState deleted declared"


def test_lineage_nodes_carry_what_a_frontend_draws_them_with(seeded: Store) -> None:
    nodes = run(
        seeded,
        f"query($id: String!) {{ lineage(nodeId: $id) {{ nodes {{ {NODE_FACTS} }} }} }}",
        id=fd.ds("delivery_7_days"),
    )["lineage"]["nodes"]
    by_id = {n["id"]: n for n in nodes}
    job = by_id[fd.job("etl_delivery_7_days")]
    assert (job["upstreamCount"], job["downstreamCount"], job["latestRunState"]) == (
        5,
        1,
        "COMPLETE",
    )
    assert job["owners"] == [
        {"id": "owner:team-logistics", "name": "team-logistics", "type": "team"}
    ]
    customers = by_id[fd.ds("customers")]
    assert (customers["upstreamCount"], customers["downstreamCount"], customers["owners"]) == (
        1,
        3,
        [],
    )
    for node in nodes:  # the counts are the neighbours' totals, node by node
        for way in ("UPSTREAM", "DOWNSTREAM"):
            total = run(seeded, NEIGHBOURS, id=node["id"], direction=way, first=0)["neighbours"][
                "totalCount"
            ]
            assert node[f"{way.lower()}Count"] == total, (node["id"], way)
    column = run(seeded, f'{{ node(id: "{fd.col("customers", "email")}") {{ {NODE_FACTS} }} }}')[
        "node"
    ]
    assert (column["upstreamCount"], column["downstreamCount"], column["latestRunState"]) == (
        0,
        1,
        None,
    )


TRIMMED = """query($id: String!, $most: Int) { lineage(nodeId: $id, direction: UPSTREAM, maxNodes: $most) {
  nodes { id } edges { source target } truncated } }"""


def test_a_walk_trimmed_for_drawing_keeps_the_nearest(seeded: Store) -> None:
    start = fd.ds("delivery_7_days")
    whole = run(seeded, TRIMMED, id=start, most=None)["lineage"]
    hops = {start: 0}  # upstream hops from the start, over the whole answer's edges
    frontier = [start]
    while frontier:
        reached = []
        for edge in whole["edges"]:
            if edge["target"] in frontier and edge["source"] not in hops:
                hops[edge["source"]] = hops[edge["target"]] + 1
                reached.append(edge["source"])
        frontier = reached
    assert not whole["truncated"] and set(hops) == {n["id"] for n in whole["nodes"]}
    for most in (1, 4, len(hops) - 1):
        trimmed = run(seeded, TRIMMED, id=start, most=most)["lineage"]
        kept = {n["id"] for n in trimmed["nodes"]}
        assert trimmed["truncated"] and start in kept and len(kept) == most, most
        assert max(hops[id] for id in kept) <= min(hops[id] for id in set(hops) - kept), most
        assert all({e["source"], e["target"]} <= kept for e in trimmed["edges"])
    # at least the start; the server's own budget caps a bigger one
    assert [n["id"] for n in run(seeded, TRIMMED, id=start, most=0)["lineage"]["nodes"]] == [start]
    assert run(seeded, TRIMMED, id=start, most=10**9)["lineage"] == whole


def test_latest_run_state_follows_new_runs(seeded: Store, food_delivery_events) -> None:
    for event in rerun(
        food_delivery_events,
        "etl_delivery_7_days",
        "0198c1f6-0000-7000-8000-000000000001",
        "2026-01-06T06:00:00.000Z",
        ("START", "FAIL"),
    ):
        seeded.apply(translate(event))
    query = f"""{{ job(namespace: "{fd.NS}", name: "etl_delivery_7_days") {{ latestRun {{ state }} }}
        a: node(id: "{fd.job("etl_delivery_7_days")}") {{ latestRunState }} b: node(id: "{fd.ds("delivery_7_days")}") {{ latestRunState }}
        c: node(id: "{fd.ds("customers")}") {{ latestRunState }} }}"""
    data = run(seeded, query)
    assert data["job"]["latestRun"]["state"] == "FAIL"
    assert (
        data["a"]["latestRunState"],
        data["b"]["latestRunState"],
        data["c"]["latestRunState"],
    ) == ("FAIL", "FAIL", "COMPLETE")


def test_domains_of_lineage_nodes(store: Store) -> None:
    build_mesh(store)
    orders, campaigns = (
        dataset_id("pg", "sales.orders"),
        dataset_id("pg", "marketing.campaign_orders"),
    )
    nodes = run(store, f'{{ lineage(nodeId: "{orders}") {{ nodes {{ id domain }} }} }}')["lineage"][
        "nodes"
    ]
    assert {n["id"]: n["domain"] for n in nodes} == {
        orders: "sales",
        campaigns: "marketing",
        "job:airflow:campaign_orders": "marketing",
        "job:airflow:load_orders": "sales",
    }
    column = "datasetField:pg:sales.orders:email"
    query = f'{{ a: node(id: "{column}") {{ domain owners {{ id }} }} b: node(id: "{product_id("sales", "orders")}") {{ domain }} }}'
    assert run(store, query) == {"a": {"domain": "sales", "owners": []}, "b": {"domain": "sales"}}


CONNECTION = "totalCount pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} edges {{ cursor node {{ {fields} }} }}"


def page_through(
    store: Store, template: str, path: tuple[str, ...], fields: str = "id", page: int = 1
) -> list[Any]:
    """All items of a connection, read ``page`` at a time; ``template`` has ``{arguments}`` and ``{connection}``."""
    items: list[Any] = []
    after = None
    while True:
        arguments = f"first: {page}" + (f', after: "{after}"' if after else "")
        data: Any = run(
            store, template.format(arguments=arguments, connection=CONNECTION.format(fields=fields))
        )
        for key in path:
            data = data[key]
        items += [e["node"] for e in data["edges"]]
        assert data["totalCount"] >= len(items)
        if not data["pageInfo"]["hasNextPage"]:
            assert data["totalCount"] == len(items)
            return items
        after = data["pageInfo"]["endCursor"]


def test_connections_page_the_lists_that_grow_with_the_graph(store: Store) -> None:
    build_mesh(store)
    sales = domain_id("sales")
    assert page_through(
        store, "{{ domainsConnection({arguments}) {{ {connection} }} }}", ("domainsConnection",)
    ) == [{"id": domain_id("marketing")}, {"id": sales}]
    domain = '{{ domain(name: "sales") {{ datasetsConnection({arguments}) {{ {connection} }} }} }}'
    assert page_through(store, domain, ("domain", "datasetsConnection")) == [
        {"id": dataset_id("pg", "sales.orders")}
    ]
    products = (
        '{{ domain(name: "sales") {{ productsConnection({arguments}) {{ {connection} }} }} }}'
    )
    assert page_through(store, products, ("domain", "productsConnection")) == [
        {"id": product_id("sales", "orders")}
    ]
    exposed = '{{ dataProduct(domain: "sales", name: "orders") {{ datasetsConnection({arguments}) {{ {connection} }} }} }}'
    assert page_through(store, exposed, ("dataProduct", "datasetsConnection")) == [
        {"id": dataset_id("pg", "sales.orders")}
    ]
    owns = '{{ owner(name: "team-sales") {{ ownsConnection({arguments}) {{ {connection} }} }} }}'
    assert page_through(store, owns, ("owner", "ownsConnection"), "id domain") == [
        {"id": product_id("sales", "orders"), "domain": "sales"},
        {"id": sales, "domain": "sales"},
    ]
    # the deprecated lists still answer, with the same items
    old = run(
        store,
        '{ domains { id } domain(name: "sales") { datasets { id } } owner(name: "team-sales") { owns { id } } }',
    )
    assert old == {
        "domains": [{"id": domain_id("marketing")}, {"id": sales}],
        "domain": {"datasets": [{"id": dataset_id("pg", "sales.orders")}]},
        "owner": {"owns": [{"id": product_id("sales", "orders")}, {"id": sales}]},
    }


def test_runs_and_search_connections(seeded: Store, food_delivery_events) -> None:
    start = next(
        e
        for e in food_delivery_events
        if e["job"]["name"] == "etl_orders" and e["eventType"] == "START"
    )
    for day in range(1, 4):  # three more runs, a day apart
        for event in rerun(
            food_delivery_events,
            "etl_orders",
            f"0198c1f6-0000-7000-8000-00000000000{day}",
            f"2026-01-0{5 + day}T06:00:00.000Z",
        ):
            seeded.apply(translate(event))
    runs = '{{ job(namespace: "food_delivery", name: "etl_orders") {{ runsConnection({arguments}) {{ {connection} }} }} }}'
    paged = page_through(seeded, runs, ("job", "runsConnection"), "id createdAt", page=3)
    assert [r["id"] for r in paged] == [
        f"run:0198c1f6-0000-7000-8000-00000000000{d}" for d in (3, 2, 1)
    ] + [f"run:{start['run']['runId']}"]
    old = run(
        seeded,
        '{ job(namespace: "food_delivery", name: "etl_orders") { runs(first: 10) { id createdAt } } }',
    )
    assert old["job"]["runs"] == paged
    search = '{{ searchConnection(text: "delivery_7", {arguments}) {{ {connection} }} }}'
    paged = page_through(seeded, search, ("searchConnection",), "id kind", page=2)
    assert paged == run(seeded, '{ search(text: "delivery_7", first: 100) { id kind } }')["search"]
    assert {fd.ds("delivery_7_days"), fd.job("etl_delivery_7_days")} <= {r["id"] for r in paged}
