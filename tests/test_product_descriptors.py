"""Data product descriptors (``lineagemesh ingest products``): Bitol's ODPS examples and the
hand-written ``data-product-spec.yaml`` shape read into products, ports resolved to the datasets
OpenLineage names, refusals at ``file:line``, and what nothing else knows marked declaredOnly,
on every store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from command_line import lineagemesh, lineagemesh_ok
from conftest import corpus
from data_contracts import applied, as_yaml, edges_of
from openlineage_events import complete

from graph.core.model import EdgeKind, NodeKind, contract_id, dataset_id, product_id
from ingest.contracts import translate_contract
from ingest.openlineage import translate as translate_event
from ingest.products import InvalidDescriptor, endpoint_dataset, read_descriptor
from ingest.products import translate_descriptor as translate

ODPS = corpus("data-products", "odps")
SPEC = corpus("data-products", "spec", "data-product-spec.yaml")
ORDERS = product_id("orders", "customer_orders")
TABLE = dataset_id("postgres://orders-db:5432", "orders.public.customer_orders")
API = dataset_id("https://api.example.com", "/v1/orders")


@pytest.mark.parametrize(
    "uri, expected",
    [
        (  # the two examples: scheme and authority, then the path as a dotted name
            "postgres://orders-db:5432/orders.public.customer_orders",
            ("postgres://orders-db:5432", "orders.public.customer_orders"),
        ),
        (
            "trino://data-platform.internal/orders/customer_orders",
            ("trino://data-platform.internal:8080", "orders.customer_orders"),
        ),
        (
            "postgresql://Orders-DB/orders/public/t",
            ("postgres://orders-db:5432", "orders.public.t"),
        ),
        ("kafka://broker:9092/orders.events", ("kafka://broker:9092", "orders.events")),
        (  # a Dremio space and folder, named as openlineage-dbt names dbt-dremio's tables
            "dremio://dremio.internal/lakehouse/sales/orders",
            ("dremio://dremio.internal:9047", "lakehouse.sales.orders"),
        ),
        ("snowflake://acme/analytics/core/orders", ("snowflake://acme", "ANALYTICS.CORE.ORDERS")),
        ("s3a://lake/warehouse/orders/", ("s3://lake", "warehouse/orders")),
        ("https://api.example.com/v1/orders", ("https://api.example.com", "/v1/orders")),
        ("/data/orders.parquet", ("file", "/data/orders.parquet")),
    ],
)
def test_an_endpoint_uri_is_named_as_openlineage_names_it(uri, expected):
    assert endpoint_dataset(uri) == expected


def test_the_odps_examples_are_read_with_team_ports_and_contracts():
    product = read_descriptor((ODPS / "customer-data-product.odps.yaml").read_text())
    assert (product.domain, product.name, product.props["status"]) == (
        "seller",
        "Customer Data Product",
        "draft",
    )
    assert product.owners == [
        ("Data Team", "team"),
        ("john.doe@retailcorp.com", "owner"),
        ("jane.smith@retailcorp.com", "data steward"),
    ]
    outputs = [(p.name, p.version, p.contract) for p in product.ports if p.direction == "output"]
    assert ("rawtransactions", "2.0.0", "c2798941-1b7e-4b03-9e0d-955b1a872b33") in outputs
    assert len(outputs) == 4 and len(product.ports) == 8
    changes = applied(translate((ODPS / "customer-data-product.odps.yaml").read_text()))
    pid = product_id("seller", "Customer Data Product")
    # every output port's contract, none of the input ones: those are other products'
    assert {t for s, t in edges_of(changes, EdgeKind.HAS_CONTRACT) if s == pid} == {
        contract_id(p.contract) for p in product.ports if p.direction == "output" and p.contract
    }
    ports = changes.nodes[pid].props["ports"]
    assert {p["name"] for p in ports if p["direction"] == "input"} == {
        "payments",
        "onlinetransactions",
    }


def test_odps_1_1_deprecated_ports_are_kept():
    product = read_descriptor((ODPS / "deprecated-data-product.odps.yaml").read_text())
    assert product.props["standardVersion"] == "v1.1.0"
    deprecated = {p.name for p in product.ports if p.props.get("deprecated")}
    assert deprecated == {"legacy-source", "legacy-export"}


def test_the_hand_written_spec_resolves_every_port():
    product = read_descriptor(SPEC.read_text(), str(SPEC))
    by_name = {p.name: p for p in product.ports}
    assert by_name["orders_table"].dataset == (
        "postgres://orders-db:5432",
        "orders.public.customer_orders",
    )
    assert by_name["orders_trino"].dataset == (
        "trino://data-platform.internal:8080",
        "orders.customer_orders",
    )
    assert by_name["orders_stream"].dataset_type == "TOPIC"
    assert by_name["orders_stream"].props["schemaRegistry"]["subject"] == (
        "orders.customer_orders-value"
    )
    assert by_name["payments"].product == ("payments", "payment_events")
    assert by_name["payments"].upstream_port == "payments_stream"
    assert product.props["freshnessHours"] == 1.0
    assert product.props["slo"] == {"freshness": "1h", "completeness": 0.995, "accuracy": 0.999}
    changes = applied(translate(SPEC.read_text()))
    assert (ORDERS, TABLE) in edges_of(changes, EdgeKind.EXPOSES)
    assert (ORDERS, product_id("payments", "payment_events")) in edges_of(
        changes, EdgeKind.CONSUMES
    )
    pii = [n for n in changes.nodes.values() if n.kind is NodeKind.COLUMN and n.props.get("pii")]
    # `email` on every output table (postgres, trino), `orders_table.phone` on that port only
    assert sorted(n.props["name"] for n in pii) == ["email", "email", "phone"]


def test_a_dremio_table_is_one_node_from_a_port_a_contract_and_dbt_ol():
    """A Dremio table named by a descriptor's port, a contract's dremio server and the events
    openlineage-dbt sends for dbt-dremio (``dremio://{software_host}:{port}``, the space and
    folders before the table) is one dataset."""
    table = dataset_id("dremio://dremio.internal:9047", "lakehouse.sales.orders")
    port = "    location: dremio://dremio.internal/lakehouse/sales/orders\n"
    descriptor = "name: sales\ndomain: sales\noutput_ports:\n  - name: orders\n    type: table\n"
    contract = {
        "dataContractSpecification": "1.1.0",
        "id": "sales-orders",
        "info": {"title": "sales", "version": "1.0.0"},
        "servers": {"production": {"type": "dremio", "host": "dremio.internal", "port": 9047,
                                   "schema": "lakehouse.sales"}},
        "models": {"orders": {"fields": {"id": {"type": "text"}}}},
    }  # fmt: skip
    output = {"namespace": "dremio://dremio.internal:9047", "name": "lakehouse.sales.orders"}
    assert table in applied(translate(descriptor + port)).nodes
    assert table in applied(translate_contract(as_yaml(contract))).nodes
    assert table in applied(translate_event(complete("dbt.sales.orders", [], [output]))).nodes


SPEC_HEAD = "name: customer_orders\ndomain: orders\n"


@pytest.mark.parametrize(
    "text, line, reason",
    [
        (
            SPEC_HEAD
            + "output_ports:\n  - name: t\n    type: tabel\n    location: postgres://h/d.t\n",
            5,
            "$.output_ports[0].type: must be one of",
        ),
        (SPEC_HEAD + "ownr: me\n", 3, "$.ownr: unknown field"),
        ("domain: orders\noutput_ports: []\n", 1, "$.name: required"),
        (
            SPEC_HEAD
            + "output_ports:\n  - name: t\n    type: table\n    location: postgres:///d.t\n",
            6,
            "names no host",
        ),
        (
            SPEC_HEAD + "output_ports:\n  - name: t\n    type: table\n",
            4,
            "$.output_ports[0]: an output port needs a location, a dataset or a contract",
        ),
        (
            SPEC_HEAD + "output_ports:\n  - {name: t, type: api, location: 'https://a/x'}\n"
            "  - {name: t, type: api, location: 'https://a/y'}\n",
            5,
            "duplicate port 't'",
        ),
        (SPEC_HEAD + "slo:\n  freshness: soon\n", 4, "'soon' is not a duration"),
        (SPEC_HEAD + "slo: [1\n", 4, "not valid YAML"),  # where the parser found the end
        (
            "apiVersion: v1.0.0\nkind: DataProduct\nid: x\n",
            1,
            "$.status: required",
        ),  # ODPS v1.0.0 requires a status; v1.1.0 does not
        (
            "apiVersion: v1.1.0\nkind: DataProduct\nid: x\ninputPorts:\n  - version: 1.0.0\n",
            5,
            "$.inputPorts[0].name: required",
        ),
        ("apiVersion: v2.0.0\nkind: DataProduct\nid: x\n", 1, "$.apiVersion: must be one of"),
        ("apiVersion: v3.0.0\nkind: DataContract\nid: x\n", 2, "use `ingest contracts`"),
        ("- a\n- b\n", 1, "a descriptor must be a mapping"),
    ],
)
def test_a_broken_descriptor_is_refused_at_its_line(text, line, reason):
    with pytest.raises(InvalidDescriptor) as refused:
        translate(text, "p.yaml")
    assert str(refused.value).startswith(f"p.yaml:{line}: "), str(refused.value)
    assert reason in str(refused.value)


def test_odps_1_1_without_a_status_is_read():
    text = "apiVersion: v1.1.0\nkind: DataProduct\nid: x\nname: n\n"
    assert read_descriptor(text).name == "n"


def _lineage(tmp_path: Path) -> Path:
    """A pipeline writing the spec's table, as OpenLineage names it."""
    events = tmp_path / "events.json"
    cdc = {"namespace": "postgres://orders-db:5432", "name": "orders.public.orders"}
    table = {"namespace": "postgres://orders-db:5432", "name": "orders.public.customer_orders"}
    events.write_text(json.dumps([complete("build_customer_orders", [cdc], [table])]))
    return events


