"""``--dbt-manifest``: what a pull request changes in a dbt project, from its manifests.

Both manifests go through ``ingest.dbt.translate_manifest`` — the translation ``lineagemesh ingest
dbt`` applies — so datasets, columns and jobs carry exactly the ids that command records (same
``--namespace``). Columns are those the project declares (``columns:`` in its YAML), with
``data_type`` and ``not_null`` constraints; a ``catalog.json`` (``dbt docs generate``) adds the
warehouse's real columns and types. Without a base manifest, the graph's current state of the
same datasets is the base: models the pull request deletes then need ``--dbt-base`` to be seen.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.change.classifier import (
    Change,
    ChangeType,
    FieldSpec,
    classify_schema,
    dataset_added,
    dataset_removed,
    dataset_renamed,
)
from graph.check.changeset import ChangeSet, CheckError, EdgeChange, Execute
from graph.check.dbt_target import graph_places, map_schemas, refuse_mismatch, refuse_unknown
from graph.check.graph_reads import GraphDataset, datasets, writing_edges
from graph.check.planning import plan
from graph.core.enums import rule_enum
from graph.core.input_files import InputError, read_input
from graph.core.model import EdgeKind, NodeKind, PropertyKey
from graph.core.mutations import UpsertEdge, UpsertNode
from ingest.dbt.catalog import Catalog


@dataclass
class DbtDataset:
    id: str
    namespace: str
    name: str
    unique_id: str
    checksum: str | None
    enforced: bool
    job: str | None = None  # the dbt job writing it (its id does not depend on the target)
    columns: list[FieldSpec] = field(default_factory=list)


@dataclass
class DbtProject:
    """A manifest in graph terms: datasets by id, and dataset → dataset edges through jobs."""

    datasets: dict[str, DbtDataset]
    edges: set[tuple[str, str, str]]  # (read dataset, job, written dataset)
    unread: dict[str, str] = field(default_factory=dict)  # model → why its SQL gives no columns


def read_project(
    path: Path,
    namespace: str | None,
    catalog: Path | None,
    schema_map: Mapping[str, str] | None = None,
) -> DbtProject:
    """A manifest (and catalog) as the graph would record them, its relations moved by
    ``schema_map`` (``--dbt-schema-map``); CheckError names the bad file."""
    from ingest.dbt import translate_manifest

    manifest = _json(path)
    map_schemas(manifest, schema_map or {})
    warehouse = _catalog(catalog) if catalog else {}
    catalog_columns = {
        uid: [FieldSpec(c.name, c.type, position=c.index) for c in found]
        for uid, found in warehouse.items()
    }
    try:
        mutations, unread = translate_manifest(manifest, namespace, catalog=warehouse)
    except (ValueError, TypeError) as e:
        raise CheckError(f"{path}: {e}") from None
    found: dict[str, DbtDataset] = {}
    columns: dict[tuple[str, str], list[tuple[int, FieldSpec]]] = {}
    reads: dict[str, set[str]] = {}
    writes: dict[str, set[str]] = {}
    for m in mutations:
        if isinstance(m, UpsertNode) and m.kind is NodeKind.DATASET and "dbtUniqueId" in m.props:
            uid = m.props["dbtUniqueId"]
            raw = _raw_node(manifest, uid)
            contract = (raw.get("config") or {}).get("contract") or {}
            found[m.id] = DbtDataset(
                m.id,
                m.props[PropertyKey.NAMESPACE],
                m.props[PropertyKey.NAME],
                uid,
                (raw.get("checksum") or {}).get("checksum"),
                bool(contract.get("enforced")) if isinstance(contract, dict) else False,
            )
        elif (
            isinstance(m, UpsertNode)
            and m.kind is NodeKind.COLUMN
            and m.props.get(PropertyKey.DECLARED)
        ):
            props = m.props
            constrained = any(
                isinstance(c, dict) and c.get("type") == "not_null"
                for c in props.get("constraints") or []
            )
            tested, enum = tested_facts(props.get("quality"))
            ordinal = props.get("ordinal") or 0
            spec = FieldSpec(
                props[PropertyKey.NAME],
                props.get(PropertyKey.TYPE),
                constrained or tested,
                None,
                enum,
                ordinal,
            )
            columns.setdefault(
                (props[PropertyKey.NAMESPACE], props[PropertyKey.DATASET]), []
            ).append((ordinal, spec))
        elif isinstance(m, UpsertEdge) and m.kind is EdgeKind.READS:
            reads.setdefault(m.source, set()).add(m.target)
        elif isinstance(m, UpsertEdge) and m.kind is EdgeKind.WRITES:
            writes.setdefault(m.source, set()).add(m.target)
    for dataset in found.values():
        declared = [f for _, f in sorted(columns.get((dataset.namespace, dataset.name), []))]
        dataset.columns = _with_catalog(declared, catalog_columns.get(dataset.unique_id))
    for job, outputs in writes.items():
        for written in outputs:
            if written in found:
                found[written].job = job
    edges = {
        (read, job, written)
        for job, outputs in writes.items()
        for written in outputs
        for read in reads.get(job, ())
    }
    return DbtProject(found, edges, unread)


def unread_note(path: Path, project: DbtProject) -> list[str]:
    """Why some models' SQL gave no columns nor column lineage: their undocumented columns are
    not compared, and what reads them downstream stays uncertain."""
    if not project.unread:
        return []
    shown = [f"{uid} ({why})" for uid, why in sorted(project.unread.items())[:3]]
    more = len(project.unread) - len(shown)
    return [
        f"{path}: no columns nor column lineage from the SQL of {len(project.unread)} model(s): "
        + "; ".join(shown)
        + (f"; and {more} more" if more > 0 else "")
        + " — only their documented columns are compared"
    ]


def tested_facts(rules: Any) -> tuple[bool, tuple[str, ...] | None]:
    """What a column's dbt tests promise, as ingest records them (``quality``): ``not_null``
    makes it required, ``accepted_values`` its enum."""
    required, enum = False, None
    for rule in rules or []:
        if not isinstance(rule, dict):
            continue
        if rule.get("type") == "not_null":
            required = True
        found = rule_enum(rule)
        if rule.get("type") == "accepted_values" and found is not None:
            enum = found
    return required, enum


def _from_graph(here: GraphDataset, new: list[FieldSpec]) -> list[FieldSpec]:
    """The graph's columns with what their recorded dbt tests promise; where the graph has no
    tests for a column, the new side's promises (no evidence of a change)."""
    by_name = {f.name: f for f in new}
    out = []
    for column in here.columns:
        rules = here.quality.get(column.name) or []
        if any(r.get("dbtTestId") for r in rules):
            required, enum = tested_facts(rules)
        else:
            twin = by_name.get(column.name)
            required, enum = (bool(twin.required), twin.enum) if twin else (False, None)
        out.append(
            FieldSpec(column.name, column.type, required, column.field_id, enum, column.position)
        )
    return out


