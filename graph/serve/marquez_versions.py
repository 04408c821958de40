"""Marquez's dataset version routes, answered from schema history (``graph.change.schema_history``).

``GET /api/v1/namespaces/{ns}/datasets/{name}/versions`` (``{"versions": [...], "totalCount": n}``,
newest first, ``limit``/``offset``) and ``.../versions/{version}``, each version a Marquez
``DatasetVersion``: the dataset as Marquez shows it, with the fields, version and time of that
version. What ``marquez-python``'s ``list_dataset_versions`` and ``get_dataset_version`` read.
"""

from __future__ import annotations

from typing import Any

from graph.change import schema_history
from graph.core.model import Node, run_id
from graph.read.view import GraphView
from graph.serve import marquez_shapes as shapes


def dataset_version(view: GraphView, dataset: Node, version: Node) -> dict[str, Any]:
    """One ``DatasetVersion``: the dataset's Marquez form, as of ``version``."""
    data = shapes.marquez(view, [dataset], True)[0] or {}
    p = version.props
    return {
        "id": {"namespace": p["namespace"], "name": p["name"], "version": p["version"]},
        "type": data.get("type", "DB_TABLE"),
        "name": p["name"],
        "physicalName": data.get("physicalName", p["name"]),
        "createdAt": shapes.time(p.get("createdAt")),
        "version": p["version"],
        "namespace": p["namespace"],
        "sourceName": data.get("sourceName"),
        "fields": [
            {
                "name": f["name"],
                "type": f.get("type"),
                "tags": [],
                "description": f.get("description"),
            }
            for f in p.get("fields") or []
        ],
        "tags": data.get("tags", []),
        "lifecycleState": data.get("lifecycleState"),
        "description": data.get("description"),
        "createdByRun": _created_by_run(view, p.get("origin")),
        "facets": {},
        # lineagemesh's own: where the version came from, and what changed from the one before
        "source": p.get("source"),
        "origin": p.get("origin"),
        "previousVersion": p.get("previousVersion"),
        "changes": p.get("changes") or [],
    }


def _created_by_run(view: GraphView, origin: Any) -> dict[str, Any] | None:
    """The ``Run`` that reported the version (its origin ``run:<runId>``), as Marquez shows runs;
    None for a version another source made (a contract, a catalog crawl) or a run no longer kept."""
    if not isinstance(origin, str) or not origin.startswith("run:"):
        return None
    node_id = run_id(origin.removeprefix("run:"))
    run = view.nodes([node_id]).get(node_id)
    return None if run is None else shapes.marquez(view, [run], False)[0]


def versions(view: GraphView, dataset: Node, limit: int, offset: int) -> dict[str, Any]:
    store = view.store
    page = schema_history.versions(store, dataset.id, limit, offset)
    return {
        "versions": [dataset_version(view, dataset, v) for v in page],
        "totalCount": schema_history.count_versions(store, dataset.id),
    }


def version(view: GraphView, dataset: Node, uuid: str) -> dict[str, Any] | None:
    found = schema_history.version_by_uuid(view.store, dataset.id, uuid)
    return None if found is None else dataset_version(view, dataset, found)
