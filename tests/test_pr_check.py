"""The pull-request check on real artifacts: a dbt project's manifests, SQL migrations in several
dialects, data contracts and Iceberg metadata, judged against a mesh that reaches beyond them.

Everything goes through the real CLI (``python -m graph check``) on a real embedded store, as a
CI job runs it.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from command_line import ingested_bench_mesh
from conftest import corpus

NS = "postgres://db:5432"
PRODUCER = "https://example.com/tests"
RUN_SCHEMA = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
ORDERS = f"dataset:{NS}:postgres.public.orders"
REVENUE = "datasetField:s3://lake:finance/revenue:revenue_total"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graph", *args], capture_output=True, text=True, timeout=300
    )


def field(name: str, type_: str) -> dict[str, str]:
    return {"name": name, "type": type_}


def job_event(
    job: tuple[str, str],
    inputs: list[tuple[str, str, list[dict[str, str]] | None]],
    output: tuple[str, str, list[dict[str, str]]],
    lineage: dict[str, list[tuple[str, str, str]]],
    owner: str | None = None,
    run: str = "0f5bd5b8-8c2a-4bd4-9a7a-6f4b0c8e0a01",
) -> dict[str, Any]:
    """A Spark/Airflow-style COMPLETE event: inputs (with schemas), one output with column lineage."""

    def facet(name: str) -> dict[str, str]:
        return {
            "_producer": PRODUCER,
            "_schemaURL": f"https://openlineage.io/spec/facets/1-0-0/{name}.json",
        }

    job_facets = {}
    if owner:
        job_facets["ownership"] = {
            **facet("OwnershipJobFacet"),
            "owners": [{"name": owner, "type": "team"}],
        }
    return {
        "eventType": "COMPLETE",
        "eventTime": "2026-03-01T06:00:00Z",
        "run": {"runId": run},
        "job": {"namespace": job[0], "name": job[1], "facets": job_facets},
        "producer": PRODUCER,
        "schemaURL": RUN_SCHEMA,
        "inputs": [
            {"namespace": ns, "name": name}
            | (
                {"facets": {"schema": {**facet("SchemaDatasetFacet"), "fields": cols}}}
                if cols
                else {}
            )
            for ns, name, cols in inputs
        ],
        "outputs": [
            {
                "namespace": output[0],
                "name": output[1],
                "facets": {
                    "schema": {**facet("SchemaDatasetFacet"), "fields": output[2]},
                    "columnLineage": {
                        "_producer": PRODUCER,
                        "_schemaURL": "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json",
                        "fields": {
                            out: {
                                "inputFields": [
                                    {"namespace": ns, "name": name, "field": col}
                                    for ns, name, col in sources
                                ]
                            }
                            for out, sources in lineage.items()
                        },
                    },
                },
            }
        ],
    }


def ingest_events(data_dir: Path, events: list[dict[str, Any]], tmp_path: Path) -> None:
    path = tmp_path / f"events-{len(list(tmp_path.glob('events-*')))}.json"
    path.write_text(json.dumps(events))
    done = cli("ingest", "openlineage", str(path), "--data-dir", str(data_dir))
    assert done.returncode == 0, done.stderr


def ingest_dbt(manifest: Path, namespace: str, data_dir: Path) -> None:
    done = cli(
        "ingest", "dbt", str(manifest), "--namespace", namespace, "--data-dir", str(data_dir)
    )
    assert done.returncode == 0, done.stderr


def check(data_dir: Path, *args: str) -> tuple[int, dict[str, Any] | str, str]:
    done = cli("check", *args, "--data-dir", str(data_dir))
    if "--format" in args and args[args.index("--format") + 1] == "json" and done.stdout.strip():
        return done.returncode, json.loads(done.stdout), done.stderr
    return done.returncode, done.stdout, done.stderr


# -- dbt ---------------------------------------------------------------------------------------


@pytest.fixture
def jaffle(tmp_path: Path) -> tuple[Path, Path, dict[str, Any]]:
    """jaffle_shop ingested with typed orders columns, plus a Spark job outside dbt reading
    orders.amount; returns (data dir, base manifest path, base manifest)."""
    manifest = json.loads(corpus("dbt-jaffle-shop", "manifest.json").read_text())
    types = {"order_id": "integer", "order_date": "date", "status": "varchar", "amount": "numeric"}
    for name, column in manifest["nodes"]["model.jaffle_shop.orders"]["columns"].items():
        column["data_type"] = types.get(name, "numeric")
    base = tmp_path / "base-manifest.json"
    base.write_text(json.dumps(manifest))
    data_dir = tmp_path / "store"
    ingest_dbt(base, NS, data_dir)
    spark = job_event(
        ("spark://cluster", "finance.revenue_daily"),
        [(NS, "postgres.public.orders", None)],
        (
            "s3://lake",
            "finance/revenue",
            [field("revenue_total", "decimal(18,2)"), field("day", "date")],
        ),
        {
            "revenue_total": [(NS, "postgres.public.orders", "amount")],
            "day": [(NS, "postgres.public.orders", "order_date")],
        },
        owner="team-finance",
    )
    ingest_events(data_dir, [spark], tmp_path)
    return data_dir, base, manifest


def pr_copy(manifest: dict[str, Any], tmp_path: Path) -> Path:
    """The pull request: orders.amount dropped, order_date retyped to text, status no longer
    accepting 'returned' (but 'lost'), and orders no longer reading stg_payments."""
    pr = copy.deepcopy(manifest)
    orders = pr["nodes"]["model.jaffle_shop.orders"]
    del orders["columns"]["amount"]
    orders["columns"]["order_date"]["data_type"] = "varchar"
    orders["depends_on"]["nodes"] = [
        n for n in orders["depends_on"]["nodes"] if n != "model.jaffle_shop.stg_payments"
    ]
    status_test = next(
        node
        for node in pr["nodes"].values()
        if (node.get("test_metadata") or {}).get("name") == "accepted_values"
        and node.get("attached_node") == "model.jaffle_shop.orders"
    )
    values = status_test["test_metadata"]["kwargs"]["values"]
    status_test["test_metadata"]["kwargs"]["values"] = [v for v in values if v != "returned"] + [
        "lost"
    ]
    path = tmp_path / "pr-manifest.json"
    path.write_text(json.dumps(pr))
    return path


def test_dbt_pr_breaks_a_spark_job_outside_dbt_and_names_its_owner(jaffle, tmp_path: Path) -> None:
    data_dir, _, manifest = jaffle
    pr = pr_copy(manifest, tmp_path)
    code, report, stderr = check(
        data_dir, "--dbt-manifest", str(pr), "--namespace", NS, "--format", "json"
    )
    assert code == 1, stderr
    assert isinstance(report, dict)
    changes = {(c["kind"], c["column"], c["severity"]) for c in report["changes"]}
    assert ("COLUMN_REMOVED", "amount", "BREAKING") in changes
    assert ("COLUMN_RETYPED", "order_date", "BREAKING") in changes
    assert ("ENUM_VALUES_REMOVED", "status", "BREAKING") in changes
    assert ("ENUM_VALUES_ADDED", "status", "NONE") in changes
    assert len(changes) == 4  # nothing invented for the columns the pull request left alone
    rows = {row["id"]: row for row in report["affected"]}
    revenue = rows[REVENUE]
    assert revenue["severity"] == "BREAKING"
    assert revenue["path"][0] == f"datasetField:{NS}:postgres.public.orders:amount"
    assert revenue["path"][-1] == REVENUE
    assert revenue["changes"] == ["drop amount"]
    day = rows["datasetField:s3://lake:finance/revenue:day"]
    assert day["changes"] == ["retype order_date: date -> varchar"]
    assert "team-finance" in {o["name"] for o in report["owners"]}
    assert report["verdict"] == "BREAKING" and stderr == ""
    # the lineage the pull request changes, against the graph's: orders stops reading stg_payments
    assert report["edges"] == [
        {
            "source": f"dataset:{NS}:postgres.public.stg_payments",
            "job": "job:dbt:model.jaffle_shop.orders",
            "target": ORDERS,
            "added": False,
        }
    ]


def test_dbt_pr_against_a_running_server_gives_the_same_report(jaffle, tmp_path: Path) -> None:
    """A CI job asks the server holding the graph: the same answer, in batched GraphQL lookups
    within the server's document limits."""
    from live_server import LiveServer

    data_dir, _, manifest = jaffle
    pr = pr_copy(manifest, tmp_path)
    local = cli(
        "check",
        "--dbt-manifest",
        str(pr),
        "--namespace",
        NS,
        "--format",
        "json",
        "--data-dir",
        str(data_dir),
    )
    server = LiveServer(["--data-dir", str(data_dir)], tmp_path / "server.log").start()
    try:
        remote = cli(
            "check", "--dbt-manifest", str(pr), "--namespace", NS, "--format", "json",
            "--server", server.url,
        )  # fmt: skip
    finally:
        server.stop()
    assert remote.returncode == local.returncode == 1, remote.stderr
    assert remote.stderr == ""
    assert json.loads(remote.stdout) == json.loads(local.stdout)


