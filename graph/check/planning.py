"""Placing classified changes in the graph: where each change's impact walk starts.

Written once for every input: a column change starts at the graph's column node; where the graph
knows the dataset but not the column (dbt documents fewer columns than a table has, a view's
columns were never reported), the walk starts at the dataset and can only warn; a change to a
dataset the graph does not know reaches nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from graph.change.classifier import Change, FieldSpec
from graph.check.changeset import PlannedChange
from graph.check.graph_reads import GraphDataset


def plan(
    changes: Iterable[Change], dataset: GraphDataset | None, source: str
) -> list[PlannedChange]:
    """The changes of one dataset, each with its start node (``dataset`` as the graph has it now)."""
    planned: list[PlannedChange] = []
    for change in changes:
        walk = change.kind.impact_kind
        if walk is None or dataset is None:
            planned.append(PlannedChange(change, source, None, None))
        elif change.column is None:
            planned.append(PlannedChange(change, source, dataset.id, walk))
        elif change.column in dataset.column_ids:
            planned.append(PlannedChange(change, source, dataset.column_ids[change.column], walk))
        else:
            planned.append(PlannedChange(change, source, dataset.id, "SEMANTIC", capped=True))
    return planned


def assume_same_required(graph: list[FieldSpec], new: list[FieldSpec]) -> list[FieldSpec]:
    """The graph's columns know no NOT NULL: take the new side's, so no change is invented."""
    required = {f.name for f in new if f.required}
    return [
        FieldSpec(f.name, f.type, f.name in required, f.field_id, f.enum, f.position) for f in graph
    ]
