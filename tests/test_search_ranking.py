"""Search finds what was meant, on every store: a dataset or job named like the text before the
columns that merely contain it, a dataset's name matched also without its schema, every hit with
its kind, namespace, dataset (a column's) and domain, filters by kind, namespace, domain, owner
and tag, and the total with pages."""

from __future__ import annotations

from typing import Any

import food_delivery as fd
import pytest

from graph.read.search import CONTAINS, EXACT, PREFIX, WORD, match_rank
from graph.serve.app import limited_schema
from graph.serve.limits import GraphQLLimits
from graph.serve.schema import context
from graph.stores import Store
from ingest.domain_rules import DomainRules
from ingest.openlineage import translate

SCHEMA = limited_schema(GraphQLLimits())
RULES = DomainRules.parse(
    {
        "rules": [
            {"domain": "orders", "name": "public.order*"},
            {"domain": "delivery", "name": "public.*deliver*"},
        ]
    }
)
SEARCH = """query($text: String!, $first: Int, $after: String, $kinds: [NodeKind!], $namespace: String,
  $domain: String, $owner: String, $tag: String) {
  searchConnection(text: $text, first: $first, after: $after, kinds: $kinds, namespace: $namespace,
    domain: $domain, owner: $owner, tag: $tag) {
    totalCount pageInfo { hasNextPage endCursor } nodes { id kind namespace name dataset domain } } }"""


def search(store: Store, text: str, **variables: Any) -> dict[str, Any]:
    result = SCHEMA.execute_sync(
        SEARCH,
        variable_values={"text": text, **variables},
        context_value={"request": None, "response": None, **context(store)},
    )
    assert not result.errors and result.data is not None, result.errors
    return result.data["searchConnection"]


@pytest.fixture
def seeded(store: Store, food_delivery_events) -> Store:
    for event in [
        *food_delivery_events,
        fd.ownership_event("etl_delivery_7_days", "team-logistics"),
    ]:
        store.apply(translate(event, RULES))
    return store


def test_match_rank_reads_names_as_people_type_them() -> None:
    assert match_rank("delivery_7_days", "public.delivery_7_days") == EXACT
    assert match_rank("orders", "public.orders_7_days") == PREFIX
    assert match_rank("7_days", "public.orders_7_days") == CONTAINS
    assert match_rank("orders", "public.popular_orders_day_of_week") == WORD
    assert match_rank("popular", "food.public.popular_orders") == PREFIX
    assert match_rank("week", "etl-week/report") == WORD


def test_datasets_and_jobs_named_so_come_before_columns(seeded: Store) -> None:
    found = search(seeded, "delivery_7_days", first=5)["nodes"]
    assert found[0]["id"] == fd.ds("delivery_7_days")
    assert found[1]["id"] == fd.job("etl_delivery_7_days")
    orders = search(seeded, "orders", first=3)["nodes"]
    assert orders[0] == {
        "id": fd.ds("orders"),
        "kind": "DATASET",
        "namespace": fd.NS,
        "name": "public.orders",
        "dataset": None,
        "domain": "orders",
    }
    email = search(seeded, "customer_email", first=50)["nodes"]
    assert {hit["kind"] for hit in email} == {"COLUMN"}
    # a column says which dataset it is in: no two hits read alike
    assert len({(hit["name"], hit["dataset"]) for hit in email}) == len(email) > 1
    assert {"public.top_delivery_times", "public.delivery_7_days"} <= {
        hit["dataset"] for hit in email
    }


def test_filters_totals_and_pages(seeded: Store) -> None:
    everything = search(seeded, "order", first=1000)
    assert everything["totalCount"] == len(everything["nodes"]) > 20
    columns = search(seeded, "order", first=1000, kinds=["COLUMN"])["nodes"]
    assert columns and {hit["kind"] for hit in columns} == {"COLUMN"}
    assert search(seeded, "order", first=1000, namespace="nowhere")["totalCount"] == 0
    in_orders = search(seeded, "order", first=1000, domain="orders")["nodes"]
    assert in_orders and {hit["domain"] for hit in in_orders} == {"orders"}
    assert fd.ds("orders_7_days") in {hit["id"] for hit in in_orders}
    owned = search(seeded, "delivery", first=1000, owner="team-logistics")["nodes"]
    assert fd.job("etl_delivery_7_days") in {hit["id"] for hit in owned}
    assert fd.ds("delivery_7_days") not in {hit["id"] for hit in owned}
    assert search(seeded, "order", first=1000, tag="no-such-tag")["totalCount"] == 0
    # pages: the same hits, in the same order, a page at a time
    paged: list[str] = []
    after = None
    while True:
        page = search(seeded, "order", first=7, after=after)
        paged += [hit["id"] for hit in page["nodes"]]
        assert page["totalCount"] == everything["totalCount"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert paged == [hit["id"] for hit in everything["nodes"]]


def test_qualified_forms_find_a_dataset_column_and_a_namespaced_name(seeded: Store) -> None:

    def ids(text: str) -> list[str]:
        return [n["id"] for n in search(seeded, text)["nodes"]]

    email = fd.col("customers", "email")
    # dataset.column, the dataset with or without its schema, the column by its start
    for text in ("customers.email", "public.customers.email", "Customers.EM"):
        assert ids(text)[0] == email, text
    assert ids("customers.email") == [email]  # not the other datasets' email columns
    assert ids("nowhere.email") == []
    # namespace:name
    assert ids("food_delivery:public.customers")[0] == fd.ds("customers")
    assert ids("food_delivery:customers")[0] == fd.ds("customers")
    assert ids("elsewhere:customers") == []
    # namespace:dataset.column, and any node by its id pasted whole
    assert ids("food_delivery:public.customers.email")[0] == email
    assert ids("elsewhere:public.customers.email") == []
    for meant in (email, fd.ds("customers"), fd.job("etl_delivery_7_days")):
        assert ids(meant)[0] == meant, meant
    assert ids(f"{fd.ds('customers')}x") == []
