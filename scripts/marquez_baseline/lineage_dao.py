"""Marquez's lineage SQL, verbatim, and the statements ``LineageService.lineage`` runs for a dataset.

The SQL below is copied from Marquez (MarquezProject/marquez, commit
a89b89cad27f87c90dd964c40dae8dfb3f64031f, ``api/src/main/java/marquez/db/LineageDao.java``),
Copyright 2018-2023 contributors to the Marquez project, Apache License 2.0 (see
``vendor/migrations/NOTICE``). Only JDBI's binding syntax is translated when a statement runs
(``<list>`` to a list of parameters, ``:name`` to psycopg's ``%(name)s``).

``GET /api/v1/lineage?nodeId=dataset:NS:NAME&depth=D`` (``LineageService.lineage``) runs, for a
dataset: ``getJobFromInputOrOutput`` (the job to start from: the latest writer, else reader),
``getLineage`` (the recursive walk: every job sharing a dataset with a job already found, to
``depth`` job hops, undirected), ``getDatasetData`` for the inputs and outputs of the jobs found,
and ``getDatasetData`` for the start dataset. :meth:`MarquezLineage.lineage` runs those four. It
leaves out what Marquez then does per job found (``RunDao.findRunByUuid`` for each job's latest run,
``getParentJobData`` for each job's parent): one round trip per job, which would only add to
Marquez's time.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

# LineageDao.getLineage
GET_LINEAGE = """
      WITH RECURSIVE
                 job_io AS (
                    SELECT
                           io.job_uuid AS job_uuid,
                           io.job_symlink_target_uuid AS job_symlink_target_uuid,
                           ARRAY_AGG(DISTINCT io.dataset_uuid) FILTER (WHERE io.io_type='INPUT') AS inputs,
                           ARRAY_AGG(DISTINCT io.dataset_uuid) FILTER (WHERE io.io_type='OUTPUT') AS outputs
                    FROM job_versions_io_mapping io
                    WHERE io.is_current_job_version = TRUE
                    GROUP BY io.job_symlink_target_uuid, io.job_uuid
                ),
                lineage(job_uuid, job_symlink_target_uuid, inputs, outputs) AS (
                    SELECT job_uuid,
                           job_symlink_target_uuid,
                           COALESCE(inputs, Array[]::uuid[]) AS inputs,
                           COALESCE(outputs, Array[]::uuid[]) AS outputs,
                           0 AS depth
                    FROM job_io
                    WHERE job_uuid IN (<jobIds>) OR job_symlink_target_uuid IN (<jobIds>)
                    UNION
                    SELECT io.job_uuid, io.job_symlink_target_uuid, io.inputs, io.outputs, l.depth + 1
                    FROM job_io io, lineage l
                    WHERE (io.job_uuid != l.job_uuid) AND
                        array_cat(io.inputs, io.outputs) && array_cat(l.inputs, l.outputs)
                      AND depth < :depth),
                lineage_outside_job_io(job_uuid) AS (
                    SELECT
                      param_jobs.param_job_uuid as job_uuid,
                      j.symlink_target_uuid,
                      Array[]::uuid[] AS inputs,
                      Array[]::uuid[] AS outputs,
                      0 AS depth
                    FROM (SELECT unnest(ARRAY[<jobIds>]::UUID[]) AS param_job_uuid) param_jobs
                    LEFT JOIN lineage l on param_jobs.param_job_uuid = l.job_uuid
                    INNER JOIN jobs j ON j.uuid = param_jobs.param_job_uuid
                    WHERE l.job_uuid IS NULL
                )
            SELECT DISTINCT ON (j.uuid) j.*, inputs AS input_uuids, outputs AS output_uuids
            FROM (SELECT * FROM lineage UNION SELECT * FROM lineage_outside_job_io) l2
            INNER JOIN jobs_view j ON (j.uuid=l2.job_uuid OR j.uuid=l2.job_symlink_target_uuid)
  """

# LineageDao.getDatasetData(Set<UUID> dsUuids)
GET_DATASET_DATA_BY_UUIDS = """
      SELECT ds.*, dv.fields, dv.lifecycle_state
      FROM datasets_view ds
      LEFT JOIN dataset_versions dv ON dv.uuid = ds.current_version_uuid
      LEFT JOIN dataset_symlinks dsym ON dsym.namespace_uuid = ds.namespace_uuid and dsym.name = ds.name
      WHERE dsym.is_primary = true
      AND ds.uuid IN (<dsUuids>)"""

# LineageDao.getDatasetData(String namespaceName, String datasetName)
GET_DATASET_DATA_BY_NAME = """
      SELECT ds.*, dv.fields, dv.lifecycle_state
      FROM datasets_view ds
      LEFT JOIN dataset_versions dv on dv.uuid = ds.current_version_uuid
      LEFT JOIN dataset_symlinks dsym ON dsym.namespace_uuid = ds.namespace_uuid and dsym.name = ds.name
      INNER JOIN datasets_view AS d ON d.uuid = ds.uuid
      WHERE dsym.is_primary is true
      AND CAST((:namespaceName, :datasetName) AS DATASET_NAME) = ANY(d.dataset_symlinks)"""

# LineageDao.getJobFromInputOrOutput
GET_JOB_FROM_INPUT_OR_OUTPUT = """
      SELECT j.uuid FROM jobs j
      INNER JOIN job_versions jv ON jv.job_uuid = j.uuid
      INNER JOIN job_versions_io_mapping io ON io.job_version_uuid = jv.uuid
      INNER JOIN datasets_view ds ON ds.uuid = io.dataset_uuid
      WHERE ds.name = :datasetName AND ds.namespace_name = :namespaceName
      ORDER BY io_type DESC, jv.created_at DESC
      LIMIT 1"""

STATEMENTS = {
    GET_JOB_FROM_INPUT_OR_OUTPUT: "getJobFromInputOrOutput",
    GET_DATASET_DATA_BY_NAME: "getDatasetData(namespace, name)",
    GET_LINEAGE: "getLineage",
    GET_DATASET_DATA_BY_UUIDS: "getDatasetData(uuids)",
}

_LIST = re.compile(r"<(\w+)>")
_NAMED = re.compile(r"(?<![:\w]):(\w+)")


def bind(sql: str, **params: Any) -> tuple[str, dict[str, Any]]:
    """JDBI's ``<list>`` (``@BindList``) and ``:name`` bindings as psycopg's named parameters."""
    values: dict[str, Any] = {}

    def expand(match: re.Match[str]) -> str:
        items = list(params[match[1]])
        if not items:
            raise ValueError(f"{match[1]}: JDBI refuses an empty @BindList")
        names = []
        for i, item in enumerate(items):
            values[f"{match[1]}_{i}"] = item
            names.append(f"%({match[1]}_{i})s")
        return ", ".join(names)

    def named(match: re.Match[str]) -> str:
        values[match[1]] = params[match[1]]
        return f"%({match[1]})s"

    return _NAMED.sub(named, _LIST.sub(expand, sql)), values


@dataclass
class MarquezAnswer:
    jobs: set[tuple[str, str]]
    datasets: set[tuple[str, str]]

    def node_ids(self) -> set[str]:
        """In lineagemesh's id spelling."""
        return {f"job:{ns}:{name}" for ns, name in self.jobs} | {
            f"dataset:{ns}:{name}" for ns, name in self.datasets
        }

    @property
    def node_count(self) -> int:
        return len(self.jobs) + len(self.datasets)


