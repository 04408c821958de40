"""The pull-request check never passes what it could not judge — a dbt manifest made for another
target or namespace than the graph's, SQL the parser cannot read, tables it does not know — nor a
change breaking by the contract rules with nothing downstream today.

A real dbt-duckdb project (``tests/corpora/dbt-duckdb-deliveries``) is the graph's production
state, with a Spark job outside dbt reading ``orders.amount``; its pull request dropping
``amount`` was parsed twice by dbt itself, with production's target and with a CI target whose
schema is ``dbt_ci_pr42``. Everything goes through the real CLI on a real embedded store.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_pr_check import check, cli, field, ingest_dbt, ingest_events, job_event

CORPUS = Path(__file__).parent / "corpora" / "dbt-duckdb-deliveries"
PROD = CORPUS / "target" / "manifest.json"
PR_PROD = CORPUS / "pr-drops-amount" / "target-prod" / "manifest.json"
PR_CI = CORPUS / "pr-drops-amount" / "target-ci" / "manifest.json"
NS = "duckdb://deliveries"
PAYOUTS = "datasetField:s3://lake:finance/payouts:payout"


@pytest.fixture
def deliveries(tmp_path: Path) -> Path:
    """Production's manifest ingested, and a Spark job computing payouts from orders.amount."""
    data_dir = tmp_path / "store"
    ingest_dbt(PROD, NS, data_dir)
    spark = job_event(
        ("spark://cluster", "finance.payouts"),
        [(NS, "deliveries.main.orders", None)],
        ("s3://lake", "finance/payouts", [field("payout", "decimal(18,2)")]),
        {"payout": [(NS, "deliveries.main.orders", "amount")]},
        owner="team-finance",
    )
    ingest_events(data_dir, [spark], tmp_path)
    return data_dir


def test_a_manifest_parsed_with_production_target_breaks_the_spark_job(deliveries: Path) -> None:
    code, report, stderr = check(
        deliveries, "--dbt-manifest", str(PR_PROD), "--namespace", NS, "--format", "json"
    )
    assert code == 1, stderr
    assert isinstance(report, dict)
    assert [(c["kind"], c["column"]) for c in report["changes"]] == [("COLUMN_REMOVED", "amount")]
    assert {r["id"]: r["severity"] for r in report["affected"]}[PAYOUTS] == "BREAKING"


def test_a_ci_target_manifest_exits_2_naming_the_mismatch_and_the_fix(deliveries: Path) -> None:
    done = cli(
        "check", "--dbt-manifest", str(PR_CI), "--namespace", NS, "--data-dir", str(deliveries)
    )
    assert done.returncode == 2, done.stdout
    assert done.stdout == ""
    assert "dbt target mismatch with the graph" in done.stderr
    assert "schema deliveries.dbt_ci_pr42, not deliveries.main" in done.stderr
    assert "`dbt parse --target prod`" in done.stderr
    assert "--dbt-schema-map dbt_ci_pr42=main" in done.stderr


def test_against_a_base_manifest_the_moved_schema_is_one_mismatch_not_renames(
    deliveries: Path,
) -> None:
    done = cli(
        "check", "--dbt-manifest", str(PR_CI), "--dbt-base", str(PROD), "--namespace", NS,
        "--data-dir", str(deliveries),
    )  # fmt: skip
    assert done.returncode == 2, done.stdout
    assert "DATASET_RENAMED" not in done.stdout + done.stderr
    assert done.stderr.count("dbt target mismatch") == 1
    assert f"with the base manifest {PROD}: 2 relations" in done.stderr


def test_the_schema_map_reads_a_ci_manifest_as_production(deliveries: Path) -> None:
    mapped = check(
        deliveries, "--dbt-manifest", str(PR_CI), "--dbt-schema-map", "dbt_ci_pr42=main",
        "--namespace", NS, "--format", "json",
    )  # fmt: skip
    prod = check(deliveries, "--dbt-manifest", str(PR_PROD), "--namespace", NS, "--format", "json")
    assert mapped[0] == prod[0] == 1
    assert isinstance(mapped[1], dict) and isinstance(prod[1], dict)
    assert mapped[1]["affected"] == prod[1]["affected"]
    bad = cli(
        "check", "--dbt-manifest", str(PR_CI), "--dbt-schema-map", "dbt_ci_pr42",
        "--data-dir", str(deliveries),
    )  # fmt: skip
    assert bad.returncode == 2 and "not FROM=TO" in bad.stderr


