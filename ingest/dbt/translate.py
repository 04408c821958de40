"""dbt ``manifest.json`` → graph mutations. A pure translation: no store, no I/O.

What it becomes in the graph, and why: docs/sources.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from graph.core.model import EdgeKind, NodeKind, PropertyKey, owner_id
from graph.core.mutations import Mutation, UpsertNode
from graph.core.pii import is_pii
from ingest.builder import GraphBuilder
from ingest.dbt.catalog import WarehouseColumn
from ingest.dbt.checks import (
    _TestTargets,
)
from ingest.dbt.manifest import (
    _JOB_TYPES,
    DECLARED_BY,
    DEFAULT_JOB_NAMESPACE,
    InvalidManifest,
    JobNaming,
    _compact,
    _field,
    _format_name,
    _Manifest,
    _meta,
    _obj,
    _owner_names,
    _Relation,
    _stamp_of,
    _str,
    _strs,
    _tags,
    _text,
    _type_name,
)
from ingest.dbt.sql import ProjectLineage, project_lineage


class ManifestTranslation(NamedTuple):
    """What :func:`translate_manifest` makes of a manifest: the ``mutations`` that record it, and
    the models whose column lineage is unknown (``unknown``: unique_id → why: no compiled SQL, a
    ``SELECT *`` over unknown columns...)."""

    mutations: list[Mutation]
    unknown: dict[str, str]


def translate_manifest(
    manifest: dict[str, Any],
    namespace: str | None = None,
    at: str | None = None,
    *,
    job_namespace: str = DEFAULT_JOB_NAMESPACE,
    job_naming: JobNaming = "unique_id",
    catalog: Mapping[str, Sequence[WarehouseColumn]] | None = None,
) -> ManifestTranslation:
    """Validate a dbt manifest and return the mutations that record it (and the models whose
    column lineage is unknown).

    ``namespace`` is the dataset namespace of the warehouse (default: :func:`default_namespace`);
    ``at`` an ISO date-time overriding ``metadata.generated_at`` as the stamp; ``catalog`` each
    unique_id's columns in the warehouse (``catalog.json``, ``ingest.dbt.catalog``): recorded
    with their types (the warehouse's over a declared ``data_type``), and what the models'
    compiled SQL is read against for column lineage (``ingest.dbt.sql``). Raises :class:`InvalidManifest` for
    anything that is not a manifest v7–v12.

    >>> mutations = translate_manifest(manifest, namespace="postgres://db:5432").mutations  # doctest: +SKIP
    """
    if job_naming not in ("unique_id", "run", "build"):
        raise ValueError(f"job_naming must be 'unique_id', 'run' or 'build', not {job_naming!r}")
    parsed = _Manifest.parse(manifest, namespace)
    warehouse = catalog or {}
    names = {uid: [c.name for c in columns] for uid, columns in warehouse.items()}
    lineage = project_lineage(parsed, names)
    try:
        translation = _Translation(
            parsed, _stamp_of(parsed, at), job_namespace, job_naming, lineage, warehouse
        )
    except TypeError as e:  # a value no store can hold: JSON allows integers beyond 64 bits
        raise InvalidManifest(str(e)) from None
    return ManifestTranslation(translation.mutations, lineage.unknown)


def default_namespace(manifest: dict[str, Any]) -> str:
    """The dataset namespace used when none is given (see the module docstring)."""
    return _Manifest.parse(manifest, None).namespace


def datasets_in_manifest(manifest: dict[str, Any], namespace: str | None = None) -> set[str]:
    """Ids of the datasets the project builds: its models (not ephemeral), seeds and snapshots."""
    parsed = _Manifest.parse(manifest, namespace)
    return {r.id for r in parsed.relations.values() if r.built}


def mark_removed(
    previous_ids: Iterable[str],
    manifest: dict[str, Any],
    namespace: str | None = None,
    at: str | None = None,
) -> list[Mutation]:
    """Mark deleted the datasets a store knew for this project that the manifest no longer builds.

    ``previous_ids`` are the ids of datasets recorded from earlier manifests of the same project
    (``dbtProject`` property) in the same namespace; the caller reads them from its store.
    """
    parsed = _Manifest.parse(manifest, namespace)
    at_stamp = _stamp_of(parsed, at)
    current = {r.id for r in parsed.relations.values() if r.built}
    return [
        UpsertNode(did, NodeKind.DATASET, at_stamp, {PropertyKey.DELETED: True})
        for did in sorted(set(previous_ids) - current)
    ]


class _Translation(GraphBuilder, _TestTargets):
    """Translates one manifest; every mutation carries the manifest's stamp."""

    def __init__(
        self,
        manifest: _Manifest,
        at: str,
        job_namespace: str,
        job_naming: JobNaming,
        lineage: ProjectLineage,
        catalog: Mapping[str, Sequence[WarehouseColumn]],
    ) -> None:
        super().__init__(at)
        self.m = manifest
        self.lineage = lineage
        self.catalog = catalog
        self.job_namespace = job_namespace
        self.job_naming = job_naming
        self.table_rules, self.column_rules = self._quality_rules()
        self.group_owners = {gid: self._group_owner(gid) for gid in sorted(manifest.groups)}
        for uid in sorted(manifest.relations):
            relation = manifest.relations[uid]
            if relation.ephemeral:
                continue
            self._dataset(relation)
            if relation.resource_type != "source":
                self._job(relation)
        self._products()

    # -- datasets and columns ---------------------------------------------------------------

    def _dataset(self, r: _Relation) -> str:
        node, path = r.node, r.path
        config = _obj(node, path, "config")
        group = self._group_id(r)
        props = _compact(
            {
                "description": _str(node, path, "description"),
                "materialized": _str(config, f"{path}.config", "materialized")
                if r.resource_type != "source"
                else None,
                "tags": r.tags,
                "meta": r.meta,
                "dbtUniqueId": r.uid,
                "dbtResourceType": r.resource_type,
                "dbtProject": self.m.project,
                "packageName": _str(node, path, "package_name"),
                "path": _str(node, path, "original_file_path"),
                "relationName": _str(node, path, "relation_name"),
                "access": self._access(r) if r.resource_type == "model" else None,
                "dbtGroup": self.m.groups[group][0].get("name") if group else None,
                "modelVersion": node.get("version")
                if isinstance(node.get("version"), (str, int))
                else None,
                "dbtSourceName": _str(node, path, "source_name"),
                "sourceDescription": _str(node, path, "source_description"),
                "loader": _str(node, path, "loader"),
                "pii": True if is_pii(tags=r.tags, properties=r.meta) else None,
                "quality": self.table_rules.get(r.uid),
            }
        )
        if r.resource_type != "source":
            # present in this snapshot of the project (see mark_removed)
            props[PropertyKey.DELETED] = False
        names = self._columns(r)
        if names:
            props[PropertyKey.COLUMNS] = names
        if r.uid in self.lineage.models:
            props[PropertyKey.COLUMN_LINEAGE_AT] = self.at  # earlier column lineage is replaced
        did = self.dataset(r.namespace, r.name, props)
        for other, reason in r.other_names:
            self.alias(r.namespace, other, did, reason)
        self._owners(did, r)
        domain = r.meta.get("domain")
        if isinstance(domain, str) and domain.strip():
            self.edge(
                did,
                EdgeKind.BELONGS_TO,
                self.domain(domain.strip()),
                {PropertyKey.SOURCE: DECLARED_BY},
            )
        return did

    def _columns(self, r: _Relation) -> list[str]:
        path = f"{r.path}.columns"
        names: list[str] = []
        real = {c.name.lower(): c for c in self.catalog.get(r.uid, ())}
        for ordinal, (key, column) in enumerate(_obj(r.node, r.path, "columns").items(), start=1):
            where = f"{path}[{key!r}]"
            if not isinstance(column, dict):
                raise InvalidManifest(f"expected an object, got {_type_name(column)}", where)
            name = _str(column, where, "name") or key
            meta, tags = _meta(column, where), _tags(column, where)
            constraints = _field(column, where, "constraints", list, False)
            names.append(name)
            in_warehouse = real.get(name.lower())
            self.column(
                r.namespace,
                r.name,
                name,
                _compact(
                    {
                        PropertyKey.DECLARED: True,
                        PropertyKey.TYPE: (in_warehouse.type if in_warehouse else None)
                        or _str(column, where, "data_type"),  # the warehouse's, as it is
                        "description": _str(column, where, "description"),
                        "tags": tags,
                        "meta": meta,
                        "ordinal": ordinal,
                        "constraints": constraints or None,
                        "pii": True if is_pii(tags=tags, properties=meta) else None,
                        "quality": self.column_rules.get((r.uid, name)),
                    }
                ),
            )
        return names + self._undeclared_columns(r, names, real)

    def _undeclared_columns(
        self, r: _Relation, declared: list[str], real: Mapping[str, WarehouseColumn]
    ) -> list[str]:
        """The columns its YAML does not declare that the model's SELECT names, or the
        warehouse's catalog holds (with the catalog's type)."""
        lineage = self.lineage.models.get(r.uid)
        seen = {n.lower() for n in declared}
        extra: list[str] = []
        for name in [*(lineage.columns if lineage else ()), *(c.name for c in real.values())]:
            if name.lower() not in seen:
                seen.add(name.lower())
                extra.append(name)
        for ordinal, name in enumerate(extra, start=len(declared) + 1):
            in_warehouse = real.get(name.lower())
            props: dict[str, Any] = {PropertyKey.DECLARED: True, "ordinal": ordinal}
            if in_warehouse is not None and in_warehouse.type:
                props[PropertyKey.TYPE] = in_warehouse.type
            self.column(r.namespace, r.name, name, props)
        return extra

    def _derivations(self, r: _Relation, job: str) -> None:
        """DERIVES_FROM edges from the model's columns (and for filters, joins, groups: from
        the model itself) to the columns of its parents they are computed from."""
        lineage = self.lineage.models.get(r.uid)
        if lineage is None:
            return
        relations = self.m.relations
        for name, inputs in lineage.derives.items():
            target = self.column(r.namespace, r.name, name)
            for d in inputs:
                self._derivation(target, relations[d.parent], d.column, d.transformation, job)
        for d in lineage.indirect:
            self._derivation(r.id, relations[d.parent], d.column, d.transformation, job)

    def _derivation(
        self, target: str, parent: _Relation, column: str, how: dict[str, Any], job: str
    ) -> None:
        source = self.column(parent.namespace, parent.name, column)
        props = {PropertyKey.TRANSFORMATIONS: [how], PropertyKey.JOB_ID: job}
        self.edge(target, EdgeKind.DERIVES_FROM, source, props)

    # -- jobs -------------------------------------------------------------------------------

    def _job_name(self, r: _Relation) -> str | None:
        if self.job_naming == "unique_id":
            return r.uid
        if r.resource_type == "seed":
            return None  # dbt-ol without structured logs emits nothing for seeds
        node, path = r.node, r.path
        database, schema = _str(node, path, "database"), _str(node, path, "schema")
        prefix = r.resource_type + "."
        rest = r.uid[len(prefix) :] if r.uid.startswith(prefix) else r.uid
        build = self.job_naming == "build"
        if r.resource_type == "snapshot":
            suffix = ".build.snapshot" if build else ".snapshot"
        else:
            suffix = ".build.run" if build else ""
        return _format_name(database, schema, rest) + suffix

    def _job(self, r: _Relation) -> None:
        name = self._job_name(r)
        if name is None:
            return
        node, path = r.node, r.path
        config = _obj(node, path, "config")
        raw = _str(node, path, "raw_code") or _str(node, path, "raw_sql")
        compiled = _str(node, path, "compiled_code") or _str(node, path, "compiled_sql")
        jid = self.job(
            self.job_namespace,
            name,
            _compact(
                {
                    "description": _str(node, path, "description"),
                    "materialized": _str(config, f"{path}.config", "materialized"),
                    "sql": (compiled or raw) if r.resource_type != "seed" else None,
                    "rawCode": raw if r.resource_type != "seed" else None,
                    "language": _str(node, path, "language"),
                    "dbtUniqueId": r.uid,
                    "dbtResourceType": r.resource_type,
                    "dbtProject": self.m.project,
                    "packageName": _str(node, path, "package_name"),
                    "path": _str(node, path, "original_file_path"),
                    "dependsOn": r.parents or None,
                    "jobType.jobType": _JOB_TYPES[r.resource_type],
                    "jobType.integration": "DBT",
                    PropertyKey.PROCESSING_TYPE: "BATCH",
                }
            ),
        )
        for parent in self._inputs(r.uid, set()):
            self.edge(jid, EdgeKind.READS, parent.id)
        self.edge(jid, EdgeKind.WRITES, r.id)
        self._derivations(r, jid)
        self._owners(jid, r)

    def _inputs(self, uid: str, seen: set[str]) -> list[_Relation]:
        """The tables a node reads: its parents, looking through ephemeral models."""
        found: dict[str, _Relation] = {}
        for parent_uid in self.m.relations[uid].parents:
            parent = self.m.relations.get(parent_uid)
            if parent is None or parent_uid in seen:
                continue  # a test, a macro-only node, or a node of another project
            if parent.ephemeral:
                seen.add(parent_uid)
                found.update((p.uid, p) for p in self._inputs(parent_uid, seen))
            else:
                found[parent.uid] = parent
        return list(found.values())

    # -- owners, groups, products ----------------------------------------------------------------

    def _group_id(self, r: _Relation) -> str | None:
        node, config = r.node, _obj(r.node, r.path, "config")
        name = _str(node, r.path, "group") or _str(config, f"{r.path}.config", "group")
        if not name:
            return None
        package = _str(node, r.path, "package_name")
        candidates = [gid for gid, (g, _) in self.m.groups.items() if g.get("name") == name]
        preferred = [
            gid for gid in candidates if self.m.groups[gid][0].get("package_name") == package
        ]
        chosen = sorted(preferred or candidates)
        return chosen[0] if chosen else None

    def _group_owner(self, gid: str) -> str | None:
        group, path = self.m.groups[gid]
        owner = _obj(group, path, "owner")
        name, email = _str(owner, f"{path}.owner", "name"), _str(owner, f"{path}.owner", "email")
        if not (name or email):
            return None
        who = (name or email).strip()  # type: ignore[union-attr]
        if email:
            self.node(owner_id(who), NodeKind.OWNER, {PropertyKey.NAME: who, "email": email})
        return who

    def _owners(self, subject: str, r: _Relation) -> None:
        names = _owner_names(r.meta.get("owner"))
        group = self._group_id(r)
        if group and self.group_owners.get(group):
            names.append(self.group_owners[group])  # type: ignore[arg-type]
        for name in dict.fromkeys(names):
            self.owner(subject, name, "owner")

    def _products(self) -> None:
        members: dict[str, list[_Relation]] = {}
        for uid in sorted(self.m.relations):
            r = self.m.relations[uid]
            group = self._group_id(r) if r.built else None
            if group:
                members.setdefault(group, []).append(r)
        for gid in sorted(members):
            declared, path = self.m.groups[gid]
            public = [r for r in members[gid] if self._access(r) == "public"]
            domain = self._product_domain(declared, path, members[gid])
            name = declared.get("name")
            if not public or domain is None or not isinstance(name, str):
                continue
            pid = self.product(
                domain,
                name,
                _compact(
                    {
                        "description": _str(declared, path, "description"),
                        "dbtGroup": gid,
                        "dbtProject": self.m.project,
                        "source": DECLARED_BY,
                    }
                ),
            )
            if group_owner := self.group_owners.get(gid):
                self.owner(pid, group_owner, "owner")
            for r in public:
                self.edge(pid, EdgeKind.EXPOSES, r.id, {PropertyKey.SOURCE: DECLARED_BY})

    def _access(self, r: _Relation) -> str | None:
        return _str(r.node, r.path, "access") or _str(
            _obj(r.node, r.path, "config"), f"{r.path}.config", "access"
        )

    @staticmethod
    def _product_domain(group: dict[str, Any], path: str, models: list[_Relation]) -> str | None:
        declared = _meta(group, path).get("domain")
        if isinstance(declared, str) and declared.strip():
            return declared.strip()
        domains = {
            d.strip()
            for d in (r.meta.get("domain") for r in models)
            if isinstance(d, str) and d.strip()
        }
        return domains.pop() if len(domains) == 1 else None

    # -- tests → quality rules -----------------------------------------------------------------

    def _quality_rules(
        self,
    ) -> tuple[dict[str, list[dict[str, Any]]], dict[tuple[str, str], list[dict[str, Any]]]]:
        table: dict[str, list[dict[str, Any]]] = {}
        column: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for uid, node, path in self.m.tests:
            parents = [
                p
                for p in _strs(_obj(node, path, "depends_on"), f"{path}.depends_on", "nodes")
                if p in self.m.relations
            ]
            config = _obj(node, path, "config")
            severity = _str(config, f"{path}.config", "severity")
            test_meta = _obj(node, path, "test_metadata")
            if not test_meta:  # a singular test: a query over the tables it reads
                for parent in parents:
                    rule: dict[str, Any] = {
                        "type": "singular",
                        "name": _str(node, path, "name"),
                        "dbtTestId": uid,
                        "severity": severity,
                    }
                    table.setdefault(parent, []).append(_compact(rule))
                continue
            where = f"{path}.test_metadata"
            test_name = _str(test_meta, where, "name", required=True)
            package = _str(test_meta, where, "namespace")
            kwargs = _obj(test_meta, where, "kwargs")
            target = self._test_target(node, path, kwargs, parents)
            if target is None or self.m.relations[target].ephemeral:
                continue
            col = _str(node, path, "column_name") or _text(kwargs.get("column_name"))
            args = {k: v for k, v in kwargs.items() if k not in ("model", "column_name")}
            rule = _compact(
                {
                    "type": f"{package}.{test_name}" if package else test_name,
                    "column": col,
                    "dbtTestId": uid,
                    "severity": severity,
                    "kwargs": args,
                }
            )
            if test_name == "relationships" and not package:
                referenced = self._relationship_target(
                    kwargs.get("to"), [p for p in parents if p != target]
                )
                if referenced is not None:
                    rule["references"] = _compact(
                        {
                            "dataset": self.m.relations[referenced].id,
                            "column": _text(kwargs.get("field")),
                        }
                    )
            table.setdefault(target, []).append(rule)
            declared = self._declared_column(target, col)
            if declared is not None:
                column.setdefault((target, declared), []).append(rule)
        return table, column
