"""Column lineage read from dbt's compiled SQL: a model reading a dropped column is BREAKING with
its column path, without dbt-ol.

``tests/corpora/dbt-duckdb-revenue`` is a real dbt-duckdb project (two seeds declaring their
columns; ``orders`` selecting five columns it documents nowhere; ``customers`` a ``SELECT *``;
``fct_revenue`` a CTE over ``orders`` filtered on status, joined to ``customers``, summing
``amount`` by region), built by dbt itself; its pull request drops ``amount`` from ``orders``'s
SELECT and was compiled with the same target. Everything goes through the real CLI on a real
embedded store.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from graphql_in_process import run
from test_pr_check import check, ingest_dbt

from graph.stores import open_store_to_read
from ingest.dbt import translate_manifest
from ingest.sql_lineage import UnreadableSql, select_lineage

CORPUS = Path(__file__).parent / "corpora" / "dbt-duckdb-revenue"
PROD = CORPUS / "target" / "manifest.json"
PR = CORPUS / "pr-drops-amount" / "target" / "manifest.json"
NS = "duckdb://revenue"
AMOUNT = f"datasetField:{NS}:revenue.main.orders:amount"
REVENUE = f"datasetField:{NS}:revenue.main.fct_revenue:revenue"
FCT = f"dataset:{NS}:revenue.main.fct_revenue"


@pytest.fixture
def revenue(tmp_path: Path) -> Path:
    data_dir = tmp_path / "store"
    ingest_dbt(PROD, NS, data_dir)
    return data_dir


def graphql(data_dir: Path, query: str) -> dict[str, Any]:
    store = open_store_to_read(str(data_dir))
    try:
        return run(store, query)
    finally:
        store.close()


def test_ingest_dbt_records_column_lineage_from_the_compiled_sql(revenue: Path) -> None:
    answer = graphql(
        revenue,
        f'{{ columnLineage(nodeId: "{REVENUE}", direction: UPSTREAM, depth: 2) '
        "{ edges { source target kind transformations { type subtype } } } }",
    )
    edges = answer["columnLineage"]["edges"]
    derived = {(e["target"], e["source"]) for e in edges if e["kind"] == "DERIVES_FROM"}
    raw_amount = f"datasetField:{NS}:revenue.main.raw_orders:amount"
    assert (REVENUE, AMOUNT) in derived or (AMOUNT, REVENUE) in derived, edges
    assert any(raw_amount in pair for pair in derived), edges
    summed = next(e for e in edges if {e["source"], e["target"]} == {REVENUE, AMOUNT})
    assert summed["transformations"] == [{"type": "DIRECT", "subtype": "AGGREGATION"}]
    # orders documents no columns: its SELECT's are its schema
    columns = graphql(
        revenue,
        f'{{ dataset(namespace: "{NS}", name: "revenue.main.orders") {{ columns {{ name current }} }} }}',
    )["dataset"]["columns"]
    assert {c["name"] for c in columns if c["current"]} == {
        "id", "customer_id", "status", "amount", "ordered_at",
    }  # fmt: skip


def test_a_model_summing_a_dropped_column_is_breaking_with_its_column_path(
    revenue: Path,
) -> None:
    code, report, stderr = check(
        revenue, "--dbt-manifest", str(PR), "--namespace", NS, "--format", "json"
    )
    assert code == 1, stderr
    assert isinstance(report, dict)
    assert [(c["kind"], c["column"]) for c in report["changes"]] == [("COLUMN_REMOVED", "amount")]
    rows = {r["id"]: r for r in report["affected"]}
    assert rows[REVENUE]["severity"] == "BREAKING" and rows[REVENUE]["certain"] is True
    assert rows[REVENUE]["path"] == [AMOUNT, "job:dbt:model.revenue.fct_revenue", REVENUE]
    # the filter on status and the join do not carry amount: fct_revenue's other columns are safe
    assert f"datasetField:{NS}:revenue.main.fct_revenue:region" not in rows
    assert report["verdict"] == "BREAKING"


def test_a_column_only_filtering_rows_warns_the_model_that_filters_on_it(
    revenue: Path, tmp_path: Path
) -> None:
    manifest = json.loads(PROD.read_text())
    node = manifest["nodes"]["model.revenue.orders"]
    node["compiled_code"] = node["compiled_code"].replace("status, ", "")
    pr = tmp_path / "drops-status.json"
    pr.write_text(json.dumps(manifest))
    code, report, stderr = check(
        revenue, "--dbt-manifest", str(pr), "--namespace", NS, "--format", "json"
    )
    assert isinstance(report, dict), stderr
    assert [(c["kind"], c["column"]) for c in report["changes"]] == [("COLUMN_REMOVED", "status")]
    assert (code, report["impact"]) == (1, "WARNING")  # BREAKING itself, warning downstream
    rows = {r["id"]: r for r in report["affected"]}
    assert rows[FCT]["severity"] == "WARNING", rows  # INDIRECT (a filter): lowered
    assert REVENUE not in rows


def test_models_whose_sql_cannot_be_read_say_why(revenue: Path, tmp_path: Path) -> None:
    """A manifest of ``dbt parse`` (no compiled SQL) gives no lineage, and the check says so."""
    manifest = json.loads(PR.read_text())
    for node in manifest["nodes"].values():
        node.pop("compiled_code", None)
    parsed = tmp_path / "parsed.json"
    parsed.write_text(json.dumps(manifest))
    mutations, unread = translate_manifest(manifest, NS)
    assert unread["model.revenue.fct_revenue"].startswith("no compiled SQL")
    assert not any(getattr(m, "kind", None) == "DERIVES_FROM" for m in mutations)
    _, out, stderr = check(revenue, "--dbt-manifest", str(parsed), "--namespace", NS)
    assert isinstance(out, str)
    assert "no columns nor column lineage from the SQL of 3 model(s)" in out, out + stderr
    assert "only their documented columns are compared" in out


def test_select_lineage_follows_ctes_unions_and_refuses_what_it_cannot_follow() -> None:
    schema = {"db": {"s": {"t": {"a": "int", "b": "int"}, "u": {"a": "int", "c": "int"}}}}
    found = select_lineage(
        "with x as (select a, b * 2 as d from db.s.t) "
        "select x.a, x.d from x union all select a, c from db.s.u",
        schema,
        "duckdb",
    )
    sources = {
        c.name: {(s.table[-1], s.column, s.subtype) for s in c.sources} for c in found.columns
    }
    assert sources == {
        "a": {("t", "a", "IDENTITY"), ("u", "a", "IDENTITY")},
        "d": {("t", "b", "TRANSFORMATION"), ("u", "c", "IDENTITY")},
    }
    with pytest.raises(UnreadableSql, match="SELECT \\* over v, whose columns are unknown"):
        select_lineage("with x as (select * from v) select a from x", schema, "duckdb")
    with pytest.raises(UnreadableSql, match="cannot read"):
        select_lineage("select from where", schema, "duckdb")


def test_a_view_replaced_with_select_star_is_compared_through_its_sources(
    tmp_path: Path,
) -> None:
    """``CREATE OR REPLACE VIEW … AS SELECT *`` gives the columns of what it reads, as the graph
    has them: ``orders`` re-created without ``amount`` breaks what the graph derives from it."""
    data_dir = tmp_path / "store"
    ingest_dbt(PROD, NS, data_dir)
    view = tmp_path / "view.sql"
    view.write_text(
        "CREATE OR REPLACE VIEW revenue.main.orders AS\n"
        "SELECT * EXCLUDE (amount) FROM revenue.main.raw_orders;\n"
    )
    code, report, stderr = check(
        data_dir, "--sql", str(view), "--sql-dialect", "duckdb", "--namespace", NS,
        "--format", "json",
    )  # fmt: skip
    assert isinstance(report, dict), stderr
    assert [(c["kind"], c["column"]) for c in report["changes"]] == [("COLUMN_REMOVED", "amount")]
    assert {r["id"]: r["severity"] for r in report["affected"]}[REVENUE] == "BREAKING"
    assert code == 1
    unknown = tmp_path / "unknown.sql"
    unknown.write_text("CREATE OR REPLACE VIEW revenue.main.orders AS SELECT * FROM elsewhere;\n")
    code, _, stderr = check(
        data_dir, "--sql", str(unknown), "--sql-dialect", "duckdb", "--namespace", NS, "--strict"
    )
    assert (
        code == 2 and "cannot tell the columns the query gives: SELECT * over elsewhere" in stderr
    )