def test_dbt_pr_against_a_base_manifest_shows_its_lineage_diff(jaffle, tmp_path: Path) -> None:
    data_dir, base, manifest = jaffle
    pr = pr_copy(manifest, tmp_path)
    code, report, _ = check(
        data_dir, "--dbt-manifest", str(pr), "--dbt-base", str(base), "--namespace", NS,
        "--format", "json",
    )  # fmt: skip
    assert code == 1 and isinstance(report, dict)
    assert report["edges"] == [
        {
            "source": f"dataset:{NS}:postgres.public.stg_payments",
            "job": "job:dbt:model.jaffle_shop.orders",
            "target": ORDERS,
            "added": False,
        }
    ]
    assert REVENUE in {row["id"] for row in report["affected"]}
    # people read the edge and the affected nodes by their display names, the full id as title
    pr_args = ("--dbt-manifest", str(pr), "--dbt-base", str(base), "--namespace", NS)
    _, markdown, _ = check(data_dir, *pr_args, "--format", "markdown")
    stg, job = f"dataset:{NS}:postgres.public.stg_payments", "job:dbt:model.jaffle_shop.orders"
    assert (
        f'- lineage removed: <code title="{stg}">public.stg_payments</code> → '
        f'<code title="{ORDERS}">public.orders</code> '
        f'(via <code title="{job}">model.jaffle_shop.orders</code>)\n'
    ) in markdown, markdown
    assert f'<code title="{REVENUE}">finance/revenue.revenue_total</code>' in markdown
    _, text, _ = check(data_dir, *pr_args)
    assert (
        "  lineage - public.stg_payments -> public.orders (via model.jaffle_shop.orders)\n"
    ) in text, text
    assert f"  finance/revenue.revenue_total  ({REVENUE})  [" in text, text
    same = cli(
        "check", "--dbt-manifest", str(base), "--dbt-base", str(base), "--namespace", NS,
        "--data-dir", str(data_dir),
    )  # fmt: skip
    assert same.returncode == 0 and "nothing breaks" in same.stdout


