"""Nodes as Marquez 0.50 writes them in JSON: datasets, jobs, runs, namespaces, lineage nodes.

Field names, order and nulls follow Marquez's models (``marquez.service.models``: ``Dataset``,
``Job``, ``Run``, ``Namespace``, ``DatasetData``, ``JobData``, ``ColumnLineageNodeData``), so that
Marquez's web UI and clients read them unchanged. What lineagemesh does not keep is written as
Marquez writes an absent value: versions, locations, parent jobs and tags as null or empty.

Datasets, jobs and runs are written by the native renderer (``native/marquez/marquez.h``), in one pass over a
view: a lineage graph's thousands of nodes carry tens of thousands of schema fields, which cost
far more made as Python dicts. The rules are there: a dataset's ``type`` (``STREAM`` by its
``datasetType`` facet, else ``DB_TABLE``), its ``fields`` (the column nodes its schema names, by
name alone where none is kept), a job's ``type`` (``STREAM`` for a ``STREAMING`` ``jobType``,
else ``BATCH``), its current inputs and outputs by id, its latest run (the newest by
``createdAt``, then id), a run's state (``START`` is ``RUNNING``, ``COMPLETE`` ``COMPLETED``, ...),
its ``durationMs`` (its dataset versions are filled in after), and the facets: the standard ones kept as properties (``documentation``,
``sql``, ``dataSource``, ``nominalTime``) written back without ``_producer``/``_schemaURL``, then
the ones kept verbatim.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from graph.core.model import Node
from graph.core.mutations import stamp_time
from graph.read.catalog import Namespace, Source
from graph.read.view import GraphView
from graph.serve import marquez_run_versions as run_versions

DEFAULT_OWNER = "anonymous"  # Marquez's owner of namespaces created by OpenLineage events


def time(stamp: str | None) -> str | None:
    """A stored stamp as Marquez writes times: a contract's or descriptor's stamp orders by version
    after its time (``...Z#v13.10.10``), which Marquez does not show."""
    return None if stamp is None else stamp_time(stamp)


def source(found: Source) -> dict[str, Any]:
    """Marquez's ``Source``; its ``type`` is the connection URL's scheme (no type is kept)."""
    url = found.connection_url
    kind = url.split("://", 1)[0].upper() if url and "://" in url else None
    return {
        "type": kind,
        "name": found.name,
        "createdAt": time(found.created_at),
        "updatedAt": time(found.updated_at),
        "connectionUrl": url,
        "description": None,
    }


def namespace(found: Namespace) -> dict[str, Any]:
    return {
        "name": found.name,
        "createdAt": time(found.created_at),
        "updatedAt": time(found.updated_at),
        "ownerName": DEFAULT_OWNER,
        "description": None,
        "isHidden": False,
    }


def marquez(view: GraphView, nodes: Iterable[Node], full: bool) -> list[dict[str, Any] | None]:
    """Each node as Marquez writes it: a dataset's ``DatasetData`` (``full``: its ``Dataset``
    without ``columnLineage``), a job's ``JobData`` (``full``: its ``Job``), a run's ``Run``; None
    for a node the view does not show. Runs (a job's latest ones too) list the dataset versions
    they read and wrote (``graph.serve.marquez_run_versions``)."""
    answer: list[dict[str, Any] | None] = orjson.loads(
        view.native.marquez([node.id for node in nodes], full)
    )
    run_versions.fill(view, run_versions.runs_in(answer))
    return answer


def dataset(data: dict[str, Any], column_lineage: list[dict[str, Any]] | None) -> dict[str, Any]:
    """A ``Dataset`` (``DbTable`` or ``Stream``) as ``/namespaces/{ns}/datasets`` answers it, from
    its :func:`marquez` ``full`` form."""
    answer: dict[str, Any] = {}
    for key, value in data.items():
        answer[key] = value
        if key == "currentVersion":
            answer["columnLineage"] = column_lineage
    return answer
