"""A change named by hand: ``NODE_ID`` with ``--change``, or with ``--proposed-schema``.

``--change`` states the change (drop, rename, type_change, semantic) of a dataset or column;
``--proposed-schema`` gives a dataset's new schema, diffed against its current columns by the
change classifier like every other input.
"""

from __future__ import annotations

from pathlib import Path

from graph.change.classifier import FieldSpec, classify_schema, stated_change
from graph.check.changeset import ChangeSet, CheckError, Execute, PlannedChange
from graph.check.graph_reads import datasets, nodes, unknown_node
from graph.check.planning import plan


def node_change(execute: Execute, node_id: str, change: str) -> ChangeSet:
    """A stated change of one node (``change`` an impact ChangeKind name)."""
    node = nodes(execute, [node_id])[node_id]
    if node is None:
        raise unknown_node(execute, node_id)
    whole = node["kind"] != "COLUMN"
    stated = stated_change(change, node_id, None if whole else node["name"])
    return ChangeSet([PlannedChange(stated, node_id, node_id, change)])


def proposed_schema_changes(execute: Execute, node_id: str, path: Path) -> ChangeSet:
    """The changes turning a dataset's current columns into the proposed schema in ``path``."""
    from graph.check.proposed_schema import InvalidProposedSchema, read_proposed_schema

    node = nodes(execute, [node_id])[node_id]
    if node is None:
        raise unknown_node(execute, node_id)
    if node["kind"] != "DATASET":
        raise CheckError(f"{node_id!r} is a {node['kind']}; --proposed-schema needs a dataset")
    key = (node["namespace"], node["name"])
    found = datasets(execute, [key])[key]
    assert found is not None, "a dataset node the graph just named"
    try:
        proposed = read_proposed_schema(path, node["name"])
    except InvalidProposedSchema as e:
        raise CheckError(str(e)) from None
    new = [FieldSpec(c.name, c.type, False, c.field_id, None, c.position) for c in proposed]
    return ChangeSet(plan(classify_schema(found.id, found.columns, new), found, str(path)))
