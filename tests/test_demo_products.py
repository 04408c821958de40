"""The demo a newcomer starts (`serve --demo`) ships a data product per domain with ports on the
seed's own datasets and two ODCS contracts: product lineage, declared against observed, shows at
once, and no port or contract makes a second node for a table the seed already has."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from live_server import LiveServer

from ingest.demo import food_delivery_events

PRODUCT = """
query($domain: String!, $name: String!) {
  dataProduct(domain: $domain, name: $name) {
    name version status owners { name }
    contracts { id datasets { namespace name } }
    ports { direction name }
    upstreamProducts { declared observed upstreamPorts downstreamPorts contracts product { name } }
    undeclaredConsumers { jobName }
  }
}
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("demo")
    server = LiveServer(["--data-dir", str(root / "store")], root / "server.log").start(["--demo"])
    try:
        yield server
    finally:
        server.stop()


def product(demo: LiveServer, domain: str, name: str) -> dict:
    found = demo.graphql(PRODUCT, domain=domain, name=name)["dataProduct"]
    assert found is not None, f"the demo has no product {domain}/{name}"
    return found


def links(found: dict) -> dict[str, dict]:
    return {link["product"]["name"]: link for link in found["upstreamProducts"]}


def test_each_domain_publishes_a_product_with_its_owner(demo: LiveServer) -> None:
    """The descriptor's owner, and the contract's team members where a contract stands behind it."""
    domains = demo.graphql("{ domains { name products { name owners { name } } } }")["domains"]
    published = {
        d["name"]: {p["name"]: sorted(o["name"] for o in p["owners"]) for p in d["products"]}
        for d in domains
    }
    assert published == {
        "restaurants": {"restaurant_catalog": ["team-restaurants"]},
        "customers": {"customer_profiles": ["crm@example.com", "team-crm"]},
        "orders": {"order_insights": ["orders@example.com", "team-orders"]},
        "delivery": {"delivery_performance": ["team-logistics"]},
        "marketing": {"discount_campaigns": ["team-growth"]},
    }


def test_a_declared_port_that_lineage_also_shows_is_both(demo: LiveServer) -> None:
    orders = product(demo, "orders", "order_insights")
    catalog = links(orders)["restaurant_catalog"]
    assert (catalog["declared"], catalog["observed"]) == (True, True)
    assert sorted(catalog["downstreamPorts"]) == ["categories", "menu_items", "menus"]


def test_lineage_the_descriptors_do_not_declare_is_observed_only(demo: LiveServer) -> None:
    """etl_delivery_7_days reads public.restaurants, which delivery's descriptor never names."""
    delivery = product(demo, "delivery", "delivery_performance")
    upstream = links(delivery)
    assert (
        upstream["restaurant_catalog"]["declared"],
        upstream["restaurant_catalog"]["observed"],
    ) == (False, True)
    assert upstream["order_insights"]["declared"] and upstream["order_insights"]["observed"]
    assert "contract:orders-7-days-v1" in upstream["order_insights"]["contracts"]
    catalog = product(demo, "restaurants", "restaurant_catalog")
    assert "etl_delivery_7_days" in {c["jobName"] for c in catalog["undeclaredConsumers"]}


def test_contracts_govern_the_seeds_own_tables(demo: LiveServer) -> None:
    customers = product(demo, "customers", "customer_profiles")
    assert [(c["id"], c["datasets"]) for c in customers["contracts"]] == [
        (
            "contract:customer-profiles-v2",
            [{"namespace": "food_delivery", "name": "public.customers"}],
        )
    ]
    stats = {s["kind"]: s["count"] for s in demo.graphql("{ stats { kind count } }")["stats"]}
    assert stats["Dataset"] == len(seed_datasets())  # no port or contract made another node


def test_marquez_shows_a_contract_governed_table_created_at_a_time(demo: LiveServer) -> None:
    """A contract's stamp orders by version after its time (...Z#v...): Marquez shows the time."""
    url = f"{demo.url}/api/v1/namespaces/food_delivery/datasets?limit=100"
    listed = {d["name"]: d for d in httpx.get(url, timeout=30).json()["datasets"]}
    assert listed["public.customers"]["createdAt"] == "2026-01-05T06:00:00.000000Z"
    for name in ("public.customers", "public.orders_7_days"):
        one = httpx.get(f"{demo.url}/api/v1/namespaces/food_delivery/datasets/{name}", timeout=30)
        assert "#" not in one.json()["createdAt"]
    namespace = httpx.get(f"{demo.url}/api/v1/namespaces/food_delivery", timeout=30).json()
    assert "#" not in namespace["createdAt"]


def seed_datasets() -> set[tuple[str, str]]:
    """Every dataset the seed's events name: inputs, outputs and column lineage's input fields."""
    found = set()
    for event in food_delivery_events():
        for dataset in event.get("inputs", []) + event.get("outputs", []):
            found.add((dataset["namespace"], dataset["name"]))
            lineage = dataset.get("facets", {}).get("columnLineage", {}).get("fields", {})
            for field in lineage.values():
                found.update((i["namespace"], i["name"]) for i in field.get("inputFields", []))
    return found


def test_the_demo_documents_are_valid_descriptors_and_contracts(tmp_path: Path) -> None:
    """The files the demo ships read through the public commands too (a broken one would exit 2)."""
    from ingest.contracts import translate_contract
    from ingest.demo import demo_documents
    from ingest.products import translate_descriptor

    assert len(demo_documents("products")) == 5
    assert len(demo_documents("contracts")) == 2
    for source, text in demo_documents("contracts"):
        assert translate_contract(text, source)
    for source, text in demo_documents("products"):
        assert translate_descriptor(text, source)
