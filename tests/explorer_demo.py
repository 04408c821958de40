"""The demo server the explorer's browser tests run against: the food_delivery demo with three
domains by rule, an owner, a job reading 120 datasets (a fan-out that pages), a dropped dataset and
a dataset failing a data quality assertion."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import food_delivery as fd
import httpx
from live_server import LiveServer
from openlineage_events import PRODUCER, complete

RULES = """rules:
  - domain: orders
    name: "public.order*"
  - domain: delivery
    name: "public.*deliver*"
  - domain: customers
    name: "public.customers"
"""
FAN_JOB = "job:fanout:fan_in"
FAN_INPUTS = 120  # more than two pages of the explorer's 50


def fan_in_event() -> dict[str, Any]:
    """A job reading FAN_INPUTS datasets: a side too big to draw at once."""
    return complete(
        "fan_in",
        [{"namespace": "fanout", "name": f"source_{i:03d}"} for i in range(FAN_INPUTS)],
        [{"namespace": "fanout", "name": "fanned_in"}],
        job_namespace="fanout",
    )


def retire_events() -> list[dict[str, Any]]:
    """fanout.retired written, then dropped (OpenLineage's lifecycleStateChange DROP)."""

    def run(when: str, output: dict[str, Any]) -> dict[str, Any]:
        return complete("retire", [], [output], at=when, job_namespace="fanout")

    drop = {
        "_producer": PRODUCER,
        "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/LifecycleStateChangeDatasetFacet.json",
        "lifecycleStateChange": "DROP",
    }
    return [
        run("2026-01-05T06:00:00Z", {"namespace": "fanout", "name": "retired"}),
        run(
            "2026-01-06T06:00:00Z",
            {"namespace": "fanout", "name": "retired", "facets": {"lifecycleStateChange": drop}},
        ),
    ]


def quality_event() -> dict[str, Any]:
    """quality.checked with one passing and one failing data quality assertion."""
    return complete(
        "check_orders",
        [
            {
                "namespace": "quality",
                "name": "checked",
                "facets": {
                    "dataQualityAssertions": {
                        "_producer": PRODUCER,
                        "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/DataQualityAssertionsDatasetFacet.json",
                        "assertions": [
                            {"assertion": "not_null", "success": True, "column": "id"},
                            {"assertion": "unique", "success": False, "column": "email"},
                        ],
                    }
                },
            }
        ],
        [{"namespace": "quality", "name": "report"}],
        job_namespace="quality",
    )


@contextmanager
def demo_server(root: Path) -> Iterator[LiveServer]:
    rules = root / "rules.yaml"
    rules.write_text(RULES)
    server = LiveServer(["--data-dir", str(root / "store")], root / "server.log").start(
        ["--demo", "--domain-rules", str(rules)]
    )
    try:
        for event in (
            fan_in_event(),
            fd.ownership_event("delivery_times_7_days", "team-delivery"),
            *retire_events(),
            quality_event(),
        ):
            httpx.post(f"{server.url}/api/v1/lineage", json=event, timeout=30).raise_for_status()
        yield server
    finally:
        server.stop()
