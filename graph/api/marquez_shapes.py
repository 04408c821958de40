"""Nodes as Marquez 0.50 writes them in JSON: datasets, jobs, runs, namespaces, lineage nodes.

Field names, order and nulls follow Marquez's models (``marquez.service.models``: ``Dataset``,
``Job``, ``Run``, ``Namespace``, ``DatasetData``, ``JobData``, ``ColumnLineageNodeData``), so that
Marquez's web UI and clients read them unchanged. What lineagemesh does not keep is written as
Marquez writes an absent value: versions, locations, parent jobs and tags as null or empty.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from graph.catalog import Namespace
from graph.model import FACET_PREFIX, Node

DEFAULT_OWNER = "anonymous"  # Marquez's owner of namespaces created by OpenLineage events

#: OpenLineage event types as the run states Marquez names them.
RUN_STATES = {"START": "RUNNING", "RUNNING": "RUNNING", "COMPLETE": "COMPLETED", "FAIL": "FAILED", "ABORT": "ABORTED", "OTHER": "NEW"}


def facets(node: Node) -> dict[str, Any]:
    """The node's OpenLineage facets: the standard ones the store keeps as properties, written back
    as facets (without ``_producer``/``_schemaURL``), and those it keeps verbatim."""
    p = node.props
    rebuilt: dict[str, Any] = {}
    if p.get("description") is not None:
        rebuilt["documentation"] = {"description": p["description"]}
    if p.get("sql") is not None:
        rebuilt["sql"] = {"query": p["sql"]}
    if p.get("sourceName") is not None or p.get("sourceUri") is not None:
        rebuilt["dataSource"] = {"name": p.get("sourceName"), "uri": p.get("sourceUri")}
    if p.get("nominalStartTime") is not None:
        rebuilt["nominalTime"] = {"nominalStartTime": p["nominalStartTime"], "nominalEndTime": p.get("nominalEndTime")}
    return {**rebuilt, **{key[len(FACET_PREFIX):]: value for key, value in p.items() if key.startswith(FACET_PREFIX)}}


def name_id(node: Node) -> dict[str, Any]:
    """A DatasetId or JobId: ``{"namespace", "name"}``."""
    return {"namespace": node.props.get("namespace"), "name": node.props.get("name")}


def namespace(found: Namespace) -> dict[str, Any]:
    return {"name": found.name, "createdAt": found.created_at, "updatedAt": found.updated_at, "ownerName": DEFAULT_OWNER,
            "description": None, "isHidden": False}


def field(column: Node) -> dict[str, Any]:
    p = column.props
    return {"name": p.get("name"), "type": p.get("type"), "tags": list(p.get("tags") or []), "description": p.get("description")}


def _dataset_type(node: Node) -> str:
    kind = (node.props.get(f"{FACET_PREFIX}datasetType") or {}).get("datasetType") if isinstance(
        node.props.get(f"{FACET_PREFIX}datasetType"), dict) else None
    return "STREAM" if isinstance(kind, str) and kind.upper() == "STREAM" else "DB_TABLE"


def dataset_data(node: Node, columns: Iterable[Node]) -> dict[str, Any]:
    """A lineage graph's ``DatasetData``."""
    p = node.props
    return {
        "id": name_id(node), "type": _dataset_type(node), "name": p.get("name"), "physicalName": p.get("name"),
        "createdAt": p.get("firstSeenAt"), "updatedAt": p.get("lastSeenAt"), "namespace": p.get("namespace"),
        "sourceName": p.get("sourceName") or p.get("namespace"), "fields": [field(c) for c in columns], "tags": [],
        "lastModifiedAt": p.get("lastModifiedAt"), "description": p.get("description"), "lastLifecycleState": p.get("lifecycleState"),
    }


def dataset(node: Node, columns: Iterable[Node], column_lineage: list[dict[str, Any]] | None) -> dict[str, Any]:
    """A ``Dataset`` (``DbTable`` or ``Stream``) as ``/namespaces/{ns}/datasets`` answers it."""
    data = dataset_data(node, columns)
    return {**data, "currentVersion": None, "columnLineage": column_lineage, "facets": facets(node),
            "deleted": bool(node.props.get("deleted"))}


def run(node: Node, job: Node | None) -> dict[str, Any]:
    """A ``Run``. Its job version is null: lineagemesh keeps no job versions."""
    p = node.props
    started, ended = p.get("startedAt"), p.get("endedAt")
    return {
        "id": p.get("runId"), "createdAt": p.get("createdAt"), "updatedAt": ended or started or p.get("createdAt"),
        "nominalStartTime": p.get("nominalStartTime"), "nominalEndTime": p.get("nominalEndTime"),
        "state": RUN_STATES.get(p.get("state") or "", "NEW"), "startedAt": started, "endedAt": ended,
        "durationMs": _duration_ms(started, ended), "args": {},
        "jobVersion": None if job is None else {**name_id(job), "version": None},
        "inputDatasetVersions": [], "outputDatasetVersions": [], "facets": facets(node),
    }


def _duration_ms(started: str | None, ended: str | None) -> int | None:
    if not started or not ended:
        return None
    try:
        return int((datetime.fromisoformat(ended.replace("Z", "+00:00")) - datetime.fromisoformat(started.replace("Z", "+00:00")))
                   .total_seconds() * 1000)
    except ValueError:
        return None


def _job_type(node: Node) -> str:
    facet = node.props.get(f"{FACET_PREFIX}jobType")
    processing = facet.get("processingType") if isinstance(facet, dict) else None
    return "STREAM" if processing == "STREAMING" else "BATCH"


def job_data(node: Node, inputs: list[Node], outputs: list[Node], latest_run: Node | None) -> dict[str, Any]:
    """A lineage graph's ``JobData``."""
    p = node.props
    return {
        "id": name_id(node), "type": _job_type(node), "name": p.get("name"), "simpleName": p.get("name"),
        "parentJobName": None, "parentJobUuid": None,
        "currentRunUuid": latest_run.props.get("runId") if latest_run is not None else None,
        "createdAt": p.get("firstSeenAt"), "updatedAt": p.get("lastSeenAt"), "namespace": p.get("namespace"),
        "inputs": [name_id(d) for d in inputs], "outputs": [name_id(d) for d in outputs],
        "location": _location(node), "description": p.get("description"),
        "latestRun": run(latest_run, node) if latest_run is not None else None,
    }


def _location(node: Node) -> str | None:
    facet = node.props.get(f"{FACET_PREFIX}sourceCodeLocation")
    return facet.get("url") if isinstance(facet, dict) else None


def job(node: Node, inputs: list[Node], outputs: list[Node], latest_run: Node | None) -> dict[str, Any]:
    """A ``Job`` as ``/namespaces/{ns}/jobs`` answers it."""
    data = job_data(node, inputs, outputs, latest_run)
    del data["currentRunUuid"]
    return {**data, "latestRuns": [data["latestRun"]] if data["latestRun"] else [], "facets": facets(node),
            "currentVersion": None, "labels": [], "tags": []}
