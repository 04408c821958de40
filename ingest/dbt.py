"""dbt ``manifest.json`` → graph mutations. A pure translation: no store, no I/O.

What it becomes in the graph, and why: docs/sources.md.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, overload

from graph.model import EdgeKind, NodeKind, dataset_id, owner_id
from graph.mutations import Mutation, UpsertNode, stamp
from graph.pii import is_pii
from ingest.builder import GraphBuilder
from ingest.naming import normal_namespace

SUPPORTED_SCHEMA_VERSIONS = range(7, 13)  # manifest v7 (dbt 1.3) .. v12 (dbt 1.8+)
DEFAULT_JOB_NAMESPACE = "dbt"
DECLARED_BY = "dbt"  # the ``source`` of BELONGS_TO / EXPOSES edges this ingester records

JobNaming = Literal["unique_id", "run", "build"]

# dbt adapter_type → the URI scheme openlineage-dbt uses for the dataset namespace.
_SCHEMES = {
    "postgres": "postgres",
    "redshift": "redshift",
    "snowflake": "snowflake",
    "databricks": "databricks",
    "spark": "spark",
    "sqlserver": "mssql",
    "fabric": "fabric-warehouse",
    "dremio": "dremio",
    "athena": "awsathena",
    "glue": "glue",
    "trino": "trino",
    "presto": "presto",
    "watsonx_presto": "presto",
    "clickhouse": "clickhouse",
    "duckdb": "duckdb",
}
_DATASET_TYPES = ("model", "seed", "snapshot")  # resource types the project builds
_JOB_TYPES = {"model": "MODEL", "snapshot": "SNAPSHOT", "seed": "SEED"}
_VERSION = re.compile(r"/manifest/v(\d+)\.json$")
_REF = re.compile(
    r"""\bref\(\s*['"]([^'"]+)['"](?:\s*,\s*['"]([^'"]+)['"])?"""
)  # ref('m'), ref('pkg', 'm'), ref('m', v=2)
_SOURCE = re.compile(r"""\bsource\(\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]+)['"]\s*\)""")


class InvalidManifest(ValueError):
    """Not a dbt manifest this module understands; the message names the failing field."""

    def __init__(self, message: str, path: str = "$") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.reason = message


# -- public API -------------------------------------------------------------------------------


def translate_manifest(
    manifest: dict[str, Any],
    namespace: str | None = None,
    at: str | None = None,
    *,
    job_namespace: str = DEFAULT_JOB_NAMESPACE,
    job_naming: JobNaming = "unique_id",
) -> list[Mutation]:
    """Validate a dbt manifest and return the mutations that record it.

    ``namespace`` is the dataset namespace of the warehouse (default: :func:`default_namespace`);
    ``at`` an ISO date-time overriding ``metadata.generated_at`` as the stamp. Raises
    :class:`InvalidManifest` for anything that is not a manifest v7–v12.

    >>> mutations = translate_manifest(manifest, namespace="postgres://db:5432")  # doctest: +SKIP
    """
    if job_naming not in ("unique_id", "run", "build"):
        raise ValueError(f"job_naming must be 'unique_id', 'run' or 'build', not {job_naming!r}")
    parsed = _Manifest.parse(manifest, namespace)
    try:
        return _Translation(parsed, _stamp_of(parsed, at), job_namespace, job_naming).mutations
    except TypeError as e:  # a value no store can hold: JSON allows integers beyond 64 bits
        raise InvalidManifest(str(e)) from None


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
        UpsertNode(did, NodeKind.DATASET, at_stamp, {"deleted": True})
        for did in sorted(set(previous_ids) - current)
    ]


def schema_version(manifest: dict[str, Any]) -> int:
    """The manifest schema version number (``.../manifest/v12.json`` → 12)."""
    if not isinstance(manifest, dict):
        raise InvalidManifest(f"expected an object (a dbt manifest), got {_type_name(manifest)}")
    metadata = _obj(manifest, "$", "metadata", required=True)
    raw = _str(metadata, "$.metadata", "dbt_schema_version", required=True)
    match = _VERSION.search(raw)
    if not match:
        raise InvalidManifest(
            f"{raw!r} is not a dbt manifest schema URL", "$.metadata.dbt_schema_version"
        )
    return int(match.group(1))


