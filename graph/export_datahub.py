"""``lineagemesh export --format datahub``: a lineage written as a DataHub metadata file, the JSON
DataHub's ``file`` sink writes and ``datahub ingest`` (and ``lineagemesh ingest datahub``) reads:
a list of MCPs (``entityType``, ``entityUrn``, ``changeType``, ``aspectName``, ``aspect.json``).

Each dataset becomes ``datasetProperties`` (its name, its OpenLineage namespace as a
``customProperty``); each job a ``dataFlow`` (``dataFlowInfo``) and a ``dataJob`` (``dataJobInfo``,
``dataJobInputOutput`` with the datasets it reads and writes, as lists and as edges). Names are the reverse of what ``ingest datahub`` reads
(``ingest.datahub.urns``: ``datahub_dataset_urn``, ``datahub_job_urns``), so a file written here
and read back names the same nodes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from graph.client import Lineage
from ingest.datahub.urns import datahub_dataset_urn, datahub_job_urns


def _mcp(entity_type: str, urn: str, aspect: str, value: dict[str, Any]) -> dict[str, Any]:
    return {
        "entityType": entity_type,
        "entityUrn": urn,
        "changeType": "UPSERT",
        "aspectName": aspect,
        "aspect": {"json": value},
    }


def datahub_records(lineage: Lineage, platforms: Mapping[str, str]) -> list[dict[str, Any]]:
    """The MCPs of a lineage's datasets and jobs; ``platforms``: namespace → ``PLATFORM[.INSTANCE]``."""
    records: list[dict[str, Any]] = []
    urns: dict[str, str] = {}
    for node in lineage.nodes:
        if node["kind"] != "DATASET":
            continue
        urn = urns[node["id"]] = datahub_dataset_urn(node["namespace"], node["name"], platforms)
        custom = {"openlineage.namespace": node["namespace"]}
        properties = {"name": node["name"].rsplit(".", 1)[-1], "customProperties": custom}
        records.append(_mcp("dataset", urn, "datasetProperties", properties))
    reads: dict[str, list[str]] = {}
    writes: dict[str, list[str]] = {}
    for edge in lineage.edges:
        if edge["source"] in urns:
            reads.setdefault(edge["target"], []).append(urns[edge["source"]])
        elif edge["target"] in urns:
            writes.setdefault(edge["source"], []).append(urns[edge["target"]])
    flows: set[str] = set()
    for node in lineage.nodes:
        if node["kind"] != "JOB":
            continue
        flow, job = datahub_job_urns(node["namespace"], node["name"], platforms)
        flow_name = node["name"].partition(".")[0]
        if flow not in flows:
            flows.add(flow)
            records.append(_mcp("dataFlow", flow, "dataFlowInfo", {"name": flow_name}))
        info = {"name": node["name"], "type": "COMMAND", "flowUrn": flow, "customProperties": {}}
        records.append(_mcp("dataJob", job, "dataJobInfo", info))
        inputs, outputs = reads.get(node["id"], []), writes.get(node["id"], [])
        io = {
            "inputDatasets": inputs,
            "outputDatasets": outputs,
            "inputDatasetEdges": [{"destinationUrn": u} for u in inputs],
            "outputDatasetEdges": [{"destinationUrn": u} for u in outputs],
        }
        records.append(_mcp("dataJob", job, "dataJobInputOutput", io))
    return records


def write_datahub(records: list[dict[str, Any]], output: Path | None) -> str | None:
    """The records as the file sink writes them (a JSON array, indented): to ``output``, or
    returned as text for stdout."""
    text = json.dumps(records, indent=4) + "\n"
    if output is None:
        return text
    output.write_text(text)
    return None
