"""OpenLineage NDJSON into Marquez's tables, the rows Marquez's ``OpenLineageDao`` writes for them.

For each job: a ``namespaces`` row, a ``jobs`` row (``current_version_uuid``, ``current_run_uuid``),
one ``job_versions`` row and one ``runs`` row (the mesh runs every job once: START, COMPLETE), and
its inputs and outputs in ``job_versions_io_mapping`` (``is_current_job_version``, ``job_uuid``
set, as ``JobVersionDao.upsertCurrentInputOrOutputDatasetFor`` writes them since V67). For each
dataset: ``namespaces``, ``sources`` (one per namespace, as Marquez names a source after the
dataset namespace), ``datasets``, its primary ``dataset_symlinks`` row (``datasets_view`` joins
it), and a current ``dataset_versions`` row holding the schema fields as Marquez's ``fields``
JSON. What the timed lineage SQL does not read is not loaded: facets, run states, column lineage,
tags, ``lineage_events``.

Rows go in by ``COPY`` (psycopg), then ``ANALYZE``, as a running Marquez's autovacuum would.
"""

from __future__ import annotations

import gzip
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

_IDS = uuid.UUID("6f1d3c1e-6a55-4a43-9a0e-2b8f6c1b7d10")  # uuid5 namespace: the same ids every load
NOW = datetime(2026, 1, 5, tzinfo=UTC)


def _id(*parts: str) -> uuid.UUID:
    return uuid.uuid5(_IDS, "\x00".join(parts))


@dataclass
class _Dataset:
    namespace: str
    name: str
    fields: list[dict[str, Any]] = field(default_factory=list)
    producer_job: tuple[str, str] | None = None


@dataclass
class _Job:
    namespace: str
    name: str
    inputs: dict[tuple[str, str], None] = field(default_factory=dict)  # ordered sets
    outputs: dict[tuple[str, str], None] = field(default_factory=dict)


@dataclass
class MarquezRows:
    """The mesh as Marquez holds it, keyed by (namespace, name)."""

    datasets: dict[tuple[str, str], _Dataset] = field(default_factory=dict)
    jobs: dict[tuple[str, str], _Job] = field(default_factory=dict)

    def dataset(self, namespace: str, name: str) -> _Dataset:
        key = (namespace, name)
        found = self.datasets.get(key)
        if found is None:
            found = self.datasets[key] = _Dataset(namespace, name)
        return found

    def event(self, event: dict[str, Any]) -> None:
        if "job" not in event:  # a DatasetEvent: the dataset and its schema
            ds = event.get("dataset") or {}
            self._dataset_facets(self.dataset(ds["namespace"], ds["name"]), ds.get("facets"))
            return
        key = (event["job"]["namespace"], event["job"]["name"])
        job = self.jobs.get(key)
        if job is None:
            job = self.jobs[key] = _Job(*key)
        for ds in event.get("inputs") or []:
            self._dataset_facets(self.dataset(ds["namespace"], ds["name"]), ds.get("facets"))
            job.inputs[(ds["namespace"], ds["name"])] = None
        for ds in event.get("outputs") or []:
            dataset = self.dataset(ds["namespace"], ds["name"])
            self._dataset_facets(dataset, ds.get("facets"))
            dataset.producer_job = key
            job.outputs[(ds["namespace"], ds["name"])] = None

    @staticmethod
    def _dataset_facets(dataset: _Dataset, facets: dict[str, Any] | None) -> None:
        schema = (facets or {}).get("schema") or {}
        if schema.get("fields"):
            # Marquez's dataset_versions.fields: [{name, type, tags, description}]
            dataset.fields = [
                {
                    "name": f["name"],
                    "type": f.get("type"),
                    "tags": [],
                    "description": f.get("description"),
                }
                for f in schema["fields"]
            ]


def read_mesh(source: Path | Iterable[dict[str, Any]]) -> MarquezRows:
    """The rows for OpenLineage events: an NDJSON file (gzip allowed) or an iterable of dicts."""
    rows = MarquezRows()
    if not isinstance(source, Path):
        for event in source:
            rows.event(event)
        return rows
    opener = gzip.open if source.name.endswith(".gz") else open
    with opener(source, "rb") as handle:
        for line in handle:
            if line.strip():
                rows.event(orjson.loads(line))
    return rows