# -- validation helpers -----------------------------------------------------------------------

_KIND_NAMES: dict[type, str] = {dict: "an object", list: "an array", str: "a string"}


def _type_name(value: Any) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _field(obj: dict[str, Any], path: str, key: str, kind: type, required: bool) -> Any:
    value = obj.get(key)
    where = f"{path}.{key}"
    if value is None:
        if required:
            raise InvalidManifest(f"required, expected {_KIND_NAMES[kind]}", where)
        return None
    if not isinstance(value, kind):
        raise InvalidManifest(f"expected {_KIND_NAMES[kind]}, got {_type_name(value)}", where)
    return value


def _obj(obj: dict[str, Any], path: str, key: str, required: bool = False) -> dict[str, Any]:
    return _field(obj, path, key, dict, required) or {}


@overload
def _str(obj: dict[str, Any], path: str, key: str, required: Literal[True]) -> str: ...
@overload
def _str(obj: dict[str, Any], path: str, key: str, required: bool = False) -> str | None: ...
def _str(obj: dict[str, Any], path: str, key: str, required: bool = False) -> str | None:
    return _field(obj, path, key, str, required)


def _strs(obj: dict[str, Any], path: str, key: str) -> list[str]:
    values = _field(obj, path, key, list, False) or []
    for i, value in enumerate(values):
        if not isinstance(value, str):
            raise InvalidManifest(
                f"expected a string, got {_type_name(value)}", f"{path}.{key}[{i}]"
            )
    return values


def _entries(
    manifest: dict[str, Any], key: str, required: bool
) -> Iterator[tuple[str, dict[str, Any], str]]:
    """(unique_id, node, path) for each entry of a top-level mapping, every entry an object."""
    for uid, node in _obj(manifest, "$", key, required).items():
        path = f"$.{key}[{uid!r}]"
        if not isinstance(node, dict):
            raise InvalidManifest(f"expected an object, got {_type_name(node)}", path)
        yield uid, node, path


def _meta(node: dict[str, Any], path: str) -> dict[str, Any]:
    """``meta`` merged with ``config.meta`` (dbt keeps both; config wins, as in dbt)."""
    config = _obj(node, path, "config")
    return {**_obj(node, path, "meta"), **_obj(config, f"{path}.config", "meta")}


def _tags(node: dict[str, Any], path: str) -> list[str]:
    config = _obj(node, path, "config")
    return list(dict.fromkeys(_strs(node, path, "tags") + _strs(config, f"{path}.config", "tags")))


def _text(value: Any) -> str | None:
    """A free-form value (test kwargs, meta) when it is a string."""
    return value if isinstance(value, str) else None


def _owner_names(value: Any) -> list[str]:
    """Owner names from a free-form ``meta.owner``: a string, ``{name, email}``, or a list of those."""
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("name") or item.get("email")
        if isinstance(item, str) and item.strip():
            names.append(item.strip())
    return list(dict.fromkeys(names))


def _compact(props: dict[str, Any]) -> dict[str, Any]:
    """Leave out empty values so they never erase what another source recorded."""
    return {k: v for k, v in props.items() if v is not None and v != "" and v != {}}


def _format_name(*parts: str | None) -> str:
    return ".".join(p for p in parts if p)


# -- the parsed manifest ----------------------------------------------------------------------


@dataclass(slots=True)
class _Relation:
    """A model, seed, snapshot or source: a table (or, for an ephemeral model, a CTE)."""

    uid: str
    node: dict[str, Any]
    path: str
    resource_type: str
    namespace: str
    name: str  # the dataset name (openlineage-dbt's)
    other_names: list[tuple[str, str]]  # (name, reason) the same table is also known by
    ephemeral: bool
    parents: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return dataset_id(self.namespace, self.name)

    @property
    def built(self) -> bool:
        return self.resource_type in _DATASET_TYPES and not self.ephemeral