def test_dbt_catalog_types_and_a_widening_only_warn(jaffle, tmp_path: Path) -> None:
    data_dir, _, manifest = jaffle
    catalog = {
        "metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/catalog/v1.json"},
        "nodes": {
            "model.jaffle_shop.orders": {
                "columns": {
                    name: {"name": name, "index": i, "type": "numeric"}
                    for i, name in enumerate(
                        manifest["nodes"]["model.jaffle_shop.orders"]["columns"], 1
                    )
                }
                | {
                    "order_id": {"name": "order_id", "index": 1, "type": "bigint"},
                    "order_date": {"name": "order_date", "index": 3, "type": "date"},
                    "status": {"name": "status", "index": 4, "type": "varchar"},
                }
            }
        },
        "sources": {},
    }
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(catalog))
    code, report, _ = check(
        data_dir, "--dbt-manifest", str(tmp_path / "base-manifest.json"), "--dbt-catalog",
        str(path), "--namespace", NS, "--format", "json",
    )  # fmt: skip
    assert isinstance(report, dict)
    assert [(c["kind"], c["column"], c["severity"]) for c in report["changes"]] == [
        ("COLUMN_RETYPED", "order_id", "WARNING")
    ]
    assert code == 0
    warned = cli(
        "check", "--dbt-manifest", str(tmp_path / "base-manifest.json"), "--dbt-catalog",
        str(path), "--namespace", NS, "--fail-on", "warning", "--data-dir", str(data_dir),
    )  # fmt: skip
    assert warned.returncode in (0, 1)  # WARNING rows only where something reads order_id


