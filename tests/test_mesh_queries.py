"""Domains, products, consumers and owners on every store, from a small hand-made mesh."""

from __future__ import annotations

import json

from graph.core.model import EdgeKind, NodeKind, dataset_id, domain_id, product_id
from graph.read import mesh
from graph.stores import Store
from ingest.builder import GraphBuilder
from ingest.domain_rules import DomainRules, InvalidRules
from ingest.openlineage import translate

AT = "2026-01-05T06:00:00.000000Z"


def build_mesh(store: Store) -> None:
    """sales publishes `orders` (owner team-sales, 6h SLO); a marketing job reads it; finance
    declares itself a consumer in a contract; an OpenLineage-only dataset is mapped by a rule."""
    b = GraphBuilder(AT)
    orders = b.dataset("pg", "sales.orders", {"columns": ["id", "email"]})
    b.column("pg", "sales.orders", "id", {"declared": True, "type": "bigint"})
    b.column("pg", "sales.orders", "email", {"declared": True, "type": "text", "pii": True})
    product = b.product("sales", "orders", {"description": "All orders", "freshnessHours": 6.0})
    b.edge(product, EdgeKind.EXPOSES, orders)
    b.edge(orders, EdgeKind.BELONGS_TO, domain_id("sales"))
    b.owner(product, "team-sales", "owner")
    b.owner(domain_id("sales"), "team-sales", "owner")
    b.edge(b.consumer("finance-reporting", {"domain": "finance"}), EdgeKind.CONSUMES, product)
    campaigns = b.dataset("pg", "marketing.campaign_orders", {})
    b.edge(campaigns, EdgeKind.BELONGS_TO, b.domain("marketing"))
    marketing_job = b.job("airflow", "campaign_orders", {})
    b.edge(marketing_job, EdgeKind.READS, orders)
    b.edge(marketing_job, EdgeKind.WRITES, campaigns)
    sales_job = b.job("airflow", "load_orders", {})
    b.edge(sales_job, EdgeKind.WRITES, orders)
    b.edge(sales_job, EdgeKind.READS, orders)  # a self-loop: sales' own pipeline is no consumer
    store.apply(b.mutations)


def test_domains_products_and_consumers(store: Store) -> None:
    build_mesh(store)
    assert [d.id for d in mesh.all_of_kind(store, NodeKind.DOMAIN)] == [
        domain_id("marketing"),
        domain_id("sales"),
    ]
    sales = mesh.domain(store, "sales")
    assert sales is not None
    assert [p.id for p in mesh.domain_products(store, sales)] == [product_id("sales", "orders")]
    assert [d.id for d in mesh.domain_datasets(store, sales)] == [dataset_id("pg", "sales.orders")]
    product = mesh.product(store, "sales", "orders")
    assert product is not None and product.props["freshnessHours"] == 6.0
    consumers = mesh.product_consumers(store, product)
    assert [(c.node.id, c.domain, c.declared, c.datasets) for c in consumers] == [
        ("consumer:finance-reporting", "domain:finance", True, ()),
        (
            "job:airflow:campaign_orders",
            "domain:marketing",
            False,
            (dataset_id("pg", "sales.orders"),),
        ),
    ]
    assert mesh.consuming_domains(store, sales) == ["domain:finance", "domain:marketing"]
    owner = mesh.owner(store, "team-sales")
    assert owner is not None
    assert [n.id for n in mesh.owned(store, owner)] == [
        product_id("sales", "orders"),
        domain_id("sales"),
    ]


def test_declared_domain_beats_a_rule(store: Store, food_delivery_events) -> None:
    rules = DomainRules.parse(
        {
            "rules": [
                {"domain": "logistics", "name": "public.deliver*"},
                {"domain": "restaurants", "job_namespace": "food_*"},
            ]
        }
    )
    for event in food_delivery_events:
        store.apply(translate(event, rules))
    logistics = mesh.domain(store, "logistics")
    assert logistics is not None
    assert [d.id for d in mesh.domain_datasets(store, logistics)] == [
        "dataset:food_delivery:public.delivery_7_days"
    ]
    b = GraphBuilder("2020-01-01T00:00:00.000000Z")  # older than the rule, still wins: declared
    b.edge(
        "dataset:food_delivery:public.delivery_7_days", EdgeKind.BELONGS_TO, b.domain("operations")
    )
    store.apply(b.mutations)
    assert mesh.domain_datasets(store, logistics) == []
    assert mesh.dataset_domains(store, ["dataset:food_delivery:public.delivery_7_days"]) == {
        "dataset:food_delivery:public.delivery_7_days": "domain:operations"
    }
    restaurants = mesh.domain(store, "restaurants")
    assert restaurants is not None
    assert (
        len(mesh.domain_datasets(store, restaurants)) == 12
    )  # every written dataset but delivery_7_days


def test_rules_files_are_checked(tmp_path) -> None:
    good = tmp_path / "rules.json"
    good.write_text(json.dumps({"rules": [{"domain": "sales", "namespace": "postgres://sales*"}]}))
    assert DomainRules.load(good).domain_for("postgres://sales-db:5432", "x") == "sales"
    for document, fragment in [
        ({"rules": [{"namespace": "x"}]}, ":1: rules[0].domain: required"),
        ({"rules": [{"domain": "d"}]}, "at least one of"),
        ({"rules": [{"domain": "d", "nmae": "x"}]}, ":1: rules[0].nmae: unknown key 'nmae'"),
        ([], ":1: expected a mapping"),
    ]:
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps(document))
        try:
            DomainRules.load(bad)
        except InvalidRules as e:
            assert fragment in str(e) and str(bad) in str(e)
        else:
            raise AssertionError(f"accepted {document}")


def test_domain_dependency_graph_and_column_owners(store: Store) -> None:
    from graph.serve.schema import context, schema

    build_mesh(store)
    b = GraphBuilder(AT)
    b.owner(dataset_id("pg", "sales.orders"), "data-eng", "maintainer")
    store.apply(b.mutations)
    result = schema.execute_sync(
        """{ domainDependencies { consumerDomain providerDomain product { id } via { id declared } }
             dataset(namespace: "pg", name: "sales.orders") { columns { name owners { name } } } }""",
        context_value=context(store),
    )
    assert result.errors is None and result.data is not None, result.errors
    assert result.data["domainDependencies"] == [
        {
            "consumerDomain": "domain:finance",
            "providerDomain": "domain:sales",
            "product": {"id": product_id("sales", "orders")},
            "via": [{"id": "consumer:finance-reporting", "declared": True}],
        },
        {
            "consumerDomain": "domain:marketing",
            "providerDomain": "domain:sales",
            "product": {"id": product_id("sales", "orders")},
            "via": [{"id": "job:airflow:campaign_orders", "declared": False}],
        },
    ]
    assert result.data["dataset"]["columns"] == [
        {"name": "id", "owners": [{"name": "data-eng"}]},
        {"name": "email", "owners": [{"name": "data-eng"}]},
    ]