def _json(path: Path) -> Any:
    try:
        return json.loads(read_input(path, "json"))
    except InputError as e:
        raise CheckError(str(e)) from None
    except ValueError as e:
        raise CheckError(f"{path}: not JSON: {e}") from None


def _raw_node(manifest: dict[str, Any], uid: str) -> dict[str, Any]:
    for key in ("nodes", "sources"):
        node = (manifest.get(key) or {}).get(uid)
        if isinstance(node, dict):
            return node
    return {}


def _catalog(path: Path) -> Catalog:
    """unique_id → the warehouse's columns, in their order, with their types."""
    from ingest.dbt import InvalidCatalog, read_catalog

    try:
        return read_catalog(_json(path))
    except InvalidCatalog as e:
        raise CheckError(f"{path}: {e}") from None


def _with_catalog(declared: list[FieldSpec], real: list[FieldSpec] | None) -> list[FieldSpec]:
    """The catalog's columns (the warehouse's truth), keeping what the YAML declares (required,
    a declared type where the catalog has none); the declared ones without a catalog."""
    if real is None:
        return declared
    by_name = {f.name.lower(): f for f in declared}
    merged = []
    for column in real:
        spec = by_name.get(column.name.lower())
        merged.append(
            FieldSpec(
                spec.name if spec else column.name,
                column.type or (spec.type if spec else None),
                spec.required if spec else False,
                None,
                spec.enum if spec else None,
                column.position,
            )
        )
    return merged


