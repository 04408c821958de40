"""Which dataset a contract's table is: the OpenLineage namespace and name its server and
location give it, so a contract meets the lineage of the same table."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ingest.contracts.shape import _GLOB
from ingest.naming import location_dataset


@dataclass(frozen=True, slots=True)
class Identity:
    """Where a contract's table lives: an OpenLineage dataset namespace and name."""

    namespace: str
    name: str
    physical: bool = True  # named physically (column paths use physical names)
    upper: bool = False  # Snowflake: identifiers upper case


#: The server custom property stating the OpenLineage namespace its tables are named in, for a
#: namespace no host rule derives (Airflow's or Marquez's plain ``food_delivery``, a custom server).
NAMESPACE_PROPERTY = "openlineageNamespace"


def stated_namespace(spec: dict[str, Any]) -> str | None:
    """The namespace a server's ``customProperties`` state (``openlineageNamespace``), if any."""
    for entry in spec.get("customProperties") or []:
        if isinstance(entry, dict) and entry.get("property") == NAMESPACE_PROPERTY:
            value = entry.get("value")
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None


def _host_port(spec: dict[str, Any], default: int | None) -> str | None:
    host = spec.get("host")
    if not isinstance(host, str) or not host.strip():
        return None
    host = host.split(",")[0].strip()
    host = host.split("://", 1)[-1].rstrip("/")
    if re.search(r":\d+$", host):
        return host
    port = spec.get("port") if isinstance(spec.get("port"), int) else default
    return f"{host}:{port}" if port is not None else host


def _dotted(prefix: Sequence[str | None], table: str) -> str | None:
    """``prefix + table``; a dotted physical name replaces as many trailing prefix parts as it has dots."""
    parts = table.split(".")
    keep = len(prefix) - (len(parts) - 1)
    head = list(prefix[: max(keep, 0)])
    if any(not isinstance(p, str) or not p for p in head):
        return None
    return ".".join([*head, *parts])  # type: ignore[list-item]


def _location(location: Any, table: str, shared: bool) -> tuple[str, str] | None:
    """OpenLineage (namespace, name) of a contract's storage location (``ingest.naming``), once
    ``{model}`` is substituted and trailing glob segments are dropped."""
    if not isinstance(location, str) or not location.strip():
        return None
    text = location.strip().replace("{model}", table)
    parts = urlsplit(text)
    scheme = parts.scheme.lower() if len(parts.scheme) > 1 else ""  # C:/data is a Windows path
    path = parts.path if scheme else text
    segments = path.split("/")
    for i, segment in enumerate(segments):
        if _GLOB.search(segment):
            segments = segments[:i]
            break
    path = "/".join(segments).rstrip("/")
    if shared and "{model}" not in location:
        path = f"{path}/{table}"
    return location_dataset(f"{scheme}://{parts.netloc}{path}" if scheme else path)


