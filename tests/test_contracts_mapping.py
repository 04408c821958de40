"""How the parts of a contract map, on small hand-written contracts: servers named as
OpenLineage names them, several servers, nested properties, consumers, freshness units and
version order. A pure translation, no store needed."""

from __future__ import annotations

import pytest
from data_contracts import _odcs, applied, as_yaml, edges_of

from graph.core.model import EdgeKind
from ingest.contracts import dataset_identity, freshness_hours, translate_contract, version_key


@pytest.mark.parametrize(
    "server, table, expected",
    [
        (
            {
                "type": "postgres",
                "host": "db",
                "port": 5433,
                "database": "shop",
                "schema": "public",
            },
            "orders",
            ("postgres://db:5433", "shop.public.orders"),
        ),
        (
            {"type": "postgresql", "host": "db", "database": "shop", "schema": "public"},
            "crm.orders",
            ("postgres://db:5432", "shop.crm.orders"),
        ),  # a dotted physical name overrides the schema
        (
            {
                "type": "snowflake",
                "account": "MyOrg-Acct",
                "database": "analytics",
                "schema": "core",
            },
            "orders",
            ("snowflake://myorg-acct", "ANALYTICS.CORE.ORDERS"),
        ),
        (
            {"type": "bigquery", "project": "p", "dataset": "d"},
            "orders",
            ("bigquery", "p.d.orders"),
        ),
        (
            {"type": "kafka", "host": "PLAINTEXT://b1:9093,b2:9093"},
            "orders-topic",
            ("kafka://b1:9093", "orders-topic"),
        ),
        ({"type": "kafka", "host": "broker"}, "orders", ("kafka://broker:9092", "orders")),
        (
            {"type": "trino", "host": "t", "port": 8443, "catalog": "hive", "schema": "s"},
            "orders",
            ("trino://t:8443", "hive.s.orders"),
        ),
        (  # Dremio: the schema a dotted path of space and folders; the port 9047 when unsaid
            {"type": "dremio", "host": "dremio.internal", "schema": "lakehouse.sales"},
            "orders",
            ("dremio://dremio.internal:9047", "lakehouse.sales.orders"),
        ),
        (
            {"type": "dremio", "host": "dremio.internal", "port": 443, "schema": "lakehouse"},
            "orders",
            ("dremio://dremio.internal:443", "lakehouse.orders"),
        ),
        (
            {
                "type": "redshift",
                "host": "cl.abc123.us-west-2.redshift.amazonaws.com",
                "database": "dev",
                "schema": "public",
            },
            "orders",
            ("redshift://cl.us-west-2:5439", "dev.public.orders"),
        ),
        (
            {"type": "mysql", "host": "m", "port": 3306, "database": "shop"},
            "orders",
            ("mysql://m:3306", "shop.orders"),
        ),
        (
            {"type": "s3", "location": "s3://bucket/raw/orders/*.parquet"},
            "orders",
            ("s3://bucket", "raw/orders"),
        ),
        (
            {
                "type": "azure",
                "location": "abfss://c@acct.dfs.core.windows.net/data/{model}/*.parquet",
                "format": "parquet",
            },
            "orders",
            ("abfss://c@acct.dfs.core.windows.net", "data/orders"),
        ),
        (
            {"type": "local", "path": "/data/orders.csv", "format": "csv"},
            "orders",
            ("file", "/data/orders.csv"),
        ),
        (
            {
                "type": "databricks",
                "host": "dbc-1.cloud.databricks.com",
                "catalog": "main",
                "schema": "sales",
            },
            "orders",
            ("databricks://dbc-1.cloud.databricks.com", "main.sales.orders"),
        ),
        (
            {"type": "athena", "stagingDir": "s3://x/y", "schema": "db", "regionName": "eu-west-1"},
            "orders",
            ("awsathena://athena.eu-west-1.amazonaws.com", "awsdatacatalog.db.orders"),
        ),
    ],
)
def test_server_naming_follows_openlineage(
    server: dict, table: str, expected: tuple[str, str]
) -> None:
    identity = dataset_identity(server["type"], server, table)
    assert identity is not None and (identity.namespace, identity.name) == expected
    document = {
        "dataContractSpecification": "1.1.0",
        "id": "c2",
        "info": {"title": "t", "version": "1.0.0"},
        "servers": {"main": server},
        "models": {table: {"fields": {"id": {"type": "text"}}}},
    }
    changes = applied(translate_contract(as_yaml(document)))
    assert f"dataset:{expected[0]}:{expected[1]}" in changes.nodes


