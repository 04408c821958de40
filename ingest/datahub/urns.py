"""DataHub URNs → OpenLineage names.

``urn:li:dataset:(urn:li:dataPlatform:postgres,orders.public.customer_orders,PROD)`` names a
table by platform and name; OpenLineage by namespace (``postgres://orders-db:5432``) and name. A
storage platform's name is its location (``s3`` ``bucket/key`` → ``s3://bucket``, ``key``); any
other's namespace is what the caller's ``Namespaces`` says (a mapping given on the command line,
or the one dataset of that scheme and name the graph already holds), else the platform's
OpenLineage scheme alone (``bigquery``, which is its real namespace; ``postgres`` for others,
which no lineage will meet).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, unquote

from ingest.naming import location_dataset

#: DataHub platform → the scheme OpenLineage names its datasets with.
SCHEMES = {
    "postgres": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
    "mssql": "sqlserver",
    "oracle": "oracle",
    "snowflake": "snowflake",
    "bigquery": "bigquery",
    "redshift": "redshift",
    "hive": "hive",
    "trino": "trino",
    "presto": "presto",
    "kafka": "kafka",
    "athena": "awsathena",
    "databricks": "databricks",
    "glue": "glue",
    "clickhouse": "clickhouse",
    "dremio": "dremio",
    "db2": "db2",
}
#: Platforms whose dataset names are storage locations.
STORAGE = {"s3": "s3", "gcs": "gs", "hdfs": "hdfs", "file": "file", "abs": "abfss", "adls": "abfss"}

_DATASET = re.compile(r"urn:li:dataset:\(urn:li:dataPlatform:([^,]+),(.+),([A-Za-z_]+)\)")
_FIELD = re.compile(r"urn:li:schemaField:\((urn:li:dataset:\(.+\)),(.+)\)")
_FLOW = re.compile(r"urn:li:dataFlow:\(([^,()]+),([^,()]+),([^,()]+)\)")
_JOB = re.compile(r"urn:li:dataJob:\((urn:li:dataFlow:\([^()]+\)),([^,()]+)\)")


class BadUrn(ValueError):
    """A URN this reader cannot name a dataset or column by."""


@dataclass(frozen=True, slots=True)
class DatasetUrn:
    platform: str
    name: str
    env: str

    @property
    def scheme(self) -> str:
        return SCHEMES.get(self.platform, STORAGE.get(self.platform, self.platform))


@dataclass(frozen=True, slots=True)
class FlowUrn:
    """A dataFlow (an Airflow DAG, a Spark application): orchestrator, flow id, cluster."""

    orchestrator: str
    flow_id: str
    cluster: str


@dataclass(frozen=True, slots=True)
class JobUrn:
    """A dataJob (a task of its flow)."""

    flow: FlowUrn
    job_id: str

    @property
    def name(self) -> str:
        """Its OpenLineage job name: the flow's and the task's, as Airflow's ``dag_id.task_id``;
        a flow's one job named as the flow (``job_id`` the flow's id) is the flow's name."""
        if self.job_id == self.flow.flow_id:
            return self.flow.flow_id
        return f"{self.flow.flow_id}.{self.job_id}"


#: A DataHub dataset → its OpenLineage (namespace, name), or None: the caller's rule (a
#: platform or platform instance mapped to a namespace, the one matching dataset of the graph).
Namespaces = Callable[[DatasetUrn], tuple[str, str] | None]
#: A DataHub flow → the OpenLineage namespace of its jobs and its flow id there (a platform
#: instance's prefix left out), or None: the caller's rule, as for datasets.
FlowNamespaces = Callable[[FlowUrn], tuple[str, str] | None]


def dataset_urn(urn: str) -> DatasetUrn:
    match = _DATASET.fullmatch(urn)
    if match is None:
        raise BadUrn(f"{urn!r} is not a dataset urn")
    return DatasetUrn(match[1], match[2], match[3])


def flow_urn(urn: str) -> FlowUrn:
    match = _FLOW.fullmatch(urn)
    if match is None:
        raise BadUrn(f"{urn!r} is not a dataFlow urn")
    return FlowUrn(*(unquote(part) for part in match.groups()))


def job_urn(urn: str) -> JobUrn:
    match = _JOB.fullmatch(urn)
    if match is None:
        raise BadUrn(f"{urn!r} is not a dataJob urn")
    return JobUrn(flow_urn(match[1]), unquote(match[2]))


