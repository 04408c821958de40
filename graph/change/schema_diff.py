"""Diff a dataset's current columns against a proposed schema: what would be dropped, renamed, retyped.

The rules live in ``graph.change.classifier`` (one classifier for the check and schema history);
this module keeps the column shape ``--proposed-schema`` reads into (with the graph's column ids)
and maps each classified change onto the impact walk it needs.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.change.classifier import Change, ChangeType, FieldSpec, classify_schema
from graph.read.impact import ChangeKind


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    name: str
    type: str | None = None
    field_id: int | None = None
    position: int | None = None
    column_id: str | None = None  # the datasetField id, for current columns
    required: bool = False
    enum: tuple[str, ...] | None = None

    def field_spec(self) -> FieldSpec:
        return FieldSpec(
            self.name, self.type, self.required, self.field_id, self.enum, self.position
        )


@dataclass(frozen=True, slots=True)
class SchemaChange:
    kind: ChangeKind | None  # None: a change no impact walk follows (an added column)
    column: ColumnSpec  # the current column (the proposed one for additions)
    proposed: ColumnSpec | None = None
    classified: Change | None = None

    def describe(self) -> str:
        if self.classified is not None:
            return self.classified.describe()
        return f"add {self.column.name}"


def diff_schema(current: list[ColumnSpec], proposed: list[ColumnSpec]) -> list[SchemaChange]:
    """The changes turning ``current`` into ``proposed``, in current-column order, additions last."""
    old = {c.name: c for c in current}
    new = {c.name: c for c in proposed}
    renamed_to = {}
    classified = classify_schema(
        "", [c.field_spec() for c in current], [c.field_spec() for c in proposed]
    )
    for change in classified:
        if change.kind is ChangeType.COLUMN_RENAMED and change.new is not None:
            renamed_to[change.column] = change.new
    out: list[SchemaChange] = []
    for change in classified:
        if change.column is None:
            continue
        if change.kind is ChangeType.COLUMN_ADDED:
            out.append(SchemaChange(None, new[change.column], None, change))
            continue
        column = old[change.column]
        walk = change.kind.impact_kind
        target = new.get(renamed_to.get(change.column, change.column))
        out.append(SchemaChange(ChangeKind(walk) if walk else None, column, target, change))
    return out