# -- SQL ---------------------------------------------------------------------------------------

WAREHOUSES = {
    "postgres": ("postgres://db:5432", "shop.public.orders"),
    "snowflake": ("snowflake://acme", "SHOP.PUBLIC.ORDERS"),
    "bigquery": ("bigquery", "proj.ds.orders"),
}


@pytest.fixture
def warehouses(tmp_path: Path) -> Path:
    """An orders table in three warehouses, each read by a job computing a report column."""
    data_dir = tmp_path / "store"
    events = []
    for i, (dialect, (ns, name)) in enumerate(WAREHOUSES.items()):
        cols = [
            field("id", "INTEGER"),
            field("amount", "NUMERIC(10,2)"),
            field("status", "VARCHAR(20)"),
        ]
        events.append(
            job_event(
                ("airflow://reports", f"{dialect}_daily"),
                [(ns, name, cols)],
                (
                    "s3://reports",
                    f"{dialect}/daily",
                    [field("total", "DECIMAL(18,2)"), field("state", "STRING")],
                ),
                {"total": [(ns, name, "amount")], "state": [(ns, name, "status")]},
                owner=f"team-{dialect}",
                run=f"0f5bd5b8-8c2a-4bd4-9a7a-6f4b0c8e0b0{i}",
            )
        )
    ingest_events(data_dir, events, tmp_path)
    return data_dir


@pytest.mark.parametrize(
    ("dialect", "sql", "expected"),
    [
        (
            "postgres",
            (
                "-- migration 42\nALTER TABLE public.orders DROP COLUMN amount;\n"
                "ALTER TABLE public.orders ALTER COLUMN id TYPE bigint;"
            ),
            {("COLUMN_REMOVED", "amount", "BREAKING"), ("COLUMN_RETYPED", "id", "WARNING")},
        ),
        (
            "snowflake",
            "ALTER TABLE shop.public.orders RENAME COLUMN status TO order_status;",
            {("COLUMN_RENAMED", "status", "BREAKING")},
        ),
        (
            "postgres",  # PostgreSQL's COLUMN is optional: a column renamed, not the table
            "ALTER TABLE public.orders RENAME status TO order_status;",
            {("COLUMN_RENAMED", "status", "BREAKING")},
        ),
        (
            "bigquery",
            "ALTER TABLE `proj.ds.orders` ALTER COLUMN amount SET DATA TYPE STRING;",
            {("COLUMN_RETYPED", "amount", "BREAKING")},
        ),
    ],
)
def test_sql_migrations_in_three_dialects(
    warehouses: Path, tmp_path: Path, dialect: str, sql: str, expected: set[tuple[str, str, str]]
) -> None:
    ns, _ = WAREHOUSES[dialect]
    migration = tmp_path / f"{dialect}.sql"
    migration.write_text(sql)
    code, report, stderr = check(
        warehouses, "--sql", str(migration), "--sql-dialect", dialect, "--namespace", ns,
        "--format", "json",
    )  # fmt: skip
    assert code == 1, stderr
    assert isinstance(report, dict)
    assert {(c["kind"], c["column"], c["severity"]) for c in report["changes"]} == expected
    broken = {row["id"] for row in report["affected"] if row["severity"] == "BREAKING"}
    target = "state" if "status" in sql else "total"
    assert f"datasetField:s3://reports:{dialect}/daily:{target}" in broken
    assert f"team-{dialect}" in {o["name"] for o in report["owners"]}


