"""An Iceberg schema's fields as JSON states them (table metadata files, schema documents),
flattened: nested struct fields become ``parent.child`` paths, as the ingesters record them.

Read by ``lineagemesh check`` twice over — ``--iceberg-metadata`` (``graph.check.iceberg_input``)
and ``--proposed-schema`` (``graph.check.proposed_schema``) — so both name and number columns alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class IcebergField:
    path: str  # parent.child for a struct's fields
    type: str  # a primitive type's name, or the nested type's kind (struct, list, map)
    required: bool
    field_id: Any  # as the document states it (an int in valid metadata)
    position: int  # 1-based, in document order, nested fields after their parent


def iceberg_fields(
    fields: list[Any], unnamed: Callable[[Any], Exception]
) -> Iterator[IcebergField]:
    """Each field, depth first; a field that is not an object with a string name raises
    ``unnamed(field)``."""
    yield from _flatten(fields, None, [0], unnamed)


def _flatten(
    fields: list[Any], parent: str | None, counter: list[int], unnamed: Callable[[Any], Exception]
) -> Iterator[IcebergField]:
    for field in fields:
        if not isinstance(field, dict) or not isinstance(field.get("name"), str):
            raise unnamed(field)
        counter[0] += 1
        path = f"{parent}.{field['name']}" if parent else field["name"]
        kind = field.get("type")
        yield IcebergField(
            path, _type_name(kind), bool(field.get("required")), field.get("id"), counter[0]
        )
        if isinstance(kind, dict) and kind.get("type") == "struct":
            yield from _flatten(kind.get("fields") or [], path, counter, unnamed)


def _type_name(value: Any) -> str:
    if isinstance(value, str):
        return value
    return str(value.get("type")) if isinstance(value, dict) else str(value)
