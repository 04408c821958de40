"""Declared against observed consumers of a data product, on every store: a contract declares
two consumers, another product's input port declares a third; lineage shows who reads. A job
nobody declared is an undeclared consumer; a declared consumer no job honours is silent."""

from __future__ import annotations

import json
from pathlib import Path

from command_line import lineagemesh, lineagemesh_ok
from data_products import SPEC, payments
from graphql_in_process import run
from openlineage_events import complete

PAYMENTS = payments()
CONTRACT = """
dataContractSpecification: 1.1.0
id: payments-events
info: {title: payment_events, version: 1.0.0, owner: payments-team}
domain: payments
servers:
  production: {type: kafka, host: broker, port: 9092, topic: payments.events}
models:
  payments.events:
    type: table
    fields:
      payment_id: {type: string}
consumers:
  - {name: fraud-detection, domain: risk}
  - {name: marketing_campaigns, domain: marketing}
"""
STREAM = {"namespace": "kafka://broker:9092", "name": "payments.events"}
EVENTS = [
    complete(  # the orders product's pipeline: declared by its input port
        "build_customer_orders",
        [STREAM],
        [{"namespace": "postgres://orders-db:5432", "name": "orders.public.customer_orders"}],
        at="2026-01-05T06:00:00Z",
    ),
    complete(  # declared by name in the contract
        "marketing_campaigns",
        [STREAM],
        [{"namespace": "postgres://warehouse:5432", "name": "marketing.public.campaign_payments"}],
        at="2026-01-20T06:00:00Z",
    ),
    complete(  # nobody declared it: a breaking change to the stream would hit it without notice
        "export_payments",
        [STREAM],
        [{"namespace": "s3://exports", "name": "payments"}],
        at="2026-01-25T06:00:00Z",
        job_namespace="jupyter",
    ),
    complete(  # the product's own pipeline writing its stream is no consumer of it
        "publish_payments",
        [STREAM],
        [STREAM],
        at="2026-01-25T06:00:00Z",
    ),
]
QUERY = """
query($days: Int!, $at: DateTime!) {
  dataProduct(domain: "payments", name: "payment_events") {
    undeclaredConsumers { jobId ports datasets lastRead declaredBy }
    silentConsumers(days: $days, at: $at) { id kind domain lastRead }
  }
}
"""

GAPS = """
query($at: DateTime!) {
  consumerGaps(at: $at) { product { id } undeclared { jobId } silent { id } }
}
"""


def _load(store_args: list[str], tmp_path: Path) -> None:
    (tmp_path / "events.json").write_text(json.dumps(EVENTS))
    (tmp_path / "contract.yaml").write_text(CONTRACT)
    (tmp_path / "payments.yaml").write_text(PAYMENTS)
    lineagemesh_ok("ingest", "openlineage", *store_args, str(tmp_path / "events.json"))
    lineagemesh_ok("ingest", "contracts", *store_args, str(tmp_path / "contract.yaml"))
    lineagemesh_ok("ingest", "products", *store_args, str(SPEC), str(tmp_path / "payments.yaml"))


def test_undeclared_and_silent_consumers_are_found(store_args, open_test_store, tmp_path):
    _load(store_args, tmp_path)
    with open_test_store() as store:
        month = run(store, QUERY, days=90, at="2026-02-01T00:00:00Z")["dataProduct"]
        week = run(store, QUERY, days=7, at="2026-02-01T00:00:00Z")["dataProduct"]
        mesh = run(store, GAPS, at="2026-02-01T00:00:00Z")["consumerGaps"]

    undeclared = month["undeclaredConsumers"]
    assert [c["jobId"] for c in undeclared] == ["job:jupyter:export_payments"]
    assert undeclared[0]["ports"] == ["payments_stream"]
    assert undeclared[0]["lastRead"].startswith("2026-01-25T06:00:00")

    # within 90 days only the risk team's declaration has no read behind it
    assert [(c["id"], c["domain"], c["lastRead"]) for c in month["silentConsumers"]] == [
        ("consumer:fraud-detection", "risk", None)
    ]
    # within a week of Feb 1st, the orders product (read Jan 5th) and marketing (Jan 20th) too
    silent = {c["id"]: c for c in week["silentConsumers"]}
    assert set(silent) == {
        "consumer:fraud-detection",
        "consumer:marketing_campaigns",
        "dataProduct:orders:customer_orders",
    }
    assert silent["dataProduct:orders:customer_orders"]["kind"] == "DataProduct"
    assert silent["consumer:marketing_campaigns"]["lastRead"].startswith("2026-01-20")

    # the governance view over the whole mesh: only the payments product has gaps
    assert mesh == [
        {
            "product": {"id": "dataProduct:payments:payment_events"},
            "undeclared": [{"jobId": "job:jupyter:export_payments"}],
            "silent": [{"id": "consumer:fraud-detection"}],
        }
    ]


def test_check_names_the_undeclared_consumer_a_breaking_change_reaches(store_args, tmp_path):
    _load(store_args, tmp_path)
    stream = "dataset:kafka://broker:9092:payments.events"
    done = lineagemesh("check", stream, "--change", "drop", *store_args)
    assert done.returncode == 1, done.stderr  # BREAKING
    assert (
        "undeclared consumers (no contract or input port declares them): "
        "job:jupyter:export_payments"
    ) in done.stdout
    report = json.loads(lineagemesh("check", stream, "--format", "json", *store_args).stdout)
    flagged = {c["id"]: c["undeclared"] for c in report["consumers"] if c["kind"] == "JOB"}
    assert flagged["job:jupyter:export_payments"] is True
    assert flagged["job:airflow:marketing_campaigns"] is False  # the contract names it


PORT_IMPACT = """
{
  dataProduct(domain: "payments", name: "payment_events") {
    portImpact(port: "payments_stream") {
      datasets breaking owners undeclaredConsumers products
    }
  }
}
"""


def test_a_change_to_a_port_reaches_products_owners_and_undeclared_readers(
    store_args, open_test_store, tmp_path
):
    _load(store_args, tmp_path)
    with open_test_store() as store:
        found = run(store, PORT_IMPACT)["dataProduct"]["portImpact"]
    assert found["datasets"] == ["dataset:kafka://broker:9092:payments.events"]
    assert found["breaking"] is True
    assert found["products"] == ["dataProduct:orders:customer_orders"]
    assert "orders-team" in found["owners"]
    assert found["undeclaredConsumers"] == ["job:jupyter:export_payments"]
