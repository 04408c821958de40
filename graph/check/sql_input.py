"""``--sql``: what DDL migrations change, read with a real SQL parser (sqlglot), in any dialect.

Understood: ``ALTER TABLE`` … ``DROP COLUMN``, ``RENAME [COLUMN]``, ``ALTER COLUMN … TYPE`` /
``SET DATA TYPE``, ``SET NOT NULL``, ``ADD COLUMN``, ``RENAME TO``; ``DROP TABLE`` / ``DROP VIEW``;
``CREATE OR REPLACE VIEW`` and ``CREATE OR REPLACE TABLE … AS`` (the columns its query gives,
``SELECT *`` expanded to the graph's columns of what it reads, against the current ones);
``CREATE TABLE``.
Other statements sqlglot reads change no schema and are passed over; one it can only keep as an
opaque command (a ``DO $$ … $$`` block, two statements run together by a missing ``;``) is an
input error at its ``file:line``, never skipped: it may change any table. Statements apply in
order, so a file that renames a column and then retypes it is judged as a whole against the
graph as it is now.

A table the migration alters or drops that the graph does not know, or a column the graph's
table lacks, is reported as unknown (an error with ``--strict``); a migration none of whose
altered tables the graph knows is refused: its namespace is not the graph's, or nothing can be
judged.

A table resolves to a dataset by the namespace given (``--namespace``, spelled as
``ingest.naming.normal_namespace`` records it) and the name as written, qualified as far as the
statement qualifies it; where the graph names it more fully (``db.schema.table`` for a migration's
``schema.table``) the one dataset in that namespace whose name ends so is taken.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError
from sqlglot.tokens import Token, TokenType

from graph.change.classifier import (
    Change,
    FieldSpec,
    classify_schema,
    column_renamed,
    column_retyped,
    dataset_added,
    dataset_removed,
    dataset_renamed,
)
from graph.check.changeset import ChangeSet, CheckError, Execute
from graph.check.graph_reads import GraphDataset, datasets, search_ids
from graph.check.planning import plan
from graph.core.input_files import InputError, read_input
from graph.core.model import dataset_id
from ingest.naming import normal_namespace
from ingest.sql_lineage import UnreadableSql, select_lineage

#: Commands sqlglot keeps opaque that change no table's columns: passed over like a SET.
_HARMLESS_COMMANDS = (
    "VACUUM", "ANALYZE", "CHECKPOINT", "REINDEX", "CLUSTER", "SHOW", "EXPLAIN", "LISTEN",
    "NOTIFY", "CREATE EXTENSION", "DROP EXTENSION",
)  # fmt: skip


def check_dialect(dialect: str | None) -> None:
    """A CheckError naming the dialect when sqlglot does not know it (with its suggestion)."""
    try:
        sqlglot.Dialect.get_or_raise(dialect)
    except ValueError as e:
        raise CheckError(f"--sql-dialect: {e}") from None


def sql_changes(
    execute: Execute, files: tuple[Path, ...], dialect: str | None, namespace: str
) -> ChangeSet:
    """The classified changes the migration files make, placed in the graph."""
    ns = normal_namespace(namespace)
    out = ChangeSet()
    resolver = _Resolver(execute, ns)
    for path in files:
        for line, statement in _statements(path, dialect):
            _apply(resolver, out, f"{path}:{line}", statement, dialect)
    expected = [name for name in resolver.expected if name not in resolver.created]
    if expected and all(resolver.dataset(name) is None for name in expected):
        raise CheckError(
            f"{resolver.expected[expected[0]]}: none of the tables the migration changes "
            f"({', '.join(expected)}) is a dataset of {ns} in the graph: nothing could break. "
            "Give the --namespace the graph records for this database (GraphQL searchConnection "
            "finds the tables' ids), or ingest its lineage first"
        )
    return out


def _statements(path: Path, dialect: str | None) -> Iterator[tuple[int, exp.Expr]]:
    try:
        text = read_input(path, "sql")
    except InputError as e:
        raise CheckError(str(e)) from None
    try:
        reader = sqlglot.Dialect.get_or_raise(dialect)
        tokens = reader.tokenize(text)
    except (SqlglotError, ValueError) as e:
        raise CheckError(f"{path}:1: {e}") from None
    quiet = logging.getLogger("sqlglot")  # its "falling back to a Command" warning is ours to say
    level, quiet.level = quiet.level, logging.ERROR
    try:
        yield from _parsed(path, text, reader, tokens)
    finally:
        quiet.setLevel(level)


def _parsed(
    path: Path, text: str, reader: sqlglot.Dialect, tokens: list[Token]
) -> Iterator[tuple[int, exp.Expr]]:
    chunk: list[Token] = []
    for token in [*tokens, None]:
        if token is not None and token.token_type is not TokenType.SEMICOLON:
            chunk.append(token)
            continue
        if chunk:
            line = chunk[0].line
            try:
                parsed = reader.parser().parse(_column_keyword_spelled_out(chunk), text)
            except ParseError as e:
                detail = e.errors[0] if e.errors else {}
                where = detail.get("line") or line
                reason = detail.get("description") or str(e)
                raise CheckError(
                    f"{path}:{where}: cannot parse SQL ({reader.__class__.__name__.lower()}): {reason}"
                ) from None
            except RecursionError:  # a nesting other than parentheses past the parser's stack
                raise CheckError(f"{path}:{line}: nested too deeply to parse") from None
            for statement in parsed:
                if isinstance(statement, exp.Command):
                    _readable(path, line, statement, text, chunk)
                elif statement is not None:
                    yield line, statement
        chunk = []


def _column_keyword_spelled_out(chunk: list[Token]) -> list[Token]:
    """``ALTER TABLE t RENAME amount TO order_amount`` with its optional ``COLUMN`` written out:
    PostgreSQL reads it as a column rename, sqlglot as the table renamed to ``amount``."""
    if not chunk or chunk[0].token_type is not TokenType.ALTER:
        return chunk
    for i, token in enumerate(chunk[:-3]):
        name, to = chunk[i + 1], chunk[i + 2]
        if (
            token.token_type is TokenType.RENAME
            and name.token_type in (TokenType.VAR, TokenType.IDENTIFIER)
            and name.text.upper() != "TO"
            and to.token_type is TokenType.VAR
            and to.text.upper() == "TO"
        ):
            column = Token(
                TokenType.COLUMN, "COLUMN", token.line, token.col, token.start, token.end
            )
            return [*chunk[: i + 1], column, *chunk[i + 1 :]]
    return chunk


def _readable(path: Path, line: int, command: exp.Command, text: str, chunk: list[Token]) -> None:
    """CheckError for a statement sqlglot keeps as an opaque command, unless it is harmless."""
    source = text[chunk[0].start : chunk[-1].end + 1]
    words = " ".join(source.split()[:2]).upper()
    if any(words == c or words.startswith(c + " ") for c in _HARMLESS_COMMANDS):
        return
    if str(command.this).upper() == "DO":
        why = "a DO block's statements are not read: run them as plain statements"
    elif chunk[-1].line > chunk[0].line:
        why = f"two statements run together? (a ';' missing before line {chunk[-1].line}?)"
    else:
        why = "not understood in this dialect (--sql-dialect)"
    shown = " ".join(source.split())
    raise CheckError(
        f"{path}:{line}: cannot read {shown[:60]!r}{'…' if len(shown) > 60 else ''}: {why}; "
        "a statement the check cannot read may change any table"
    )


def _name(table: exp.Table) -> str:
    return ".".join(part.name for part in table.parts)


class _Resolver:
    """Table names → datasets of the graph, remembered across statements and files."""

    def __init__(self, execute: Execute, namespace: str) -> None:
        self.execute = execute
        self.namespace = namespace
        self.found: dict[str, GraphDataset | None] = {}
        self.expected: dict[str, str] = {}  # tables altered or dropped → where first
        self.created: set[str] = set()  # tables the migration creates itself

    def expect(self, table: exp.Table, source: str) -> None:
        self.expected.setdefault(_name(table), source)

    def dataset(self, name: str) -> GraphDataset | None:
        if name not in self.found:
            self.found[name] = self._lookup(name)
        return self.found[name]

    def id(self, table: exp.Table) -> str:
        """The dataset id of a table: the graph's where it knows the table."""
        found = self.dataset(_name(table))
        return found.id if found else dataset_id(self.namespace, _name(table))

    def renamed_id(self, table: exp.Table, to: exp.Table) -> str:
        """The id a table gets renamed to: a bare new name stays in the old schema."""
        found = self.dataset(_name(table))
        old_name = found.name if found else _name(table)
        new_parts = [p.name for p in to.parts]
        kept = (
            old_name.split(".")[: -len(new_parts)]
            if len(new_parts) < len(old_name.split("."))
            else []
        )
        return dataset_id(self.namespace, ".".join([*kept, *new_parts]))

    def _lookup(self, name: str) -> GraphDataset | None:
        for candidate in dict.fromkeys((name, name.lower(), name.upper())):
            hit = datasets(self.execute, [(self.namespace, candidate)])[(self.namespace, candidate)]
            if hit is not None:
                return hit
        suffix = "." + name.lower()
        prefix = dataset_id(self.namespace, "")  # every id of a dataset of the namespace
        ids = [
            i
            for i in search_ids(self.execute, name.split(".")[-1])
            if i.startswith(prefix) and i[len(prefix) :].lower().endswith(suffix)
        ]
        if len(ids) != 1:
            return None
        full = ids[0][len(prefix) :]
        return datasets(self.execute, [(self.namespace, full)])[(self.namespace, full)]


