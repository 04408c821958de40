"""The contract ingester on the vendored examples (ODCS and datacontract.com): what each
contract becomes, and how versions of one contract merge. A pure translation: contract text in,
mutations out, no store needed."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from data_contracts import applied, as_yaml, contract_text, corpora, edges_of

from graph.core.model import EdgeKind, NodeKind
from graph.core.mutations import Changes, decode, encode, plan
from ingest.contracts import UNASSIGNED_DOMAIN, translate_contract

FULL_CONTRACT = "contract:53581432-6c55-4ba2-a65f-72344a91553a"
FULL_PRODUCT = "dataProduct:seller:my quantum"
PG = "postgres://localhost:5432"
TBL = f"dataset:{PG}:pypl-edw.pp_access_views.tbl_1"
RECEIVERS = f"dataset:{PG}:pypl-edw.pp_access_views.receivers_master"
S3 = "s3://datacontract-example-orders-latest"


def translated(relative: str) -> Changes:
    return applied(translate_contract(contract_text(relative), Path(relative).name))


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
    assert product.props["domain"] == "seller" and "version" not in product.props
    assert product.props["description"] == "Views built on top of the seller tables."
    assert product.props["tags"] == ["transactions"] and "status" not in product.props
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
    assert product["freshnessHours"] == 25.0 and "version" not in product  # the contract's
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
    assert forward.nodes[FULL_CONTRACT].props["version"] == "1.10.0"
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
