"""Placing classified changes in the graph: where each change's impact walk starts.

Written once for every input: a column change starts at the graph's column node; where the graph
knows the dataset but not the column (dbt documents fewer columns than a table has, a view's
columns were never reported), the walk starts at the dataset and can only warn; a change to a
dataset the graph does not know reaches nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from graph.change.classifier import Change
from graph.check.changeset import PlannedChange
from graph.check.graph_reads import GraphDataset


def plan(
    changes: Iterable[Change], dataset: GraphDataset | None, source: str
) -> list[PlannedChange]:
    """The changes of one dataset, each with its start node (``dataset`` as the graph has it now)."""
    planned: list[PlannedChange] = []
    placed = None if dataset is None else dataset.id
    for change in changes:
        walk = change.kind.impact_kind
        if walk is None or dataset is None:
            planned.append(PlannedChange(change, source, None, None, dataset=placed))
        elif change.column is None:
            planned.append(PlannedChange(change, source, dataset.id, walk, dataset=placed))
        elif change.column in dataset.column_ids:
            start = dataset.column_ids[change.column]
            planned.append(PlannedChange(change, source, start, walk, dataset=placed))
        else:
            planned.append(
                PlannedChange(change, source, dataset.id, "SEMANTIC", capped=True, dataset=placed)
            )
    return planned