def test_sql_table_drop_view_replace_and_bad_sql(warehouses: Path, tmp_path: Path) -> None:
    drop = tmp_path / "drop.sql"
    drop.write_text("DROP TABLE public.orders;\nCREATE TABLE public.fresh (id int);")
    code, report, _ = check(
        warehouses, "--sql", str(drop), "--sql-dialect", "postgres", "--namespace",
        "postgres://db:5432", "--format", "json",
    )  # fmt: skip
    assert code == 1 and isinstance(report, dict)
    kinds = [(c["kind"], c["source"].rsplit(":", 1)[-1]) for c in report["changes"]]
    assert kinds == [("DATASET_REMOVED", "1"), ("DATASET_ADDED", "2")]
    view = tmp_path / "view.sql"
    view.write_text("CREATE OR REPLACE VIEW ds.orders AS SELECT id, amount FROM proj.ds.raw_orders")
    code, report, _ = check(
        warehouses, "--sql", str(view), "--sql-dialect", "bigquery", "--namespace", "bigquery",
        "--format", "json",
    )  # fmt: skip
    assert isinstance(report, dict)
    assert [(c["kind"], c["column"]) for c in report["changes"]] == [("COLUMN_REMOVED", "status")]
    assert code == 1
    bad = tmp_path / "bad.sql"
    bad.write_text("ALTER TABLE public.orders DROP COLUMN amount;\n\nALTER TABLE (((;")
    done = cli(
        "check", "--sql", str(bad), "--sql-dialect", "postgres", "--namespace", "postgres://db:5432",
        "--data-dir", str(warehouses),
    )  # fmt: skip
    assert done.returncode == 2 and done.stderr.startswith(f"Error: {bad}:3: ")
    no_ns = cli("check", "--sql", str(bad), "--data-dir", str(warehouses))
    assert no_ns.returncode == 2 and "--namespace" in no_ns.stderr
    dialect = cli(
        "check", "--sql", str(bad), "--sql-dialect", "postgress", "--namespace", "pg",
        "--data-dir", str(warehouses),
    )  # fmt: skip
    assert dialect.returncode == 2 and "Did you mean postgres?" in dialect.stderr


# -- contracts ---------------------------------------------------------------------------------

CONTRACT: dict[str, Any] = {
    "apiVersion": "v3.0.2",
    "kind": "DataContract",
    "id": "orders-contract",
    "version": "1.0.0",
    "status": "active",
    "domain": "sales",
    "dataProduct": "orders",
    "servers": [
        {
            "server": "prod",
            "type": "postgres",
            "host": "db",
            "port": 5432,
            "database": "shop",
            "schema": "public",
        }
    ],
    "schema": [
        {
            "name": "orders",
            "physicalName": "orders",
            "physicalType": "table",
            "properties": [
                {"name": "id", "physicalType": "INTEGER", "required": True},
                {"name": "amount", "physicalType": "NUMERIC(10,2)"},
                {"name": "status", "physicalType": "VARCHAR(20)"},
            ],
            "quality": [{"metric": "rowCount", "mustBeGreaterThan": 100}],
        }
    ],
    "slaProperties": [{"property": "freshness", "value": 24, "unit": "h"}],
    "customProperties": [{"property": "consumers", "value": [{"name": "finance-bi"}]}],
}


def test_contract_diff_against_the_graphs_version(warehouses: Path, tmp_path: Path) -> None:
    current = tmp_path / "orders.odcs.yaml"
    current.write_text(yaml.safe_dump(CONTRACT))
    done = cli("ingest", "contracts", str(current), "--data-dir", str(warehouses))
    assert done.returncode == 0, done.stderr
    same = cli("check", "--contract", str(current), "--data-dir", str(warehouses))
    assert same.returncode == 0, same.stdout + same.stderr
    new = copy.deepcopy(CONTRACT)
    new["version"] = "2.0.0"
    props = new["schema"][0]["properties"]
    new["schema"][0]["properties"] = [p for p in props if p["name"] != "amount"] + [
        {"name": "channel", "physicalType": "VARCHAR(10)"}
    ]
    new["schema"][0]["quality"] = [{"metric": "rowCount", "mustBeGreaterThan": 1000}]
    new["slaProperties"] = [{"property": "freshness", "value": 1, "unit": "h"}]
    proposed = tmp_path / "orders-v2.odcs.yaml"
    proposed.write_text(yaml.safe_dump(new))
    code, report, stderr = check(warehouses, "--contract", str(proposed), "--format", "json")
    assert code == 1, stderr
    assert isinstance(report, dict)
    assert {(c["kind"], c["column"], c["severity"]) for c in report["changes"]} == {
        ("COLUMN_REMOVED", "amount", "BREAKING"),
        ("COLUMN_ADDED", "channel", "NONE"),
        ("FRESHNESS_TIGHTENED", None, "BREAKING"),
        ("QUALITY_TIGHTENED", "orders", "BREAKING"),
    }
    assert "datasetField:s3://reports:postgres/daily:total" in {
        row["id"] for row in report["affected"] if row["severity"] == "BREAKING"
    }
    junit = cli(
        "check", "--contract", str(proposed), "--format", "junit", "--data-dir", str(warehouses)
    )
    assert junit.returncode == 1
    assert 'classname="lineagemesh.consumer" name="consumer:finance-bi"' in junit.stdout
    assert "<failure" in junit.stdout
    loosened = copy.deepcopy(CONTRACT)
    loosened["slaProperties"] = [{"property": "freshness", "value": 48, "unit": "h"}]
    (tmp_path / "loose.yaml").write_text(yaml.safe_dump(loosened))
    code, report, _ = check(
        warehouses, "--contract", str(tmp_path / "loose.yaml"), "--contract-base", str(current),
        "--format", "json",
    )  # fmt: skip
    assert isinstance(report, dict)
    assert [(c["kind"], c["old"], c["new"]) for c in report["changes"]] == [
        ("FRESHNESS_LOOSENED", "24h", "48h")
    ]
    assert code == 0


