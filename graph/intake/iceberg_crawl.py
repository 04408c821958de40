"""Reading an Iceberg catalog through pyiceberg: the I/O behind ``lineagemesh ingest iceberg``.

A crawl reads namespaces, tables and views into plain data (``ingest.iceberg.CatalogSnapshot``),
loading tables on a few threads; ``ingest.iceberg.translate_catalog`` turns that into mutations
without touching the catalog again, so the translation stays pure and testable without one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from ingest.iceberg import (
    CatalogObject,
    CatalogSnapshot,
    CrawlError,
    FieldInfo,
    NamespaceInfo,
    SnapshotInfo,
    TableInfo,
    ViewInfo,
)

# Catalog implementation class → catalog type (class names, so optional backends need no imports).
_CATALOG_TYPES = {
    "RestCatalog": "rest",
    "InMemoryCatalog": "in-memory",
    "SqlCatalog": "sql",
    "HiveCatalog": "hive",
    "GlueCatalog": "glue",
    "DynamoDbCatalog": "dynamodb",
    "BigQueryMetastoreCatalog": "bigquery",
}
# Catalog properties safe to keep (never credentials): what identity needs.
_KEPT_CATALOG_PROPERTIES = ("glue.region", "client.region", "glue.id", "glue.account-id")


def crawl(
    catalog: Any, namespaces: Sequence[str | tuple[str, ...]] | None = None, *, workers: int = 8
) -> CatalogSnapshot:
    """Read a pyiceberg catalog into a :class:`CatalogSnapshot`.

    Walks ``namespaces`` (dotted names or tuples; default: every top-level namespace) and all
    namespaces nested under them, with their tables and views (catalogs without view support,
    like ``SqlCatalog``, simply have none). Tables and views load on ``workers`` threads. A table
    that fails to load is recorded in ``errors`` rather than aborting the crawl.
    """
    crawled_at = datetime.now(UTC)
    errors: list[CrawlError] = []
    found = _walk_namespaces(catalog, namespaces, errors)
    table_ids: list[tuple[str, ...]] = []
    view_ids: list[tuple[str, ...]] = []
    views_supported = True
    for ns in found:
        try:
            table_ids.extend(tuple(t) for t in catalog.list_tables(ns.levels))
        except Exception as exc:  # noqa: BLE001 - one unreadable namespace must not stop the crawl
            errors.append(CrawlError(ns.levels, "namespace", f"list_tables: {exc!r}"))
        if not views_supported:
            continue
        try:
            view_ids.extend(tuple(v) for v in catalog.list_views(ns.levels))
        except NotImplementedError:
            views_supported = False
        except Exception as exc:  # noqa: BLE001
            errors.append(CrawlError(ns.levels, "namespace", f"list_views: {exc!r}"))
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        table_results = list(
            pool.map(
                lambda ident: _load(catalog.load_table, _read_table, ident, "table"),
                sorted(set(table_ids)),
            )
        )
        view_results = list(
            pool.map(
                lambda ident: _load(catalog.load_view, _read_view, ident, "view"),
                sorted(set(view_ids)),
            )
        )
    tables = tuple(r for r in table_results if isinstance(r, TableInfo))
    views = tuple(r for r in view_results if isinstance(r, ViewInfo))
    errors.extend(r for r in table_results + view_results if isinstance(r, CrawlError))
    props = dict(getattr(catalog, "properties", {}) or {})
    return CatalogSnapshot(
        catalog_name=catalog.name,
        catalog_type=catalog_type(catalog),
        catalog_uri=_without_credentials(props.get("uri")),
        warehouse=props.get("warehouse"),
        crawled_at=crawled_at,
        namespaces=tuple(found),
        tables=tables,
        views=views,
        errors=tuple(errors),
        catalog_properties={k: props[k] for k in _KEPT_CATALOG_PROPERTIES if k in props},
        complete=not any(e.kind == "namespace" for e in errors),
    )


def catalog_type(catalog: Any) -> str:
    """``rest``, ``sql``, ``hive``, ``glue``, ... from the implementation class (or its ``type``)."""
    for cls in type(catalog).__mro__:
        if cls.__name__ in _CATALOG_TYPES:
            return _CATALOG_TYPES[cls.__name__]
    return str(
        (getattr(catalog, "properties", {}) or {}).get("type") or type(catalog).__name__
    ).lower()


def _levels(namespace: str | tuple[str, ...]) -> tuple[str, ...]:
    return tuple(namespace.split(".")) if isinstance(namespace, str) else tuple(namespace)


def _walk_namespaces(
    catalog: Any, roots: Sequence[str | tuple[str, ...]] | None, errors: list[CrawlError]
) -> list[NamespaceInfo]:
    """The given namespaces (default: all top-level ones) and every namespace nested below them."""
    pending: list[tuple[str, ...]] = []
    if roots is None:
        try:
            pending = sorted(tuple(ns) for ns in catalog.list_namespaces())
        except Exception as exc:  # noqa: BLE001
            errors.append(CrawlError((), "namespace", f"list_namespaces: {exc!r}"))
    else:
        pending = [_levels(ns) for ns in roots]
    seen: set[tuple[str, ...]] = set()
    found: list[NamespaceInfo] = []
    while pending:
        levels = pending.pop()
        if levels in seen:
            continue
        seen.add(levels)
        try:
            properties = dict(catalog.load_namespace_properties(levels))
        except Exception as exc:  # noqa: BLE001
            errors.append(CrawlError(levels, "namespace", f"load_namespace_properties: {exc!r}"))
            continue
        found.append(NamespaceInfo(levels, properties))
        try:
            children = [tuple(c) for c in catalog.list_namespaces(levels)]
        except Exception as exc:  # noqa: BLE001
            errors.append(CrawlError(levels, "namespace", f"list_namespaces: {exc!r}"))
            continue
        # Only strictly deeper namespaces under this one (guards against catalogs echoing the parent).
        pending.extend(c for c in children if len(c) > len(levels) and c[: len(levels)] == levels)
    return sorted(found, key=lambda n: n.levels)


def _load(loader: Any, reader: Any, identifier: tuple[str, ...], kind: str) -> Any:
    try:
        return reader(identifier, loader(identifier))
    except Exception as exc:  # noqa: BLE001 - recorded, the crawl goes on
        missing = type(exc).__name__ in (
            "NoSuchTableError",
            "NoSuchViewError",
            "NoSuchIdentifierError",
        )
        return CrawlError(identifier, kind, repr(exc), missing)


def _read_table(identifier: tuple[str, ...], table: Any) -> TableInfo:
    metadata = table.metadata
    snapshots = sorted(
        (
            SnapshotInfo(
                snapshot_id=s.snapshot_id,
                parent_snapshot_id=s.parent_snapshot_id,
                timestamp_ms=s.timestamp_ms,
                operation=(
                    s.summary.operation.value
                    if s.summary is not None and s.summary.operation is not None
                    else None
                ),
            )
            for s in table.snapshots()
        ),
        key=lambda s: (s.timestamp_ms, s.snapshot_id),
    )
    return TableInfo(
        **CatalogObject.placed(identifier, table),
        metadata_location=table.metadata_location,
        table_uuid=str(metadata.table_uuid),
        format_version=int(metadata.format_version),
        properties=dict(table.properties),
        fields=tuple(flatten_schema(table.schema())),
        snapshots=tuple(snapshots),
        current_snapshot_id=metadata.current_snapshot_id,
        last_updated_ms=int(metadata.last_updated_ms),
    )


def _read_view(identifier: tuple[str, ...], view: Any) -> ViewInfo:
    version = view.current_version()
    sql = dialect = None
    if version.representations:
        representation = version.representations[0]
        representation = getattr(representation, "root", representation)
        sql, dialect = (
            getattr(representation, "sql", None),
            getattr(representation, "dialect", None),
        )
    return ViewInfo(
        **CatalogObject.placed(identifier, view),
        view_uuid=str(view.metadata.view_uuid),
        version_id=version.version_id,
        timestamp_ms=int(version.timestamp_ms),
        sql=sql,
        dialect=dialect,
        properties=dict(view.properties),
        fields=tuple(flatten_schema(view.schema())),
    )


def flatten_schema(schema: Any) -> Iterator[FieldInfo]:
    """Every named field of an Iceberg schema, depth first, in declaration order.

    Struct fields nest as ``a.b``. Structs inside lists and maps keep Iceberg's own full names
    (``items.element.sku``, ``attrs.value.x``) and name the list/map column as their parent;
    list elements and map keys/values that are not structs are not columns of their own.
    """
    yield from _walk_type(schema.as_struct(), "", None)


def _walk_type(iceberg_type: Any, path: str, parent: str | None) -> Iterator[FieldInfo]:
    kind = type(iceberg_type).__name__
    if kind == "StructType":
        for f in iceberg_type.fields:
            child = f"{path}.{f.name}" if path else f.name
            yield FieldInfo(child, parent, f.field_id, str(f.field_type), bool(f.required), f.doc)
            yield from _walk_type(f.field_type, child, child)
    elif kind == "ListType":
        yield from _walk_type(iceberg_type.element_type, f"{path}.element", parent)
    elif kind == "MapType":
        yield from _walk_type(iceberg_type.key_type, f"{path}.key", parent)
        yield from _walk_type(iceberg_type.value_type, f"{path}.value", parent)


def _without_credentials(uri: str | None) -> str | None:
    """A URI without ``user:password@`` (SQL catalog URIs often carry them)."""
    if not uri:
        return uri
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.\-]*://)[^/@]*@", r"\1", uri)
