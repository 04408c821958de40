"""Check results from the tools themselves → assertions, through the command line, on every store:
a real dbt-duckdb build's run_results.json (``ingest dbt --run-results``), a real ``soda scan -srf``
and real Great Expectations checkpoint and validation results (``ingest quality``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from graph.read import health
from graph.stores import Store

CORPUS = Path(__file__).parent / "corpora" / "dbt-duckdb-deliveries"
SODA = Path(sys.executable).with_name("soda")
SCAN_ARGS = ("-srf", "results.json", "checks.yml")  # the scan results file, then the checks


def lineagemesh(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graph", *args], capture_output=True, text=True, timeout=300
    )


def checks_of(store: Store, dataset: str) -> dict[str, dict[str, Any]]:
    """The dataset's assertions by name: their latest result and how many results they have."""
    found = health.assertions(store, [dataset])[dataset]
    return {
        a.props["name"]: {
            **{
                k: a.props.get(k)
                for k in ("status", "severity", "column", "expected", "actual", "source")
            },
            "results": len(health.assertion_history(store, a.id)),
        }
        for a in found
    }


def test_dbt_run_results_of_a_real_dbt_duckdb_build(
    store_args: list[str], open_test_store: Callable[[], Store]
) -> None:
    done = lineagemesh(
        "ingest",
        "dbt",
        str(CORPUS / "target" / "manifest.json"),
        "--namespace",
        "duckdb://deliveries",
        "--run-results",
        str(CORPUS / "target" / "run_results.json"),
        *store_args,
    )
    assert done.returncode == 0, done.stderr
    orders = "dataset:duckdb://deliveries:deliveries.main.orders"
    with open_test_store() as store:
        checks = checks_of(store, orders)
        assert checks == {
            "not_null_orders_driver_id": {
                "status": "FAIL",
                "severity": "error",
                "column": "driver_id",
                "expected": "0",
                "actual": "1",
                "source": "dbt",
                "results": 1,
            },
            "not_null_orders_amount": {
                "status": "PASS",
                "severity": "error",
                "column": "amount",
                "expected": "0",
                "actual": "0",
                "source": "dbt",
                "results": 1,
            },
            "unique_orders_id": {
                "status": "FAIL",
                "severity": "warn",
                "column": "id",
                "expected": "0",
                "actual": "1",
                "source": "dbt",
                "results": 1,
            },
        }
        found = health.dataset_health(store, orders)
        assert found.status is health.HealthStatus.FAILING
        assert [r.kind for r in found.reasons] == [
            health.ReasonKind.ASSERTION_FAILED,
            health.ReasonKind.ASSERTION_WARNING,
        ]


def test_a_bad_run_results_file_is_refused_and_applies_nothing(
    store_args: list[str], open_test_store: Callable[[], Store], tmp_path: Path
) -> None:
    broken = tmp_path / "run_results.json"
    broken.write_text('{"metadata": {\n  "dbt_schema_version": }', encoding="utf-8")
    done = lineagemesh(
        "ingest",
        "dbt",
        str(CORPUS / "target" / "manifest.json"),
        "--run-results",
        str(broken),
        *store_args,
    )
    assert done.returncode == 2
    assert f"{broken}:2: not JSON" in done.stderr
    with open_test_store() as store:
        assert sum(store.counts().values()) == 0