def dbt_changes(
    execute: Execute,
    manifest: Path,
    base: Path | None,
    catalog: Path | None,
    namespace: str | None,
    schema_map: Mapping[str, str] | None = None,
) -> ChangeSet:
    """The classified changes from ``base`` (or the graph) to ``manifest``, placed in the graph.

    Refused (CheckError) when the manifest was made for another target or namespace than the
    base's or the graph's, or names nothing the graph knows (``graph.check.dbt_target``)."""
    pr = read_project(manifest, namespace, catalog, schema_map)
    old = read_project(base, namespace, None, schema_map) if base else None
    source = str(manifest)
    relations = list(pr.datasets.values())
    if old is not None:
        where = {d.unique_id: (d.namespace, d.name) for d in old.datasets.values()}
        refuse_mismatch(source, relations, where, f"the base manifest {base}")
    graph = datasets(
        execute,
        [(d.namespace, d.name) for d in pr.datasets.values()]
        + ([(d.namespace, d.name) for d in old.datasets.values()] if old else []),
    )
    if relations:
        unknown = all(here is None for here in graph.values())
        refuse_mismatch(source, relations, graph_places(execute, relations), "the graph", unknown)
        if unknown:
            refuse_unknown(source, relations, relations[0].namespace)
    out = ChangeSet()
    out.notes.extend(unread_note(manifest, pr))
    if old is None:
        out.notes.append(
            f"{manifest}: compared with the graph (no --dbt-base): models it deletes are not seen"
        )
        known = [d.id for d in pr.datasets.values() if graph[(d.namespace, d.name)] is not None]
        jobs = {job for _, job, _ in pr.edges}
        current = {e for e in writing_edges(execute, known) if e[1] in jobs}
        out.edges.extend(_edge_changes(current, pr.edges))
    renamed = _renames(old, pr) if old else {}
    for dataset in pr.datasets.values():
        here = graph[(dataset.namespace, dataset.name)]
        before: list[FieldSpec] | None
        if old is not None:
            previous = old.datasets.get(dataset.id)
            if previous is None and dataset.id not in renamed.values():
                out.changes.extend(plan([dataset_added(dataset.id)], here, source))
                continue
            before = previous.columns if previous else None
        else:
            if here is None:
                out.changes.extend(plan([dataset_added(dataset.id)], here, source))
                continue
            before = _from_graph(here, dataset.columns)
        if before is None:
            continue  # a renamed model: judged under its old id below
        changes = _schema_changes(dataset.id, before, dataset.columns)
        if old is not None and (previous := old.datasets.get(dataset.id)) is not None:
            changes += _enforcement(dataset, previous)
        out.changes.extend(plan(changes, here, source))
    if old is not None:
        for dataset in old.datasets.values():
            if dataset.id in pr.datasets:
                continue
            here = graph[(dataset.namespace, dataset.name)]
            new_id = renamed.get(dataset.id)
            change = (
                dataset_renamed(dataset.id, new_id)
                if new_id
                else dataset_removed(dataset.id, f"the dbt {dataset.unique_id} is deleted")
            )
            out.changes.extend(plan([change], here, source))
        out.edges.extend(_edge_changes(old.edges, pr.edges))
    return out


def _schema_changes(
    dataset_id: str, before: list[FieldSpec], after: list[FieldSpec]
) -> list[Change]:
    if not after:
        return []  # no columns declared (nor a catalog): no evidence about columns at all
    return classify_schema(dataset_id, before, after)


def _enforcement(new: DbtDataset, old: DbtDataset) -> list[Change]:
    if old.enforced and not new.enforced:
        return [
            Change(
                ChangeType.CONTRACT_UNENFORCED,
                new.id,
                None,
                "enforced",
                "not enforced",
                "WARNING",
                f"the dbt contract of {new.unique_id} is no longer enforced: its columns may drift",
            )
        ]
    return []


def _renames(old: DbtProject, new: DbtProject) -> dict[str, str]:
    """Old id → new id for models that moved: gone from one side, new on the other, same code."""
    gone = {
        d.checksum: d.id for d in old.datasets.values() if d.id not in new.datasets and d.checksum
    }
    return {
        gone[d.checksum]: d.id
        for d in new.datasets.values()
        if d.id not in old.datasets and d.checksum in gone
    }


def _edge_changes(
    old: set[tuple[str, str, str]], new: set[tuple[str, str, str]]
) -> list[EdgeChange]:
    return [EdgeChange(s, j, t, True) for s, j, t in sorted(new - old)] + [
        EdgeChange(s, j, t, False) for s, j, t in sorted(old - new)
    ]
