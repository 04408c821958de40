"""A data product's version history (``DataProduct.versions``), on every store: each change of its
descriptor (a contract, an SLO, a port, an owner) ingested with ``lineagemesh ingest products``
is a version readable over GraphQL, newest first, saying what changed; the same descriptor
ingested again is the version it was."""

from __future__ import annotations

from pathlib import Path

from command_line import lineagemesh_ok
from graphql_in_process import run


def descriptor(version: str, freshness: str, owner: str, contract: str, api: bool) -> str:
    extra = (
        """
  - name: orders_api
    type: api
    location: https://api.example.com/v1/orders"""
        if api
        else ""
    )
    return f"""
name: customer_orders
domain: orders
owner: {owner}
version: {version}
slo: {{freshness: {freshness}, completeness: 99%}}
output_ports:
  - name: orders_table
    type: sql_table
    location: postgres://orders-db:5432/orders.public.customer_orders
    contract: {contract}{extra}
"""


VERSIONS = """{ dataProduct(domain: "orders", name: "customer_orders") {
  version freshnessHours
  versions { id version since owners contracts slo changed ports } } }"""


def test_each_change_of_a_descriptor_is_a_version(store_args, open_test_store, tmp_path: Path):
    first = tmp_path / "v1.yaml"
    first.write_text(descriptor("1.0.0", "2h", "orders-team", "orders-v1", api=False))
    second = tmp_path / "v2.yaml"
    second.write_text(descriptor("1.1.0", "1h", "data-team", "orders-v2", api=True))
    lineagemesh_ok("ingest", "products", *store_args, str(first))
    lineagemesh_ok("ingest", "products", *store_args, str(second))
    lineagemesh_ok("ingest", "products", *store_args, str(first))  # again: no new version
    with open_test_store() as store:
        product = run(store, VERSIONS)["dataProduct"]
    # the product shows the newest version's descriptor; each version keeps its own
    assert (product["version"], product["freshnessHours"]) == ("1.1.0", 1.0)
    newest, oldest = product["versions"]
    assert [newest["version"], oldest["version"]] == ["1.1.0", "1.0.0"]
    assert newest["changed"] == ["contracts", "owners", "ports", "slo", "version"]
    assert (newest["owners"], newest["contracts"]) == (["data-team"], ["orders-v2"])
    assert newest["slo"] == {"freshnessHours": 1.0, "freshness": "1h", "completeness": 0.99}
    assert [p["name"] for p in newest["ports"]] == ["orders_table", "orders_api"]
    assert (oldest["owners"], oldest["contracts"]) == (["orders-team"], ["orders-v1"])
    assert oldest["slo"]["freshnessHours"] == 2.0
    assert [p["name"] for p in oldest["ports"]] == ["orders_table"]
    assert "slo" in oldest["changed"] and "ports" in oldest["changed"]  # the first: all it states
    assert oldest["since"].startswith("1970-01-01")  # the spec shape gives no creation time
    assert newest["id"] != oldest["id"]