def _copy(
    cursor: Any, table: str, columns: tuple[str, ...], rows: Iterator[tuple[Any, ...]]
) -> int:
    count = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def load(connection: Any, rows: MarquezRows) -> dict[str, int]:
    """Write ``rows`` into a migrated, empty Marquez database in one transaction; returns the row
    counts per table."""
    namespaces = sorted(
        {ns for ns, _ in rows.datasets} | {ns for ns, _ in rows.jobs}
    )  # Marquez: one namespace row per name, whoever names it first
    dataset_namespaces = sorted({ns for ns, _ in rows.datasets})
    counts: dict[str, int] = {}
    with connection.transaction(), connection.cursor() as cur:
        counts["namespaces"] = _copy(
            cur,
            "namespaces",
            ("uuid", "created_at", "updated_at", "name", "current_owner_name"),
            ((_id("namespace", ns), NOW, NOW, ns, "anonymous") for ns in namespaces),
        )
        counts["sources"] = _copy(
            cur,
            "sources",
            ("uuid", "type", "created_at", "updated_at", "name", "connection_url"),
            ((_id("source", ns), "POSTGRESQL", NOW, NOW, ns, ns) for ns in dataset_namespaces),
        )

        def job_ids(job: _Job) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
            key = (job.namespace, job.name)
            return _id("job", *key), _id("job_version", *key), _id("run", *key)

        counts["jobs"] = _copy(
            cur,
            "jobs",
            (
                "uuid",
                "type",
                "created_at",
                "updated_at",
                "namespace_uuid",
                "name",
                "simple_name",
                "namespace_name",
                "current_version_uuid",
                "current_run_uuid",
            ),
            (
                (
                    *job_ids(job)[:1],
                    "BATCH",
                    NOW,
                    NOW,
                    _id("namespace", job.namespace),
                    job.name,
                    job.name,
                    job.namespace,
                    job_ids(job)[1],
                    job_ids(job)[2],
                )
                for job in rows.jobs.values()
            ),
        )
        counts["job_versions"] = _copy(
            cur,
            "job_versions",
            (
                "uuid",
                "created_at",
                "updated_at",
                "job_uuid",
                "version",
                "namespace_uuid",
                "namespace_name",
                "job_name",
                "latest_run_uuid",
            ),
            (
                (
                    job_ids(job)[1],
                    NOW,
                    NOW,
                    job_ids(job)[0],
                    _id("job_version_version", job.namespace, job.name),
                    _id("namespace", job.namespace),
                    job.namespace,
                    job.name,
                    job_ids(job)[2],
                )
                for job in rows.jobs.values()
            ),
        )
        counts["runs"] = _copy(
            cur,
            "runs",
            (
                "uuid",
                "created_at",
                "updated_at",
                "job_version_uuid",
                "current_run_state",
                "namespace_name",
                "job_name",
                "job_uuid",
                "transitioned_at",
                "started_at",
                "ended_at",
            ),
            (
                (
                    job_ids(job)[2],
                    NOW,
                    NOW,
                    job_ids(job)[1],
                    "COMPLETED",
                    job.namespace,
                    job.name,
                    job_ids(job)[0],
                    NOW.replace(tzinfo=None),
                    NOW.replace(tzinfo=None),
                    NOW.replace(tzinfo=None),
                )
                for job in rows.jobs.values()
            ),
        )

        def dataset_version(ds: _Dataset) -> uuid.UUID:
            return _id("dataset_version", ds.namespace, ds.name)

        counts["datasets"] = _copy(
            cur,
            "datasets",
            (
                "uuid",
                "type",
                "created_at",
                "updated_at",
                "namespace_uuid",
                "source_uuid",
                "name",
                "physical_name",
                "current_version_uuid",
                "namespace_name",
                "source_name",
            ),
            (
                (
                    _id("dataset", ds.namespace, ds.name),
                    "DB_TABLE",
                    NOW,
                    NOW,
                    _id("namespace", ds.namespace),
                    _id("source", ds.namespace),
                    ds.name,
                    ds.name,
                    dataset_version(ds),
                    ds.namespace,
                    ds.namespace,
                )
                for ds in rows.datasets.values()
            ),
        )
        counts["dataset_symlinks"] = _copy(
            cur,
            "dataset_symlinks",
            (
                "dataset_uuid",
                "name",
                "namespace_uuid",
                "is_primary",
                "created_at",
                "updated_at",
            ),
            (
                (
                    _id("dataset", ds.namespace, ds.name),
                    ds.name,
                    _id("namespace", ds.namespace),
                    True,
                    NOW.replace(tzinfo=None),
                    NOW.replace(tzinfo=None),
                )
                for ds in rows.datasets.values()
            ),
        )
        counts["dataset_versions"] = _copy(
            cur,
            "dataset_versions",
            (
                "uuid",
                "created_at",
                "dataset_uuid",
                "version",
                "run_uuid",
                "fields",
                "namespace_name",
                "dataset_name",
            ),
            (
                (
                    dataset_version(ds),
                    NOW,
                    _id("dataset", ds.namespace, ds.name),
                    _id("dataset_version_version", ds.namespace, ds.name),
                    _id("run", *ds.producer_job) if ds.producer_job else None,
                    orjson.dumps(ds.fields).decode(),
                    ds.namespace,
                    ds.name,
                )
                for ds in rows.datasets.values()
            ),
        )
        counts["job_versions_io_mapping"] = _copy(
            cur,
            "job_versions_io_mapping",
            (
                "job_version_uuid",
                "dataset_uuid",
                "io_type",
                "job_uuid",
                "is_current_job_version",
                "made_current_at",
            ),
            (
                (
                    job_ids(job)[1],
                    _id("dataset", *dataset),
                    io_type,
                    job_ids(job)[0],
                    True,
                    NOW.replace(tzinfo=None),
                )
                for job in rows.jobs.values()
                for io_type, datasets in (("INPUT", job.inputs), ("OUTPUT", job.outputs))
                for dataset in datasets
            ),
        )
    connection.execute("ANALYZE")
    return counts
