"""Trino as the way consumers read a product, on every store: the events Trino's OpenLineage event
listener sends (a job per query, the querying user in ``trino_query_context``) make that user a
consumer of the product read — one consumer however many queries — which a contract's consumers
declare by name or not."""

from __future__ import annotations

import json
from pathlib import Path

from command_line import lineagemesh_ok
from conftest import corpus
from graphql_in_process import run
from openlineage_events import complete

QUERIES = corpus("trino-openlineage", "queries.json")
TRINO = "trino://trino.internal:8080"
PRODUCT = f"""
name: customer_orders
domain: orders
owner: orders-team
output_ports:
  - name: orders_trino
    type: sql_table
    location: {TRINO}/pg/public/customer_orders
"""
CONTRACT = """
dataContractSpecification: 1.1.0
id: orders-customer-orders
info: {title: customer_orders, version: 1.0.0, owner: orders-team}
domain: orders
servers:
  production: {type: trino, host: trino.internal, port: 8080, catalog: pg, schema: public}
models:
  customer_orders:
    type: table
    fields:
      order_id: {type: string}
consumers:
  - {name: alice}
"""
CONSUMERS = """
query($at: DateTime!) {
  dataProduct(domain: "orders", name: "customer_orders") {
    undeclaredConsumers { jobId user jobs datasets ports lastRead }
    silentConsumers(days: 90, at: $at) { id }
    portImpact(port: "orders_trino") { undeclaredConsumers }
  }
}
"""
BI_QUERIES = [
    f"job:{TRINO}:20260120_093012_00042_m4k7p",
    f"job:{TRINO}:20260127_093006_00311_q2w8z",
]


def test_trinos_querying_user_is_a_consumer_of_the_product_read(
    store_args: list[str], open_test_store, tmp_path: Path
) -> None:
    (tmp_path / "product.yaml").write_text(PRODUCT)
    (tmp_path / "contract.yaml").write_text(CONTRACT)
    lineagemesh_ok("ingest", "openlineage", *store_args, str(QUERIES))
    lineagemesh_ok("ingest", "products", *store_args, str(tmp_path / "product.yaml"))
    lineagemesh_ok("ingest", "contracts", *store_args, str(tmp_path / "contract.yaml"))
    with open_test_store() as store:
        found = run(store, CONSUMERS, at="2026-02-01T00:00:00Z")["dataProduct"]

    # bi-service's two queries are one consumer, which nobody declared; the listener's dataset
    # (trino://host:port, catalog.schema.table) is the port's table, one node
    [bi] = found["undeclaredConsumers"]
    assert bi["user"] == "bi-service"
    assert bi["jobs"] == BI_QUERIES
    assert bi["jobId"] == BI_QUERIES[1]  # the newest query
    assert bi["datasets"] == [f"dataset:{TRINO}:pg.public.customer_orders"]
    assert bi["ports"] == ["orders_trino"]
    assert bi["lastRead"].startswith("2026-01-27T09:30:09")
    # alice is the consumer the contract names, and she read it within 90 days: not silent
    assert found["silentConsumers"] == []
    # a change to the port reaches both of bi-service's queries without notice
    assert sorted(found["portImpact"]["undeclaredConsumers"]) == BI_QUERIES


CATALOGS = f"""
catalogs:
  - {{engine: "{TRINO}", catalog: pg, namespace: "postgres://orders-db:5432", prefix: orders}}
  - {{engine: "{TRINO}", catalog: lake, namespace: "http://iceberg-rest:8181"}}
"""
ORDERS = "dataset:postgres://orders-db:5432:orders.public.customer_orders"
REGIONS = "dataset:http://iceberg-rest:8181:bi.orders_by_region"
LINEAGE = """query($id: String!) { lineage(nodeId: $id, direction: DOWNSTREAM) {
  nodes { id } edges { source target } } }"""
DATASET = """query($ns: String!, $name: String!) { dataset(namespace: $ns, name: $name) { id } }"""


def test_a_trino_catalog_is_the_table_behind_it(
    store_args: list[str], open_test_store, tmp_path: Path
) -> None:
    """With the catalogs declared, the table a Trino query reads (``pg.public.customer_orders``
    under ``trino://host:port``) is the Postgres table Spark writes, and the one it writes
    (``lake.bi.orders_by_region``) the Iceberg table Spark reads: lineage runs through Trino."""
    rules = tmp_path / "rules.yaml"
    rules.write_text(CATALOGS)
    spark = tmp_path / "spark.json"
    orders = {"namespace": "postgres://orders-db:5432", "name": "orders.public.customer_orders"}
    regions = {"namespace": "http://iceberg-rest:8181", "name": "bi.orders_by_region"}
    spark.write_text(
        json.dumps(
            [
                complete("load_orders", [], [orders], job_namespace="spark"),
                complete("regional_report", [regions], [], job_namespace="spark"),
            ]
        )
    )
    lineagemesh_ok("ingest", "openlineage", *store_args, str(spark))
    lineagemesh_ok("ingest", "openlineage", *store_args, "--domain-rules", str(rules), str(QUERIES))
    with open_test_store() as store:
        found = run(store, LINEAGE, id=ORDERS)["lineage"]
        by_trino = run(store, DATASET, ns=TRINO, name="lake.bi.orders_by_region")["dataset"]
    ids = {n["id"] for n in found["nodes"]}
    assert {*BI_QUERIES, REGIONS, "job:spark:regional_report"} <= ids
    assert f"dataset:{TRINO}:pg.public.customer_orders" not in ids  # one node: the source's
    assert {"source": ORDERS, "target": BI_QUERIES[0]} in found["edges"]
    assert by_trino == {"id": REGIONS}


REGIONS_PRODUCT = f"""
name: regional_orders
domain: bi
owner: bi-team
output_ports:
  - name: by_region
    type: sql_table
    location: {TRINO}/lake/bi/orders_by_region
"""
PRODUCT_DATASETS = """{ dataProduct(domain: "bi", name: "regional_orders") {
  datasets { id } ports { datasetId } } }"""


def test_a_port_naming_a_trino_catalog_is_the_table_behind_it(
    store_args: list[str], open_test_store, tmp_path: Path
) -> None:
    """A descriptor's port named as Trino names the table is, with the catalogs declared, the
    Iceberg table Spark reads: the product exposes that one node."""
    rules = tmp_path / "rules.yaml"
    rules.write_text(CATALOGS)
    spark = tmp_path / "spark.json"
    regions = {"namespace": "http://iceberg-rest:8181", "name": "bi.orders_by_region"}
    spark.write_text(
        json.dumps([complete("regional_report", [regions], [], job_namespace="spark")])
    )
    (tmp_path / "product.yaml").write_text(REGIONS_PRODUCT)
    lineagemesh_ok("ingest", "openlineage", *store_args, str(spark))
    lineagemesh_ok(
        "ingest", "products", *store_args, "--domain-rules", str(rules),
        str(tmp_path / "product.yaml"),
    )  # fmt: skip
    with open_test_store() as store:
        product = run(store, PRODUCT_DATASETS)["dataProduct"]
        readers = run(store, LINEAGE, id=REGIONS)["lineage"]
    assert product["datasets"] == [{"id": REGIONS}]
    assert "job:spark:regional_report" in {n["id"] for n in readers["nodes"]}
