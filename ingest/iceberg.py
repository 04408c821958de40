"""Iceberg catalogs → graph mutations: a pure translation of what a crawl read
(``graph.intake.iceberg_crawl``: the I/O) into the graph.

What it becomes in the graph, and why: docs/sources.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from graph.core.model import EdgeKind, NodeKind, PropertyKey, dataset_id
from graph.core.mutations import Mutation, stamp
from ingest.builder import GraphBuilder
from ingest.naming import jdbc_dataset, location_dataset, normal_namespace, warehouse_namespace

MAX_SNAPSHOTS = 50  # snapshots kept on a dataset (the newest); snapshotCount has the total
PRODUCT_PREFIX = "data-product."
SOURCE = "iceberg"  # the ``source`` of BELONGS_TO edges this ingester declares
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# -- the snapshot: plain data read by the crawl ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldInfo:
    """One column of a schema; nested struct fields are flattened to dotted paths."""

    path: str
    parent: str | None
    field_id: int
    type: str
    required: bool
    doc: str | None


@dataclass(frozen=True, slots=True)
class SnapshotInfo:
    snapshot_id: int
    parent_snapshot_id: int | None
    timestamp_ms: int
    operation: str | None


@dataclass(frozen=True, slots=True)
class NamespaceInfo:
    levels: tuple[str, ...]
    properties: Mapping[str, str]

    @property
    def name(self) -> str:
        return ".".join(self.levels)


@dataclass(frozen=True, slots=True)
class CatalogObject:
    """Where a table or a view is: its namespace's levels, its name, its storage location."""

    namespace: tuple[str, ...]
    name: str
    location: str

    @staticmethod
    def placed(identifier: tuple[str, ...], obj: Any) -> dict[str, Any]:
        """The fields of a pyiceberg table or view read as ``identifier``, as keywords."""
        return {"namespace": identifier[:-1], "name": identifier[-1], "location": obj.location()}


@dataclass(frozen=True, slots=True)
class TableInfo(CatalogObject):
    metadata_location: str
    table_uuid: str
    format_version: int
    properties: Mapping[str, str]
    fields: tuple[FieldInfo, ...]
    snapshots: tuple[SnapshotInfo, ...]  # oldest first
    current_snapshot_id: int | None
    last_updated_ms: int


@dataclass(frozen=True, slots=True)
class ViewInfo(CatalogObject):
    view_uuid: str
    version_id: int
    timestamp_ms: int
    sql: str | None
    dialect: str | None
    properties: Mapping[str, str]
    fields: tuple[FieldInfo, ...]


@dataclass(frozen=True, slots=True)
class CrawlError:
    """A table or namespace the crawl could not read (``missing``: it vanished meanwhile)."""

    identifier: tuple[str, ...]
    kind: str  # "table", "view" or "namespace"
    message: str
    missing: bool = False


@dataclass(frozen=True, slots=True)
class CatalogSnapshot:
    """Everything a crawl read, as plain data; the input of :func:`translate_catalog`."""

    catalog_name: str
    catalog_type: str
    catalog_uri: str | None  # credentials removed
    warehouse: str | None
    crawled_at: datetime
    namespaces: tuple[NamespaceInfo, ...]
    tables: tuple[TableInfo, ...]
    views: tuple[ViewInfo, ...]
    errors: tuple[CrawlError, ...] = ()
    catalog_properties: Mapping[str, str] = field(default_factory=dict)
    complete: bool = True  # every namespace of the crawled scope could be listed


# -- identity (pure) --------------------------------------------------------------------------------


def spark_identifier(parts: Iterable[str]) -> str:
    """Spark's ``Identifier.toString()``: parts joined by dots, quoted with backticks when needed."""
    return ".".join(
        p
        if re.fullmatch(r"[A-Za-z0-9_]+", p) and not p.isdigit()
        else "`" + p.replace("`", "``") + "`"
        for p in parts
    )


def table_identifier(
    snapshot: CatalogSnapshot, levels: Sequence[str], dataset_namespace: str | None = None
) -> tuple[str, str]:
    """The (namespace, name) openlineage-spark's TABLE symlink carries for a table of this catalog."""
    name = spark_identifier(levels)
    if dataset_namespace:
        return normal_namespace(dataset_namespace), name
    kind, uri = snapshot.catalog_type, snapshot.catalog_uri
    if kind == "rest" and uri:
        return normal_namespace(uri), name
    if kind == "hive" and uri:
        first = urlsplit(uri.split(",")[0])
        return f"hive://{first.hostname}" + (f":{first.port}" if first.port else ""), name
    if kind == "glue":
        props = snapshot.catalog_properties
        region = props.get("glue.region") or props.get("client.region")
        account = props.get("glue.id") or props.get("glue.account-id")
        if region and account:
            return f"arn:aws:glue:{region}:{account}", "table/" + "/".join(levels)
    if kind == "sql" and uri:
        return jdbc_dataset(uri, name)
    if snapshot.warehouse:
        return warehouse_namespace(snapshot.warehouse), name
    return f"iceberg://{snapshot.catalog_name}", name