def test_soda_scan_results_of_the_real_soda_cli(
    store_args: list[str], open_test_store: Callable[[], Store], tmp_path: Path
) -> None:
    import duckdb

    with duckdb.connect(str(tmp_path / "shop.duckdb")) as db:
        db.execute(
            "create table orders as select * from (values (1, 10, 12.5), (2, null, 8.0), (3, 11, null))"
            " t(id, driver_id, amount)"
        )
    (tmp_path / "configuration.yml").write_text(
        "data_source shop:\n  type: duckdb\n  path: shop.duckdb\n", encoding="utf-8"
    )
    (tmp_path / "checks.yml").write_text(
        "checks for orders:\n"
        "  - row_count > 0\n"
        "  - missing_count(driver_id) = 0\n"
        "  - missing_count(amount):\n      warn: when > 0\n      fail: when > 10\n",
        encoding="utf-8",
    )
    home = tmp_path / "home"  # soda's own config: no usage statistics sent anywhere
    (home / ".soda").mkdir(parents=True)
    (home / ".soda" / "config.yml").write_text("send_anonymous_usage_stats: false\n")
    scan = subprocess.run(
        [str(SODA), "scan", "-d", "shop", "-c", "configuration.yml", *SCAN_ARGS],
        cwd=tmp_path,
        env={**os.environ, "HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert scan.returncode == 2, scan.stdout + scan.stderr  # soda's exit code for a failed check
    done = lineagemesh(
        "ingest",
        "quality",
        str(tmp_path / "results.json"),
        "--namespace",
        "duckdb://shop",
        "--prefix",
        "shop.main",
        *store_args,
    )
    assert done.returncode == 0, done.stderr
    with open_test_store() as store:
        checks = checks_of(store, "dataset:duckdb://shop:shop.main.orders")
    assert {name: (c["status"], c["severity"], c["column"]) for name, c in checks.items()} == {
        "row_count > 0": ("PASS", "error", None),
        "missing_count(driver_id) = 0": ("FAIL", "error", "driver_id"),
        "missing_count(amount) warn when > 0 fail when > 10": ("FAIL", "warn", "amount"),
    }
    assert checks["missing_count(driver_id) = 0"]["actual"] == "1"


def _great_expectations_results(directory: Path) -> tuple[Path, Path]:
    """A checkpoint result and a validation result, as Great Expectations makes them."""
    result, validation = _great_expectations_runs()
    checkpoint_file = directory / "checkpoint.json"
    checkpoint_file.write_text(
        json.dumps(
            {
                "run_id": result.run_id.to_json_dict(),
                "success": result.success,
                "run_results": {
                    str(key): {"validation_result": found.to_json_dict()}
                    for key, found in result.run_results.items()
                },
            }
        )
    )
    validation_file = directory / "validation.json"
    validation_file.write_text(json.dumps(validation.to_json_dict()))
    return checkpoint_file, validation_file


def great_expectations_summaries(directory: Path) -> tuple[Path, Path]:
    """The same runs as GX 1.x sums them up: ``describe_dict()`` of the checkpoint result and of
    the later validation result (neither names the table checked, nor when)."""
    result, validation = _great_expectations_runs()
    checkpoint_file = directory / "checkpoint-described.json"
    checkpoint_file.write_text(json.dumps(result.describe_dict(), default=str))
    validation_file = directory / "validation-described.json"
    validation_file.write_text(json.dumps(validation.describe_dict(), default=str))
    return checkpoint_file, validation_file


def _great_expectations_runs() -> tuple[Any, Any]:
    """A checkpoint run over orders with a null driver and a duplicate id, and a later validation
    of fixed orders (a driver outside the expected set), by Great Expectations itself."""
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    import great_expectations as gx
    import pandas as pd  # type: ignore[import-untyped]
    from great_expectations.expectations.metadata_types import FailureSeverity

    context = gx.get_context(mode="ephemeral")
    frame = pd.DataFrame({"id": [1, 2, 2], "driver_id": [10, None, 11]})
    asset = context.data_sources.add_pandas("shop").add_dataframe_asset("orders")
    batch = asset.add_batch_definition_whole_dataframe("all")
    suite = context.suites.add(gx.ExpectationSuite(name="orders_suite"))
    suite.add_expectation(gx.expectations.ExpectColumnValuesToNotBeNull(column="driver_id"))
    suite.add_expectation(
        gx.expectations.ExpectColumnValuesToBeUnique(column="id", severity=FailureSeverity.WARNING)
    )
    suite.add_expectation(gx.expectations.ExpectTableRowCountToBeBetween(min_value=1))
    suite.add_expectation(
        gx.expectations.ExpectColumnValuesToBeInSet(column="driver_id", value_set=[10, 11])
    )
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(data=batch, suite=suite, name="orders")
    )
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(name="orders", validation_definitions=[definition])
    )
    result = checkpoint.run(batch_parameters={"dataframe": frame})
    fixed = frame.assign(driver_id=[10, 12, 11])
    return result, definition.run(batch_parameters={"dataframe": fixed})


def test_great_expectations_checkpoint_and_validation_results(
    store_args: list[str], open_test_store: Callable[[], Store], tmp_path: Path
) -> None:
    checkpoint, validation = _great_expectations_results(tmp_path)
    done = lineagemesh(
        "ingest",
        "quality",
        str(checkpoint),
        str(validation),
        "--namespace",
        "s3://shop",
        *store_args,
    )
    assert done.returncode == 0, done.stderr
    with open_test_store() as store:
        checks = checks_of(store, "dataset:s3://shop:orders")
    assert {name: (c["status"], c["severity"], c["results"]) for name, c in checks.items()} == {
        # the checkpoint found a null, the later validation none: the newest result is latest
        "expect_column_values_to_not_be_null(driver_id)": ("PASS", "error", 2),
        "expect_column_values_to_be_unique(id)": ("FAIL", "warn", 2),
        "expect_table_row_count_to_be_between": ("PASS", "error", 2),
        "expect_column_values_to_be_in_set(driver_id)": ("FAIL", "error", 2),  # 12 came later
    }
    # what each expected, for a failure's notification (quality_failed's "expected")
    assert checks["expect_column_values_to_be_in_set(driver_id)"]["expected"] == (
        '{"value_set":[10,11]}'
    )
    assert checks["expect_table_row_count_to_be_between"]["expected"] == '{"min_value":1}'


