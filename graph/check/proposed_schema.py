"""Reading a proposed schema for ``lineagemesh check --proposed-schema``.

Accepted: an OpenLineage schema facet (``{"fields": [...]}``, or wrapped as ``{"schema": {...}}``),
an Iceberg schema JSON (``{"type": "struct", "fields": [{"id", "name", "type", "required"}]}``,
or a table metadata file with ``schemas``/``current-schema-id``), or a data contract (ODCS v3 or
datacontract.com YAML) describing the dataset. Nested fields become ``parent.child`` paths, as the
ingesters record them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from graph.change.schema_diff import ColumnSpec
from graph.core.documents import UnreadableDocument, read_document
from graph.core.model import NodeKind, PropertyKey
from graph.core.mutations import UpsertNode
from ingest.iceberg_fields import iceberg_fields


class InvalidProposedSchema(ValueError):
    """A file that is none of the accepted schema formats; the message names the file."""


def read_proposed_schema(path: Path, dataset_name: str) -> list[ColumnSpec]:
    """The columns a file proposes for the dataset named ``dataset_name``."""
    try:
        text, document = read_document(path)
    except UnreadableDocument as e:
        raise InvalidProposedSchema(f"{path}: cannot read: {e}") from None
    if not isinstance(document, dict):
        raise InvalidProposedSchema(f"{path}: expected an object")
    if (
        "schema" in document
        and isinstance(document["schema"], dict)
        and "fields" in document["schema"]
    ):
        document = document["schema"]  # a facets map holding the schema facet
    if "schemas" in document and "current-schema-id" in document:  # Iceberg table metadata
        document = next(
            (s for s in document["schemas"] if s.get("schema-id") == document["current-schema-id"]),
            {},
        )
    if document.get("type") == "struct" or any(
        "id" in f for f in document.get("fields") or [] if isinstance(f, dict)
    ):
        fields = iceberg_fields(document.get("fields") or [], _unnamed)
        return [ColumnSpec(f.path, f.type, f.field_id, f.position) for f in fields]
    if isinstance(document.get("fields"), list):
        return list(_columns(document["fields"], None))
    if "apiVersion" in document or "dataContractSpecification" in document:
        return _contract_columns(path, text, dataset_name)
    raise InvalidProposedSchema(
        f"{path}: not an OpenLineage schema facet, an Iceberg schema or a data contract"
    )


def _unnamed(field: Any) -> InvalidProposedSchema:
    return InvalidProposedSchema(f"every field needs a string name, got {field!r}")


def _columns(
    fields: list[Any], parent: str | None, counter: list[int] | None = None
) -> Iterator[ColumnSpec]:
    """Flatten an OpenLineage schema facet's fields (nested ``fields``)."""
    counter = counter if counter is not None else [0]
    for field in fields:
        if not isinstance(field, dict) or not isinstance(field.get("name"), str):
            raise _unnamed(field)
        counter[0] += 1
        path = f"{parent}.{field['name']}" if parent else field["name"]
        yield ColumnSpec(path, field.get("type"), None, field.get("ordinal_position", counter[0]))
        yield from _columns(field.get("fields") or [], path, counter)


def _contract_columns(path: Path, text: str, dataset_name: str) -> list[ColumnSpec]:
    """The columns a contract declares for the dataset: the table whose name matches the
    dataset's (or its last dotted part), or the contract's only table."""
    from ingest.contracts import InvalidContract, translate_contract

    try:
        mutations = translate_contract(text, str(path))
    except InvalidContract as e:
        raise InvalidProposedSchema(str(e)) from None
    columns = [
        m
        for m in mutations
        if isinstance(m, UpsertNode)
        and m.kind is NodeKind.COLUMN
        and m.props.get(PropertyKey.DECLARED)
    ]
    tables = sorted({m.props[PropertyKey.DATASET] for m in columns})
    short = dataset_name.rsplit(".", 1)[-1]
    wanted = [t for t in tables if t == dataset_name] or [
        t for t in tables if t.rsplit(".", 1)[-1] == short
    ]
    if not wanted and len(tables) == 1:
        wanted = tables
    if len(wanted) != 1:
        raise InvalidProposedSchema(
            f"{path}: no single table in the contract matches {dataset_name!r} (tables: {', '.join(tables)})"
        )
    chosen = [m for m in columns if m.props[PropertyKey.DATASET] == wanted[0]]
    seen: dict[str, ColumnSpec] = {}
    for m in chosen:
        seen.setdefault(
            m.props[PropertyKey.NAME],
            ColumnSpec(
                m.props[PropertyKey.NAME],
                m.props.get(PropertyKey.TYPE),
                None,
                m.props.get("ordinal"),
            ),
        )
    return sorted(seen.values(), key=lambda c: (c.position is None, c.position or 0, c.name))