def test_a_wrong_namespace_exits_2_naming_the_graphs(deliveries: Path, tmp_path: Path) -> None:
    done = cli(
        "check", "--dbt-manifest", str(PR_PROD), "--namespace", "duckdb://dev",
        "--data-dir", str(deliveries),
    )  # fmt: skip
    assert done.returncode == 2, done.stdout
    assert "namespace duckdb://dev, not duckdb://deliveries" in done.stderr
    assert "--namespace duckdb://deliveries" in done.stderr
    empty = cli(
        "check", "--dbt-manifest", str(PR_PROD), "--namespace", NS,
        "--data-dir", str(tmp_path / "empty"),
    )  # fmt: skip
    assert empty.returncode == 2, empty.stdout
    assert "none of its 2 dbt relations is in the graph" in empty.stderr


# -- SQL ---------------------------------------------------------------------------------------

PG = "postgres://db:5432"


def migrate(data_dir: Path, tmp_path: Path, sql: str, *extra: str) -> tuple[int, str, str, Path]:
    path = tmp_path / f"m{len(list(tmp_path.glob('m*.sql')))}.sql"
    path.write_text(sql)
    done = cli(
        "check", "--sql", str(path), "--sql-dialect", "postgres", "--namespace", PG, *extra,
        "--data-dir", str(data_dir),
    )  # fmt: skip
    return done.returncode, done.stdout, done.stderr, path


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """shop.public.orders, whose amount an Airflow job sums into a report."""
    data_dir = tmp_path / "store"
    cols = [field("id", "INTEGER"), field("amount", "NUMERIC(10,2)"), field("status", "TEXT")]
    airflow = job_event(
        ("airflow://reports", "daily"),
        [(PG, "shop.public.orders", cols)],
        ("s3://reports", "daily", [field("total", "DECIMAL(18,2)")]),
        {"total": [(PG, "shop.public.orders", "amount")]},
        owner="team-reports",
    )
    ingest_events(data_dir, [airflow], tmp_path)
    return data_dir


def test_sql_the_parser_cannot_read_is_an_input_error_at_its_line(
    shop: Path, tmp_path: Path
) -> None:
    code, out, err, path = migrate(
        shop, tmp_path, "-- 0042\nALTER TABLE public.orders DROP COLUMN amount\nCOMMIT;\n"
    )
    assert code == 2 and out == ""
    assert err.startswith(f"Error: {path}:2: cannot read 'ALTER TABLE public.orders DROP COLUMN")
    assert "a ';' missing before line 3?" in err and "sqlglot" not in err
    code, out, err, path = migrate(
        shop, tmp_path,
        "BEGIN;\nDO $$ BEGIN\n  ALTER TABLE public.orders DROP COLUMN amount;\nEND $$;\nCOMMIT;\n",
    )  # fmt: skip
    assert code == 2 and err.startswith(f"Error: {path}:2: cannot read 'DO $$")
    # the last statement without its ';' is read; commands that change no table pass
    code, out, err, _ = migrate(shop, tmp_path, "ALTER TABLE public.orders DROP COLUMN amount")
    assert code == 1 and "BREAKING drop amount" in out, err
    code, out, err, _ = migrate(
        shop, tmp_path,
        "CREATE EXTENSION IF NOT EXISTS pgcrypto;\nVACUUM public.orders;\n"
        "ALTER TABLE public.orders ADD COLUMN note text;",
    )  # fmt: skip
    assert code == 0 and err == "", out


def test_unknown_tables_and_columns_are_named_and_strict_refuses_them(
    shop: Path, tmp_path: Path
) -> None:
    sql = (
        "ALTER TABLE public.orders ALTER COLUMN amout SET NOT NULL;\n"
        "ALTER TABLE public.order_lines DROP COLUMN sku;\n"
    )
    code, out, err, path = migrate(shop, tmp_path, sql)
    assert code in (0, 1), err
    assert f"note: {path}:1: unknown column amout: shop.public.orders has no such column" in out
    assert f"note: {path}:2: unknown table public.order_lines" in out
    code, out, err, path = migrate(shop, tmp_path, sql, "--strict")
    assert code == 2 and out == ""
    assert err.startswith(f"Error: {path}:1: unknown column amout") and "(and 1 more)" in err
    # nothing of the migration is in the graph: another namespace, nothing could be judged
    code, out, err, path = migrate(shop, tmp_path, "ALTER TABLE sales.orders DROP COLUMN amount;")
    assert code == 2 and out == ""
    assert f"{path}:1: none of the tables the migration changes (sales.orders)" in err
    # tables the migration creates itself are new, not unknown
    code, out, err, _ = migrate(
        shop, tmp_path,
        "CREATE TABLE public.refunds (id int);\nALTER TABLE public.refunds ADD COLUMN why text;",
        "--strict",
    )  # fmt: skip
    assert code == 0 and "public.refunds is new" in out, err