def _apply(
    resolver: _Resolver, out: ChangeSet, source: str, statement: exp.Expr, dialect: str | None
) -> None:
    """Classify one statement against the tables as the graph has them."""
    if isinstance(statement, exp.Drop) and statement.args.get("kind") in ("TABLE", "VIEW"):
        what = str(statement.args["kind"]).lower()
        for table in _dropped(statement):
            if isinstance(table, exp.Table):
                resolver.expect(table, source)
                removed = dataset_removed(resolver.id(table), f"{source}: the {what} is dropped")
                _one(out, resolver, table, source, [removed])
        return
    if isinstance(statement, exp.Create):
        table = statement.this.this if isinstance(statement.this, exp.Schema) else statement.this
        if not isinstance(table, exp.Table):
            return
        found = resolver.dataset(_name(table))
        if found is None:
            resolver.created.add(_name(table))
            _one(out, resolver, table, source, [dataset_added(resolver.id(table))])
        elif isinstance(statement.expression, exp.Query):  # CREATE OR REPLACE VIEW / TABLE AS
            names = _selected(resolver, out, source, statement.expression, dialect)
            _one(out, resolver, table, source, _view_changes(found, names))
        return
    if isinstance(statement, exp.Alter) and isinstance(statement.this, exp.Table):
        table = statement.this
        resolver.expect(table, source)
        found = resolver.dataset(_name(table))
        did = resolver.id(table)
        columns = {c.name.lower(): c for c in found.columns} if found else {}
        changes: list[Change] = []
        for action in statement.args.get("actions") or []:
            if isinstance(action, exp.AlterRename) and isinstance(action.this, exp.Table):
                changes.append(dataset_renamed(did, resolver.renamed_id(table, action.this)))
                continue
            if found is not None:
                for name in _named_columns(action):
                    if name.lower() not in columns:
                        out.note_unknown(
                            f"{source}: unknown column {name}: {found.name} has no such column "
                            "in the graph (a typo, or a column no lineage reported)"
                        )
            changes.extend(_action(did, action, columns, dialect))
        _one(out, resolver, table, source, changes)


