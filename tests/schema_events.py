"""OpenLineage events for the schema history tests: a producer writing ``sales.customers`` and a
consumer job deriving ``mart.customer_emails.email`` from its ``email``, owned by ``team:crm``."""

from __future__ import annotations

import uuid
from typing import Any

NS = "warehouse"
CUSTOMERS = "sales.customers"
MART = "mart.customer_emails"
PRODUCER = "https://github.com/example/schema-history-tests"
RUN_EVENT = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/RunEvent"


def _facet(name: str, version: str = "1-0-0") -> dict[str, str]:
    return {
        "_producer": PRODUCER,
        "_schemaURL": f"https://openlineage.io/spec/facets/{version}/{name}.json",
    }


def schema_facet(fields: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        **_facet("SchemaDatasetFacet", "1-1-1"),
        "fields": [{"name": n, "type": t} for n, t in fields],
    }


def producer_event(
    when: str, fields: list[tuple[str, str]], name: str = CUSTOMERS, run: str | None = None
) -> dict[str, Any]:
    """The producer job's COMPLETE event writing ``name`` with ``fields``."""
    return {
        "eventType": "COMPLETE",
        "eventTime": when,
        "producer": PRODUCER,
        "schemaURL": RUN_EVENT,
        "run": {"runId": run or str(uuid.uuid4())},
        "job": {"namespace": NS, "name": f"load_{name}"},
        "inputs": [],
        "outputs": [{"namespace": NS, "name": name, "facets": {"schema": schema_facet(fields)}}],
    }


def consumer_event(when: str) -> dict[str, Any]:
    """A job owned by team:crm reading customers.email into the mart."""
    return {
        "eventType": "COMPLETE",
        "eventTime": when,
        "producer": PRODUCER,
        "schemaURL": RUN_EVENT,
        "run": {"runId": str(uuid.uuid4())},
        "job": {
            "namespace": NS,
            "name": "build_customer_emails",
            "facets": {
                "ownership": {
                    **_facet("OwnershipJobFacet"),
                    "owners": [{"name": "team:crm", "type": "MAINTAINER"}],
                }
            },
        },
        "inputs": [{"namespace": NS, "name": CUSTOMERS}],
        "outputs": [
            {
                "namespace": NS,
                "name": MART,
                "facets": {
                    "schema": schema_facet([("email", "varchar")]),
                    "ownership": {
                        **_facet("OwnershipDatasetFacet"),
                        "owners": [{"name": "team:marketing", "type": "OWNER"}],
                    },
                    "columnLineage": {
                        **_facet("ColumnLineageDatasetFacet", "1-0-1"),
                        "fields": {
                            "email": {
                                "inputFields": [
                                    {"namespace": NS, "name": CUSTOMERS, "field": "email"}
                                ]
                            }
                        },
                    },
                },
            }
        ],
    }


V1 = [("id", "bigint"), ("email", "varchar"), ("country", "varchar")]
V2_NO_EMAIL = [("id", "bigint"), ("country", "varchar")]
