"""A dbt project's column lineage, read from its models' compiled SQL (``ingest.sql_lineage``).

Models are read parents first, so a model's columns are known to those selecting from it: the
catalog's (``catalog.json``) where given, else the columns the project declares, else the
columns a parent's own SQL selects. So ``SELECT *`` expands through a chain of models, and a
model documenting no columns still has the columns its SELECT names. A model whose lineage
cannot be told — no compiled SQL (a manifest of ``dbt parse``, not ``dbt compile``), a Python
model, SQL sqlglot cannot read, a ``SELECT *`` over columns nobody states — is left out with the
reason, so nothing is claimed about it: the impact walk then stays uncertain there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ingest.dbt.manifest import _Manifest, _obj, _Relation, _str

if TYPE_CHECKING:
    from ingest.sql_lineage import TableKey

#: dbt adapter_type → sqlglot dialect (an adapter not named here is read as sqlglot's default).
_DIALECTS = {
    "duckdb": "duckdb",
    "postgres": "postgres",
    "redshift": "redshift",
    "snowflake": "snowflake",
    "bigquery": "bigquery",
    "databricks": "databricks",
    "spark": "spark",
    "trino": "trino",
    "presto": "presto",
    "athena": "athena",
    "clickhouse": "clickhouse",
    "sqlserver": "tsql",
    "fabric": "tsql",
    "materialize": "materialize",
}


@dataclass(frozen=True, slots=True)
class Derivation:
    """A column of a parent relation a model's column (or whole output) depends on."""

    parent: str  # the parent's unique_id
    column: str
    transformation: dict[str, Any]  # OpenLineage's transformations entry


@dataclass
class ModelLineage:
    columns: list[str]  # the SELECT's output columns, in order
    derives: dict[str, list[Derivation]] = field(default_factory=dict)  # output column → inputs
    indirect: list[Derivation] = field(default_factory=list)  # filters, joins, groups, orders


@dataclass
class ProjectLineage:
    models: dict[str, ModelLineage]  # unique_id → its lineage
    unknown: dict[str, str]  # unique_id → why its lineage is not known


def compiled_sql(relation: _Relation) -> str | None:
    node, path = relation.node, relation.path
    return _str(node, path, "compiled_code") or _str(node, path, "compiled_sql")


def project_lineage(
    manifest: _Manifest, catalog: Mapping[str, Sequence[str]] | None = None
) -> ProjectLineage:
    """Each model's column lineage; ``catalog``: unique_id → the warehouse's column names."""
    # sqlglot is imported when a manifest's SQL is read: the server and every ingest command
    # import this module, and most never read one (sqlglot was ~0.1 s of their start)
    from ingest.sql_lineage import UnreadableSql

    dialect = _DIALECTS.get(manifest.adapter or "")
    known: dict[str, list[str]] = {}
    by_table: dict[TableKey, str] = {}
    for uid, relation in manifest.relations.items():
        if relation.ephemeral:
            continue  # inlined as a CTE where it is read
        by_table[_table_key(relation)] = uid
        stated = list((catalog or {}).get(uid) or _declared(relation))
        if stated:
            known[uid] = stated
    named: dict[str, list[TableKey]] = {}  # a table's name → the project's tables of that name
    for key in by_table:
        named.setdefault(key[2], []).append(key)
    found = ProjectLineage({}, {})
    for uid in _parents_first(manifest):
        relation = manifest.relations[uid]
        if relation.resource_type not in ("model", "snapshot") or relation.ephemeral:
            continue
        reason = _unreadable(relation)
        if reason is None:
            try:
                lineage = _model_lineage(relation, known, by_table, named, dialect)
            except UnreadableSql as e:
                reason = str(e)
            else:
                found.models[uid] = lineage
                known.setdefault(uid, lineage.columns)
                continue
        found.unknown[uid] = reason
    return found


