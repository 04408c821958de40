"""One way in while serving: a running ``lineagemesh serve`` takes dbt artifacts, data contracts,
product descriptors and quality results over HTTP (``lineagemesh ingest
dbt|contracts|products|quality … --server URL``) and
its answers change; bad input is a 4xx with a JSON reason and the graph unchanged; a writer
scoped to one domain writes only that one. Real server process, real dbt-duckdb artifacts, the
vendored contracts and a real Great Expectations result.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from conftest import corpus
from data_products import SPEC
from live_server import LiveServer
from test_auth import ADMIN, SALES, TOKENS, bearer
from test_quality_ingest import _great_expectations_results, great_expectations_summaries

DELIVERIES = corpus("dbt-duckdb-deliveries", "target")
NS = "duckdb://deliveries"
ODCS = corpus("data-contracts", "odcs", "full-example.odcs.yaml")
ORDERS = '{ dataset(namespace: "duckdb://deliveries", name: "deliveries.main.orders") { id columns { name } assertions { totalCount } } }'
PRODUCT = '{ dataProduct(domain: "seller", name: "my quantum") { contracts { id version } } }'
GE_ORDERS = '{ dataset(namespace: "s3://shop", name: "orders") { assertions { totalCount } } }'
STATS = "{ stats { kind count } }"
SALES_PRODUCT = """
name: daily_sales
domain: sales
owner: sales-team
slo: {freshness: 24h}
output_ports:
  - name: sales_table
    type: sql_table
    location: postgres://warehouse:5432/sales.public.daily_sales