def _named_columns(action: exp.Expression) -> list[str]:
    """The existing columns an ALTER TABLE action names (not one it adds)."""
    if isinstance(action, exp.Drop) and action.args.get("kind") == "COLUMN":
        return [c.name for c in _dropped(action) if isinstance(c, exp.Column | exp.Identifier)]
    if isinstance(action, exp.RenameColumn | exp.AlterColumn):
        return [action.this.name]
    return []


def _selected(
    resolver: _Resolver, out: ChangeSet, source: str, select: exp.Query, dialect: str | None
) -> list[str]:
    """The columns a view's or ``CREATE TABLE AS``'s query gives, ``SELECT *`` expanded to the
    graph's columns of what it reads (``ingest.sql_lineage``); none, noted as unknown, where
    they cannot be told."""
    named = [n for n in select.named_selects if n]
    if not any(isinstance(s, exp.Star) or s.is_star for s in select.selects):
        return named
    schema: dict[str, Any] = {}
    for table in select.find_all(exp.Table):
        found = resolver.dataset(_name(table))
        if found is not None and found.columns:
            parts = [p.name for p in table.parts]
            place = schema
            for part in parts[:-1]:
                place = place.setdefault(part, {})
            place[parts[-1]] = {c.name: "UNKNOWN" for c in found.columns}
    try:
        return [c.name for c in select_lineage(select.sql(dialect), schema, dialect).columns]
    except UnreadableSql as e:
        out.note_unknown(f"{source}: cannot tell the columns the query gives: {e}")
        return []


