"""A run's ``inputDatasetVersions`` and ``outputDatasetVersions`` as Marquez shows them, filled into
the runs the native renderer wrote (``graph.serve.marquez_shapes``): a ``Run``, and a ``Job``'s
``latestRun`` and ``latestRuns``; and given to it to write in a lineage graph's jobs' latest runs
(``Lineage.render_marquez``).

Marquez (``RunDao``, ``RunMapper``) lists for each run the dataset versions it read
(``runs_input_mapping``: the version current at each event) and the versions it wrote, each an
``InputDatasetVersion``/``OutputDatasetVersion``: ``datasetVersionId`` ``{namespace, name,
version}`` and ``facets``, the input's or output's facets the event carried. Here a dataset's
versions are its schema history (``graph.change.schema_history``, what
``/datasets/{name}/versions`` lists), so the version a run read or wrote is the dataset's newest
version observed at or before the last event of the run that named it (the CONSUMED or PRODUCED
edge's ``lastSeenAt``): the one a run's own schema made, or the one it found. Each dataset is its
table (its canonical name, as ``/datasets/{name}``), under the version ids that endpoint gives; a
dataset with no version by then (no schema stated for it yet) is not listed, as it has no version
to name. A run listing a table under two names lists its version once (the facets merged).

The reads are batched over every run of an answer: one read of their edges, one resolution of
their datasets' names, one read of each dataset's newest version (``Store.first_of_kind``), and a
seek only for a run older than its dataset's newest version.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

import orjson

from graph.change.schema_history import versions_prefix
from graph.core.model import EdgeKind, Node, NodeKind, PropertyKey, run_id
from graph.core.mutations import newest_first
from graph.read import queries
from graph.read.aliases import AliasResolver
from graph.read.view import GraphView
from graph.stores import FirstsRequest

#: What a version's id shows of it (its record's ``fields`` are not read).
SHOWN = ("namespace", "name", "version")

#: Marquez's field for the versions a run read or wrote, by the edge kind that records them.
FIELDS = {
    EdgeKind.CONSUMED: "inputDatasetVersions",
    EdgeKind.PRODUCED: "outputDatasetVersions",
}


def runs_in(answer: Iterable[dict[str, Any] | None]) -> list[dict[str, Any]]:
    """The ``Run`` objects of a rendered answer: each run, and each job's latest runs."""
    found: list[dict[str, Any]] = []
    for item in answer:
        if item is None:
            continue
        if "jobVersion" in item:  # a Run (a Job or Dataset has no such field)
            found.append(item)
            continue
        if isinstance(item.get("latestRun"), dict):
            found.append(item["latestRun"])
        found.extend(r for r in item.get("latestRuns") or () if isinstance(r, dict))
    return found


def fill(view: GraphView, runs: list[dict[str, Any]]) -> None:
    """Set each run's ``inputDatasetVersions`` and ``outputDatasetVersions`` (see the module)."""
    ids = [run_id(r["id"]) for r in runs if isinstance(r.get("id"), str)]
    found = of_runs(view, ids)
    for run in runs:
        lists = found.get(run_id(run["id"])) if isinstance(run.get("id"), str) else None
        for field in FIELDS.values():
            run[field] = lists[field] if lists is not None else []


def texts(view: GraphView, runs: Collection[str]) -> dict[str, str]:
    """:func:`of_runs` as the native renderer takes them (``Lineage.render_marquez``): by run id,
    the JSON text of ``"inputDatasetVersions":[...],"outputDatasetVersions":[...]``."""
    return {run: orjson.dumps(lists).decode()[1:-1] for run, lists in of_runs(view, runs).items()}


def of_runs(view: GraphView, runs: Collection[str]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """The two lists of each of ``runs`` (node ids), by Marquez's field names, in that order."""
    if not runs:
        return {}
    edges = sorted(view.edges(runs, tuple(FIELDS), "out"), key=lambda e: e.target)
    canonical = AliasResolver(view).canonical({e.target for e in edges})
    versions = _Versions(view, set(canonical.values()))
    listed: dict[str, dict[str, dict[str, dict[str, Any]]]] = {
        run: {field: {} for field in FIELDS.values()} for run in runs
    }
    for edge in edges:
        seen = edge.props.get(PropertyKey.LAST_SEEN_AT)
        version = versions.at(canonical[edge.target], seen if isinstance(seen, str) else None)
        if version is None:
            continue
        entries = listed[edge.source][FIELDS[edge.kind]]
        entry = entries.get(version.id)
        if entry is None:
            p = version.props
            entry = entries[version.id] = {
                "datasetVersionId": {
                    "namespace": p.get("namespace"),
                    "name": p.get("name"),
                    "version": p.get("version"),
                },
                "facets": {},
            }
        entry["facets"].update(queries.edge_facets(edge))
    return {
        run: {field: list(entries.values()) for field, entries in lists.items()}
        for run, lists in listed.items()
    }


class _Versions:
    """The version of each dataset at a moment, read for the datasets of one answer."""

    def __init__(self, view: GraphView, datasets: set[str]) -> None:
        self.view = view
        self.prefixes = {d: versions_prefix(d) for d in datasets}
        newest = view.store.first_of_kind(
            FirstsRequest(NodeKind.DATASET_VERSION, list(self.prefixes.values()), SHOWN)
        )
        self.newest = {d: newest.get(prefix) for d, prefix in self.prefixes.items()}
        self.seeks: dict[tuple[str, str], Node | None] = {}

    def at(self, dataset: str, moment: str | None) -> Node | None:
        """The dataset's newest version observed at or before the stamp ``moment`` (its newest
        for None); None when it has none such. Version ids sort newest first after the dataset's
        prefix, so that is the first id past ``prefix + newest_first(moment)``."""
        newest = self.newest.get(dataset)
        if newest is None or moment is None:
            return newest
        start = self.prefixes[dataset] + newest_first(moment)
        if newest.id > start:
            return newest
        key = (dataset, moment)
        if key not in self.seeks:
            page = self.view.nodes_of_kind(NodeKind.DATASET_VERSION, 1, start)
            found = page[0] if page and page[0].id.startswith(self.prefixes[dataset]) else None
            self.seeks[key] = found
        return self.seeks[key]
