"""``lineagemesh check --contract``: enum values removed are BREAKING, added are not, on the real
example contracts of both standards (tests/corpora), each given an enum the way its standard
writes one: ODCS v3 a quality rule ``metric: invalidValues`` with ``arguments.validValues``,
datacontract.com a field's ``enum``. The current version is the graph's (ingested first), and a
Spark-style job outside the contract reads the column into a report of its own."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import corpus
from test_pr_check import field, job_event

from graph.core.enums import declared_enum


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graph", *args], capture_output=True, text=True, timeout=300
    )


def odcs_with(values: list[str]) -> dict[str, Any]:
    """The ODCS full example, its receivers' ``receiver_type`` limited to ``values``."""
    doc = yaml.safe_load(corpus("data-contracts", "odcs", "full-example.odcs.yaml").read_text())
    receivers = next(t for t in doc["schema"] if t["name"] == "receivers")
    column = next(p for p in receivers["properties"] if p["name"] == "receiver_type")
    column["quality"] = [
        {
            "type": "library",
            "metric": "invalidValues",
            "arguments": {"validValues": values},
            "mustBe": 0,
        }
    ]
    return doc


def datacontract_with(values: list[Any]) -> dict[str, Any]:
    """The datacontract.com orders example with an ``order_status`` field limited to ``values``."""
    path = corpus("data-contracts", "datacontract-spec", "orders-latest.datacontract.yaml")
    doc = yaml.safe_load(path.read_text())
    doc["models"]["orders"]["fields"]["order_status"] = {
        "type": "text",
        "description": "Where the order is.",
        "enum": values,
    }
    return doc


# standard → (the contract with an enum, its column, the dataset it governs: namespace, name)
CASES: dict[str, tuple[Callable[[list[Any]], dict[str, Any]], str, tuple[str, str]]] = {
    "odcs": (
        odcs_with,
        "receiver_type",
        ("postgres://localhost:5432", "pypl-edw.pp_access_views.receivers_master"),
    ),
    "datacontract": (
        datacontract_with,
        "order_status",
        ("s3://datacontract-example-orders-latest", "v2/orders"),
    ),
}
REPORT = "datasetField:s3://reports:status/daily:state"


@pytest.mark.parametrize("standard", sorted(CASES))
def test_removed_enum_values_break_and_added_ones_do_not(standard: str, tmp_path: Path) -> None:
    make, column, (ns, name) = CASES[standard]
    data_dir = tmp_path / "store"
    reader = job_event(
        ("spark://reports", "status_daily"),
        [(ns, name, None)],  # no schema: the contract stays what declares its columns
        ("s3://reports", "status/daily", [field("state", "STRING")]),
        {"state": [(ns, name, column)]},
        owner="team-reports",
    )
    (tmp_path / "events.json").write_text(json.dumps([reader]))

    def write(name: str, values: list[Any]) -> Path:
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(make(values)))
        return path

    current = write("current", ["individual", "business", "government"])
    done = cli("ingest", "contracts", str(current), "--data-dir", str(data_dir))
    assert done.returncode == 0, done.stderr
    done = cli("ingest", "openlineage", str(tmp_path / "events.json"), "--data-dir", str(data_dir))
    assert done.returncode == 0, done.stderr

    def check(path: Path) -> tuple[int, dict[str, Any]]:
        done = cli(
            "check", "--contract", str(path), "--format", "json", "--data-dir", str(data_dir)
        )
        assert done.returncode in (0, 1), done.stderr
        return done.returncode, json.loads(done.stdout)

    def enum_changes(report: dict[str, Any]) -> set[tuple[str, str, str | None, str | None]]:
        return {
            (c["kind"], c["severity"], c["old"], c["new"])
            for c in report["changes"]
            if c["kind"].startswith("ENUM") and c["column"] == column
        }

    code, report = check(current)
    assert (code, report["changes"]) == (0, [])  # the graph's version: no change

    code, report = check(write("added", ["individual", "business", "government", "trust"]))
    assert enum_changes(report) == {("ENUM_VALUES_ADDED", "NONE", None, "trust")}
    assert code == 0
    assert report["verdict"] == "NONE", report["changes"]

    code, report = check(write("removed", ["individual", "business"]))
    assert enum_changes(report) == {("ENUM_VALUES_REMOVED", "BREAKING", "government", None)}
    assert code == 1
    assert report["verdict"] == "BREAKING"
    (row,) = [r for r in report["affected"] if r["id"] == REPORT]
    assert row["severity"] == "WARNING"  # a semantic walk: its values change, nothing fails to read
    assert "team-reports" in {o["name"] for o in report["owners"]}

    code, report = check(write("both", ["individual", "government", "nonprofit"]))
    assert enum_changes(report) == {
        ("ENUM_VALUES_REMOVED", "BREAKING", "business", None),
        ("ENUM_VALUES_ADDED", "NONE", None, "nonprofit"),
    }
    assert code == 1


def test_the_graph_shows_the_declared_enum(tmp_path: Path) -> None:
    """GraphQL ``Column.enum`` is what the check compares the new version with."""
    data_dir = tmp_path / "store"
    path = tmp_path / "orders.yaml"
    path.write_text(yaml.safe_dump(datacontract_with(["placed", 2, True])))
    assert cli("ingest", "contracts", str(path), "--data-dir", str(data_dir)).returncode == 0
    from graph.serve.schema import context, schema
    from graph.stores.embedded.store import EmbeddedStore

    query = '{ dataset(namespace: "s3://datacontract-example-orders-latest", name: "v2/orders") { columns { name enum } } }'
    with EmbeddedStore(data_dir) as store:
        result = schema.execute_sync(query, context_value=context(store))
    assert result.errors is None and result.data is not None
    columns = {c["name"]: c["enum"] for c in result.data["dataset"]["columns"]}
    assert columns["order_status"] == ["placed", "2", "true"]
    assert columns["order_id"] is None


def test_every_source_of_an_enum_reads_one_way() -> None:
    odcs = {"metric": "invalidValues", "arguments": {"validValues": ["a", "b"]}, "mustBe": 0}
    dbt = {"type": "accepted_values", "kwargs": {"values": ["a", "b"]}, "dbtTestId": "t"}
    assert declared_enum({"quality": [{"metric": "nullValues", "mustBe": 0}, odcs]}) == ("a", "b")
    assert declared_enum({"quality": [dbt]}) == ("a", "b")
    assert declared_enum({"enum": ["a", "b"], "quality": [copy.deepcopy(odcs)]}) == ("a", "b")
    assert declared_enum({"quality": [{"metric": "invalidValues", "mustBe": 0}]}) is None
    assert declared_enum({"type": "text"}) is None


def test_a_malformed_enum_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "orders.yaml"
    path.write_text(yaml.safe_dump(datacontract_with(["placed", {"not": "a value"}])))
    done = cli("check", "--contract", str(path), "--data-dir", str(tmp_path / "store"))
    assert done.returncode == 2
    assert "$.models.orders.fields.order_status.enum[1]: expected a value, got" in done.stderr
