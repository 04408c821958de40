"""Reading a dbt ``catalog.json`` (``dbt docs generate``): each relation's columns as the warehouse
has them, in their order, with their types.

The manifest says what the project declares; the catalog what the warehouse holds. So
``lineagemesh ingest dbt --catalog`` records a model's real columns and types where its YAML
documents none (and reads its compiled SQL against them, ``ingest.dbt.sql``), and the
pull-request check compares them (``graph.check.dbt_input``): one reading for both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ingest.dbt.manifest import InvalidManifest


class InvalidCatalog(InvalidManifest):
    """Not a dbt catalog.json; the message names the failing field."""


@dataclass(frozen=True)
class WarehouseColumn:
    """One column of a relation as the warehouse has it."""

    name: str
    type: str | None
    index: int | None


Catalog = dict[str, list[WarehouseColumn]]  # unique_id → its columns, in the warehouse's order


def read_catalog(catalog: Any) -> Catalog:
    """unique_id → the relation's columns (``nodes`` and ``sources``), ordered by their index."""
    if not isinstance(catalog, dict) or not isinstance(catalog.get("nodes"), dict):
        raise InvalidCatalog("not a dbt catalog.json (no nodes)")
    version = (catalog.get("metadata") or {}).get("dbt_schema_version")
    if isinstance(version, str) and "/catalog/" not in version:
        raise InvalidCatalog(f"not a dbt catalog.json: its schema is {version}", "$.metadata")
    found: Catalog = {}
    for key in ("nodes", "sources"):
        relations = catalog.get(key) or {}
        if not isinstance(relations, dict):
            raise InvalidCatalog("expected an object", f"$.{key}")
        for uid, node in relations.items():
            where = f"$.{key}[{uid!r}]"
            columns = node.get("columns") if isinstance(node, dict) else None
            if not isinstance(columns, dict):
                raise InvalidCatalog("expected an object with columns", where)
            read = []
            for name, column in columns.items():
                if not isinstance(column, dict):
                    raise InvalidCatalog("expected an object", f"{where}.columns[{name!r}]")
                named, kind, index = column.get("name"), column.get("type"), column.get("index")
                read.append(
                    WarehouseColumn(
                        named if isinstance(named, str) and named else str(name),
                        kind if isinstance(kind, str) and kind else None,
                        index if isinstance(index, int) else None,
                    )
                )
            found[uid] = sorted(read, key=lambda c: (c.index is None, c.index or 0))
    return found
