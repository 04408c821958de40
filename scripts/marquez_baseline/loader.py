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
import itertools
import uuid
from collections.abc import Callable, Iterable
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


def _copy(cursor: Any, table: str, records: Iterable[dict[str, Any]]) -> int:
    """COPY ``records`` into ``table``: each maps the table's columns to its values, every record
    the same columns in the same order (a column is named beside its value, not kept in step by
    position)."""
    rows = iter(records)
    first = next(rows, None)
    if first is None:
        return 0
    count = 0
    with cursor.copy(f"COPY {table} ({', '.join(first)}) FROM STDIN") as copy:
        for record in itertools.chain((first,), rows):
            copy.write_row(tuple(record.values()))
            count += 1
    return count


def load(connection: Any, rows: MarquezRows) -> dict[str, int]:
    """Write ``rows`` into a migrated, empty Marquez database in one transaction; returns the row
    counts per table."""
    namespaces = sorted(
        {ns for ns, _ in rows.datasets} | {ns for ns, _ in rows.jobs}
    )  # Marquez: one namespace row per name, whoever names it first
    dataset_namespaces = sorted({ns for ns, _ in rows.datasets})
    io_mappings = (
        (job, io_type, dataset)
        for job in rows.jobs.values()
        for io_type, datasets in (("INPUT", job.inputs), ("OUTPUT", job.outputs))
        for dataset in datasets
    )
    tables: tuple[tuple[str, Iterable[Any], Callable[[Any], dict[str, Any]]], ...] = (
        ("namespaces", namespaces, _namespace),
        ("sources", dataset_namespaces, _source),
        ("jobs", rows.jobs.values(), _job),
        ("job_versions", rows.jobs.values(), _job_version),
        ("runs", rows.jobs.values(), _run),
        ("datasets", rows.datasets.values(), _dataset),
        ("dataset_symlinks", rows.datasets.values(), _dataset_symlink),
        ("dataset_versions", rows.datasets.values(), _dataset_version),
        ("job_versions_io_mapping", io_mappings, _io_mapping),
    )
    counts: dict[str, int] = {}
    with connection.transaction(), connection.cursor() as cur:
        for table, items, record in tables:
            counts[table] = _copy(cur, table, map(record, items))
    connection.execute("ANALYZE")
    return counts


# -- one row per table: its columns beside their values --------------------------------------

_NAIVE_NOW = NOW.replace(tzinfo=None)  # the columns Marquez declares without a time zone


def _audited(row_uuid: uuid.UUID) -> dict[str, Any]:
    """The columns most Marquez tables open with: the row's uuid, when it was made and updated."""
    return {"uuid": row_uuid, "created_at": NOW, "updated_at": NOW}


def _namespace(ns: str) -> dict[str, Any]:
    return {
        **_audited(_id("namespace", ns)),
        "name": ns,
        "current_owner_name": "anonymous",
    }


def _source(ns: str) -> dict[str, Any]:
    return {
        **_audited(_id("source", ns)),
        "type": "POSTGRESQL",
        "name": ns,
        "connection_url": ns,
    }


def _job_ids(job: _Job) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """A job's uuid, its version's and its run's."""
    key = (job.namespace, job.name)
    return _id("job", *key), _id("job_version", *key), _id("run", *key)


def _job(job: _Job) -> dict[str, Any]:
    job_uuid, version_uuid, run_uuid = _job_ids(job)
    return {
        **_audited(job_uuid),
        "type": "BATCH",
        "namespace_uuid": _id("namespace", job.namespace),
        "name": job.name,
        "simple_name": job.name,
        "namespace_name": job.namespace,
        "current_version_uuid": version_uuid,
        "current_run_uuid": run_uuid,
    }


def _job_version(job: _Job) -> dict[str, Any]:
    job_uuid, version_uuid, run_uuid = _job_ids(job)
    return {
        **_audited(version_uuid),
        "job_uuid": job_uuid,
        "version": _id("job_version_version", job.namespace, job.name),
        "namespace_uuid": _id("namespace", job.namespace),
        "namespace_name": job.namespace,
        "job_name": job.name,
        "latest_run_uuid": run_uuid,
    }


def _run(job: _Job) -> dict[str, Any]:
    job_uuid, version_uuid, run_uuid = _job_ids(job)
    return {
        **_audited(run_uuid),
        "job_version_uuid": version_uuid,
        "current_run_state": "COMPLETED",
        "namespace_name": job.namespace,
        "job_name": job.name,
        "job_uuid": job_uuid,
        "transitioned_at": _NAIVE_NOW,
        "started_at": _NAIVE_NOW,
        "ended_at": _NAIVE_NOW,
    }


def _dataset_version_uuid(ds: _Dataset) -> uuid.UUID:
    return _id("dataset_version", ds.namespace, ds.name)


def _dataset(ds: _Dataset) -> dict[str, Any]:
    return {
        **_audited(_id("dataset", ds.namespace, ds.name)),
        "type": "DB_TABLE",
        "namespace_uuid": _id("namespace", ds.namespace),
        "source_uuid": _id("source", ds.namespace),
        "name": ds.name,
        "physical_name": ds.name,
        "current_version_uuid": _dataset_version_uuid(ds),
        "namespace_name": ds.namespace,
        "source_name": ds.namespace,
    }


def _dataset_symlink(ds: _Dataset) -> dict[str, Any]:
    return {
        "dataset_uuid": _id("dataset", ds.namespace, ds.name),
        "name": ds.name,
        "namespace_uuid": _id("namespace", ds.namespace),
        "is_primary": True,
        "created_at": _NAIVE_NOW,
        "updated_at": _NAIVE_NOW,
    }


def _dataset_version(ds: _Dataset) -> dict[str, Any]:
    return {
        "uuid": _dataset_version_uuid(ds),
        "created_at": NOW,
        "dataset_uuid": _id("dataset", ds.namespace, ds.name),
        "version": _id("dataset_version_version", ds.namespace, ds.name),
        "run_uuid": _id("run", *ds.producer_job) if ds.producer_job else None,
        "fields": orjson.dumps(ds.fields).decode(),
        "namespace_name": ds.namespace,
        "dataset_name": ds.name,
    }


def _io_mapping(mapping: tuple[_Job, str, tuple[str, str]]) -> dict[str, Any]:
    job, io_type, dataset = mapping
    job_uuid, version_uuid, _ = _job_ids(job)
    return {
        "job_version_uuid": version_uuid,
        "dataset_uuid": _id("dataset", *dataset),
        "io_type": io_type,
        "job_uuid": job_uuid,
        "is_current_job_version": True,
        "made_current_at": _NAIVE_NOW,
    }
