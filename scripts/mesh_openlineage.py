"""The OpenLineage side of the generated mesh: the compact NDJSON serialisation, the spec and facet
URLs, the column-lineage transformation descriptors, and the events' timestamps and COMPLETE parts.
"""

from __future__ import annotations

import calendar
import json
import time

try:  # optional speed-up
    import orjson as _orjson
except ImportError:  # pragma: no cover - exercised only without orjson
    _orjson = None  # type: ignore[assignment]


_JSON_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, check_circular=False)


def dumps_json_line(event: dict) -> bytes:
    """Serialize one event as a compact JSON line (with trailing newline)."""
    return _JSON_ENCODER.encode(event).encode("utf-8") + b"\n"


if _orjson is not None:
    _OPT = _orjson.OPT_APPEND_NEWLINE

    def dumps_line(event: dict) -> bytes:
        return _orjson.dumps(event, option=_OPT)
else:  # pragma: no cover
    dumps_line = dumps_json_line


# --------------------------------------------------------------------------- constants
PRODUCER = "https://lineagemesh.example/scripts/generate_mesh/1.0.0"
SPEC_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json"
RUN_EVENT_URL = SPEC_URL + "#/$defs/RunEvent"
DATASET_EVENT_URL = SPEC_URL + "#/$defs/DatasetEvent"
_FACET_BASE = "https://openlineage.io/spec/facets/"
SCHEMA_FACET_URL = _FACET_BASE + "1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet"
COLUMN_LINEAGE_FACET_URL = (
    _FACET_BASE + "1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet"
)
OWNERSHIP_FACET_URL = _FACET_BASE + "1-0-1/OwnershipDatasetFacet.json#/$defs/OwnershipDatasetFacet"
DOCUMENTATION_FACET_URL = (
    _FACET_BASE + "1-1-0/DocumentationDatasetFacet.json#/$defs/DocumentationDatasetFacet"
)
TAGS_FACET_URL = _FACET_BASE + "1-0-0/TagsDatasetFacet.json#/$defs/TagsDatasetFacet"
JOB_TYPE_FACET_URL = _FACET_BASE + "2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet"
JOB_OWNERSHIP_FACET_URL = _FACET_BASE + "1-0-1/OwnershipJobFacet.json#/$defs/OwnershipJobFacet"
OUTPUT_STATS_FACET_URL = (
    _FACET_BASE
    + "1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet"
)

BASE_TIME = "2026-01-05T00:00:00Z"
_BASE_EPOCH = calendar.timegm((2026, 1, 5, 0, 0, 0, 0, 0, 0))


def _t(kind: str, subtype: str, description: str = "", masking: bool = False) -> dict:
    return {"type": kind, "subtype": subtype, "description": description, "masking": masking}


T_IDENTITY = _t("DIRECT", "IDENTITY")
T_TRANSFORM = tuple(
    _t("DIRECT", "TRANSFORMATION", d)
    for d in (
        "CAST",
        "COALESCE",
        "CONCAT",
        "UPPER(TRIM(...))",
        "ROUND(..., 2)",
        "DATE_TRUNC('day', ...)",
        "arithmetic",
    )
)
T_AGGREGATE = tuple(
    _t("DIRECT", "AGGREGATION", d) for d in ("SUM", "COUNT", "AVG", "MAX", "MIN", "COUNT(DISTINCT)")
)
T_MASK = (
    _t("DIRECT", "TRANSFORMATION", "SHA2(..., 256)", True),
    _t("DIRECT", "TRANSFORMATION", "REGEXP_REPLACE(..., '.', '*')", True),
)
T_FILTER = _t("INDIRECT", "FILTER", "WHERE")
T_JOIN = _t("INDIRECT", "JOIN", "JOIN ON")
T_GROUP_BY = _t("INDIRECT", "GROUP_BY", "GROUP BY")
T_SORT = _t("INDIRECT", "SORT", "ORDER BY")
T_WINDOW = _t("INDIRECT", "WINDOW", "OVER (PARTITION BY ...)")
T_CONDITIONAL = _t("INDIRECT", "CONDITIONAL", "CASE WHEN")

JOB_TYPE_FACET = {
    "_producer": PRODUCER,
    "_schemaURL": JOB_TYPE_FACET_URL,
    "processingType": "BATCH",
    "integration": "AIRFLOW",
    "jobType": "TASK",
}


def _iso(ms: int, _gm=time.gmtime, _fmt=time.strftime) -> str:
    s, m = divmod(ms, 1000)
    return f"{_fmt('%Y-%m-%dT%H:%M:%S', _gm(s))}.{m:03d}Z"


# --------------------------------------------------------------------------- templates
def _written(namespace: str, name: str, rows: int, columns: int) -> dict:
    """A COMPLETE event's output: the dataset with the rows it was written (8 bytes a cell)."""
    return {
        "namespace": namespace,
        "name": name,
        "outputFacets": {
            "outputStatistics": {
                "_producer": PRODUCER,
                "_schemaURL": OUTPUT_STATS_FACET_URL,
                "rowCount": rows,
                "size": rows * 8 * columns,
            }
        },
    }


def _complete(end: int, run_id: str, start: dict, outputs: list[dict]) -> dict:
    """The COMPLETE event of the run ``start`` began: its job, its inputs named only."""
    return {
        "eventTime": _iso(end),
        "producer": PRODUCER,
        "schemaURL": RUN_EVENT_URL,
        "eventType": "COMPLETE",
        "run": {"runId": run_id},
        "job": {"namespace": start["job"]["namespace"], "name": start["job"]["name"]},
        "inputs": [{"namespace": d["namespace"], "name": d["name"]} for d in start["inputs"]],
        "outputs": outputs,
    }