# -- translation (pure) -----------------------------------------------------------------------------


def ms_stamp(ms: int) -> str:
    """The stamp of an Iceberg epoch-millisecond time."""
    return stamp(_EPOCH + timedelta(milliseconds=ms))


def table_stamp(table: TableInfo) -> str:
    newest_snapshot = table.snapshots[-1].timestamp_ms if table.snapshots else 0
    return ms_stamp(max(table.last_updated_ms, newest_snapshot))


def translate_catalog(
    snapshot: CatalogSnapshot,
    known: Mapping[str, str | None] | Iterable[str] | None = None,
    *,
    crawled_at: datetime | None = None,
    dataset_namespace: str | None = None,
    max_snapshots: int = MAX_SNAPSHOTS,
) -> list[Mutation]:
    """The mutations recording a crawled catalog. Pure.

    ``known`` is what the store already holds for this catalog's crawled scope: dataset id →
    ``metadataLocation`` last recorded (``None`` when unknown), or just a set of ids. Then:

    * a table whose metadata location equals the recorded one is unchanged (every Iceberg commit
      writes a new metadata file) and is skipped — nothing is emitted for it;
    * a known dataset the snapshot no longer has is marked ``deleted: True``, stamped
      ``crawled_at`` (default: ``snapshot.crawled_at``) — the one crawl-time stamp. Tables that
      failed to load (other than "no such table") are not deleted, and an incomplete snapshot
      (a namespace could not be listed) deletes nothing. Pass only datasets not already deleted,
      and for a crawl restricted to some namespaces only those namespaces' datasets (each carries
      ``catalog`` and ``icebergNamespace``).

    Everything else is stamped by the catalog's own times (see the module docstring), so the same
    snapshot always gives the same mutations. ``dataset_namespace`` overrides the namespace of
    table and view identifiers.
    """
    recorded: Mapping[str, str | None]
    if known is None:
        recorded = {}
    elif isinstance(known, Mapping):
        recorded = known
    else:
        recorded = dict.fromkeys(known)
    out: list[Mutation] = []
    present: set[str] = set()
    stamps_by_namespace: dict[tuple[str, ...], list[str]] = {}

    for table in snapshot.tables:
        did = dataset_id(
            *table_identifier(snapshot, (*table.namespace, table.name), dataset_namespace)
        )
        present.add(did)
        at = table_stamp(table)
        stamps_by_namespace.setdefault(table.namespace, []).append(at)
        if recorded.get(did) is not None and recorded[did] == table.metadata_location:
            continue
        out.extend(_table_mutations(snapshot, table, at, dataset_namespace, max_snapshots))
    for view in snapshot.views:
        did = dataset_id(
            *table_identifier(snapshot, (*view.namespace, view.name), dataset_namespace)
        )
        present.add(did)
        at = ms_stamp(view.timestamp_ms)
        stamps_by_namespace.setdefault(view.namespace, []).append(at)
        out.extend(_view_mutations(snapshot, view, at, dataset_namespace))
    out[:0] = _namespace_mutations(snapshot, stamps_by_namespace)

    unreadable = {
        dataset_id(*table_identifier(snapshot, e.identifier, dataset_namespace))
        for e in snapshot.errors
        if e.kind in ("table", "view") and not e.missing
    }
    gone = sorted(set(recorded) - present - unreadable) if snapshot.complete else []
    if gone:
        builder = GraphBuilder(stamp(crawled_at or snapshot.crawled_at))
        for did in gone:
            builder.node(did, NodeKind.DATASET, {PropertyKey.DELETED: True})
        out.extend(builder.mutations)
    return out


def _namespace_mutations(
    snapshot: CatalogSnapshot, stamps: Mapping[tuple[str, ...], list[str]]
) -> list[Mutation]:
    out: list[Mutation] = []
    for ns in snapshot.namespaces:
        under = [
            s
            for levels, found in stamps.items()
            if levels[: len(ns.levels)] == ns.levels
            for s in found
        ]
        builder = GraphBuilder(max(under) if under else stamp(_EPOCH))
        props: dict[str, Any] = {"namespaceProperties": dict(ns.properties)}
        description = ns.properties.get("comment") or ns.properties.get("description")
        if description:
            props["description"] = description
        if len(ns.levels) > 1:
            props["parent"] = ".".join(ns.levels[:-1])
        did = builder.domain(ns.name, props)
        if ns.properties.get("owner"):
            builder.owner(did, ns.properties["owner"], "owner")
        out.extend(builder.mutations)
    return out


