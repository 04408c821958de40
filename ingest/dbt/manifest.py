"""Reading a dbt ``manifest.json``: its version, its fields (checked, each error naming the path
that fails), and the relations the project builds or reads (models, seeds, snapshots, sources)
with the dataset namespace and names they get."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, overload

from graph.core.model import dataset_id
from graph.core.mutations import stamp
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
