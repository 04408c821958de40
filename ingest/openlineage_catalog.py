"""The OpenLineage ``catalog`` dataset facet → the dataset joined to its catalog table.

A producer that reads or writes a catalog's table by its storage location (Spark on an Iceberg
table: namespace ``s3://bucket``, name ``warehouse/db/orders``) may send, instead of or beside a
TABLE symlink, the ``catalog`` facet (OpenLineage 1.3x: ``framework``, ``type``, ``name``,
``metadataUri``, ``warehouseUri``). The table under the warehouse is then known: its levels are
the location's path below ``warehouseUri`` (a Hive-style ``db.db`` directory is the namespace
``db``), and its name is the one a crawl of that catalog gives it (``ingest.iceberg``'s
``table_identifier``, written once). That table becomes the dataset's TABLE symlink, so the event
is recorded as one naming the table by its symlink is: the dataset's facets (the ``catalog``
facet kept among them), columns and column lineage on the catalog's table, the storage name its
alias, as a crawl's LOCATION alias makes it: one node, the catalog's name shown, whichever of the
event and the crawl arrives first (``graph.read.aliases``: the canonical name is the one no name is an
alias of).

When a dataset's symlinks name several TABLEs, a storage location's and a catalog's (a metastore,
a REST catalog, Glue), the catalog's is its name (:func:`prefer_catalog_tables`), whatever arrives
in which order. A dataset whose symlinks already name a TABLE is left to them, and a location outside the
warehouse (or a catalog whose table names this cannot tell) adds nothing. A pure rewrite of the
event, before the native translation records it (the raw event log keeps it as sent).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ingest.iceberg import CatalogSnapshot, table_identifier
from ingest.naming import is_storage_namespace, location_dataset, normal_namespace

#: The facet's catalog ``type`` as the crawl's catalog type (``ingest.iceberg``).
_CATALOG_TYPES = {"rest": "rest", "hive": "hive", "glue": "glue", "hadoop": "hadoop"}
_SYMLINKS_SCHEMA = "https://openlineage.io/spec/facets/1-0-1/SymlinksDatasetFacet.json"


def prefer_catalog_tables(event: dict[str, Any]) -> dict[str, Any]:
    """The event as the translation should record it (a copy; the event itself when unchanged):
    a dataset with a ``catalog`` facet whose table it can tell (and no TABLE symlink) gets that
    table as a TABLE symlink, and a dataset's TABLE symlinks that name a storage location are
    retyped ``LOCATION`` when a catalog's TABLE name is among them. The translation records a
    dataset under its TABLE name, so its facets, columns and column lineage (the event's
    ``inputFields`` naming it by location too) land on the catalog's table, and the storage name
    becomes its alias."""
    changed = False
    sides: dict[str, Any] = {}
    for side in ("inputs", "outputs"):
        datasets = event.get(side)
        if isinstance(datasets, list):
            sides[side] = [_catalog_first(_catalog_symlink(ds)) for ds in datasets]
            changed |= any(a is not b for a, b in zip(sides[side], datasets))
    if isinstance(event.get("dataset"), dict):
        sides["dataset"] = _catalog_first(_catalog_symlink(event["dataset"]))
        changed |= sides["dataset"] is not event["dataset"]
    return {**event, **sides} if changed else event


def _catalog_symlink(ds: Any) -> Any:
    """The dataset with its ``catalog`` facet's table added as a TABLE symlink (the dataset
    itself when it has none, already names a TABLE, or the table cannot be told)."""
    facets = ds.get("facets") if isinstance(ds, dict) else None
    if not isinstance(facets, dict):
        return ds
    facet = facets.get("catalog")
    if not isinstance(facet, dict) or _has_table_symlink(facets):
        return ds
    namespace, name = normal_namespace(str(ds.get("namespace"))), str(ds.get("name"))
    table = catalog_table(namespace, name, facet)
    if table is None or table == (namespace, name):
        return ds
    given = facets.get("symlinks")
    symlinks: dict[str, Any] = given if isinstance(given, dict) else {}
    listed = symlinks.get("identifiers")
    identifiers: list[Any] = listed if isinstance(listed, list) else []
    added = {"namespace": table[0], "name": table[1], "type": "TABLE"}
    symlinks = {"_producer": facet.get("_producer"), "_schemaURL": _SYMLINKS_SCHEMA, **symlinks}
    return {
        **ds,
        "facets": {**facets, "symlinks": {**symlinks, "identifiers": [*identifiers, added]}},
    }


def _catalog_first(ds: Any) -> Any:
    facets = ds.get("facets") if isinstance(ds, dict) else None
    symlinks = facets.get("symlinks") if isinstance(facets, dict) else None
    identifiers = symlinks.get("identifiers") if isinstance(symlinks, dict) else None
    if not isinstance(facets, dict) or not isinstance(symlinks, dict):
        return ds
    if not isinstance(identifiers, list):
        return ds
    tables = [
        i
        for i in identifiers
        if isinstance(i, dict) and str(i.get("type") or "").upper() == "TABLE"
    ]
    storage = [i for i in tables if is_storage_namespace(normal_namespace(str(i.get("namespace"))))]
    if not storage or len(storage) == len(tables):
        return ds
    retyped = [
        {**i, "type": "LOCATION"} if any(i is s for s in storage) else i for i in identifiers
    ]
    return {**ds, "facets": {**facets, "symlinks": {**symlinks, "identifiers": retyped}}}


def catalog_table(namespace: str, name: str, facet: dict[str, Any]) -> tuple[str, str] | None:
    """The (namespace, name) a crawl of the facet's catalog gives the table stored at the
    dataset's location; None when the location is not under the warehouse or the catalog's table
    names cannot be told from the facet."""
    warehouse = facet.get("warehouseUri")
    kind = _CATALOG_TYPES.get(str(facet.get("type") or "").lower())
    if not isinstance(warehouse, str) or not warehouse or kind is None:
        return None
    levels = _levels_below(warehouse, namespace, name)
    if not levels:
        return None
    uri = facet.get("metadataUri")
    properties = facet.get("catalogProperties")
    snapshot = CatalogSnapshot(
        catalog_name=str(facet.get("name") or ""),
        catalog_type=kind,
        catalog_uri=uri if isinstance(uri, str) and uri else None,
        warehouse=warehouse,
        crawled_at=datetime.now(UTC),
        namespaces=(),
        tables=(),
        views=(),
        catalog_properties={str(k): str(v) for k, v in properties.items()}
        if isinstance(properties, dict)
        else {},
    )
    return table_identifier(snapshot, levels)


def _levels_below(warehouse: str, namespace: str, name: str) -> tuple[str, ...]:
    """The table's levels: the dataset's storage path below the warehouse (``db/t``, or Hive's
    ``db.db/t``, is ``("db", "t")``); empty when it is not below it."""
    root_namespace, root = location_dataset(warehouse)
    if normal_namespace(root_namespace) != namespace:
        return ()
    root = root.rstrip("/")
    path = name if namespace == "file" else name.strip("/")
    prefix = root + "/" if root not in ("", "/") else ("/" if namespace == "file" else "")
    if not path.startswith(prefix):
        return ()
    parts = [p for p in path[len(prefix) :].split("/") if p]
    if len(parts) < 2:
        return ()
    return (*(p.removesuffix(".db") for p in parts[:-1]), parts[-1])


def _has_table_symlink(facets: dict[str, Any]) -> bool:
    identifiers = (facets.get("symlinks") or {}).get("identifiers") or ()
    return any(
        isinstance(i, dict) and str(i.get("type") or "").upper() == "TABLE" for i in identifiers
    )
