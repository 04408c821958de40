"""OpenLineage RunEvents as many tests write them: a COMPLETE event of one job with its inputs and
outputs, and the documented output whose description a test reads back to see which event won."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from hypothesis import strategies as st

PRODUCER = "https://example.com/tests"
RUN_EVENT = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
DATASET_EVENT = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent"
JOB_EVENT = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent"
SCHEMA_FACET = (
    "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet"
)
DOCUMENTATION_FACET = (
    "https://openlineage.io/spec/facets/1-0-1/DocumentationDatasetFacet.json"
    "#/$defs/DocumentationDatasetFacet"
)


def complete(
    job: str,
    inputs: list[dict[str, Any]],
    outputs: list[dict[str, Any]],
    *,
    at: datetime | str = "2026-01-05T06:00:00Z",
    job_namespace: str = "airflow",
    producer: str = PRODUCER,
    run_id: str | None = None,
) -> dict[str, Any]:
    """A COMPLETE event of a run (a fresh one unless ``run_id``) of ``job_namespace``/``job``
    at ``at``."""
    return {
        "eventType": "COMPLETE",
        "eventTime": at.isoformat() if isinstance(at, datetime) else at,
        "run": {"runId": run_id or str(uuid.uuid4())},
        "job": {"namespace": job_namespace, "name": job},
        "producer": producer,
        "schemaURL": RUN_EVENT,
        "inputs": inputs,
        "outputs": outputs,
    }


def dataset_event(at: str, producer: str = "https://example.com/p") -> dict[str, Any]:
    """A DatasetEvent at ``at`` of the Kafka topic ``kafka://b``/``t``, no facets."""
    return {
        "eventTime": at,
        "producer": producer,
        "schemaURL": DATASET_EVENT,
        "dataset": {"namespace": "kafka://b", "name": "t", "facets": {}},
    }


def job_event(at: str, producer: str = "https://example.com/p") -> dict[str, Any]:
    """A JobEvent at ``at`` of job ``j``/``n`` writing the Kafka topic ``kafka://b``/``t``."""
    return {
        "eventTime": at,
        "producer": producer,
        "schemaURL": JOB_EVENT,
        "job": {"namespace": "j", "name": "n"},
        "outputs": [{"namespace": "kafka://b", "name": "t"}],
    }


def documented(namespace: str, name: str, description: str) -> dict[str, Any]:
    """A dataset carrying a documentation facet with ``description``."""
    return {
        "namespace": namespace,
        "name": name,
        "facets": {
            "documentation": {
                "_producer": PRODUCER,
                "_schemaURL": DOCUMENTATION_FACET,
                "description": description,
            }
        },
    }


def described(
    namespace: str,
    name: str,
    description: str,
    job: str = "load",
    at: datetime | str = "2026-01-05T06:00:00Z",
) -> dict[str, Any]:
    """A COMPLETE event of ``job`` at ``at`` writing ``namespace``/``name`` with ``description``."""
    return complete(job, [], [documented(namespace, name, description)], at=at)


def with_schema(namespace: str, name: str, fields: list[dict[str, Any]]) -> dict[str, Any]:
    """A dataset carrying a schema facet of ``fields`` (each a name, a type and what else)."""
    return {
        "namespace": namespace,
        "name": name,
        "facets": {"schema": {"_producer": PRODUCER, "_schemaURL": SCHEMA_FACET, "fields": fields}},
    }


def json_values(
    text: st.SearchStrategy[str], keys: st.SearchStrategy[str], max_leaves: int
) -> st.SearchStrategy[Any]:
    """Any JSON value (no NaN or infinity; integers across int64 and uint64) of at most
    ``max_leaves`` leaves, its strings drawn from ``text`` and its object keys from ``keys``: what
    the event fuzzers put in an event's places."""
    return st.recursive(
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(-(2**63), 2**64 - 1),
            st.floats(allow_nan=False, allow_infinity=False),
            text,
        ),
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=3)
        ),
        max_leaves=max_leaves,
    )