@dataclass(slots=True)
class _Manifest:
    raw: dict[str, Any]
    version: int
    project: str | None
    adapter: str | None
    generated_at: datetime
    namespace: str
    relations: dict[str, _Relation]
    tests: list[tuple[str, dict[str, Any], str]]
    groups: dict[str, tuple[dict[str, Any], str]]  # group unique_id → (group, path)

    @classmethod
    def parse(cls, manifest: Any, namespace: str | None) -> _Manifest:
        if not isinstance(manifest, dict):
            raise InvalidManifest(
                f"expected an object (a dbt manifest), got {_type_name(manifest)}"
            )
        version = schema_version(manifest)
        if version not in SUPPORTED_SCHEMA_VERSIONS:
            first, last = SUPPORTED_SCHEMA_VERSIONS[0], SUPPORTED_SCHEMA_VERSIONS[-1]
            raise InvalidManifest(
                f"manifest schema v{version} is not supported (v{first}–v{last})",
                "$.metadata.dbt_schema_version",
            )
        metadata = manifest["metadata"]
        generated_at = _parse_time(
            _str(metadata, "$.metadata", "generated_at", required=True), "$.metadata.generated_at"
        )
        adapter = _str(metadata, "$.metadata", "adapter_type")
        nodes = list(_entries(manifest, "nodes", required=True))
        sources = list(_entries(manifest, "sources", required=False))
        project = _str(metadata, "$.metadata", "project_name") or _project_from_id(
            _str(metadata, "$.metadata", "project_id"), nodes
        )
        if namespace is not None and (not isinstance(namespace, str) or not namespace):
            raise ValueError("namespace must be a non-empty string")
        ns = normal_namespace(namespace) if namespace else _default_namespace(adapter, project)
        relations: dict[str, _Relation] = {}
        tests: list[tuple[str, dict[str, Any], str]] = []
        for uid, node, path in nodes:
            kind = _str(node, path, "resource_type", required=True)
            if kind in _DATASET_TYPES:
                relations[uid] = _relation(uid, node, path, kind, ns)
            elif kind == "test":
                tests.append((uid, node, path))
        for uid, node, path in sources:
            relations[uid] = _relation(uid, node, path, "source", ns)
        groups = {
            uid: (group, path) for uid, group, path in _entries(manifest, "groups", required=False)
        }
        return cls(
            manifest,
            version,
            project,
            adapter,
            generated_at,
            ns,
            relations,
            sorted(tests, key=lambda t: t[0]),
            groups,
        )


def _relation(uid: str, node: dict[str, Any], path: str, kind: str, namespace: str) -> _Relation:
    name = _str(node, path, "name", required=True)
    schema = _str(node, path, "schema", required=True)
    database = _str(node, path, "database")
    other_names: list[tuple[str, str]] = []
    if kind == "source":
        table = name
        identifier = _str(node, path, "identifier")
        if identifier and identifier != name:
            other_names.append(
                (_format_name(database, schema, identifier), "DBT_SOURCE_IDENTIFIER")
            )
    else:
        table = _str(node, path, "alias") or name
        if table != name:
            other_names.append((_format_name(database, schema, name), "DBT_MODEL_NAME"))
    config = _obj(node, path, "config")
    _obj(node, path, "columns")
    parents = _strs(_obj(node, path, "depends_on"), f"{path}.depends_on", "nodes")
    return _Relation(
        uid=uid,
        node=node,
        path=path,
        resource_type=kind,
        namespace=namespace,
        name=_format_name(database, schema, table),
        other_names=other_names,
        ephemeral=kind == "model" and _str(config, f"{path}.config", "materialized") == "ephemeral",
        parents=parents,
        meta=_meta(node, path),
        tags=_tags(node, path),
    )


