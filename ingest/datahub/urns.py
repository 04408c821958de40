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
from collections.abc import Callable
from dataclasses import dataclass

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


#: A DataHub dataset → its OpenLineage (namespace, name), or None: the caller's rule (a
#: platform or platform instance mapped to a namespace, the one matching dataset of the graph).
Namespaces = Callable[[DatasetUrn], tuple[str, str] | None]


def dataset_urn(urn: str) -> DatasetUrn:
    match = _DATASET.fullmatch(urn)
    if match is None:
        raise BadUrn(f"{urn!r} is not a dataset urn")
    return DatasetUrn(match[1], match[2], match[3])


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


def ol_table_name(urn: DatasetUrn) -> str:
    """The name OpenLineage gives the table (Snowflake's identifiers upper case)."""
    return urn.name.upper() if urn.platform == "snowflake" else urn.name
