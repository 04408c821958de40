"""GraphQL ``lineageDiff`` and ``lineagemesh diff``: how a node's lineage changed between two moments."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from test_pr_check import cli, field, ingest_events, job_event

NS = "postgres://db:5432"


def at(event: dict[str, Any], moment: str) -> dict[str, Any]:
    return {**event, "eventTime": moment}


def test_lineage_diff_shows_edges_nodes_and_schema_changes(tmp_path: Path) -> None:
    data_dir = tmp_path / "store"
    first = job_event(
        ("airflow://etl", "daily_orders"),
        [(NS, "shop.orders", [field("id", "INTEGER"), field("amount", "NUMERIC")])],
        ("s3://lake", "daily", [field("total", "NUMERIC"), field("legacy", "TEXT")]),
        {"total": [(NS, "shop.orders", "amount")]},
        run="0f5bd5b8-8c2a-4bd4-9a7a-6f4b0c8e0c01",
    )
    ingest_events(data_dir, [at(first, "2026-03-01T06:00:00Z")], tmp_path)
    second = job_event(
        ("airflow://etl", "daily_orders"),
        [(NS, "shop.payments", [field("id", "INTEGER"), field("paid", "NUMERIC")])],
        ("s3://lake", "daily", [field("total", "NUMERIC"), field("paid_total", "NUMERIC")]),
        {"total": [(NS, "shop.payments", "paid")], "paid_total": [(NS, "shop.payments", "paid")]},
        run="0f5bd5b8-8c2a-4bd4-9a7a-6f4b0c8e0c02",
    )
    ingest_events(data_dir, [at(second, "2026-03-05T06:00:00Z")], tmp_path)
    done = cli(
        "diff", "dataset:s3://lake:daily", "--from", "2026-03-02T00:00:00", "--direction",
        "upstream", "--format", "json", "--data-dir", str(data_dir),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["nodesAdded"] == [{"id": f"dataset:{NS}:shop.payments", "kind": "DATASET"}]
    assert answer["nodesRemoved"] == [{"id": f"dataset:{NS}:shop.orders", "kind": "DATASET"}]
    job = "job:airflow://etl:daily_orders"
    assert {"source": job, "target": f"dataset:{NS}:shop.payments", "kind": "READS"} in answer[
        "edgesAdded"
    ] or {"source": f"dataset:{NS}:shop.payments", "target": job, "kind": "READS"} in answer[
        "edgesAdded"
    ]
    assert len(answer["edgesRemoved"]) == 1 and answer["edgesRemoved"][0]["kind"] == "READS"
    changes = {
        (c["dataset"], c["kind"], c["column"], c["severity"]) for c in answer["schemaChanges"]
    }
    assert ("dataset:s3://lake:daily", "COLUMN_REMOVED", "legacy", "BREAKING") in changes
    assert ("dataset:s3://lake:daily", "COLUMN_ADDED", "paid_total", "NONE") in changes
    before = cli(
        "diff", "dataset:s3://lake:daily", "--from", "2026-03-02T00:00:00", "--to",
        "2026-03-03T00:00:00", "--data-dir", str(data_dir),
    )  # fmt: skip
    assert before.returncode == 0 and before.stdout.strip() == "no lineage changes"
    unknown = cli(
        "diff", "dataset:s3://lake:dayly", "--from", "2026-03-02", "--data-dir", str(data_dir)
    )
    assert unknown.returncode == 2 and "did you mean dataset:s3://lake:daily" in unknown.stderr


def test_a_diff_between_two_past_moments_and_from_before_a_node_existed(tmp_path: Path) -> None:
    data_dir = tmp_path / "store"
    schemas = [
        ("2026-03-01T06:00:00Z", [field("total", "NUMERIC"), field("legacy", "TEXT")]),
        ("2026-03-05T06:00:00Z", [field("total", "NUMERIC"), field("paid_total", "NUMERIC")]),
        ("2026-03-09T06:00:00Z", [field("total", "TEXT"), field("paid_total", "NUMERIC")]),
    ]
    for i, (moment, columns) in enumerate(schemas):
        event = job_event(
            ("airflow://etl", "daily_orders"),
            [(NS, "shop.orders", [field("id", "INTEGER"), field("amount", "NUMERIC")])],
            ("s3://lake", "daily", columns),
            {"total": [(NS, "shop.orders", "amount")]},
            run=f"0f5bd5b8-8c2a-4bd4-9a7a-6f4b0c8e0d0{i}",
        )
        ingest_events(data_dir, [at(event, moment)], tmp_path)

    def diff(since: str, until: str) -> dict[str, Any]:
        done = cli(
            "diff", "dataset:s3://lake:daily", "--from", since, "--to", until, "--direction",
            "upstream", "--format", "json", "--data-dir", str(data_dir),
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def changes(answer: dict[str, Any]) -> set[tuple[str, str, str]]:
        return {(c["kind"], c["column"], c["severity"]) for c in answer["schemaChanges"]}

    # between two past moments: that span's changes, not today's, and no later retype
    assert changes(diff("2026-03-02T00:00:00", "2026-03-06T00:00:00")) == {
        ("COLUMN_REMOVED", "legacy", "BREAKING"),
        ("COLUMN_ADDED", "paid_total", "NONE"),
    }
    retyped = changes(diff("2026-03-06T00:00:00", "2026-03-10T00:00:00"))
    assert {(kind, column) for kind, column, _ in retyped} == {("COLUMN_RETYPED", "total")}
    # from before the dataset existed: everything in its lineage is added
    early = diff("2026-02-01T00:00:00", "2026-03-02T00:00:00")
    assert {n["id"] for n in early["nodesAdded"]} >= {
        "dataset:s3://lake:daily",
        f"dataset:{NS}:shop.orders",
        "job:airflow://etl:daily_orders",
    }
    assert early["nodesRemoved"] == [] and early["edgesAdded"] and early["schemaChanges"] == []
