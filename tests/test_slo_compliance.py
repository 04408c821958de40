"""SLO compliance over time, on every store: a product promising 24h freshness, its table loaded
daily at 06:00 through January with three lapses (a two-day gap with a failed run in it, a run six
hours late, the last day's run missing), and a not-null check failing for 60 hours. Its 30 days to
February 1st are computed from those runs and check results, through ``lineagemesh ingest`` and
GraphQL, to the numbers worked out by hand below."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from command_line import lineagemesh_ok
from graphql_in_process import errors, run
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.generated import data_quality_assertions_dataset as dqa
from openlineage.client.serde import Serde

NS = "postgres://warehouse:5432"
TABLE = "sales.public.daily_sales"
DATASET = f"dataset:{NS}:{TABLE}"
NOT_NULL = f"assertion:datasetField:{NS}:{TABLE}:store_id:not_null_store_id"
PRODUCT = f"""
name: daily_sales
domain: sales
owner: sales-team
slo: {{freshness: 24h}}
output_ports:
  - name: sales_table
    type: sql_table
    location: {NS}/{TABLE}
"""
MISSING = {10, 11, 31}  # January days without a 06:00 load
LATE = {20: 12}  # the load of January 20th ran at 12:00
FAILED = {10}  # ... and that of the 10th failed: a failed run updates nothing


def _event(job: str, time: datetime, state: RunState, **sides: Any) -> dict[str, Any]:
    built = RunEvent(
        eventType=state,
        eventTime=time.isoformat(),
        run=Run(runId=str(uuid.uuid4())),
        job=Job(namespace="airflow", name=job),
        producer="https://example.com/tests",
        inputs=sides.get("inputs", []),
        outputs=sides.get("outputs", []),
    )
    return Serde.to_dict(built)


def _loads() -> list[dict[str, Any]]:
    """The daily loads from December 31st to January 31st."""
    events = []
    for day in range(32):
        on = datetime(2025, 12, 31, tzinfo=UTC) + timedelta(days=day)
        state = RunState.FAIL if on.day in FAILED and on.month == 1 else RunState.COMPLETE
        if on.month == 1 and on.day in MISSING and state is RunState.COMPLETE:
            continue
        hour = LATE.get(on.day, 6) if on.month == 1 else 6
        table = OutputDataset(namespace=NS, name=TABLE)
        events.append(_event("load_sales", on + timedelta(hours=hour), state, outputs=[table]))
    return events


def _check(
    time: str, success: bool, name: str = "not_null_store_id", severity: str = "error"
) -> dict[str, Any]:
    assertion = dqa.Assertion(
        assertion="not_null", success=success, column="store_id", name=name, severity=severity
    )
    facets: dict[str, Any] = {
        "dataQualityAssertions": dqa.DataQualityAssertionsDatasetFacet([assertion])
    }
    table = InputDataset(namespace=NS, name=TABLE, inputFacets=facets)
    return _event("check_sales", datetime.fromisoformat(time), RunState.COMPLETE, inputs=[table])


CHECKS = [
    _check("2026-01-01T07:00:00+00:00", True),
    _check("2026-01-15T07:00:00+00:00", False),  # failing from here...
    _check("2026-01-16T07:00:00+00:00", False),
    _check("2026-01-17T19:00:00+00:00", True),  # ... to here: 60 hours
    _check("2026-01-25T07:00:00+00:00", False, "store_id_warning", "warn"),  # a warning: no breach
]
COMPLIANCE = """
query($days: Int!, $at: DateTime!) {
  dataProduct(domain: "sales", name: "daily_sales") {
    sloCompliance(days: $days, at: $at) { ...window } }
  dataset(namespace: "postgres://warehouse:5432", name: "sales.public.daily_sales") {
    sloCompliance(days: $days, at: $at) { ...window } }
}
fragment window on SloCompliance {
  since until freshnessSloHours freshnessPercent qualityPercent
  days { day freshnessPercent qualityPercent }
  incidents { kind start end subjects }
}
"""


def _load(store_args: list[str], tmp_path: Path) -> None:
    (tmp_path / "events.json").write_text(json.dumps([*_loads(), *CHECKS]))
    (tmp_path / "product.yaml").write_text(PRODUCT)
    lineagemesh_ok("ingest", "openlineage", *store_args, str(tmp_path / "events.json"))
    lineagemesh_ok("ingest", "products", *store_args, str(tmp_path / "product.yaml"))


def _ask(store: Any, days: int, at: str) -> tuple[dict[str, Any], dict[str, Any]]:
    found = run(store, COMPLIANCE, days=days, at=at)
    return found["dataProduct"]["sloCompliance"], found["dataset"]["sloCompliance"]


def test_a_products_30_days_of_compliance_from_its_runs_and_failed_checks(
    store_args, open_test_store, tmp_path
):
    _load(store_args, tmp_path)
    with open_test_store() as store:
        product, dataset = _ask(store, 30, "2026-02-01T00:00:00Z")
        start, _ = _ask(store, 3, "2026-01-02T00:00:00Z")
        refused = errors(store, COMPLIANCE, days=0, at="2026-02-01T00:00:00Z")

    assert product["since"].startswith("2026-01-02T00:00:00")
    assert product["until"].startswith("2026-02-01T00:00:00")
    assert product["freshnessSloHours"] == 24.0
    # late 06:00 Jan 10 to 06:00 Jan 12 (the failed run updated nothing), 06:00-12:00 Jan 20 and
    # from 06:00 Jan 31 on: 72 of 720 hours
    assert product["freshnessPercent"] == 90.0
    assert product["qualityPercent"] == 91.667  # failing 60 of 720 hours; the warning is no breach
    days = {d["day"]: (d["freshnessPercent"], d["qualityPercent"]) for d in product["days"]}
    assert len(days) == 30 and min(days) == "2026-01-02" and max(days) == "2026-01-31"
    assert {d: v for d, v in days.items() if v != (100.0, 100.0)} == {
        "2026-01-10": (25.0, 100.0),
        "2026-01-11": (0.0, 100.0),
        "2026-01-12": (75.0, 100.0),
        "2026-01-15": (100.0, 29.167),
        "2026-01-16": (100.0, 0.0),
        "2026-01-17": (100.0, 20.833),
        "2026-01-20": (75.0, 100.0),
        "2026-01-31": (25.0, 100.0),
    }
    incidents = [
        (i["kind"], i["start"][:16], i["end"] and i["end"][:16], i["subjects"])
        for i in product["incidents"]
    ]
    assert incidents == [
        ("FRESHNESS", "2026-01-10T06:00", "2026-01-12T06:00", [DATASET]),
        ("QUALITY", "2026-01-15T07:00", "2026-01-17T19:00", [NOT_NULL]),
        ("FRESHNESS", "2026-01-20T06:00", "2026-01-20T12:00", [DATASET]),
        ("FRESHNESS", "2026-01-31T06:00", None, [DATASET]),  # still late on February 1st
    ]
    # the table's own compliance: the product's SLO is the only one promising it
    assert dataset == product

    # judged from what is on record: the first load (Dec 31 06:00), the first check (Jan 1 07:00)
    assert [(d["day"], d["freshnessPercent"], d["qualityPercent"]) for d in start["days"]] == [
        ("2025-12-30", None, None),
        ("2025-12-31", 100.0, None),
        ("2026-01-01", 100.0, 100.0),
    ]
    assert start["freshnessPercent"] == 100.0 and start["incidents"] == []
    assert refused == ["days must be between 1 and 366, not 0"] * 2
