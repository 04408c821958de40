"""lineagemesh's API state after a compatibility scenario, in the shape its validation files state.

The OpenLineage compatibility suite judges a consumer by the state of the consumer's own API after
a scenario's events (``tests/compatibility/lineagemesh/scenarios/*/validation``); this reads that
state from a live server over GraphQL: every dataset and job the events name (looked up by the name
the event used, so a name that became an alias answers with the table it names) and the upstream
column lineage of every column of every output.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

DATASET = """
query ($ns: String!, $name: String!) {
  dataset(namespace: $ns, name: $name) {
    id namespace name aliases deleted lifecycleState datasetType sourceName
    columns { id name type ordinal }
    writtenBy { namespace name } readBy { namespace name }
    facets
  }
}"""

JOB = """
query ($ns: String!, $name: String!) {
  job(namespace: $ns, name: $name) {
    namespace name jobType processingType integration sql
    inputs { namespace name } outputs { namespace name }
    latestRun { runId state startedAt endedAt parent { runId } }
    facets
  }
}"""

UPSTREAM_COLUMNS = """
query ($id: String!) {
  columnLineage(nodeId: $id, direction: UPSTREAM, depth: 1) {
    edges { source target transformations { type subtype } }
  }
}"""

GraphQL = Callable[..., dict[str, Any]]


def scenario_events(directory: Path) -> list[dict[str, Any]]:
    """The scenario's events in the order the suite sends them (file names sorted)."""
    return [json.loads(path.read_text()) for path in sorted((directory / "events").iterdir())]


def _names(events: Iterable[dict[str, Any]], side: str) -> list[tuple[str, str]]:
    seen: dict[tuple[str, str], None] = {}
    for event in events:
        for dataset in event.get(side) or ():
            seen[(dataset["namespace"], dataset["name"])] = None
    return list(seen)


def _dataset_state(graphql: GraphQL, namespace: str, name: str) -> dict[str, Any] | None:
    found = graphql(DATASET, ns=namespace, name=name)["dataset"]
    if found is None:
        return None
    found["facets"] = sorted(found["facets"])  # which facets are kept; their bodies as sent
    found["aliases"] = sorted(found["aliases"])
    found["writtenBy"] = sorted(f"{j['namespace']}/{j['name']}" for j in found["writtenBy"])
    found["readBy"] = sorted(f"{j['namespace']}/{j['name']}" for j in found["readBy"])
    lineage: dict[str, list[str]] = {}
    for column in found["columns"]:
        edges = graphql(UPSTREAM_COLUMNS, id=column["id"])["columnLineage"]["edges"]
        sources = sorted(e["source"] for e in edges if e["target"] == column["id"])
        if sources:
            lineage[column["name"]] = sources
    found["columns"] = [
        {"name": c["name"], "type": c["type"], "ordinal": c["ordinal"]} for c in found["columns"]
    ]
    found["columnLineage"] = lineage
    return found


def _job_state(graphql: GraphQL, namespace: str, name: str) -> dict[str, Any] | None:
    found = graphql(JOB, ns=namespace, name=name)["job"]
    if found is None:
        return None
    found["facets"] = sorted(found["facets"])
    found["inputs"] = sorted(f"{d['namespace']}/{d['name']}" for d in found["inputs"])
    found["outputs"] = sorted(f"{d['namespace']}/{d['name']}" for d in found["outputs"])
    return found


def api_state(graphql: GraphQL, events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Per entity of the validation files (``dataset``, ``job``), the state of each one the
    events name, keyed by the name the events used (``requested``)."""
    datasets = [
        {"requested": f"{ns}/{name}", **(_dataset_state(graphql, ns, name) or {})}
        for ns, name in _names(events, "inputs") + _names(events, "outputs")
    ]
    jobs: dict[tuple[str, str], None] = {}
    for event in events:
        if "job" in event:
            jobs[(event["job"]["namespace"], event["job"]["name"])] = None
    return {
        "dataset": list({d["requested"]: d for d in datasets}.values()),
        "job": [{"requested": f"{ns}/{n}", **(_job_state(graphql, ns, n) or {})} for ns, n in jobs],
    }