CONTRACT = """
dataContractSpecification: 1.1.0
id: orders-customer-orders-v2
info: {title: customer_orders, version: 2.0.0, owner: orders-team}
domain: orders
servers:
  production: {type: postgres, host: orders-db, port: 5432, database: orders, schema: public}
models:
  customer_orders:
    type: table
    fields:
      order_id: {type: bigint}
"""


def test_ingest_products_meets_lineage_and_marks_the_unknown(store_args, open_test_store, tmp_path):
    lineagemesh_ok("ingest", "openlineage", *store_args, str(_lineage(tmp_path)))
    contract = tmp_path / "contract.yaml"
    contract.write_text(CONTRACT)
    lineagemesh_ok("ingest", "contracts", *store_args, str(contract))
    done = lineagemesh_ok("ingest", "products", *store_args, str(SPEC), str(ODPS))
    assert "4 product descriptors ingested" in done.stderr
    with open_test_store() as store:
        nodes = store.nodes(
            [
                ORDERS,
                TABLE,
                API,
                product_id("payments", "payment_events"),
                contract_id("orders-customer-orders-v2"),
                contract_id("c2798941-1b7e-4b03-9e0d-955b1a872b33"),
            ]
        )
        # one node per table: the port's table is the one lineage wrote, not marked
        assert not nodes[TABLE].props.get("declaredOnly")
        exposes = {e.target: e for e in store.edges([ORDERS], [EdgeKind.EXPOSES], "out")}
        assert exposes[TABLE].props["ports"] == ["orders_table"]
        assert exposes[TABLE].props["contracts"] == ["orders-customer-orders-v2"]
        # what only the descriptors name: created, and marked so
        assert nodes[API].props["declaredOnly"] is True
        assert nodes[product_id("payments", "payment_events")].props["declaredOnly"] is True
        assert nodes[contract_id("c2798941-1b7e-4b03-9e0d-955b1a872b33")].props["declaredOnly"]
        # a contract ingested before is not
        assert not nodes[contract_id("orders-customer-orders-v2")].props.get("declaredOnly")
        owners = {e.target for e in store.edges([ORDERS], [EdgeKind.OWNED_BY], "out")}
        assert owners == {"owner:orders-team"}


def test_a_broken_descriptor_leaves_the_graph_unchanged(store_args, open_test_store, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(SPEC_HEAD + "output_ports:\n  - name: t\n    type: tabel\n")
    done = lineagemesh("ingest", "products", *store_args, str(SPEC), str(broken))
    assert done.returncode == 2
    assert f"{broken}:5: $.output_ports[0].type: must be one of" in done.stderr
    with open_test_store() as store:
        assert store.nodes([ORDERS]) == {}


def test_a_contract_saying_nothing_of_an_slo_leaves_the_descriptors():
    """The contract (version 3.0.0, its stamp newer than the descriptor's 2.1.0) promises no
    freshness: the product keeps the SLO its descriptor states, whichever arrives first, and the
    version: 3.0.0 is the contract's own."""
    spec = translate(SPEC.read_text(), "spec.yaml")
    contract = translate_contract(CONTRACT.replace("version: 2.0.0", "version: 3.0.0"), "c.yaml")
    for mutations in ([*spec, *contract], [*contract, *spec]):
        product = applied(mutations).nodes[ORDERS]
        assert product.props["freshnessHours"] == 1.0
        assert product.props["version"] == "2.1.0"
