"""The contract ingester is a pure translation: contract text in, mutations out, no store needed."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import pytest
import yaml
from conftest import CORPORA
from document_paths import value_paths

from graph.model import EdgeKind, NodeKind
from graph.mutations import Changes, decode, encode, plan
from ingest.contracts import (
    UNASSIGNED_DOMAIN,
    InvalidContract,
    dataset_identity,
    freshness_hours,
    translate_contract,
    version_key,
)

FULL_CONTRACT = "contract:53581432-6c55-4ba2-a65f-72344a91553a"
FULL_PRODUCT = "dataProduct:seller:my quantum"
PG = "postgres://localhost:5432"
TBL = f"dataset:{PG}:pypl-edw.pp_access_views.tbl_1"
RECEIVERS = f"dataset:{PG}:pypl-edw.pp_access_views.receivers_master"
S3 = "s3://datacontract-example-orders-latest"


def corpora() -> Path:
    """The corpora vendored under ``tests/corpora`` (with their licences)."""
    return CORPORA


def contract_text(relative: str) -> str:
    return (corpora() / "data-contracts" / relative).read_text()


def applied(mutations) -> Changes:
    """What the mutations amount to on an empty graph (the shared merge rule, no store)."""
    return plan(mutations, {}, {})


def translated(relative: str) -> Changes:
    return applied(translate_contract(contract_text(relative), Path(relative).name))


def edges_of(changes: Changes, kind: EdgeKind) -> set[tuple[str, str]]:
    return {(e.source, e.target) for e in changes.edges.values() if e.kind is kind}


def as_yaml(document: dict) -> str:
    return yaml.safe_dump(document, sort_keys=False)


EXAMPLES = sorted(
    str(p.relative_to(corpora() / "data-contracts"))
    for p in (corpora() / "data-contracts").glob("*/*.yaml")
)


@pytest.mark.parametrize("relative", EXAMPLES)
def test_every_corpus_example_translates(relative: str) -> None:
    mutations = translate_contract(contract_text(relative), Path(relative).name)
    changes = applied(mutations)
    kinds = {n.kind for n in changes.nodes.values()}
    assert {NodeKind.DOMAIN, NodeKind.DATA_PRODUCT, NodeKind.CONTRACT} <= kinds
    assert decode(encode(mutations)) == mutations  # journal-safe: plain JSON all the way down
    assert len({m.at for m in mutations}) == 1


def test_full_odcs_example_domain_product_contract_and_owners() -> None:
    changes = translated("odcs/full-example.odcs.yaml")
    product = changes.nodes[FULL_PRODUCT]
    assert product.kind is NodeKind.DATA_PRODUCT
    assert product.props["domain"] == "seller" and product.props["version"] == "1.1.0"
    assert product.props["description"] == "Views built on top of the seller tables."
    assert product.props["tags"] == ["transactions"] and product.props["status"] == "active"
    assert (FULL_PRODUCT, "domain:seller") in edges_of(changes, EdgeKind.BELONGS_TO)

    contract = changes.nodes[FULL_CONTRACT]
    assert contract.kind is NodeKind.CONTRACT
    assert contract.props["standard"] == "odcs" and contract.props["standardVersion"] == "v3.1.0"
    assert contract.props["version"] == "1.1.0" and contract.props["status"] == "active"
    assert contract.props["price"] == {
        "priceAmount": 9.95,
        "priceCurrency": "USD",
        "priceUnit": "megabyte",
    }
    assert [s["channel"] for s in contract.props["support"]][:2] == [
        "#product-help",
        "datacontract-ann",
    ]
    assert contract.props["servers"][0]["server"] == "my-postgres"
    assert (FULL_PRODUCT, FULL_CONTRACT) in edges_of(changes, EdgeKind.HAS_CONTRACT)

    owned = {
        (e.source, e.target): e.props["type"]
        for e in changes.edges.values()
        if e.kind is EdgeKind.OWNED_BY
    }
    assert owned == {
        (subject, owner): kind
        for subject in (FULL_PRODUCT, FULL_CONTRACT)
        for owner, kind in (
            ("owner:my-team", "team"),
            ("owner:mhopper", "Data Scientist"),
            ("owner:daustin", "Owner"),
        )
    }  # ceastwood left the team (dateOut) and is no owner any more


def test_full_odcs_example_datasets_are_named_like_openlineage_names_them() -> None:
    changes = translated("odcs/full-example.odcs.yaml")
    datasets = {i for i, n in changes.nodes.items() if n.kind is NodeKind.DATASET}
    assert datasets == {
        TBL,
        RECEIVERS,
    }  # postgres://{host}:{port} + {database}.{schema}.{physicalName}
    tbl = changes.nodes[TBL]
    assert tbl.props["namespace"] == PG and tbl.props["name"] == "pypl-edw.pp_access_views.tbl_1"
    assert tbl.props["declared"] is True and tbl.props["logicalName"] == "tbl"
    assert tbl.props["columns"] == ["txn_ref_dt", "rcvr_id", "rcvr_cntry_code"]  # physical names
    assert tbl.props["description"] == "Provides core payment metrics" and tbl.props["tags"] == [
        "finance",
        "payments",
    ]
    assert (
        tbl.props["quality"][0]["metric"] == "rowCount"
        and tbl.props["quality"][0]["mustBeGreaterThan"] == 1000000
    )
    for did in (TBL, RECEIVERS):
        assert (FULL_CONTRACT, did) in edges_of(changes, EdgeKind.GOVERNS)
        assert (FULL_PRODUCT, did) in edges_of(changes, EdgeKind.EXPOSES)
        belongs = changes.edges[(did, EdgeKind.BELONGS_TO, "domain:seller")]
        assert belongs.props["source"] == "contract"  # a declared domain, ahead of mapping rules


def test_full_odcs_example_columns_pii_and_quality() -> None:
    changes = translated("odcs/full-example.odcs.yaml")
    col = {
        n.props["name"]: n.props
        for n in changes.nodes.values()
        if n.kind is NodeKind.COLUMN and n.props["datasetId"] == TBL
    }
    assert set(col) == {"txn_ref_dt", "rcvr_id", "rcvr_cntry_code"}
    assert (
        TBL,
        EdgeKind.HAS_COLUMN,
        f"datasetField:{PG}:pypl-edw.pp_access_views.tbl_1:rcvr_id",
    ) in changes.edges
    date = col["txn_ref_dt"]
    assert date["logicalName"] == "transaction_reference_date" and date["type"] == "date"
    assert date["classification"] == "public" and date["pii"] is False
    assert (
        date["partitioned"] is True and date["partitionKeyPosition"] == 1 and date["ordinal"] == 1
    )
    rcvr = col["rcvr_id"]
    assert (
        rcvr["classification"] == "restricted" and rcvr["pii"] is True
    )  # restricted → personal data
    assert (
        rcvr["primaryKey"] is True and rcvr["primaryKeyPosition"] == 1 and rcvr["required"] is False
    )
    assert (
        rcvr["type"] == "varchar(18)"
        and rcvr["logicalType"] == "string"
        and rcvr["tags"] == ["uid"]
    )
    assert rcvr["declared"] is True and rcvr["businessName"] == "receiver id"
    country = col["rcvr_cntry_code"]
    assert country["pii"] is False and country["quality"][0]["metric"] == "nullValues"
    assert (
        country["quality"][0]["mustBe"] == 0
        and country["quality"][0]["dimension"] == "completeness"
    )
    receivers = {
        n.props["name"]: n.props
        for n in changes.nodes.values()
        if n.kind is NodeKind.COLUMN and n.props["datasetId"] == RECEIVERS
    }
    assert receivers["receiver_name"]["pii"] is True and receivers["country_code"]["pii"] is False
    assert receivers["id"]["unique"] is True and receivers["id"]["required"] is True
    # The contract lists every rule it makes, each saying what it applies to.
    rules = changes.nodes[FULL_CONTRACT].props["quality"]
    assert [(r.get("metric"), r["element"]) for r in rules] == [
        ("rowCount", "tbl"),
        ("nullValues", "tbl.rcvr_cntry_code"),
    ]


def test_full_odcs_example_sla_freshness_and_consumers() -> None:
    changes = translated("odcs/full-example.odcs.yaml")
    product = changes.nodes[FULL_PRODUCT].props
    assert product["freshnessHours"] == 96.0  # latency 4 d
    assert product["sla"]["latency"] == {"value": 4, "unit": "d", "element": "tab1.txn_ref_dt"}
    assert [t["driver"] for t in product["sla"]["timeOfAvailability"]] == [
        "regulatory",
        "analytics",
    ]
    assert changes.nodes[FULL_CONTRACT].props["sla"] == product["sla"]
    consumers = edges_of(changes, EdgeKind.CONSUMES)
    # Read roles consume the product; the write-only role does not.
    assert consumers == {
        (f"consumer:{r}", FULL_PRODUCT)
        for r in ("microstrategy_user_opr", "bq_queryman_user_opr", "risk_data_access_opr")
    }
    role = changes.nodes["consumer:risk_data_access_opr"].props
    assert (
        role["consumerType"] == "role"
        and role["access"] == "read"
        and role["secondLevelApprovers"] == "dathvador"
    )


def test_orders_datacontract_models_become_s3_datasets() -> None:
    changes = translated("datacontract-spec/orders-latest.datacontract.yaml")
    product_id = "dataProduct:Checkout Team:Orders Latest"
    orders, items = (
        f"dataset:{S3}:v2/orders",
        f"dataset:{S3}:v2/line_items",
    )  # {model} substituted, glob dropped
    assert edges_of(changes, EdgeKind.EXPOSES) == {(product_id, orders), (product_id, items)}
    assert edges_of(changes, EdgeKind.GOVERNS) == {
        ("contract:orders-latest", orders),
        ("contract:orders-latest", items),
    }
    assert changes.nodes[orders].props["columns"] == [
        "order_id",
        "order_timestamp",
        "order_total",
        "customer_id",
        "customer_email_address",
        "processed_timestamp",
    ]
    assert changes.nodes[orders].props["environment"] == "prod"
    assert [
        q["mustBeGreaterThan"]
        for q in changes.nodes[orders].props["quality"]
        if "mustBeGreaterThan" in q
    ] == [5]

    cols = {
        n.id.rsplit(":", 1)[1]: n.props
        for n in changes.nodes.values()
        if n.kind is NodeKind.COLUMN and n.props["datasetId"] == orders
    }
    assert (
        cols["customer_email_address"]["pii"] is True
        and cols["customer_email_address"]["classification"] == "sensitive"
    )
    assert cols["order_id"]["pii"] is True  # from the $ref'd definition
    assert cols["order_id"]["primaryKey"] is True and cols["order_id"]["format"] == "uuid"
    assert cols["order_total"]["pii"] is False and cols["order_total"]["quality"][0][
        "mustBeBetween"
    ] == [1000, 49900]
    item_cols = {
        n.props["name"]: n.props
        for n in changes.nodes.values()
        if n.kind is NodeKind.COLUMN and n.props["datasetId"] == items
    }
    assert (
        item_cols["line_item_id"]["primaryKey"] and item_cols["order_id"]["primaryKey"]
    )  # model-level primaryKey
    assert (
        item_cols["sku"]["primaryKey"] is False
        and item_cols["sku"]["businessName"] == "Stock Keeping Unit"
    )
    # Column lineage declared in the contract.
    upstream = "datasetField:com.example.service.checkout:checkout_db.orders:email_address"
    assert (
        f"datasetField:{S3}:v2/orders:customer_email_address",
        EdgeKind.DERIVES_FROM,
        upstream,
    ) in changes.edges


def test_orders_datacontract_product_owner_sla_and_consumers() -> None:
    changes = translated("datacontract-spec/orders-latest.datacontract.yaml")
    product_id = "dataProduct:Checkout Team:Orders Latest"
    product = changes.nodes[product_id].props
    assert product["domain"] == "Checkout Team"  # info.owner stands in for the domain
    assert product["freshnessHours"] == 25.0 and product["version"] == "2.0.0"
    assert (
        product["sla"]["freshness"]["threshold"] == "25h"
        and product["sla"]["retention"]["period"] == "P1Y"
    )
    contract = changes.nodes["contract:orders-latest"].props
    assert contract["standard"] == "datacontract" and contract["standardVersion"] == "1.2.0"
    assert contract["name"] == "Orders Latest" and contract["terms"]["noticePeriod"] == "P3M"
    owned = {
        (e.source, e.target): e.props["type"]
        for e in changes.edges.values()
        if e.kind is EdgeKind.OWNED_BY
    }
    assert owned[(product_id, "owner:Checkout Team")] == "owner"
    assert owned[(product_id, "owner:John Doe (Data Product Owner)")] == "contact"
    assert edges_of(changes, EdgeKind.CONSUMES) == {
        ("consumer:analyst_us", product_id),
        ("consumer:analyst_cn", product_id),
    }
    # Example rows may hold personal data: they never reach the graph.
    assert b"mary.taylor82@example.com" not in encode(
        translate_contract(contract_text("datacontract-spec/orders-latest.datacontract.yaml"))
    )


def test_adventureworks_68_tables_translate_under_the_fallback_namespace() -> None:
    text = contract_text("odcs/postgresql-adventureworks-contract.odcs.yaml")
    mutations = translate_contract(text, "adventureworks.yaml")
    changes = applied(mutations)
    cid = "6aeafdc1-ed62-4c8f-bf0a-da1061c98cdb"
    datasets = [n for n in changes.nodes.values() if n.kind is NodeKind.DATASET]
    assert len(datasets) == 68
    # No servers: the tables live under the contract's namespace, by logical name.
    assert {d.props["namespace"] for d in datasets} == {f"contract:{cid}"}
    assert f"dataset:contract:{cid}:employee" in changes.nodes
    product = (
        f"dataProduct:{UNASSIGNED_DOMAIN}:{cid}"  # no domain, no name: the id names the product
    )
    assert len(edges_of(changes, EdgeKind.EXPOSES)) == 68 and {
        s for s, _ in edges_of(changes, EdgeKind.EXPOSES)
    } == {product}
    assert not edges_of(changes, EdgeKind.BELONGS_TO) - {(product, f"domain:{UNASSIGNED_DOMAIN}")}
    employee = {
        n.props["name"]: n.props
        for n in changes.nodes.values()
        if n.kind is NodeKind.COLUMN and n.props["dataset"] == "employee"
    }
    assert (
        employee["nationalidnumber"]["pii"] is True and employee["birthdate"]["pii"] is True
    )  # tagged sensitive
    assert employee["jobtitle"]["pii"] is False
    assert (
        changes.nodes[f"contract:{cid}"].props["contractCreatedTs"]
        == "2023-09-28T20:24:49.331+00:00"
    )
    assert mutations[0].at.startswith("2023-09-28T20:24:49.331000Z#v")


@pytest.mark.parametrize(
    "relative", ["odcs/full-example.odcs.yaml", "datacontract-spec/orders-latest.datacontract.yaml"]
)
def test_same_contract_twice_gives_identical_mutations_and_changes_nothing(relative: str) -> None:
    text = contract_text(relative)
    first, second = translate_contract(text, "a.yaml"), translate_contract(text, "b.yaml")
    assert first == second
    state = applied(first)
    again = plan(second, state.nodes, state.edges)
    assert not again


def _variant(document: dict, version: str, description: str, extra_column: bool) -> str:
    doc = copy.deepcopy(document)
    doc["version"] = version
    doc["description"]["purpose"] = description
    doc["schema"][0]["description"] = description
    if extra_column:
        doc["schema"][0]["properties"].append(
            {"name": "amount", "logicalType": "number", "physicalType": "numeric"}
        )
    else:
        doc["schema"][0]["properties"][1]["quality"] = [{"metric": "nullValues", "mustBe": 0}]
    return as_yaml(doc)


def test_newer_contract_version_wins_in_either_order() -> None:
    document = yaml.safe_load(contract_text("odcs/full-example.odcs.yaml"))
    old = translate_contract(_variant(document, "1.9.0", "old", extra_column=False))
    new = translate_contract(_variant(document, "1.10.0", "new", extra_column=True))
    forward, backward = applied(old + new), applied(new + old)
    assert forward == backward
    assert forward.nodes[FULL_PRODUCT].props["version"] == "1.10.0"
    assert forward.nodes[FULL_PRODUCT].props["description"] == "new"
    assert forward.nodes[TBL].props["description"] == "new"
    assert forward.nodes[TBL].props["columns"] == [
        "txn_ref_dt",
        "rcvr_id",
        "rcvr_cntry_code",
        "amount",
    ]
    # A rule the newer version dropped is gone, not left behind.
    assert (
        "quality"
        not in forward.nodes[f"datasetField:{PG}:pypl-edw.pp_access_views.tbl_1:rcvr_id"].props
    )


def test_later_contract_timestamp_wins_and_datacontract_versions_order_too() -> None:
    document = yaml.safe_load(contract_text("odcs/full-example.odcs.yaml"))
    early = copy.deepcopy(document)
    early["contractCreatedTs"], early["status"] = "2022-11-15T02:59:43+00:00", "active"
    late = copy.deepcopy(document)
    late["contractCreatedTs"], late["status"] = "2023-01-01T00:00:00Z", "deprecated"
    a, b = translate_contract(as_yaml(early)), translate_contract(as_yaml(late))
    assert applied(a + b).nodes[FULL_CONTRACT].props["status"] == "deprecated"
    assert applied(b + a).nodes[FULL_CONTRACT].props["status"] == "deprecated"

    orders = yaml.safe_load(contract_text("datacontract-spec/orders-latest.datacontract.yaml"))
    v2 = translate_contract(as_yaml(orders))
    orders["info"]["version"] = "2.1.0-rc.1"
    orders["servicelevels"]["freshness"]["threshold"] = "12h"
    rc = translate_contract(as_yaml(orders))
    orders["info"]["version"] = "2.1.0"
    orders["servicelevels"]["freshness"]["threshold"] = "6h"
    final = translate_contract(as_yaml(orders))
    product = "dataProduct:Checkout Team:Orders Latest"
    for batch in (v2 + rc + final, final + rc + v2, rc + final + v2):
        assert applied(batch).nodes[product].props["freshnessHours"] == 6.0


def test_explicit_stamp_is_used_verbatim() -> None:
    mutations = translate_contract(
        contract_text("odcs/table-column.odcs.yaml"), at="2026-01-05T06:00:00.000000Z"
    )
    assert {m.at for m in mutations} == {"2026-01-05T06:00:00.000000Z"}


ODCS_MINIMAL = {
    "apiVersion": "v3.0.2",
    "kind": "DataContract",
    "id": "c1",
    "version": "1.0.0",
    "status": "active",
    "name": "orders",
    "domain": "sales",
}


def _odcs(**overrides) -> str:
    return as_yaml({**copy.deepcopy(ODCS_MINIMAL), **overrides})


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


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("id: [unclosed\n", "orders.yaml: $: not valid YAML at line 2, column 1"),
        ("- just\n- a list", "orders.yaml: $: a contract must be a mapping, not list"),
        ("", "orders.yaml: $: a contract must be a mapping, not null"),
        ("name: something\nkind: Table", "orders.yaml: $: unknown contract standard"),
        (
            "apiVersion: v2.2.2\nkind: DataContract",
            "orders.yaml: $.apiVersion: ODCS v2.2.2 is not supported",
        ),
        ("a: &x [*x]", "orders.yaml: $.a[0]: recursive YAML alias"),
        ("1: one", "orders.yaml: $: key 1 is not a string"),
        (
            "apiVersion: v3.1.0\nkind: DataContract\nversion: 1.0.0\nstatus: active",
            "orders.yaml: $.id: required",
        ),
        (_odcs(id=None), "orders.yaml: $.id: expected string, got null"),
        (_odcs(version=2), "orders.yaml: $.version: expected string, got integer"),
        (
            _odcs(
                schema=[
                    {
                        "name": "t",
                        "properties": [{"name": "a"}, {"name": "b"}, {"physicalType": "int"}],
                    }
                ]
            ),
            "orders.yaml: $.schema[0].properties[2].name: required",
        ),
        (
            _odcs(schema=[{"name": "t", "properties": [{"name": "a", "required": "yes"}]}]),
            "orders.yaml: $.schema[0].properties[0].required: expected boolean, got string",
        ),
        (
            _odcs(schema=[{"name": "t", "colour": "blue"}]),
            "orders.yaml: $.schema[0].colour: unknown field",
        ),
        (
            _odcs(schema=[{"name": "t", "properties": [{"name": "a"}, {"name": "a"}]}]),
            "orders.yaml: $.schema[0].properties[1]: duplicate column 'a'",
        ),
        (
            _odcs(schema=[{"name": "t"}, {"name": "u", "physicalName": "t"}]),
            "orders.yaml: $.schema[1]: duplicate table 't'",
        ),
        (
            _odcs(customProperties=[{"property": "big", "value": 2**70}]),
            "orders.yaml: $.customProperties[0].value: integer 1180591620717411303424 is out of the 64-bit range",
        ),
        (
            _odcs(
                servers=[
                    {"server": "s", "type": "postgres", "host": "h", "database": "d", "schema": "s"}
                ]
            ),
            "orders.yaml: $.servers[0].port: required",
        ),
        (
            _odcs(contractCreatedTs="yesterday"),
            "orders.yaml: $.contractCreatedTs: 'yesterday' is not an RFC 3339",
        ),
        (
            _odcs(customProperties=[{"property": "consumers", "value": [{"purpose": "x"}]}]),
            "orders.yaml: $.customProperties[0].value[0].name: required",
        ),
        (
            "dataContractSpecification: 1.1.0\ninfo: {title: t, version: 1.0.0}",
            "orders.yaml: $.id: required",
        ),
        (
            "dataContractSpecification: 1.1.0\nid: x\ninfo: {title: t}",
            "orders.yaml: $.info.version: required",
        ),
        (
            "dataContractSpecification: 1.1.0\nid: x\ninfo: {title: t, version: 1.0}",
            "orders.yaml: $.info.version: expected string, got number",
        ),
        (
            "dataContractSpecification: 3.0.0\nid: x\ninfo: {title: t, version: '1'}",
            "orders.yaml: $.dataContractSpecification: version 3.0.0 is not supported",
        ),
        (
            "dataContractSpecification: 1.1.0\nid: x\ninfo: {title: t, version: '1'}\nmodels: {m: {fields: {f: {pii: maybe}}}}",
            "orders.yaml: $.models.m.fields.f.pii: expected boolean, got string",
        ),
        (
            (
                "dataContractSpecification: 1.1.0\nid: x\ninfo: {title: t, version: '1'}\n"
                "models: {m: {fields: {f: {$ref: '#/definitions/g'}}}}"
            ),
            "orders.yaml: $.models.m.fields.f['$ref']: unresolved reference #/definitions/g",
        ),
        (
            "dataContractSpecification: 1.1.0\nid: x\ninfo: {title: t, version: '1'}\nservers: {prod: {host: h}}",
            "orders.yaml: $.servers.prod.type: required",
        ),
    ],
)
def test_invalid_contracts_name_the_file_and_field(text: str, fragment: str) -> None:
    with pytest.raises(InvalidContract) as caught:
        translate_contract(text, "orders.yaml")
    assert str(caught.value).startswith(fragment), str(caught.value)


def _mutants(document, rng: random.Random, count: int):
    """Copies of ``document`` with one value replaced by junk or one key removed, at random places."""
    paths = value_paths(document)
    junk = [None, 7, -1.5, True, "", "x", [], {}, ["a", 1], {"k": None}]
    for _ in range(count):
        *parents, key = rng.choice(paths)
        clone = copy.deepcopy(document)
        target = clone
        for step in parents:
            target = target[step]
        if isinstance(target, dict) and rng.random() < 0.3:
            del target[key]
        else:
            target[key] = rng.choice(junk)
        yield clone


@pytest.mark.parametrize(
    "relative", ["odcs/full-example.odcs.yaml", "datacontract-spec/orders-latest.datacontract.yaml"]
)
def test_damaged_contracts_raise_invalid_contract_or_translate_never_crash(relative: str) -> None:
    document = yaml.safe_load(contract_text(relative))
    rng = random.Random(f"contracts/{relative}")
    for mutant in _mutants(document, rng, 250):
        try:
            mutations = translate_contract(json.dumps(mutant), "mutant.yaml")  # JSON is YAML
        except InvalidContract as error:
            assert str(error).startswith("mutant.yaml: $")
        else:
            encode(mutations)
            applied(mutations)