def _columns(
    builder: GraphBuilder, namespace: str, name: str, fields: Sequence[FieldInfo]
) -> list[str]:
    for ordinal, f in enumerate(fields, start=1):
        builder.column(
            namespace,
            name,
            f.path,
            {
                PropertyKey.DECLARED: True,
                "fieldId": f.field_id,
                PropertyKey.TYPE: f.type,
                "required": f.required,
                "description": f.doc,
                "ordinal": ordinal,
                "parent": f.parent,
            },
        )
    return [f.path for f in fields]


def _dataset_of(
    snapshot: CatalogSnapshot, obj: TableInfo | ViewInfo, at: str, dataset_namespace: str | None
) -> tuple[GraphBuilder, str, str, dict[str, Any]]:
    """The dataset a table or view is: a builder at ``at``, the dataset's namespace and name, and
    the properties tables and views both give it."""
    ns, name = table_identifier(snapshot, (*obj.namespace, obj.name), dataset_namespace)
    properties = obj.properties
    return (
        GraphBuilder(at),
        ns,
        name,
        {
            "description": properties.get("comment")
            or properties.get(PRODUCT_PREFIX + "description"),
            "format": "iceberg",
            "catalog": snapshot.catalog_name,
            "icebergNamespace": ".".join(obj.namespace),
            "properties": dict(properties),
            "lastUpdatedAt": at,
            PropertyKey.DELETED: False,
        },
    )


def _table_mutations(
    snapshot: CatalogSnapshot,
    table: TableInfo,
    at: str,
    dataset_namespace: str | None,
    max_snapshots: int,
) -> list[Mutation]:
    builder, ns, name, props = _dataset_of(snapshot, table, at, dataset_namespace)
    did = dataset_id(ns, name)
    props.update(
        {
            "location": table.location,
            "metadataLocation": table.metadata_location,
            "tableUuid": table.table_uuid,
            "formatVersion": table.format_version,
            PropertyKey.COLUMNS: _columns(builder, ns, name, table.fields),
            "snapshots": [
                {
                    "snapshotId": s.snapshot_id,
                    "parentSnapshotId": s.parent_snapshot_id,
                    "timestampMs": s.timestamp_ms,
                    "operation": s.operation,
                }
                for s in table.snapshots[-max_snapshots:]
            ]
            if max_snapshots > 0
            else [],
            "snapshotCount": len(table.snapshots),
            "currentSnapshotId": table.current_snapshot_id,
        }
    )
    builder.dataset(ns, name, props)
    builder.alias(*location_dataset(table.location), did, "LOCATION")
    _membership(builder, did, table.namespace, table.name, table.properties)
    return builder.mutations


def _view_mutations(
    snapshot: CatalogSnapshot, view: ViewInfo, at: str, dataset_namespace: str | None
) -> list[Mutation]:
    builder, ns, name, props = _dataset_of(snapshot, view, at, dataset_namespace)
    did = dataset_id(ns, name)
    props.update(
        {
            "isView": True,
            "viewSql": view.sql,
            "viewDialect": view.dialect,
            "viewVersionId": view.version_id,
            "viewUuid": view.view_uuid,
            "location": view.location,
            PropertyKey.COLUMNS: _columns(builder, ns, name, view.fields),
        }
    )
    builder.dataset(ns, name, props)
    _membership(builder, did, view.namespace, view.name, view.properties)
    return builder.mutations


def _membership(
    builder: GraphBuilder,
    did: str,
    namespace: tuple[str, ...],
    name: str,
    properties: Mapping[str, str],
) -> None:
    """Domain membership, and the data product the ``data-product.*`` properties publish."""
    product = {k: v for k, v in properties.items() if k.startswith(PRODUCT_PREFIX)}
    domain = product.get(PRODUCT_PREFIX + "domain") or ".".join(namespace)
    builder.edge(did, EdgeKind.BELONGS_TO, builder.domain(domain), {PropertyKey.SOURCE: SOURCE})
    if not product:
        return
    pid = builder.product(
        domain,
        product.get(PRODUCT_PREFIX + "name") or name,
        {
            "description": product.get(PRODUCT_PREFIX + "description"),
            "version": product.get(PRODUCT_PREFIX + "version"),
            "freshnessHours": _float(product.get(PRODUCT_PREFIX + "sla.freshness-hours")),
            "properties": product,
        },
    )
    builder.edge(pid, EdgeKind.EXPOSES, did)
    owner = product.get(PRODUCT_PREFIX + "owner")
    if owner:
        builder.owner(pid, owner, "owner")
        builder.owner(did, owner, "owner")


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


__all__ = [
    "MAX_SNAPSHOTS",
    "CatalogSnapshot",
    "CrawlError",
    "FieldInfo",
    "NamespaceInfo",
    "SnapshotInfo",
    "TableInfo",
    "ViewInfo",
    "ms_stamp",
    "spark_identifier",
    "table_identifier",
    "table_stamp",
    "translate_catalog",
]
