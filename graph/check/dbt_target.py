"""A dbt manifest parsed for another target than the graph's: found, and refused (exit 2).

dbt writes each relation's database and schema into the manifest from the target it was parsed
with, so a manifest made with a CI target (schema ``dbt_ci_pr42``) or checked under another
``--namespace`` names every model somewhere the graph has never seen: compared naively, every
model is "added" and nothing breaks, or — against a base manifest — every model is "renamed".
Here the same dbt ``unique_id`` is looked up where the base manifest or the graph (through the
model's dbt job, whose id does not depend on the target) puts it; relations that moved from one
schema to another together are one target mismatch, reported once with its fix. A manifest that
names nothing the graph knows is refused too: there is nothing to judge it against.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from graph.check.changeset import CheckError, Execute
from graph.check.graph_reads import nodes, written_by


class Relation(Protocol):
    """What the check needs of a dbt relation (``graph.check.dbt_input.DbtDataset``)."""

    id: str
    namespace: str
    name: str
    unique_id: str
    job: str | None


@dataclass(frozen=True)
class _Place:
    namespace: str
    schema: str  # the name's qualifiers: database.schema


def _place(namespace: str, name: str) -> tuple[_Place, str]:
    qualifiers, _, table = name.rpartition(".")
    return _Place(namespace, qualifiers), table


def parse_schema_map(pairs: Iterable[str]) -> dict[str, str]:
    """``--dbt-schema-map FROM=TO`` values → {FROM: TO}; each side a schema or database.schema."""
    found: dict[str, str] = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise CheckError(f"--dbt-schema-map: {pair!r} is not FROM=TO (a schema or db.schema)")
        found[old.strip()] = new.strip()
    return found


def map_schemas(manifest: Any, mapping: Mapping[str, str]) -> None:
    """Move the manifest's relations from each mapped schema to production's, in place."""
    if not mapping or not isinstance(manifest, dict):
        return
    for key in ("nodes", "sources"):
        group = manifest.get(key)
        for node in group.values() if isinstance(group, dict) else ():
            if not isinstance(node, dict):
                continue
            database, schema = node.get("database"), node.get("schema")
            to = mapping.get(f"{database}.{schema}") or mapping.get(str(schema))
            if to is None:
                continue
            if "." in to:
                node["database"], node["schema"] = to.split(".", 1)
            else:
                node["schema"] = to


def refuse_mismatch(
    source: str,
    pr: Iterable[Relation],
    elsewhere: Mapping[str, tuple[str, str]],
    against: str,
    lone: bool = False,
) -> None:
    """CheckError when the relations moved together from where ``against`` has them.

    ``elsewhere``: unique_id → (namespace, name) where the base manifest or the graph puts it.
    A group of relations that all left one schema for one other (two or more, or into another
    namespace) is a target mismatch; a lone model moved on purpose stays a change to judge,
    unless ``lone`` (nothing of the manifest is where ``against`` has it: no model stayed)."""
    moved: dict[tuple[_Place, _Place], list[str]] = {}
    stayed: set[_Place] = set()
    for relation in pr:
        if relation.unique_id not in elsewhere:
            continue
        before, table = _place(*elsewhere[relation.unique_id])
        after, new_table = _place(relation.namespace, relation.name)
        if before == after and not relation.unique_id.startswith("source."):
            stayed.add(before)  # sources are declared where they are: no target moves them
        elif table.lower() == new_table.lower():
            moved.setdefault((before, after), []).append(relation.unique_id)
    groups = {
        (old, new): uids
        for (old, new), uids in moved.items()
        if old.namespace != new.namespace or ((len(uids) > 1 or lone) and old not in stayed)
    }
    if not groups:
        return
    described, fixes = [], []
    for (old, new), uids in sorted(groups.items(), key=lambda g: (g[0][0].schema, g[0][1].schema)):
        shown = ", ".join(sorted(uids)[:3]) + (", …" if len(uids) > 3 else "")
        where = (
            f"namespace {new.namespace}, not {old.namespace}"
            if old.namespace != new.namespace
            else f"schema {new.schema}, not {old.schema}"
        )
        described.append(f"{len(uids)} relations ({shown}) are in {where}")
        if old.namespace != new.namespace:
            fixes.append(f"--namespace {old.namespace}")
        if old.schema != new.schema:
            fixes.append(f"--dbt-schema-map {_short(new, old)}")
    raise CheckError(
        f"{source}: dbt target mismatch with {against}: {'; '.join(described)}. The manifest was made for another target or namespace, so "
        "every model would look added or renamed. Parse it with production's target "
        f"(`dbt parse --target prod`), or give {' '.join(dict.fromkeys(fixes))}"
    )


def _short(new: _Place, old: _Place) -> str:
    """The mapping FROM=TO: schemas alone where the databases agree."""
    new_db, _, new_schema = new.schema.rpartition(".")
    old_db, _, old_schema = old.schema.rpartition(".")
    if new_db == old_db:
        return f"{new_schema}={old_schema}"
    return f"{new.schema}={old.schema}"


def graph_places(execute: Execute, pr: Iterable[Relation]) -> dict[str, tuple[str, str]]:
    """unique_id → (namespace, name) of the dataset the graph's dbt job for it writes now."""
    jobs = {r.job: r.unique_id for r in pr if r.job}
    written = written_by(execute, jobs)
    targets = {job: sorted(ids)[0] for job, ids in written.items() if len(ids) == 1}
    found = nodes(execute, targets.values())
    places: dict[str, tuple[str, str]] = {}
    for job, dataset in targets.items():
        node = found.get(dataset)
        if node is not None and node.get("namespace") and node.get("name"):
            places[jobs[job]] = (node["namespace"], node["name"])
    return places


def refuse_unknown(source: str, relations: Sequence[Relation], namespace: str) -> None:
    """CheckError for a manifest none of whose relations the graph knows: nothing to judge."""
    raise CheckError(
        f"{source}: none of its {len(relations)} dbt relations is in the graph under namespace "
        f"{namespace} (e.g. {relations[0].name}), nor any dbt job of it: every model would look "
        "added and nothing could break. Ingest production's manifest first (`lineagemesh ingest "
        "dbt` with the same --namespace), give the --namespace the graph records, or parse with "
        "production's target (`dbt parse --target prod`)"
    )