def test_a_field_made_required_is_breaking_against_the_graphs_contract(
    warehouses: Path, tmp_path: Path
) -> None:
    """The graph keeps what the ingested contract says of each field (``Column.required``): a
    new version making ``amount`` required is compared with it, not with itself."""
    current = tmp_path / "orders.odcs.yaml"
    current.write_text(yaml.safe_dump(CONTRACT))
    done = cli("ingest", "contracts", str(current), "--data-dir", str(warehouses))
    assert done.returncode == 0, done.stderr
    new = copy.deepcopy(CONTRACT)
    new["version"] = "1.1.0"
    for prop in new["schema"][0]["properties"]:
        prop["required"] = prop["name"] in ("id", "amount")
    proposed = tmp_path / "orders-required.odcs.yaml"
    proposed.write_text(yaml.safe_dump(new))
    code, report, stderr = check(warehouses, "--contract", str(proposed), "--format", "json")
    assert isinstance(report, dict), stderr
    assert [(c["kind"], c["column"]) for c in report["changes"]] == [
        ("COLUMN_MADE_REQUIRED", "amount")
    ]
    assert (code, report["verdict"]) == (1, "BREAKING")
    new["schema"][0]["properties"][0]["required"] = False  # id made optional: a warning
    proposed.write_text(yaml.safe_dump(new))
    _, report, stderr = check(warehouses, "--contract", str(proposed), "--format", "json")
    assert isinstance(report, dict), stderr
    assert {(c["kind"], c["column"]) for c in report["changes"]} == {
        ("COLUMN_MADE_REQUIRED", "amount"),
        ("COLUMN_MADE_OPTIONAL", "id"),
    }


