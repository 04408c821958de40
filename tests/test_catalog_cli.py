"""Catalog ingest as a user runs it: `lineagemesh ingest iceberg|dbt` into a real store, then GraphQL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from graph.serve.schema import context, schema
from graph.stores import open_store

pa = pytest.importorskip("pyarrow")

from pyiceberg.catalog import load_catalog  # noqa: E402
from pyiceberg.schema import Schema  # noqa: E402
from pyiceberg.types import DoubleType, LongType, NestedField, StringType  # noqa: E402

PRODUCT = """
query($domain: String!, $name: String!) {
  dataProduct(domain: $domain, name: $name) {
    id name domain description version freshnessHours
    owners { name type }
    datasets { id name columns { name type description } aliases domain { name } }
  }
  domains { name products { name } }
}"""


def lineagemesh(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graph", *args], capture_output=True, text=True, timeout=300
    )


def graphql(store_args: list[str], query: str, **variables) -> dict:
    """Run a query in-process against the same store the CLI wrote (no server needed)."""
    options = {"data_dir": store_args[1]} if store_args[0] == "--data-dir" else {}
    with open_store(store_args[1] if store_args[0] == "--store" else None, **options) as store:
        result = schema.execute_sync(query, variable_values=variables, context_value=context(store))
    assert result.errors is None and result.data is not None, result.errors
    return result.data


def make_sql_catalog(tmp_path: Path) -> dict[str, str]:
    warehouse = tmp_path / "warehouse"
    warehouse.mkdir()
    properties = {
        "type": "sql",
        "uri": f"sqlite:///{tmp_path / 'catalog.db'}",
        "warehouse": warehouse.as_uri(),
    }
    catalog = load_catalog("lake", **properties)
    catalog.create_namespace("sales", {"owner": "team-sales", "comment": "Sales domain"})
    table = catalog.create_table(
        "sales.orders",
        Schema(
            NestedField(1, "order_id", LongType(), required=True, doc="Order key"),
            NestedField(2, "email", StringType(), required=False, doc="Buyer email"),
            NestedField(3, "amount", DoubleType(), required=False),
        ),
        properties={
            "data-product.owner": "team-sales",
            "data-product.description": "Orders",
            "data-product.version": "2.0.0",
            "data-product.sla.freshness-hours": "6",
        },
    )
    table.append(
        pa.table(
            {
                "order_id": pa.array([1, 2], pa.int64()),
                "email": ["a@x", "b@x"],
                "amount": [1.5, 2.5],
            },
            schema=pa.schema(
                [
                    pa.field("order_id", pa.int64(), nullable=False),
                    pa.field("email", pa.string()),
                    pa.field("amount", pa.float64()),
                ]
            ),
        )
    )
    catalog.create_table("sales.scratch", Schema(NestedField(1, "x", LongType(), required=False)))
    return properties


def test_iceberg_crawl_publishes_products_and_recrawls_incrementally(
    server_store_args, tmp_path: Path
) -> None:
    properties = make_sql_catalog(tmp_path)
    args = [
        "ingest",
        "iceberg",
        "--catalog",
        "lake",
        *(f"--property={k}={v}" for k, v in properties.items()),
        *server_store_args,
    ]
    first = lineagemesh(*args)
    assert first.returncode == 0, first.stderr
    assert "crawled 2 tables" in first.stderr
    data = graphql(server_store_args, PRODUCT, domain="sales", name="orders")
    product = data["dataProduct"]
    assert (product["description"], product["version"], product["freshnessHours"]) == (
        "Orders",
        "2.0.0",
        6.0,
    )
    assert {"name": "team-sales", "type": "owner"} in product["owners"]
    [dataset] = product["datasets"]
    assert [c["name"] for c in dataset["columns"]] == ["order_id", "email", "amount"]
    assert dataset["domain"] == {"name": "sales"}
    assert any("/sales" in alias for alias in dataset["aliases"])  # the storage location
    assert {"name": "sales", "products": [{"name": "orders"}]} in data["domains"]

    again = lineagemesh(*args)
    assert again.returncode == 0 and ": 0 node/edge changes" in again.stderr

    load_catalog("lake", **properties).drop_table("sales.scratch")
    dropped = lineagemesh(*args)
    assert dropped.returncode == 0, dropped.stderr
    scratch = graphql(server_store_args, '{ search(text: "sales.scratch") { id } }')["search"]
    deleted = graphql(
        server_store_args, "query($id: String!) { node(id: $id) { deleted } }", id=scratch[0]["id"]
    )
    assert deleted["node"]["deleted"] is True


def test_iceberg_errors_are_one_clear_line(tmp_path: Path) -> None:
    bad = lineagemesh(
        "ingest",
        "iceberg",
        "--catalog",
        "nowhere",
        "--property",
        "type=rest",
        "--property",
        "uri=http://127.0.0.1:9",
        "--data-dir",
        str(tmp_path),
    )
    assert (
        bad.returncode == 1
        and "cannot crawl catalog 'nowhere'" in bad.stderr
        and "Traceback" not in bad.stderr
    )
    usage = lineagemesh(
        "ingest", "iceberg", "--catalog", "x", "--property", "novalue", "--data-dir", str(tmp_path)
    )
    assert usage.returncode == 2 and "KEY=VALUE" in usage.stderr


def test_dbt_manifest_and_lineage(server_store_args, tmp_path: Path) -> None:
    from conftest import corpus

    manifest = corpus("dbt-jaffle-shop", "manifest.json")
    result = lineagemesh(
        "ingest",
        "dbt",
        str(manifest),
        "--namespace",
        "postgres://postgres:5432",
        *server_store_args,
    )
    assert result.returncode == 0, result.stderr
    query = """query($id: String!) { lineage(nodeId: $id, direction: UPSTREAM) { nodes { id } } }"""
    customers = "dataset:postgres://postgres:5432:postgres.public.customers"
    upstream = {
        n["id"] for n in graphql(server_store_args, query, id=customers)["lineage"]["nodes"]
    }
    assert {
        f"dataset:postgres://postgres:5432:postgres.public.{t}"
        for t in ("stg_customers", "stg_orders", "stg_payments")
    } <= upstream
    again = lineagemesh(
        "ingest",
        "dbt",
        str(manifest),
        "--namespace",
        "postgres://postgres:5432",
        *server_store_args,
    )
    assert ": 0 node/edge changes" in again.stderr
    broken = tmp_path / "manifest.json"
    broken.write_text(
        '{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json", '
        '"generated_at": "2026-01-05T06:00:00Z"}, "nodes": []}'
    )
    invalid = lineagemesh("ingest", "dbt", str(broken), *server_store_args)
    assert invalid.returncode == 2 and f"{broken}: $.nodes" in invalid.stderr  # nothing applied


def test_contracts_from_a_directory_and_invalid_ones(server_store_args, tmp_path: Path) -> None:
    from conftest import corpus

    contracts = tmp_path / "contracts"
    contracts.mkdir()
    for source in corpus("data-contracts").rglob("*.yaml"):
        (contracts / source.name).write_text(source.read_text())
    (contracts / "broken.yaml").write_text("apiVersion: v3.0.2\nkind: DataContract\nid: 42\n")
    refused = lineagemesh("ingest", "contracts", str(contracts), *server_store_args)
    assert refused.returncode == 2
    assert f"{contracts / 'broken.yaml'}: $." in refused.stderr
    assert "1 of 8 contracts refused; nothing applied" in refused.stderr
    assert graphql(server_store_args, "{ domains { name } }")["domains"] == []
    (contracts / "broken.yaml").unlink()
    result = lineagemesh("ingest", "contracts", str(contracts), *server_store_args)
    assert result.returncode == 0 and "7 contracts ingested" in result.stderr
    domains = {
        d["name"]: sorted(p["name"] for p in d["products"])
        for d in graphql(server_store_args, "{ domains { name products { name } } }")["domains"]
    }
    assert domains["Checkout Team"] == ["Orders Latest"]
    assert domains["seller"] == ["my quantum"]
    again = lineagemesh("ingest", "contracts", str(contracts), *server_store_args)
    assert "(0 node/edge changes into" in again.stderr
