"""Product → product lineage on every store: descriptors declare which products a product reads
(by product and port, by dataset, by an ODPS input port's contract), OpenLineage shows which it
does (through intermediate datasets too), and GraphQL's ``upstreamProducts`` /
``downstreamProducts`` say both, with the ports and contracts on each link."""

from __future__ import annotations

import json
from pathlib import Path

from command_line import lineagemesh_ok
from conftest import corpus
from data_products import SPEC, payments
from graphql_in_process import run
from openlineage_events import complete

CUSTOMER = corpus("data-products", "odps", "customer-data-product.odps.yaml")
PAYMENTS = payments("dbb7b1eb-7628-436e-8914-2a00638ba6db")
REVENUE = """
name: revenue
domain: analytics
owner: analytics-team
output_ports:
  - name: revenue_table
    type: table
    location: postgres://warehouse:5432/analytics.public.revenue
"""


def _dataset(namespace: str, name: str) -> dict[str, str]:
    return {"namespace": namespace, "name": name}


ORDERS_DB = "postgres://orders-db:5432"
WAREHOUSE = "postgres://warehouse:5432"
EVENTS = [
    complete(  # the orders product's pipeline reads the payments stream and the CDC table
        "build_customer_orders",
        [
            _dataset("kafka://broker:9092", "payments.events"),
            _dataset(ORDERS_DB, "orders.public.orders"),
        ],
        [_dataset(ORDERS_DB, "orders.public.customer_orders")],
    ),
    complete(  # analytics reads it through a staging table no product publishes
        "stage_revenue",
        [_dataset(ORDERS_DB, "orders.public.customer_orders")],
        [_dataset(WAREHOUSE, "analytics.staging.revenue")],
    ),
    complete(
        "build_revenue",
        [_dataset(WAREHOUSE, "analytics.staging.revenue")],
        [_dataset(WAREHOUSE, "analytics.public.revenue")],
    ),
]

LINKS = """
query($domain: String!, $name: String!) {
  dataProduct(domain: $domain, name: $name) {
    ports { direction name datasetId upstreamProduct declaredOnly }
    upstreamProducts { ...link }
    downstreamProducts { ...link }
  }
}
fragment link on ProductLink {
  product { id }
  upstreamPorts downstreamPorts contracts declared observed datasets jobs
}
"""


def _ingest(store_args: list[str], tmp_path: Path) -> None:
    events = tmp_path / "events.json"
    events.write_text(json.dumps(EVENTS))
    lineagemesh_ok("ingest", "openlineage", *store_args, str(events))
    (tmp_path / "payments.yaml").write_text(PAYMENTS)
    (tmp_path / "revenue.yaml").write_text(REVENUE)
    lineagemesh_ok(
        "ingest",
        "products",
        *store_args,
        str(SPEC),
        str(CUSTOMER),
        str(tmp_path / "payments.yaml"),
        str(tmp_path / "revenue.yaml"),
    )


def _by_product(links: list[dict]) -> dict[str, dict]:
    return {link["product"]["id"]: link for link in links}


def test_products_link_declared_and_observed_with_ports_and_contracts(
    store_args, open_test_store, tmp_path
):
    _ingest(store_args, tmp_path)
    with open_test_store() as store:
        orders = run(store, LINKS, domain="orders", name="customer_orders")["dataProduct"]
        payments = run(store, LINKS, domain="payments", name="payment_events")["dataProduct"]
        revenue = run(store, LINKS, domain="analytics", name="revenue")["dataProduct"]

    upstream = _by_product(orders["upstreamProducts"])
    assert set(upstream) == {"dataProduct:payments:payment_events"}
    link = upstream["dataProduct:payments:payment_events"]
    # declared (the input port names the product and its port) and observed (a job reads it)
    assert (link["declared"], link["observed"]) == (True, True)
    assert link["upstreamPorts"] == ["payments_stream"]
    assert link["downstreamPorts"] == ["payments"]
    assert link["contracts"] == ["contract:dbb7b1eb-7628-436e-8914-2a00638ba6db"]
    assert link["jobs"] == ["job:airflow:build_customer_orders"]

    # observed only, through a staging table: analytics never declared it reads orders
    downstream = _by_product(orders["downstreamProducts"])
    assert set(downstream) == {"dataProduct:analytics:revenue"}
    observed = downstream["dataProduct:analytics:revenue"]
    assert (observed["declared"], observed["observed"]) == (False, True)
    assert observed["upstreamPorts"] == ["orders_table"]
    assert observed["contracts"] == ["contract:orders-customer-orders-v2"]
    assert observed["jobs"] == ["job:airflow:build_revenue", "job:airflow:stage_revenue"]
    assert [link["product"]["id"] for link in revenue["upstreamProducts"]] == [
        "dataProduct:orders:customer_orders"
    ]

    # payments feeds orders (both ways known) and the ODPS product whose input port names the
    # contract of payments' port (declared only: no lineage shows it)
    fed = _by_product(payments["downstreamProducts"])
    assert set(fed) == {
        "dataProduct:orders:customer_orders",
        "dataProduct:seller:Customer Data Product",
    }
    odps = fed["dataProduct:seller:Customer Data Product"]
    assert (odps["declared"], odps["observed"]) == (True, False)
    assert odps["downstreamPorts"] == ["payments"]
    assert odps["upstreamPorts"] == ["payments_stream"]
    assert fed["dataProduct:orders:customer_orders"]["observed"] is True

    ports = {p["name"]: p for p in orders["ports"]}
    assert ports["payments"]["upstreamProduct"] == "dataProduct:payments:payment_events"
    assert ports["payments"]["declaredOnly"] is False  # its descriptor came in the same load
    assert ports["orders_api"]["declaredOnly"] is True  # no source but the descriptor knows it
    assert ports["orders_table"]["declaredOnly"] is False  # lineage wrote it first


def test_a_product_without_neighbours_has_no_links(store_args, open_test_store, tmp_path):
    (tmp_path / "revenue.yaml").write_text(REVENUE)
    lineagemesh_ok("ingest", "products", *store_args, str(tmp_path / "revenue.yaml"))
    with open_test_store() as store:
        revenue = run(store, LINKS, domain="analytics", name="revenue")["dataProduct"]
    assert revenue["upstreamProducts"] == [] and revenue["downstreamProducts"] == []
    assert revenue["ports"] == [
        {
            "direction": "output",
            "name": "revenue_table",
            "datasetId": "dataset:postgres://warehouse:5432:analytics.public.revenue",
            "upstreamProduct": None,
            "declaredOnly": True,
        }
    ]
