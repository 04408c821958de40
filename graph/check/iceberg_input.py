"""``--iceberg-metadata OLD.json NEW.json``: a table's schema change, from two Iceberg metadata files.

Columns are matched by Iceberg field id, so a rename is a rename and not a drop plus an add; nested
struct fields become ``parent.child`` paths, as the ingesters record them. The table is the
dataset its ``location`` names (``ingest.naming.location_dataset``, the rule openlineage-spark and
the Iceberg crawl share); the graph resolves that location to the catalog's name for it.
"""

from __future__ import annotations

import json
from pathlib import Path

from graph.change.classifier import FieldSpec, classify_schema
from graph.check.changeset import ChangeSet, CheckError, Execute
from graph.check.graph_reads import datasets
from graph.check.planning import plan
from graph.core.input_files import InputError, read_input
from graph.core.model import dataset_id
from ingest.iceberg_fields import iceberg_fields
from ingest.naming import location_dataset


def read_metadata(path: Path) -> tuple[str, list[FieldSpec]]:
    """A metadata file's location and the fields of its current schema."""
    try:
        document = json.loads(read_input(path, "json"))
    except InputError as e:
        raise CheckError(str(e)) from None
    except ValueError as e:
        raise CheckError(f"{path}: not JSON: {e}") from None
    if not isinstance(document, dict) or not isinstance(document.get("location"), str):
        raise CheckError(f"{path}: not Iceberg table metadata (no location)")
    schemas = document.get("schemas")
    if isinstance(schemas, list):
        current = next(
            (
                s
                for s in schemas
                if isinstance(s, dict) and s.get("schema-id") == document.get("current-schema-id")
            ),
            None,
        )
    else:
        current = document.get("schema")  # format v1
    if not isinstance(current, dict) or not isinstance(current.get("fields"), list):
        raise CheckError(f"{path}: no current schema (schemas / current-schema-id)")
    fields = iceberg_fields(
        current["fields"],
        lambda field: CheckError(f"{path}: every field needs a name and an id, got {field!r}"),
    )
    return document["location"], [
        FieldSpec(f.path, f.type, f.required, f.field_id, None, f.position) for f in fields
    ]


def iceberg_changes(execute: Execute, old_path: Path, new_path: Path) -> ChangeSet:
    """The classified changes from one metadata file to the other, placed in the graph."""
    old_location, old = read_metadata(old_path)
    _, new = read_metadata(new_path)
    key = location_dataset(old_location)
    found = datasets(execute, [key])[key]
    did = found.id if found else dataset_id(*key)
    out = ChangeSet()
    if found is None:
        out.notes.append(f"{old_path}: no dataset at {old_location} in the graph")
    out.changes.extend(plan(classify_schema(did, old, new), found, str(new_path)))
    return out
