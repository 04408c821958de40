"""Diff a dataset's current columns against a proposed schema: what would be dropped, renamed, retyped.

Pure and store-free. Columns are matched by Iceberg field id where both sides have one (a rename
keeps its id), then by name; a dropped column and an added one at the same position with the same
type are taken as a rename. Types compare case-insensitively with whitespace removed.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.impact import ChangeKind


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    name: str
    type: str | None = None
    field_id: int | None = None
    position: int | None = None
    column_id: str | None = None  # the datasetField id, for current columns


@dataclass(frozen=True, slots=True)
class SchemaChange:
    kind: ChangeKind | None  # None: an added column (never breaks anything downstream)
    column: ColumnSpec  # the current column (the proposed one for additions)
    proposed: ColumnSpec | None = None

    def describe(self) -> str:
        if self.kind is None:
            return f"add {self.column.name}"
        if self.kind is ChangeKind.RENAME and self.proposed is not None:
            return f"rename {self.column.name} -> {self.proposed.name}"
        if self.kind is ChangeKind.TYPE_CHANGE and self.proposed is not None:
            return f"retype {self.column.name}: {self.column.type} -> {self.proposed.type}"
        return f"drop {self.column.name}"


def _same_type(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return True  # an unknown type is no evidence of a change
    return "".join(a.split()).lower() == "".join(b.split()).lower()


def diff_schema(current: list[ColumnSpec], proposed: list[ColumnSpec]) -> list[SchemaChange]:
    """The changes turning ``current`` into ``proposed``, in current-column order, additions last."""
    matched: dict[str, ColumnSpec] = {}
    taken: set[int] = set()
    by_id = {p.field_id: i for i, p in enumerate(proposed) if p.field_id is not None}
    by_name = {p.name: i for i, p in enumerate(proposed)}
    for column in current:
        index = by_id.get(column.field_id) if column.field_id is not None else None
        if index is None:
            index = by_name.get(column.name)
            if (
                index is not None
                and proposed[index].field_id is not None
                and column.field_id is not None
            ):
                index = None  # same name, other id: a new column that took an old name
        if index is not None and index not in taken:
            matched[column.name] = proposed[index]
            taken.add(index)
    added = [p for i, p in enumerate(proposed) if i not in taken]
    changes: list[SchemaChange] = []
    for column in current:
        new = matched.get(column.name)
        if new is None:
            twin = next(
                (
                    a
                    for a in added
                    if a.position is not None
                    and a.position == column.position
                    and _same_type(a.type, column.type)
                ),
                None,
            )
            if twin is not None and column.field_id is None:
                added.remove(twin)
                changes.append(SchemaChange(ChangeKind.RENAME, column, twin))
            else:
                changes.append(SchemaChange(ChangeKind.DROP, column))
        elif new.name != column.name:
            changes.append(SchemaChange(ChangeKind.RENAME, column, new))
        elif not _same_type(column.type, new.type):
            changes.append(SchemaChange(ChangeKind.TYPE_CHANGE, column, new))
    changes.extend(SchemaChange(None, a) for a in added)
    return changes