def _unreadable(relation: _Relation) -> str | None:
    if _str(relation.node, relation.path, "language") == "python":
        return "a Python model"
    if compiled_sql(relation) is None:
        return "no compiled SQL (`dbt compile` writes it, `dbt parse` does not)"
    return None


def _model_lineage(
    relation: _Relation,
    known: Mapping[str, list[str]],
    by_table: Mapping[TableKey, str],
    named: Mapping[str, list[TableKey]],
    dialect: str | None,
) -> ModelLineage:
    def schema(tables: set[str]) -> dict[str, Any]:
        """The known columns of the project's tables named as the query names its tables (every
        one of a name: sqlglot finds a table named without its schema among them)."""
        found: dict[str, Any] = {}
        for table in tables:
            for key in named.get(table, ()):
                names = known.get(by_table[key])
                if names is not None:
                    catalog, db, name = key
                    found.setdefault(catalog, {}).setdefault(db, {})[name] = dict.fromkeys(
                        names, "UNKNOWN"
                    )
        return found

    sql = compiled_sql(relation)
    assert sql is not None
    from ingest.sql_lineage import select_lineage

    lineage = select_lineage(sql, schema, dialect)
    declared = {n.lower(): n for n in _declared(relation)}

    def place(table: TableKey, column: str) -> tuple[str, str] | None:
        parent = by_table.get(table) or by_table.get(("", *table[1:])) or _by_name(by_table, table)
        if parent is None:
            return None  # a table outside the project (no ref, no source): unknown to dbt too
        spelled = {n.lower(): n for n in known.get(parent, ())}
        return parent, spelled.get(column.lower(), column)

    out = ModelLineage([declared.get(c.name.lower(), c.name) for c in lineage.columns])
    for name, column in zip(out.columns, lineage.columns, strict=True):
        inputs = []
        for source in column.sources:
            placed = place(source.table, source.column)
            if placed is not None:
                inputs.append(Derivation(*placed, source.transformation()))
        if inputs:
            out.derives[name] = inputs
    for source in lineage.indirect:
        placed = place(source.table, source.column)
        if placed is not None:
            out.indirect.append(Derivation(*placed, source.transformation()))
    return out


def _by_name(by_table: Mapping[TableKey, str], table: TableKey) -> str | None:
    """A table named without its database or schema: the one relation of that name, if one."""
    if table[0] and table[1]:
        return None
    matches = {
        uid
        for key, uid in by_table.items()
        if key[2] == table[2] and (not table[1] or key[1] == table[1])
    }
    return matches.pop() if len(matches) == 1 else None


def _table_key(relation: _Relation) -> TableKey:
    node, path = relation.node, relation.path
    if relation.resource_type == "source":
        table = _str(node, path, "identifier") or _str(node, path, "name")
    else:
        table = _str(node, path, "alias") or _str(node, path, "name")
    parts = (_str(node, path, "database"), _str(node, path, "schema"), table)
    return tuple((p or "").lower() for p in parts)


def _declared(relation: _Relation) -> list[str]:
    """The columns the project's YAML documents (as ``_Translation._columns`` names them)."""
    columns = _obj(relation.node, relation.path, "columns")
    names: list[str] = []
    for key, column in columns.items():
        name = column.get("name") if isinstance(column, dict) else None
        names.append(name if isinstance(name, str) and name else str(key))
    return names


def _parents_first(manifest: _Manifest) -> list[str]:
    order: list[str] = []
    state: dict[str, int] = {}
    for start in sorted(manifest.relations):
        stack = [(start, False)]
        while stack:
            uid, done = stack.pop()
            if done:
                state[uid] = 2
                order.append(uid)
                continue
            if state.get(uid):
                continue
            state[uid] = 1
            stack.append((uid, True))
            stack.extend(
                (parent, False)
                for parent in manifest.relations[uid].parents
                if parent in manifest.relations and not state.get(parent)
            )
    return order