def test_a_field_required_where_the_graph_knows_no_nullability_is_uncertain(
    warehouses: Path, tmp_path: Path
) -> None:
    """``status`` is known only from OpenLineage schemas (no nullability) and the ingested contract
    says nothing of it: a version making it required is a WARNING, uncertain, against the graph;
    against an old contract stating it optional, and in a migration's SET NOT NULL, BREAKING. A
    latency SLO the graph's contract does not state is one added: BREAKING."""
    current = copy.deepcopy(CONTRACT)
    props = current["schema"][0]["properties"]
    current["schema"][0]["properties"] = [p for p in props if p["name"] != "status"]
    (tmp_path / "orders.odcs.yaml").write_text(yaml.safe_dump(current))
    done = cli(
        "ingest", "contracts", str(tmp_path / "orders.odcs.yaml"), "--data-dir", str(warehouses)
    )
    assert done.returncode == 0, done.stderr
    new = copy.deepcopy(CONTRACT)
    new["version"] = "1.1.0"
    new["schema"][0]["properties"][2]["required"] = True  # status
    proposed = tmp_path / "orders-status.odcs.yaml"
    proposed.write_text(yaml.safe_dump(new))
    code, report, stderr = check(warehouses, "--contract", str(proposed), "--format", "json")
    assert isinstance(report, dict), stderr
    assert [(c["kind"], c["column"], c["severity"], c["old"]) for c in report["changes"]] == [
        ("COLUMN_MADE_REQUIRED", "status", "WARNING", "unknown")
    ]
    assert report["changes"][0]["reason"].startswith(
        "uncertain: the graph does not know the column's nullability"
    )
    assert (code, report["verdict"]) == (0, "WARNING")
    warned = cli(
        "check", "--contract", str(proposed), "--fail-on", "warning", "--data-dir", str(warehouses)
    )
    assert warned.returncode == 1, warned.stderr
    base = tmp_path / "orders-base.odcs.yaml"
    base.write_text(yaml.safe_dump(CONTRACT))  # status stated, optional
    code, report, _ = check(
        warehouses, "--contract", str(proposed), "--contract-base", str(base), "--format", "json"
    )
    assert isinstance(report, dict)
    assert [(c["kind"], c["column"], c["severity"]) for c in report["changes"]] == [
        ("COLUMN_MADE_REQUIRED", "status", "BREAKING")
    ]
    assert code == 1
    migration = tmp_path / "not-null.sql"
    migration.write_text("ALTER TABLE public.orders ALTER COLUMN status SET NOT NULL;")
    code, report, _ = check(
        warehouses, "--sql", str(migration), "--sql-dialect", "postgres", "--namespace", NS,
        "--format", "json",
    )  # fmt: skip
    assert isinstance(report, dict)
    assert [(c["kind"], c["severity"]) for c in report["changes"]] == [
        ("COLUMN_MADE_REQUIRED", "BREAKING")
    ]
    assert code == 1
    latency = copy.deepcopy(CONTRACT)  # status stated, optional: no change against the graph
    latency["slaProperties"] = [
        *CONTRACT["slaProperties"],
        {"property": "latency", "value": 1, "unit": "d"},
    ]
    proposed.write_text(yaml.safe_dump(latency))
    code, report, _ = check(warehouses, "--contract", str(proposed), "--format", "json")
    assert isinstance(report, dict)
    assert [(c["kind"], c["term"], c["severity"]) for c in report["changes"]] == [
        ("FRESHNESS_TIGHTENED", "latency", "BREAKING")
    ]
    assert code == 1


# -- Iceberg -----------------------------------------------------------------------------------


def iceberg_metadata(fields: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "format-version": 2,
        "table-uuid": "9c12d441-03fe-4693-9a96-a0705ddf69c1",
        "location": "s3://lake/warehouse/db/events",
        "last-updated-ms": 1767225600000,
        "last-column-id": 9,
        "current-schema-id": 1,
        "schemas": [
            {"type": "struct", "schema-id": 0, "fields": []},
            {"type": "struct", "schema-id": 1, "fields": fields},
        ],
    }


def test_iceberg_metadata_renames_by_field_id(tmp_path: Path) -> None:
    data_dir = tmp_path / "store"
    reader = job_event(
        ("spark://cluster", "sessions"),
        [
            (
                "s3://lake",
                "warehouse/db/events",
                [field("id", "long"), field("user", "string"), field("ts", "timestamp")],
            )
        ],
        (
            "s3://lake",
            "warehouse/db/sessions",
            [field("user_key", "string"), field("first_ts", "timestamp")],
        ),
        {
            "user_key": [("s3://lake", "warehouse/db/events", "user")],
            "first_ts": [("s3://lake", "warehouse/db/events", "ts")],
        },
        owner="team-sessions",
    )
    ingest_events(data_dir, [reader], tmp_path)
    old = [
        {"id": 1, "name": "id", "type": "long", "required": True},
        {"id": 2, "name": "user", "type": "string", "required": False},
        {"id": 3, "name": "ts", "type": "timestamp", "required": False},
    ]
    new = [
        {"id": 1, "name": "id", "type": "long", "required": True},
        {"id": 2, "name": "user_id", "type": "string", "required": False},
        {"id": 4, "name": "ts", "type": "timestamptz", "required": False},
    ]
    (tmp_path / "old.json").write_text(json.dumps(iceberg_metadata(old)))
    (tmp_path / "new.json").write_text(json.dumps(iceberg_metadata(new)))
    code, report, stderr = check(
        data_dir, "--iceberg-metadata", str(tmp_path / "old.json"), str(tmp_path / "new.json"),
        "--format", "json",
    )  # fmt: skip
    assert code == 1, stderr
    assert isinstance(report, dict)
    assert [(c["kind"], c["column"], c["new"]) for c in report["changes"]] == [
        ("COLUMN_RENAMED", "user", "user_id"),
        ("COLUMN_REMOVED", "ts", None),  # same name, another field id: a new column
        ("COLUMN_ADDED", "ts", "timestamptz"),
    ]
    rows = {row["id"]: row for row in report["affected"]}
    assert rows["datasetField:s3://lake:warehouse/db/sessions:user_key"]["severity"] == "BREAKING"
    assert rows["datasetField:s3://lake:warehouse/db/sessions:first_ts"]["severity"] == "BREAKING"
    assert "team-sessions" in {o["name"] for o in report["owners"]}


