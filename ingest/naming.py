"""Dataset names: every rule turning a storage location or a catalog URI into an OpenLineage
(namespace, name), written once and used by every ingester (OpenLineage events, Iceberg crawls,
contracts), so the same table gets the same id whoever names it.

The rules are the OpenLineage naming conventions (the spec's ``Naming.md``) as the reference
producers apply them (the Java client's ``FilesystemDatasetUtils``, which openlineage-spark uses):

==============================  =============================================  ==================
location                        namespace                                      name
==============================  =============================================  ==================
``/w/t``, ``file:/w/t``         ``file``                                       ``/w/t``
``s3://b/k``, ``s3a:``, ``s3n:``  ``s3://b``                                   ``k``
``gs://b/k``                    ``gs://b``                                     ``k``
``abfs(s)://c@svc/p``           ``abfss://c@svc``                              ``p``
``wasb(s)://c@svc/p``           ``wasbs://c@svc``                              ``p``
``hdfs://nn:8020/p``            ``hdfs://nn:8020``                             ``/p``
anything else                   ``scheme://authority``                         ``/path``
==============================  =============================================  ==================

Namespaces that name the same source in different spellings are brought to one spelling
(:func:`normal_namespace`): object-store scheme variants (``s3a://`` → ``s3://``, ``abfs://`` →
``abfss://``, ``wasb://`` → ``wasbs://``), a catalog's URI with a trailing slash, an upper-case
scheme or host or a default port (``HTTP://Cat:80/`` → ``http://cat``), a database's
scheme and host as the spec writes them (``postgresql://DB.foo:5432/`` → ``postgres://db.foo:5432``), and an SQLAlchemy SQLite
URL (``sqlite:////p/c.db``, what pyiceberg's SqlCatalog is configured with) → its JDBC form
``sqlite:/p/c.db`` (what openlineage-spark names it). Other namespaces are left exactly as sent.
That rule is the native core's (``native/core/namespaces.h``), which the OpenLineage translation
applies without calling back here, so every ingester spells namespaces by the one rule.

A query engine names a table by its own catalog (:class:`CatalogSource`: Trino's
``catalog.schema.table`` under ``trino://host:port``); a declared catalog's source names it too,
and the engine's name becomes an alias of the source's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from graph import _native

#: The port JDBC URLs leave unsaid, which JdbcDatasetUtils writes out.
_JDBC_PORTS = {"postgres": 5432, "mysql": 3306}


def is_storage_namespace(namespace: str) -> bool:
    """Whether a (normal) namespace names a storage location (a file system or an object store,
    as :func:`location_dataset` makes them) rather than a catalog, metastore or database: the
    core's rule (``_native.storage_namespace``), which alias resolution reads too."""
    return _native.storage_namespace(namespace)


def location_dataset(location: str) -> tuple[str, str]:
    """The (namespace, name) of a storage location, as openlineage-spark names a table's location."""
    parts = urlsplit(location)
    scheme = parts.scheme.lower() if len(parts.scheme) > 1 else ""  # C:/data is a Windows path
    path = re.sub(r"/{2,}", "/", unquote(parts.path if scheme else location))
    if scheme in ("", "file"):
        return "file", path.rstrip("/") or "/"
    store = _native.object_store(scheme)
    if store:
        return f"{store}://{parts.netloc}", path.strip("/") or "/"
    namespace = f"{scheme}://{parts.netloc}" if parts.netloc else scheme
    return namespace, path.rstrip("/") or "/"


def warehouse_namespace(warehouse: str) -> str:
    """The namespace of tables named by a warehouse location and a name (Hadoop catalogs:
    ``FilesystemDatasetUtils.fromLocationAndName``): ``file:/w``, ``s3://b/w``."""
    parts = urlsplit(warehouse)
    scheme = parts.scheme.lower()
    path = re.sub(r"/{2,}", "/", unquote(parts.path)).rstrip("/")
    if scheme in ("", "file"):
        return f"file:{path}" if path else "file"
    store = _native.object_store(scheme)
    return f"{store or scheme}://{parts.netloc}{path}"


def jdbc_dataset(sqlalchemy_uri: str, name: str) -> tuple[str, str]:
    """What OpenLineage's JdbcDatasetUtils names ``name`` in the database of the JDBC URL matching a
    SQLAlchemy URL: ``sqlite:////p/c.db`` is ``jdbc:sqlite:/p/c.db`` (namespace ``sqlite:/p/c.db``),
    ``postgresql://h/db`` is ``postgres://h:5432`` with names ``db.{name}``."""
    scheme, _, rest = sqlalchemy_uri.partition("://")
    dialect = scheme.split("+")[0].lower()
    if dialect == "sqlite":  # no host: the path is kept whole
        path = rest[1:] if rest.startswith("/") else rest
        return f"sqlite:{path or ':memory:'}", name
    parts = urlsplit(f"{dialect}://{rest}")
    scheme_name = _native.database_scheme(dialect) or dialect
    port = parts.port or _JDBC_PORTS.get(scheme_name)
    authority = (parts.hostname or "") + (f":{port}" if port else "")
    database = parts.path.strip("/")
    return f"{scheme_name}://{authority}", f"{database}.{name}" if database else name


@lru_cache(maxsize=4096)
def normal_namespace(namespace: str) -> str:
    """One spelling per source (see the module): the namespace every ingester records. Authorities
    are read as Python 3.11's ``urllib.parse.urlsplit`` reads them; one it refuses is left as sent.
    Cached: ingesters ask for the same few namespaces again and again (~40 ns a hit, ~160 ns a
    call into the core)."""
    return _native.normal_namespace(namespace)


@dataclass(frozen=True, slots=True)
class CatalogSource:
    """A query engine's catalog and the source it reads: Trino's ``lakehouse`` catalog over an
    Iceberg REST catalog, ``hive`` over a metastore. Trino's OpenLineage listener names a table
    ``catalog.schema.table`` under ``trino://host:port``; the source names the same table
    ``schema.table`` under its own namespace (``http://iceberg-rest:8181``, ``hive://ms:9083``),
    as the Iceberg crawl and openlineage-spark do, or ``database.schema.table`` (``prefix``: a
    database's name) under ``postgres://host:port``. So the engine's name is an alias of the
    source's (``ALIAS_OF``, reason ``CATALOG``): one table, ``graph.read.aliases``."""

    engine: str  # the engine's namespace, as normal_namespace spells it
    catalog: str
    namespace: str  # the source's namespace, likewise
    prefix: str = ""  # what the source names before schema.table (a database), if anything

    def source_of(self, namespace: str, name: str) -> tuple[str, str] | None:
        """The source's (namespace, name) of a table the engine names, or None: not this catalog."""
        catalog, dot, rest = name.partition(".")
        if not dot or catalog != self.catalog or normal_namespace(namespace) != self.engine:
            return None
        return self.namespace, f"{self.prefix}.{rest}" if self.prefix else rest