# -- verdicts ----------------------------------------------------------------------------------


@pytest.fixture
def published(tmp_path: Path) -> Path:
    """Production's dbt project alone: nothing outside dbt reads it yet."""
    data_dir = tmp_path / "store"
    ingest_dbt(PROD, NS, data_dir)
    return data_dir


def pr_of(tmp_path: Path, name: str, edit: Callable[[dict[str, Any]], None]) -> Path:
    """Production's manifest with one pull request's edit."""
    manifest = json.loads(PROD.read_text())
    edit(manifest)
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(manifest))
    return path


def test_a_breaking_change_fails_with_nothing_downstream(published: Path, tmp_path: Path) -> None:
    """A dropped column, a deleted model, a field made required: BREAKING by the contract rules
    to a published product, whatever reads it today."""

    def delete_orders(manifest: dict[str, Any]) -> None:
        nodes = manifest["nodes"]
        for uid in [u for u, n in nodes.items() if u == "model.deliveries.orders"
                    or n.get("attached_node") == "model.deliveries.orders"]:  # fmt: skip
            del nodes[uid]

    def require_id(manifest: dict[str, Any]) -> None:
        column = manifest["nodes"]["model.deliveries.orders"]["columns"]["id"]
        column["constraints"] = [{"type": "not_null"}]

    cases = [
        (PR_PROD, ("COLUMN_REMOVED", "amount")),
        (pr_of(tmp_path, "deleted", delete_orders), ("DATASET_REMOVED", None)),
        (pr_of(tmp_path, "required", require_id), ("COLUMN_MADE_REQUIRED", "id")),
    ]
    for manifest, change in cases:
        args = ("--dbt-manifest", str(manifest), "--dbt-base", str(PROD), "--namespace", NS)
        code, report, stderr = check(published, *args, "--format", "json")
        assert isinstance(report, dict), stderr
        assert change in {(c["kind"], c["column"]) for c in report["changes"]}
        assert (code, report["verdict"], report["impact"]) == (1, "BREAKING", "NONE"), change
        text = cli("check", *args, "--data-dir", str(published))
        assert text.returncode == 1
        assert text.stdout.startswith(
            "blast radius: BREAKING (the changes themselves; downstream, nothing is known to break)"
        )
        impact = cli("check", *args, "--fail-on", "impact", "--data-dir", str(published))
        assert impact.returncode == 0, impact.stderr


# -- docs --------------------------------------------------------------------------------------


def _section(text: str, heading: str) -> str:
    """A docs section: from its heading to the next heading of any level."""
    return text.split(heading + "\n", 1)[1].split("\n#", 1)[0]


def test_the_docs_say_which_target_what_fails_closed_and_how_to_tune_fail_on() -> None:
    """docs/ci.md names the target to parse with and the fixes the refusals above name, what
    fails closed (SQL at file:line, unknown names under --strict), and each --fail-on level the
    command takes, in its order, the default marked."""
    from graph.cli.check import FAIL_LEVELS
    from graph.cli.check import check as command

    docs = (Path(__file__).parents[1] / "docs" / "ci.md").read_text()
    target = _section(docs, "### Which dbt target to parse with, and what fails closed")
    for named in ("`dbt parse --target prod`", "`--dbt-schema-map FROM=TO`", "`--namespace`"):
        assert named in target, named
    for closed in ("**one target mismatch**", "`file:line`, exit 2", "`--strict`"):
        assert closed in target, closed
    tuning = _section(docs, "### The verdict, and tuning `--fail-on`")
    levels = re.findall(r"^\| `(\w+)`( \(default\))? \|", tuning, re.M)
    assert [name for name, _ in levels] == list(FAIL_LEVELS)
    [option] = [p for p in command.params if p.name == "fail_on"]
    assert [name for name, default in levels if default] == [option.default]