# -- the command line --------------------------------------------------------------------------


def test_help_ids_suggestions_and_usage_errors(warehouses: Path) -> None:
    shown = cli("check", "--help")
    assert shown.returncode == 0
    assert "datasetField:NAMESPACE:NAME:COLUMN" in shown.stdout and "--fail-on" in shown.stdout
    assert "--event-log" not in shown.stdout and "--keep-events" not in shown.stdout
    typo = "datasetField:postgres://db:5432:shop.public.orders:amont"
    done = cli("check", typo, "--data-dir", str(warehouses))
    assert done.returncode == 2
    assert "did you mean datasetField:postgres://db:5432:shop.public.orders:amount" in done.stderr
    assert cli("check", "--data-dir", str(warehouses)).returncode == 2  # nothing to check
    events = cli("check", typo, "--event-log", "x", "--data-dir", str(warehouses))
    assert events.returncode == 2 and "No such option" in events.stderr


def test_a_held_data_dir_exits_2_and_the_server_answers_quietly(
    warehouses: Path, tmp_path: Path
) -> None:
    from live_server import LiveServer

    column = "datasetField:postgres://db:5432:shop.public.orders:amount"
    server = LiveServer(["--data-dir", str(warehouses)], tmp_path / "server.log").start()
    try:
        held = cli("check", column, "--data-dir", str(warehouses))
        assert held.returncode == 2 and "--server" in held.stderr, held.stderr
        asked = cli("check", column, "--server", server.url, "--format", "markdown")
        assert asked.returncode == 1
        assert asked.stderr == ""  # no HTTP client log lines
        assert "datasetField:s3://reports:postgres/daily:total" in asked.stdout
        never = cli("check", column, "--server", server.url, "--fail-on", "never")
        assert never.returncode == 0
    finally:
        server.stop()


# -- a hub change on the bench mesh ------------------------------------------------------------


def test_markdown_for_a_hub_change_on_the_10k_mesh_fits_one_comment(tmp_path: Path) -> None:
    """The 10k-dataset bench mesh (the 100k one is measured by scripts/bench.py): dropping a hub
    table reaches thousands of nodes; the comment still fits GitHub's 65,536 characters and says
    how many rows it left out, and the JSON keeps them all."""
    data_dir, hub = ingested_bench_mesh(tmp_path, 10_000)
    markdown = cli("check", hub, "--format", "markdown", "--data-dir", str(data_dir))
    assert markdown.returncode == 1, markdown.stderr
    assert len(markdown.stdout) <= 65_536
    code, report, _ = check(data_dir, hub, "--format", "json")
    assert code == 1 and isinstance(report, dict)
    rows = len(report["affected"])
    assert rows > 5_000
    first = report["affected"][0]
    # each node by its display name, the full id its title
    assert f'<code title="{first["id"]}">' in markdown.stdout and first["severity"] == "BREAKING"
    shown = markdown.stdout.count("\n| BREAKING") + markdown.stdout.count("\n- BREAKING ")
    shown += markdown.stdout.count("\n| WARNING") + markdown.stdout.count("\n- WARNING ")
    left = rows - shown  # the changes' lines are indented under their dataset: not counted
    assert f"**{left} more affected nodes not shown**" in markdown.stdout