def test_several_servers_are_separate_datasets_and_only_production_is_exposed() -> None:
    servers = [
        {
            "server": "dev",
            "type": "postgres",
            "host": "dev-db",
            "port": 5432,
            "database": "shop",
            "schema": "public",
        },
        {
            "server": "prod-pg",
            "type": "postgres",
            "environment": "production",
            "host": "db",
            "port": 5432,
            "database": "shop",
            "schema": "public",
        },
        {"server": "prod-kafka", "type": "kafka", "environment": "prod", "host": "broker:9092"},
        {"server": "docs", "type": "api", "location": "https://api.example.com/v1"},
    ]
    changes = applied(
        translate_contract(
            _odcs(servers=servers, schema=[{"name": "orders", "properties": [{"name": "id"}]}])
        )
    )
    prod, dev, topic = (
        "dataset:postgres://db:5432:shop.public.orders",
        "dataset:postgres://dev-db:5432:shop.public.orders",
        "dataset:kafka://broker:9092:orders",
    )
    product = "dataProduct:sales:orders"
    exposed = edges_of(changes, EdgeKind.EXPOSES)
    assert (
        (product, prod) in exposed and (product, topic) in exposed and (product, dev) not in exposed
    )
    assert {(("contract:c1"), d) for d in (prod, dev, topic)} <= edges_of(changes, EdgeKind.GOVERNS)
    assert changes.nodes[dev].props["environment"] == "dev"
    assert not edges_of(changes, EdgeKind.ALIAS_OF)  # distinct datasets, not names of one
    assert not any(i.startswith("dataset:https") for i in changes.nodes)  # an API is no dataset
    assert "datasetField:postgres://dev-db:5432:shop.public.orders:id" in changes.nodes


def test_nested_properties_flatten_and_consumers_convention() -> None:
    schema = [
        {
            "name": "orders",
            "properties": [
                {
                    "name": "customer",
                    "logicalType": "object",
                    "properties": [
                        {"name": "email", "logicalType": "string", "tags": ["PII"]},
                        {
                            "name": "tier",
                            "logicalType": "string",
                            "customProperties": [{"property": "pii", "value": False}],
                            "classification": "confidential",
                        },
                    ],
                },
                {
                    "name": "lines",
                    "logicalType": "array",
                    "items": {
                        "logicalType": "object",
                        "properties": [
                            {"name": "sku", "logicalType": "string"},
                        ],
                    },
                },
            ],
        }
    ]
    custom = [
        {
            "property": "consumers",
            "value": [
                {"name": "finance-reporting", "domain": "finance", "purpose": "revenue"},
                "marketing-dash",
            ],
        }
    ]
    changes = applied(translate_contract(_odcs(schema=schema, customProperties=custom)))
    did = "dataset:contract:c1:orders"
    assert changes.nodes[did].props["columns"] == [
        "customer",
        "customer.email",
        "customer.tier",
        "lines",
        "lines.sku",
    ]
    email = changes.nodes["datasetField:contract:c1:orders:customer.email"].props
    assert email["parent"] == "customer" and email["pii"] is True and email["ordinal"] == 2
    assert (
        changes.nodes["datasetField:contract:c1:orders:customer.tier"].props["pii"] is False
    )  # explicit flag wins
    assert changes.nodes["datasetField:contract:c1:orders:lines.sku"].props["parent"] == "lines"
    product = "dataProduct:sales:orders"
    assert edges_of(changes, EdgeKind.CONSUMES) == {
        ("consumer:finance-reporting", product),
        ("consumer:marketing-dash", product),
    }
    finance = changes.nodes["consumer:finance-reporting"].props
    assert (
        finance["domain"] == "finance"
        and finance["purpose"] == "revenue"
        and finance["consumerType"] == "declared"
    )


def test_freshness_units_and_version_order() -> None:
    assert (
        freshness_hours("25h") == 25.0
        and freshness_hours("PT90M") == 1.5
        and freshness_hours("P1D") == 24.0
    )
    assert (
        freshness_hours(4, "d") == 96.0
        and freshness_hours("30", "min") == 0.5
        and freshness_hours(2, "weeks") == 336.0
    )
    assert (
        freshness_hours("daily") is None
        and freshness_hours(3) is None
        and freshness_hours(True, "d") is None
    )
    versions = [
        "0.9.0",
        "1.0.0-alpha",
        "1.0.0-rc.2",
        "1.0.0-rc.10",
        "1.0.0",
        "1.0.1",
        "1.2",
        "1.10.0",
        "v2.0.0",
        "10.0.0",
    ]
    assert sorted(versions, key=version_key) == versions
    assert version_key("1.2") == version_key("1.2.0")