def field_urn(urn: str) -> tuple[DatasetUrn, str]:
    """A schemaField urn's dataset and field path."""
    match = _FIELD.fullmatch(urn)
    if match is None:
        raise BadUrn(f"{urn!r} is not a schemaField urn")
    return dataset_urn(match[1]), match[2]


def last_part(urn: str) -> str:
    """What a simple urn names: ``urn:li:corpGroup:orders-team`` → ``orders-team``."""
    return urn.split(":", 3)[-1] if urn.startswith("urn:li:") else urn


def ol_name(urn: DatasetUrn, namespaces: Namespaces) -> tuple[str, str]:
    """The OpenLineage (namespace, name) of a DataHub dataset."""
    storage = STORAGE.get(urn.platform)
    if storage == "file":
        return location_dataset(urn.name)
    if storage is not None:
        return location_dataset(f"{storage}://{urn.name}")
    return namespaces(urn) or (urn.scheme, ol_table_name(urn))


def ol_flow(urn: FlowUrn, namespaces: FlowNamespaces) -> tuple[str, str]:
    """The OpenLineage (namespace, name) of a flow's own job; its tasks are ``name.job_id``."""
    return namespaces(urn) or (urn.orchestrator, urn.flow_id)


def platform_of(namespace: str, platforms: Mapping[str, str]) -> tuple[str, str]:
    """The DataHub platform (and the instance's prefix, or "") an OpenLineage namespace is
    written as: ``platforms`` (namespace → ``PLATFORM[.INSTANCE]``, the ``--platform-namespace``
    mapping turned round) first, else the platform whose scheme it has, else itself."""
    if namespace in platforms:
        platform, _, instance = platforms[namespace].partition(".")
        return platform, instance
    scheme = namespace.split("://", 1)[0] if "://" in namespace else namespace
    by_scheme = {v: k for k, v in reversed(SCHEMES.items())} | {"s3": "s3", "gs": "gcs"}
    return by_scheme.get(scheme, scheme), ""


def datahub_dataset_urn(
    namespace: str, name: str, platforms: Mapping[str, str], env: str = "PROD"
) -> str:
    """The URN of the dataset OpenLineage names (namespace, name): the reverse of :func:`ol_name`
    (a storage location's platform and path; a table's platform and name, Snowflake's lower
    case as DataHub writes it)."""
    storage = {v: k for k, v in reversed(STORAGE.items())}
    scheme = namespace.split("://", 1)[0]
    if namespace == "file" or (scheme in storage and namespace not in platforms):
        platform = storage.get(scheme, "file")
        path = name if namespace == "file" else f"{namespace.split('://', 1)[1]}/{name.lstrip('/')}"
        return f"urn:li:dataset:(urn:li:dataPlatform:{platform},{path},{env})"
    platform, instance = platform_of(namespace, platforms)
    table = name.lower() if platform == "snowflake" else name
    return f"urn:li:dataset:(urn:li:dataPlatform:{platform},{f'{instance}.' if instance else ''}{table},{env})"


def datahub_job_urns(
    namespace: str, name: str, platforms: Mapping[str, str], cluster: str = "prod"
) -> tuple[str, str]:
    """The dataFlow and dataJob URNs of the job OpenLineage names: the reverse of
    :attr:`JobUrn.name` (``dag_id.task_id`` a task of its DAG; a name without a dot a flow's one
    job), its orchestrator the namespace's platform."""
    orchestrator, instance = platform_of(namespace, platforms)
    flow_id, _, job_id = name.partition(".")
    flow_id = f"{instance}.{flow_id}" if instance else flow_id
    flow = f"urn:li:dataFlow:({orchestrator},{_quoted(flow_id)},{cluster})"
    return flow, f"urn:li:dataJob:({flow},{_quoted(job_id or flow_id)})"


def _quoted(part: str) -> str:
    """A URN part as DataHub writes it: its reserved characters percent-encoded."""
    return quote(part, safe="") if any(c in part for c in ",()%") else part


def ol_table_name(urn: DatasetUrn) -> str:
    """The name OpenLineage gives the table (Snowflake's identifiers upper case)."""
    return urn.name.upper() if urn.platform == "snowflake" else urn.name