def test_great_expectations_1x_summaries_name_their_table_with_asset(
    store_args: list[str], open_test_store: Callable[[], Store], tmp_path: Path
) -> None:
    """GX 1.x's ``describe_dict()`` names no table: refused without ``--asset`` (exit 2, the
    option named, nothing applied), recorded as the table ``--asset`` names with it."""
    checkpoint, validation = great_expectations_summaries(tmp_path)
    files = (str(checkpoint), str(validation))
    refused = lineagemesh("ingest", "quality", *files, "--namespace", "s3://shop", *store_args)
    assert refused.returncode == 2, refused.stderr
    assert "names no data asset: give the dataset it checked with --asset NAME" in refused.stderr
    with open_test_store() as store:
        assert sum(store.counts().values()) == 0
    done = lineagemesh(
        "ingest", "quality", *files, "--namespace", "s3://shop", "--asset", "orders", *store_args
    )
    assert done.returncode == 0, done.stderr
    with open_test_store() as store:
        checks = checks_of(store, "dataset:s3://shop:orders")
    assert {name: (c["status"], c["column"], c["results"]) for name, c in checks.items()} == {
        # both recorded at the moment they were ingested: the later file's result is the latest
        "expect_column_values_to_not_be_null(driver_id)": ("PASS", "driver_id", 2),
        "expect_column_values_to_be_unique(id)": ("FAIL", "id", 2),
        "expect_table_row_count_to_be_between": ("PASS", None, 2),
        "expect_column_values_to_be_in_set(driver_id)": ("FAIL", "driver_id", 2),
    }
    assert checks["expect_column_values_to_be_in_set(driver_id)"]["expected"] == (
        '{"value_set":[10,11]}'
    )


def test_a_file_no_tool_wrote_is_refused_whole(
    store_args: list[str], open_test_store: Callable[[], Store], tmp_path: Path
) -> None:
    good = tmp_path / "good.json"
    shutil.copy(CORPUS / "target" / "run_results.json", tmp_path / "rr.json")
    good.write_text(
        json.dumps(
            {
                "defaultDataSource": "shop",
                "dataTimestamp": "2026-01-05T06:00:00+00:00",
                "scanEndTimestamp": "2026-01-05T06:00:00+00:00",
                "checks": [{"name": "row_count > 0", "table": "orders", "outcome": "pass"}],
            }
        )
    )
    done = lineagemesh("ingest", "quality", str(good), str(tmp_path / "rr.json"), *store_args)
    assert done.returncode == 2
    assert "rr.json: $: a dbt run_results.json: give it to `lineagemesh ingest dbt" in done.stderr
    with open_test_store() as store:
        assert sum(store.counts().values()) == 0  # the good file before it was not applied either


def test_a_large_result_is_applied_in_batches_as_one_batch_would_apply_it(
    tmp_path: Path, monkeypatch
) -> None:
    """``IngestService.apply_mutations`` hands the store ``DOCUMENT_BATCH`` mutations at a time
    (one batch of a 116 MB Soda result's 876k took 1.2 GB while applied): the graph, the changes
    counted and the raw log's document count are what one batch makes."""
    from graph_invariants import dump

    from graph.eventlog.event_log_migration import open_event_log
    from graph.intake import ingest_service
    from graph.intake.documents import Document, quality_mutations
    from graph.intake.ingest_service import IngestService
    from graph.stores.embedded.store import EmbeddedStore

    checks: list[dict[str, Any]] = [
        {
            "name": f"row_count > {i}",
            "table": f"t{i % 13}",
            "column": f"c{i % 5}",
            "type": "generic",
        }
        | {"outcome": ("pass", "fail", "warn")[i % 3], "diagnostics": {"value": i}}
        for i in range(300)
    ]
    scan = {"defaultDataSource": "shop", "dataTimestamp": "2026-01-05T06:00:00+00:00"}
    result = Document("scan.json", json.dumps(scan | {"checks": checks}))
    mutations = quality_mutations([result], "postgres://shop")
    assert len(mutations) > 500

    def applied(batch: int, data_dir: Path) -> tuple[int, Any, int, int]:
        monkeypatch.setattr(ingest_service, "DOCUMENT_BATCH", batch)
        with EmbeddedStore(data_dir) as store, open_event_log(store) as log:
            changes = IngestService(store, log).apply_mutations(mutations, 1)
            blocks = list(log.blocks())
            return changes, dump(store), len(blocks), sum(b.events for b in blocks)

    whole = applied(10**6, tmp_path / "whole")
    sliced = applied(7, tmp_path / "sliced")
    assert sliced[2] > whole[2] + 50  # a block a batch, the document counted once
    assert sliced[0] == whole[0] and sliced[1] == whole[1] and sliced[3] == whole[3] == 1