def _parse_time(value: str, path: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidManifest(f"{value!r} is not an ISO 8601 date-time", path) from None
    # dbt writes UTC ("...Z"); a naive time can only mean UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _stamp_of(parsed: _Manifest, at: str | None) -> str:
    if at is None:
        return stamp(parsed.generated_at)
    try:
        moment = datetime.fromisoformat(at)
    except (TypeError, ValueError):
        raise ValueError(f"at: {at!r} is not an ISO 8601 date-time") from None
    return stamp(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _project_from_id(
    project_id: str | None, nodes: list[tuple[str, dict[str, Any], str]]
) -> str | None:
    """Manifests before v11 lack ``project_name``; ``project_id`` is the md5 of it."""
    if not project_id:
        return None
    for package in sorted(
        {name for _, n, _ in nodes if isinstance(name := n.get("package_name"), str)}
    ):
        if hashlib.md5(package.encode()).hexdigest() == project_id:
            return package
    return None


def _default_namespace(adapter: str | None, project: str | None) -> str:
    if adapter == "bigquery":
        return "bigquery"
    scheme = _SCHEMES.get(adapter or "", adapter or "dbt")
    return f"{scheme}://dbt/{project}" if project else f"{scheme}://dbt"


# -- translation ------------------------------------------------------------------------------


class _TestTargets:
    """What a test checks, in a parsed manifest: the table (and column) a generic test names."""

    m: _Manifest

    def _test_target(
        self, node: dict[str, Any], path: str, kwargs: dict[str, Any], parents: list[str]
    ) -> str | None:
        """The table a generic test checks: ``attached_node`` (dbt 1.5+), else its ``model`` argument."""
        attached = _str(node, path, "attached_node")
        if attached in self.m.relations:
            return attached
        model = kwargs.get("model")
        resolved = self._resolve(model, parents) if isinstance(model, str) else None
        if resolved is not None:
            return resolved
        return parents[0] if len(parents) == 1 else None

    def _relationship_target(self, to: Any, candidates: list[str]) -> str | None:
        resolved = self._resolve(to, candidates) if isinstance(to, str) else None
        if resolved is not None:
            return resolved
        return candidates[0] if len(candidates) == 1 else None

    def _resolve(self, text: str, candidates: list[str]) -> str | None:
        """The node a ``ref('x')`` / ``source('s', 't')`` expression names, among ``candidates``."""
        relations = [self.m.relations[c] for c in candidates]
        source = _SOURCE.search(text)
        if source:
            for r in relations:
                if (
                    r.resource_type == "source"
                    and (r.node.get("source_name"), r.node.get("name")) == source.groups()
                ):
                    return r.uid
            return None
        ref = _REF.search(text)
        if ref:
            # ref('model') or ref('package', 'model'): the model name is the last one given.
            name = ref.group(2) or ref.group(1)
            for r in relations:
                if r.resource_type != "source" and r.node.get("name") == name:
                    return r.uid
        return None

    def _declared_column(self, uid: str, name: str | None) -> str | None:
        if not name:
            return None
        r = self.m.relations[uid]
        columns = [
            _text(c.get("name")) or k
            for k, c in _obj(r.node, r.path, "columns").items()
            if isinstance(c, dict)
        ]
        if name in columns:
            return name
        folded = [c for c in columns if c.lower() == name.strip('"`[]').lower()]
        return folded[0] if len(folded) == 1 else None


class _Targets(_TestTargets):
    def __init__(self, manifest: _Manifest) -> None:
        self.m = manifest


@dataclass(frozen=True, slots=True)
class TestedSubject:
    """A dbt test and the dataset (and column) it checks, as the manifest states them."""

    test_id: str
    name: str
    test_type: str  # not_null, unique, dbt_utils.expression_is_true, singular, ...
    namespace: str
    dataset: str  # the dataset name, as translate_manifest records it
    column: str | None
    severity: str | None


def tested_subjects(
    manifest: dict[str, Any], namespace: str | None = None
) -> dict[str, list[TestedSubject]]:
    """Each test of the manifest (by unique_id) and what it checks: a generic test its table (and
    column, as declared when the model declares it), a singular test every table it reads."""
    parsed = _Manifest.parse(manifest, namespace)
    targets = _Targets(parsed)
    found: dict[str, list[TestedSubject]] = {}
    for uid, node, path in parsed.tests:
        name = _str(node, path, "name") or uid
        severity = _str(_obj(node, path, "config"), f"{path}.config", "severity")
        parents = [
            p
            for p in _strs(_obj(node, path, "depends_on"), f"{path}.depends_on", "nodes")
            if p in parsed.relations
        ]
        test_meta = _obj(node, path, "test_metadata")
        checked: list[tuple[str, str | None, str]]
        if not test_meta:
            checked = [(p, None, "singular") for p in parents]
        else:
            where = f"{path}.test_metadata"
            test_name = _str(test_meta, where, "name", required=True)
            package = _str(test_meta, where, "namespace")
            kwargs = _obj(test_meta, where, "kwargs")
            target = targets._test_target(node, path, kwargs, parents)
            col = _str(node, path, "column_name") or _text(kwargs.get("column_name"))
            declared = targets._declared_column(target, col) if target else None
            kind = f"{package}.{test_name}" if package else test_name
            checked = [] if target is None else [(target, declared or col, kind)]
        found[uid] = [
            TestedSubject(
                uid,
                name,
                kind,
                parsed.relations[rel].namespace,
                parsed.relations[rel].name,
                column,
                severity,
            )
            for rel, column, kind in checked
            if not parsed.relations[rel].ephemeral
        ]
    return found


class _Translation(GraphBuilder, _TestTargets):
    """Translates one manifest; every mutation carries the manifest's stamp."""

    def __init__(
        self, manifest: _Manifest, at: str, job_namespace: str, job_naming: JobNaming
    ) -> None:
        super().__init__(at)
        self.m = manifest
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
            props["deleted"] = False  # present in this snapshot of the project (see mark_removed)
        names = self._columns(r)
        if names:
            props["columns"] = names
        did = self.dataset(r.namespace, r.name, props)
        for other, reason in r.other_names:
            self.alias(r.namespace, other, did, reason)
        self._owners(did, r)
        domain = r.meta.get("domain")
        if isinstance(domain, str) and domain.strip():
            self.edge(
                did, EdgeKind.BELONGS_TO, self.domain(domain.strip()), {"source": DECLARED_BY}
            )
        return did

    def _columns(self, r: _Relation) -> list[str]:
        path = f"{r.path}.columns"
        names: list[str] = []
        for ordinal, (key, column) in enumerate(_obj(r.node, r.path, "columns").items(), start=1):
            where = f"{path}[{key!r}]"
            if not isinstance(column, dict):
                raise InvalidManifest(f"expected an object, got {_type_name(column)}", where)
            name = _str(column, where, "name") or key
            meta, tags = _meta(column, where), _tags(column, where)
            constraints = _field(column, where, "constraints", list, False)
            names.append(name)
            self.column(
                r.namespace,
                r.name,
                name,
                _compact(
                    {
                        "declared": True,
                        "type": _str(column, where, "data_type"),
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
        return names

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
                    "jobType.processingType": "BATCH",
                }
            ),
        )
        for parent in self._inputs(r.uid, set()):
            self.edge(jid, EdgeKind.READS, parent.id)
        self.edge(jid, EdgeKind.WRITES, r.id)
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
            self.node(owner_id(who), NodeKind.OWNER, {"name": who, "email": email})
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
                self.edge(pid, EdgeKind.EXPOSES, r.id, {"source": DECLARED_BY})

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


__all__ = [
    "DEFAULT_JOB_NAMESPACE",
    "SUPPORTED_SCHEMA_VERSIONS",
    "InvalidManifest",
    "TestedSubject",
    "datasets_in_manifest",
    "default_namespace",
    "mark_removed",
    "schema_version",
    "tested_subjects",
    "translate_manifest",
]