"""
PORTS = """query($domain: String!, $name: String!) { dataProduct(domain: $domain, name: $name) {
  freshnessHours owners { name } ports { name datasetId declaredOnly } } }"""
REVENUE = corpus("dbt-duckdb-revenue", "target")
REVENUE_ORDERS = '{ dataset(namespace: "duckdb://revenue", name: "revenue.main.orders") { columns { name type } } }'


def lineagemesh(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graph", *args], capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    tokens = tmp_path / "tokens.json"
    tokens.write_text(json.dumps(TOKENS))
    data_dir = tmp_path / "store"
    live = LiveServer(["--data-dir", str(data_dir)], tmp_path / "server.log", token=ADMIN)
    live.start(["--auth-file", str(tokens)], timeout=240)
    try:
        yield live
    finally:
        live.stop()


def test_dbt_contracts_and_quality_reach_a_running_server(
    server: LiveServer, tmp_path: Path
) -> None:
    data_dir = tmp_path / "store"
    # The store is the server's: the command line says how to feed it instead.
    held = lineagemesh("ingest", "contracts", str(ODCS), "--data-dir", str(data_dir))
    assert held.returncode != 0 and "--server URL" in held.stderr, held.stderr
    assert server.graphql(ORDERS)["dataset"] is None

    sent = lineagemesh(
        "ingest", "dbt", str(DELIVERIES / "manifest.json"), "--namespace", NS,
        "--run-results", str(DELIVERIES / "run_results.json"),
        "--server", server.url, "--token", ADMIN,
    )  # fmt: skip
    assert sent.returncode == 0, sent.stderr
    orders = server.graphql(ORDERS)["dataset"]
    assert {"id", "amount"} <= {c["name"] for c in orders["columns"]}
    assert orders["assertions"]["totalCount"] > 0

    assert server.graphql(PRODUCT)["dataProduct"] is None
    sent = lineagemesh("ingest", "contracts", str(ODCS), "--server", server.url, "--token", ADMIN)
    assert sent.returncode == 0, sent.stderr
    contracts = server.graphql(PRODUCT)["dataProduct"]["contracts"]
    assert [c["version"] for c in contracts] == ["1.1.0"]

    checkpoint, validation = _great_expectations_results(tmp_path)
    sent = lineagemesh(
        "ingest", "quality", str(checkpoint), str(validation), "--namespace", "s3://shop",
        "--server", server.url, "--token", ADMIN,
    )  # fmt: skip
    assert sent.returncode == 0, sent.stderr
    assert server.graphql(GE_ORDERS)["dataset"]["assertions"]["totalCount"] == 4


def test_bad_documents_are_4xx_with_a_reason_and_change_nothing(
    server: LiveServer, tmp_path: Path
) -> None:
    before = server.graphql(STATS)
    url = server.url + "/api/v1/ingest/"
    bad_manifest = {"manifest": {"name": "manifest.json", "text": '{"nodes": ['}}
    answer = httpx.post(url + "dbt", json=bad_manifest, headers=bearer(ADMIN), timeout=60)
    assert answer.status_code == 400
    assert answer.json()["error"].startswith("manifest.json:1: not JSON")
    answer = httpx.post(url + "contracts", json={"contracts": []}, headers=bearer(ADMIN))
    assert (answer.status_code, answer.json()["error"]) == (
        400,
        "$.contracts: a non-empty list of documents is required",
    )
    good = {"name": "full.odcs.yaml", "text": ODCS.read_text()}
    broken = {"name": "broken.odcs.yaml", "text": "apiVersion: v3.0.2\nkind: DataContract\n"}
    answer = httpx.post(
        url + "contracts", json={"contracts": [good, broken]}, headers=bearer(ADMIN), timeout=60
    )
    assert answer.status_code == 400 and answer.json()["error"].startswith("broken.odcs.yaml")
    unauthenticated = httpx.post(url + "contracts", json={"contracts": [good]}, timeout=60)
    assert unauthenticated.status_code == 401
    # A writer of sales may not write the contract of the seller domain: 403 naming it.
    answer = httpx.post(url + "contracts", json={"contracts": [good]}, headers=bearer(SALES))
    assert answer.status_code == 403 and "'seller'" in answer.json()["error"]
    assert server.graphql(STATS) == before

    broken_file = tmp_path / "broken.odcs.yaml"
    broken_file.write_text(broken["text"])
    sent = lineagemesh(
        "ingest", "contracts", str(ODCS), str(broken_file), "--server", server.url,
        "--token", ADMIN,
    )  # fmt: skip
    assert sent.returncode == 2 and "broken.odcs.yaml" in sent.stderr, sent.stderr
    refused = lineagemesh("ingest", "contracts", str(ODCS), "--server", server.url)
    assert refused.returncode == 1 and "answered 401" in refused.stderr, refused.stderr
    assert server.graphql(STATS) == before


def test_product_descriptors_reach_a_running_server_within_the_writers_domains(
    server: LiveServer, tmp_path: Path
) -> None:
    before = server.graphql(STATS)
    spec = {"name": "data-product-spec.yaml", "text": SPEC.read_text()}
    url = server.url + "/api/v1/ingest/products"
    # A writer of sales may not write the orders domain's product: 403 naming it
    answer = httpx.post(url, json={"products": [spec]}, headers=bearer(SALES), timeout=60)
    assert answer.status_code == 403 and "'orders'" in answer.json()["error"]
    answer = httpx.post(url, json={"products": [spec]}, timeout=60)
    assert answer.status_code == 401
    broken = tmp_path / "broken.yaml"
    broken.write_text(SALES_PRODUCT + "    partition: daily\n")
    sent = lineagemesh(
        "ingest", "products", str(broken), "--server", server.url, "--token", SALES
    )  # fmt: skip
    assert sent.returncode == 2, sent.stderr
    assert f"answered 400: {broken}:10: " in sent.stderr and "partition" in sent.stderr
    assert server.graphql(STATS) == before  # nothing of either applied

    sales = tmp_path / "sales.yaml"
    sales.write_text(SALES_PRODUCT)
    sent = lineagemesh("ingest", "products", str(sales), "--server", server.url, "--token", SALES)
    assert sent.returncode == 0, sent.stderr
    product = server.graphql(PORTS, domain="sales", name="daily_sales")["dataProduct"]
    assert product == {
        "freshnessHours": 24.0,
        "owners": [{"name": "sales-team"}],
        "ports": [
            {
                "name": "sales_table",
                "datasetId": "dataset:postgres://warehouse:5432:sales.public.daily_sales",
                "declaredOnly": True,  # nothing else knows the table yet
            }
        ],
    }
    sent = lineagemesh("ingest", "products", str(SPEC), "--server", server.url, "--token", ADMIN)
    assert sent.returncode == 0, sent.stderr
    orders = server.graphql(PORTS, domain="orders", name="customer_orders")["dataProduct"]
    assert {p["name"] for p in orders["ports"]} >= {"orders_table", "orders_stream", "payments"}


def test_a_check_asking_an_older_server_says_what_it_lacks(
    server: LiveServer, capfd: pytest.CaptureFixture[str]
) -> None:
    """A field the server's schema lacks is named, not a bare GraphQL error; one the check can do
    without (``Column.required``, newer than servers still running) is dropped from the question,
    and stderr says what is then not compared."""
    from graph.check import CheckError
    from graph.cli.graphql import _older_server_query, graphql_executor

    columns = '{ dataset(namespace: "n", name: "x") { columns { name %s } } }'
    with graphql_executor(server.url, ADMIN, cast(Any, None)) as ask:
        with pytest.raises(CheckError, match=r"has no Column\.bogus in its GraphQL schema"):
            ask(columns % "bogus", {})
        assert ask(columns % "required", {}) == {"dataset": None}
    older = _older_server_query(
        server.url, columns % "type required", [("required", "Column")], "Cannot query field"
    )
    assert older.split() == (columns % "type").split()
    assert "has no Column.required (an older lineagemesh)" in capfd.readouterr().err


def test_a_great_expectations_summary_and_a_dbt_catalog_reach_a_running_server(
    server: LiveServer, tmp_path: Path
) -> None:
    """GX 1.x's ``describe_dict()`` needs ``--asset`` over HTTP too (exit 2 naming it, nothing
    applied); dbt's ``catalog.json`` goes with its manifest and gives the columns their types."""
    checkpoint, _ = great_expectations_summaries(tmp_path)
    to_server = ("--server", server.url, "--token", ADMIN)
    refused = lineagemesh(
        "ingest", "quality", str(checkpoint), "--namespace", "s3://shop", *to_server
    )
    assert refused.returncode == 2, refused.stderr
    assert "--asset NAME" in refused.stderr and '"asset"' in refused.stderr
    assert server.graphql(GE_ORDERS)["dataset"] is None
    sent = lineagemesh(
        "ingest", "quality", str(checkpoint), "--namespace", "s3://shop", "--asset", "orders",
        *to_server,
    )  # fmt: skip
    assert sent.returncode == 0, sent.stderr
    assert server.graphql(GE_ORDERS)["dataset"]["assertions"]["totalCount"] == 4

    manifest, catalog = REVENUE / "manifest.json", REVENUE / "catalog.json"
    args = ("ingest", "dbt", str(manifest), "--namespace", "duckdb://revenue", *to_server)
    sent = lineagemesh(*args)
    assert sent.returncode == 0, sent.stderr
    declared = {c["name"]: c["type"] for c in server.graphql(REVENUE_ORDERS)["dataset"]["columns"]}
    warehouse = json.loads(catalog.read_text())["nodes"]["model.revenue.orders"]["columns"]
    typed = {c["name"]: c["type"] for c in warehouse.values()}
    assert set(declared) == set(typed) and set(declared.values()) == {None}  # no YAML types
    bad = {"name": "catalog.json", "text": '{"nodes": 3}'}
    answer = httpx.post(
        server.url + "/api/v1/ingest/dbt",
        json={"manifest": {"name": "manifest.json", "text": manifest.read_text()}, "catalog": bad},
        headers=bearer(ADMIN),
        timeout=60,
    )
    assert (answer.status_code, answer.json()["error"]) == (
        400,
        "catalog.json: $: not a dbt catalog.json (no nodes)",
    )
    sent = lineagemesh(*args, "--catalog", str(catalog))
    assert sent.returncode == 0, sent.stderr
    columns = server.graphql(REVENUE_ORDERS)["dataset"]["columns"]
    assert {c["name"]: c["type"] for c in columns} == typed