def _view_changes(found: GraphDataset, names: list[str]) -> list[Change]:
    """A replaced view's (or table's) columns against its current ones (names only: types are
    the warehouse's to infer)."""
    if not names:
        return []  # unknown: noted where they were read
    by_name = {c.name.lower(): c for c in found.columns}
    old = [FieldSpec(c.name, c.type, position=c.position) for c in found.columns]
    new = [
        FieldSpec(by_name[n.lower()].name if n.lower() in by_name else n, None, position=i)
        for i, n in enumerate(names, start=1)
    ]
    return classify_schema(found.id, old, new)


def _one(
    out: ChangeSet, resolver: _Resolver, table: exp.Table, source: str, changes: list[Change]
) -> None:
    name = _name(table)
    found = resolver.dataset(name)
    if found is None and changes and name in resolver.created:
        out.notes.append(f"{source}: {name} is new: nothing downstream is known")
    elif found is None and changes:
        out.note_unknown(
            f"{source}: unknown table {name}: no dataset of {resolver.namespace} in the graph "
            "has that name, so nothing downstream is known"
        )
    out.changes.extend(plan(changes, found, source))


def _dropped(drop: exp.Drop) -> list[exp.Expr]:
    """What a DROP names (sqlglot keeps them under ``tables``, columns included)."""
    return list(drop.args.get("tables") or drop.expressions or [drop.this])


def _column(columns: dict[str, FieldSpec], name: str) -> str:
    found = columns.get(name.lower())
    return found.name if found else name


def _action(
    did: str, action: exp.Expression, columns: dict[str, FieldSpec], dialect: str | None
) -> list[Change]:
    """The changes one ALTER TABLE action makes to the table's columns."""
    if isinstance(action, exp.Drop) and action.args.get("kind") == "COLUMN":
        dropped = [c for c in _dropped(action) if isinstance(c, exp.Column | exp.Identifier)]
        old = [columns.get(c.name.lower()) or FieldSpec(c.name) for c in dropped]
        return classify_schema(did, old, [])
    if isinstance(action, exp.RenameColumn):
        name = _column(columns, action.this.name)
        before = columns.get(name.lower()) or FieldSpec(name)
        after = FieldSpec(action.args["to"].name, before.type, before.required, before.field_id)
        return [column_renamed(did, name, after.name)]
    if isinstance(action, exp.AlterColumn):
        name = _column(columns, action.this.name)
        before = columns.get(name.lower()) or FieldSpec(name)
        dtype = action.args.get("dtype")
        allow_null = action.args.get("allow_null")
        new_type = dtype.sql(dialect=dialect) if isinstance(dtype, exp.DataType) else before.type
        if isinstance(dtype, exp.DataType) and before.type is None:
            return [column_retyped(did, name, None, new_type)]
        if allow_null is False:  # SET NOT NULL is the change itself: it was nullable before
            before = replace(before, required=bool(before.required))
        required = before.required if allow_null is None else not allow_null
        after = FieldSpec(name, new_type, required, before.field_id)
        return classify_schema(did, [before], [after])
    if isinstance(action, exp.ColumnDef):
        required = any(
            isinstance(c.args.get("kind"), exp.NotNullColumnConstraint)
            and not c.args["kind"].args.get("allow_null")
            for c in action.args.get("constraints") or []
        )
        kind = action.args.get("kind")
        spec = FieldSpec(action.name, kind.sql(dialect=dialect) if kind else None, required)
        return classify_schema(did, [], [spec])
    return []
