"""An endpoint URI in a descriptor → the OpenLineage (namespace, name) the graph knows it by.

The scheme and authority are the namespace and the path the name, as OpenLineage's naming spec
says, through the rules every ingester shares: storage locations (``s3://``, ``gs://``,
``file:``, ``hdfs://``, ``https://`` APIs) by :func:`ingest.naming.location_dataset`; databases,
warehouses and Kafka by the rules a contract's server is named by
(:func:`ingest.contracts.dataset_identity`: default ports, Snowflake's upper case, ...), the path's
segments joined by dots (``trino://h/orders/customer_orders`` → ``trino://h:8080``,
``orders.customer_orders``; ``postgres://db:5432/orders.public.customer_orders`` →
``postgres://db:5432``, ``orders.public.customer_orders``).
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from graph import _native
from ingest.contracts.identity import dataset_identity
from ingest.naming import location_dataset, normal_namespace

#: Schemes whose path is a location, not a database's dotted name.
_LOCATION_SCHEMES = frozenset({"file", "hdfs", "http", "https", "ftp", "sftp"})


#: Placeholders for the prefix parts a server's namespace rule may ask for (not used in names).
_ANY_PREFIX = dict.fromkeys(
    ("database", "schema", "catalog", "project", "dataset", "serviceName"), "_"
)


class BadEndpoint(ValueError):
    """An endpoint URI that names no dataset; the message says why."""


def endpoint_dataset(uri: str) -> tuple[str, str]:
    """The (namespace, name) of the dataset, topic or API an endpoint URI names."""
    text = uri.strip()
    parts = urlsplit(text)
    scheme = parts.scheme.lower() if len(parts.scheme) > 1 else ""  # C:/data is a Windows path
    if not scheme or scheme in _LOCATION_SCHEMES or _native.object_store(scheme):
        if scheme and scheme != "file" and not parts.netloc:
            raise BadEndpoint(f"{uri!r} names no host")
        namespace, name = location_dataset(text)
        if name == "/":
            raise BadEndpoint(f"{uri!r} names no path")
        return normal_namespace(namespace), name
    if not parts.netloc:
        raise BadEndpoint(f"{uri!r} names no host")
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if scheme == "bigquery":  # bigquery://project/dataset/table: the project is the authority
        segments = [parts.netloc, *segments]
    if not segments:
        raise BadEndpoint(f"{uri!r} names no {'topic' if scheme == 'kafka' else 'table'}")
    name = ".".join(segments)
    # The namespace a contract server on this host gets (its scheme, host and default port),
    # asked with every prefix part a server may state given, so that only the host decides.
    identity = dataset_identity(scheme, {"host": parts.netloc, **_ANY_PREFIX}, "t")
    if identity is None:
        raise BadEndpoint(f"{uri!r}: no dataset naming rule for {scheme}://")
    return normal_namespace(identity.namespace), name.upper() if identity.upper else name