def dataset_identity(
    server_type: str, spec: dict[str, Any], table: str, shared: bool = False, single: bool = True
) -> Identity | None:
    """How OpenLineage names ``table`` on a contract server; None when the server cannot say.

    ``shared`` is true when the contract has several tables (they then share one location);
    ``single`` is true when it has exactly one (a Kafka server's ``topic`` names it).
    """
    s = spec.get
    kind = server_type.lower()
    if kind == "api":
        return None  # an API endpoint is not a dataset OpenLineage names
    stated = stated_namespace(spec)
    if stated is not None:  # the server says how the pipelines name it: that wins over its host
        name = _dotted([p for p in (s("catalog") or s("database"), s("schema")) if p], table)
        return Identity(stated, name) if name else None

    def hosted(scheme: str, default: int | None, prefix: Sequence[str | None]) -> Identity | None:
        authority = _host_port(spec, default)
        name = _dotted(prefix, table)
        return Identity(f"{scheme}://{authority}", name) if authority and name else None

    if kind in ("postgres", "postgresql"):
        return hosted("postgres", 5432, [s("database"), s("schema")])
    if kind == "mysql":
        return hosted("mysql", 3306, [s("database")])
    if kind in ("trino", "presto"):
        return hosted(kind, 8080, [s("catalog"), s("schema")])
    if kind == "dremio":  # as openlineage-dbt names dbt-dremio's: the host and its REST port
        return hosted(
            "dremio", 9047, [p for p in (s("catalog") or s("database"), s("schema")) if p]
        )
    if kind == "db2":
        return hosted("db2", 50000, [s("database"), s("schema")])
    if kind == "sqlserver":
        return hosted("sqlserver", 1433, [s("database"), s("schema")])
    if kind == "synapse":
        return hosted("sqlserver", 1433, [s("schema")] if s("schema") else [])
    if kind == "oracle":
        return hosted(
            "oracle", 1521, [s("serviceName"), s("schema")] if s("schema") else [s("serviceName")]
        )
    if kind in ("hive", "impala"):
        return hosted(kind, 9083 if kind == "hive" else 21050, [s("database")])
    if kind == "snowflake":
        account, host = s("account"), s("host")
        if not account and isinstance(host, str):
            account = re.sub(r"\.snowflakecomputing\.com.*$", "", host.split("://")[-1])
        name = _dotted([s("database"), s("schema")], table)
        return (
            Identity(f"snowflake://{account.lower()}", name.upper(), upper=True)
            if account and name
            else None
        )
    if kind == "bigquery":
        name = _dotted([s("project"), s("dataset")], table)
        return Identity("bigquery", name) if name else None
    if kind == "redshift":
        host, region = s("host"), s("region")
        cluster = s("clusterIdentifier")
        if isinstance(host, str) and host:
            match = re.match(
                r"([^.:/]+)\.[^.]+\.([a-z0-9-]+)\.redshift(?:-serverless)?\.amazonaws\.com",
                host.split("://")[-1],
            )
            if match:
                cluster, region = match[1], match[2]
            elif not cluster:
                return hosted("redshift", 5439, [s("database"), s("schema")])
        name = _dotted([s("database"), s("schema")], table)
        port = s("port") if isinstance(s("port"), int) else 5439
        return (
            Identity(f"redshift://{cluster}.{region}:{port}", name)
            if cluster and region and name
            else None
        )
    if kind == "athena":
        name = _dotted([s("catalog") or "awsdatacatalog", s("schema")], table)
        region = s("regionName") or s("region")
        return (
            Identity(f"awsathena://athena.{region}.amazonaws.com", name)
            if region and name
            else None
        )
    if kind == "glue":
        region = s("region") or s("regionName")
        if region and s("account") and s("database"):
            return Identity(
                f"arn:aws:glue:{region}:{s('account')}", f"table/{s('database')}/{table}"
            )
        found = _location(s("location"), table, shared)
        return Identity(*found) if found else None
    if kind == "databricks":
        host = s("host")
        if not host:
            return None
        name = _dotted([s("catalog"), s("schema")], table)
        host = host.split("://")[-1].rstrip("/")
        return Identity(f"databricks://{host}", name) if name else None
    if kind == "kafka":
        authority = _host_port(spec, 9092)
        declared = s("topic")
        topic = declared if single and isinstance(declared, str) and declared else table
        return Identity(f"kafka://{authority}", topic) if authority else None
    if kind == "pubsub":
        topic = (s("topic") if single else None) or table
        return Identity("pubsub", f"topic:{s('project')}:{topic}") if s("project") else None
    if kind == "local":
        found = _location(s("path") or s("location"), table, shared)
        return Identity(*found) if found else None
    if s("location"):
        found = _location(s("location"), table, shared)
        return Identity(*found) if found else None
    if s("host"):
        return hosted(
            kind,
            None,
            [
                p
                for p in (
                    s("catalog") or s("database") or s("project"),
                    s("schema") or s("dataset"),
                )
                if p
            ],
        )
    return None