class MarquezLineage:
    """``LineageService.lineage`` for a dataset node, its statements on one psycopg connection."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.seconds: dict[str, float] = dict.fromkeys(
            STATEMENTS.values(), 0.0
        )  # per statement, summed

    def _rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        text, values = bind(sql, **params)
        started = time.perf_counter()
        try:
            with self.connection.cursor() as cur:
                cur.execute(text, values)
                columns = [c.name for c in cur.description]
                return [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]
        finally:
            self.seconds[STATEMENTS[sql]] += time.perf_counter() - started

    def lineage(self, namespace: str, name: str, depth: int) -> MarquezAnswer:
        """The jobs and datasets ``GET /api/v1/lineage`` answers for ``dataset:namespace:name``."""
        found = self._rows(GET_JOB_FROM_INPUT_OR_OUTPUT, datasetName=name, namespaceName=namespace)
        start = self._rows(GET_DATASET_DATA_BY_NAME, namespaceName=namespace, datasetName=name)
        if not found:  # an orphan dataset: the dataset alone
            return MarquezAnswer(set(), {(r["namespace_name"], r["name"]) for r in start})
        job_uuid: uuid.UUID = found[0]["uuid"]
        jobs = self._rows(GET_LINEAGE, jobIds=[job_uuid], depth=depth)
        dataset_uuids = {
            u for job in jobs for u in (job["input_uuids"] or []) + (job["output_uuids"] or [])
        }
        datasets = self._rows(GET_DATASET_DATA_BY_UUIDS, dsUuids=sorted(dataset_uuids))
        return MarquezAnswer(
            {(j["namespace_name"], j["name"]) for j in jobs},
            {(d["namespace_name"], d["name"]) for d in datasets},
        )
