"""CSV files for ``neo4j-admin database import full``: a store's graph as the Neo4j store holds it.

A first load or a migration into Neo4j through Cypher MERGE runs at the engine's write floor
(hours for the 1M-dataset mesh); the offline importer writes the same store files in minutes. The
graph is built by the one ingest path (into an embedded store), and each of its nodes and edges is
encoded here with the Neo4j store's own encoding (``graph.stores.neo4j``): the same labels
(``Node`` and the kind), the same property map (``_stamps``, ``_json``, ``_extra``, ``_nameLower``
...), the currency marks on job edges and the ``LineagemeshMeta`` format node, so that a server
opening the imported database finds exactly what the MERGE path would have written. The
constraints and indexes are not imported: the Neo4j store creates them when it first opens the
database, before its first write.

Files: per label (or relationship type), a header file and a data file per set of typed columns.
neo4j-admin types a column once per file, while a property may hold a string on one node and a
number on another: an element goes to the first file group of its label whose columns do not
type its keys otherwise, and a group meeting a new key starts a new header and data file with
the wider column set. Strings are always quoted, so an absent property (an empty unquoted field)
is told from an empty string. ``import.args`` holds the importer's arguments (picocli reads
``@file``); :func:`admin_command` is the command line that runs it.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from graph.model import JOB_IO, EdgeKind, NodeKind
from graph.stores import Store, judges_job_edges
from graph.stores.neo4j import _FORMAT, _UNRESTATED, _encode, _encode_node

ARGS_FILE = "import.args"
ARRAY_DELIMITER = "\x1f"  # the ASCII unit separator: no name or tag holds it
_ARRAY_DELIMITER_ARG = "U+001F"
_PAGE = 10_000  # nodes read (with their outgoing edges) per round
_MIN_READ_BUFFER = 4 * 2**20  # neo4j-admin's default; it must hold the longest value


class ImportExportError(ValueError):
    """A value neo4j-admin's CSV cannot carry as the Neo4j store would store it."""


class _Absent(float):
    """An absent property: written as an empty, unquoted field (``csv.QUOTE_NONNUMERIC`` quotes
    everything that is not a number, None included, and writes a float by its repr)."""

    def __repr__(self) -> str:
        return ""


_ABSENT = _Absent()
_ABSENTS = itertools.repeat(_ABSENT)

_SCALAR_TYPES = {str: "string", bool: "boolean", int: "long", float: "double"}


def _neo4j_type(value: Any) -> str:
    """The importer's type of a value the Neo4j store keeps as a property (``_is_native``)."""
    kind = type(value)
    if kind is list:
        return _SCALAR_TYPES[type(value[0])] + "[]"
    return _SCALAR_TYPES[kind]


def _field(value: Any) -> Any:
    """The CSV field of a property value: numbers as they are, everything else a quoted string."""
    kind = type(value)
    if kind is str or kind is int or kind is float:
        return value
    if kind is bool:
        return "true" if value else "false"
    items = [_field(item) for item in value]
    if type(value[0]) is str:
        for item in items:
            if ARRAY_DELIMITER in item or item == "":
                raise ImportExportError(
                    f"the list {value!r} holds an empty string or U+001F, which neo4j-admin's "
                    "arrays cannot carry"
                )
    return ARRAY_DELIMITER.join(item if type(item) is str else repr(item) for item in items)


@dataclass
class _Group:
    """The files of one label or relationship type whose typed columns agree: the columns so far,
    and the header/data file pair being written (a new pair when a column is added). Rows wait
    in ``rows`` until :meth:`flush` writes them."""

    directory: Path
    stem: str
    id_columns: list[str]  # header fields before the properties
    columns: dict[str, str] = field(default_factory=dict)  # property key -> importer type
    files: list[tuple[Path, Path]] = field(default_factory=list)
    multiline: set[Path] = field(default_factory=set)  # data files with a line break inside a value
    longest: int = 0  # bytes of the longest field written (or more)
    rows: list[list[Any]] = field(default_factory=list)
    _out: IO[str] | None = None

    def fits(self, types: dict[str, str]) -> bool:
        columns = self.columns
        return all(columns.get(key, kind) == kind for key, kind in types.items())

    def widen(self, types: dict[str, str]) -> bool:
        """Take the keys of ``types`` as columns; a new file pair when one is new (True)."""
        if self._out is not None and types.keys() <= self.columns.keys():
            return False
        for key in types:
            if "\n" in key or "\r" in key:
                raise ImportExportError(
                    f"the property key {key!r} holds a line break, which a neo4j-admin header cannot"
                )
        self.flush()
        self.close()
        for key, kind in types.items():
            self.columns.setdefault(key, kind)
        number = len(self.files)
        header = self.directory / f"{self.stem}-{number}-header.csv"
        data = self.directory / f"{self.stem}-{number}.csv"
        fields = self.id_columns + [f"{key}:{kind}" for key, kind in self.columns.items()]
        with open(header, "w", newline="", encoding="utf-8") as out:
            csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\n").writerow(fields)
        self._out = open(data, "w", newline="", encoding="utf-8", buffering=2**20)  # noqa: SIM115 - closed by close()
        self.files.append((header, data))
        return True

    def flush(self) -> None:
        if not self.rows:
            return
        assert self._out is not None
        buffer = io.StringIO()
        csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n").writerows(self.rows)
        text = buffer.getvalue()
        if "\r" in text or text.count("\n") != len(self.rows):
            self.multiline.add(self.files[-1][1])
            self.longest = max(
                self.longest, 4 * len(text)
            )  # a field may span lines: bound it by the page
        else:
            self.longest = max(
                self.longest, 4 * max(map(len, text.split("\n")))
            )  # 4: bytes per UTF-8 character
        self._out.write(text)
        self.rows.clear()

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None


#: How an element of one shape (its keys and their value types, in order) becomes a row: its
#: group, the group's columns, and the keys whose values need converting (booleans, lists).
_Plan = tuple[_Group, list[str], list[str]]
_NEEDS_FIELD = frozenset({bool, list})


@dataclass
class _Groups:
    """Every file group of one label or relationship type, and the plan of each shape met."""

    directory: Path
    stem: str
    id_columns: list[str]
    groups: list[_Group] = field(default_factory=list)
    plans: dict[tuple[Any, ...], _Plan] = field(default_factory=dict)

    def write(self, ids: list[Any], props: dict[str, Any]) -> None:
        types = tuple(map(type, props.values()))
        shape: tuple[Any, ...] = (tuple(props), types)
        if list in types:  # a list's importer type is its items'
            shape += (tuple(type(value[0]) for value in props.values() if type(value) is list),)
        plan = self.plans.get(shape)
        if plan is None:
            plan = self._plan(props, shape)
        group, columns, convert = plan
        for key in convert:
            props[key] = _field(props[key])
        ids.extend(map(props.get, columns, _ABSENTS))
        group.rows.append(ids)

    def _plan(self, props: dict[str, Any], shape: tuple[Any, ...]) -> _Plan:
        types = {key: _neo4j_type(value) for key, value in props.items()}
        for group in self.groups:
            if group.fits(types):
                break
        else:
            group = _Group(self.directory, f"{self.stem}-{len(self.groups)}", self.id_columns)
            self.groups.append(group)
        if group.widen(types):
            self.plans = {key: plan for key, plan in self.plans.items() if plan[0] is not group}
        plan = self.plans[shape] = (
            group,
            list(group.columns),
            [key for key, value in props.items() if type(value) in _NEEDS_FIELD],
        )
        return plan

    def flush(self) -> None:
        for group in self.groups:
            group.flush()

    def close(self) -> None:
        for group in self.groups:
            group.close()


@dataclass(frozen=True, slots=True)
class ImportFiles:
    """What :func:`export` wrote: the importer's arguments and what they hold."""

    directory: Path
    arguments: list[str]
    nodes: int
    edges: int

    @property
    def args_file(self) -> Path:
        return self.directory / ARGS_FILE


def export(store: Store, directory: Path) -> ImportFiles:
    """Write ``store``'s graph into ``directory`` (created; it must not hold files already) as
    neo4j-admin import CSVs, and the importer's arguments into ``directory/import.args``."""
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.iterdir()):
        raise FileExistsError(f"{directory} is not empty: the import files go into a new directory")
    node_groups = {
        kind: _Groups(directory, f"nodes-{kind.value}", ["id:ID(Node)"]) for kind in NodeKind
    }
    edge_groups = {
        kind: _Groups(directory, f"edges-{kind.value}", [":START_ID(Node)", ":END_ID(Node)"])
        for kind in EdgeKind
    }
    every_kind = list(EdgeKind)
    nodes = edges = 0
    every_groups = [*node_groups.values(), *edge_groups.values()]
    try:
        for kind in NodeKind:
            after: str | None = None
            groups = node_groups[kind]
            while page := store.nodes_of_kind(kind, _PAGE, after):
                after = page[-1].id
                ids = [node.id for node in page]
                for node in page:
                    props = _encode_node(node)
                    del props["id"]  # the ID column
                    groups.write([node.id], props)
                unrestated: frozenset[tuple[str, EdgeKind, str]] = frozenset()
                if kind is NodeKind.JOB:
                    unrestated = frozenset().union(
                        *(
                            store.unrestated_job_edges(ids) if judges_job_edges(store) else {}
                        ).values()
                    )
                for edge in store.edges(ids, every_kind, "out"):
                    props = _encode(edge.props, edge.stamps)
                    if unrestated and edge.kind in JOB_IO and edge.key in unrestated:
                        props[_UNRESTATED] = True
                    edge_groups[edge.kind].write([edge.source, edge.target], props)
                    edges += 1
                nodes += len(page)
                for every in every_groups:
                    every.flush()
    finally:
        for every in every_groups:
            every.close()
    meta_header, meta_data = directory / "meta-header.csv", directory / "meta.csv"
    meta_header.write_text("id:ID(Meta),format:long\n", encoding="utf-8")
    meta_data.write_text(f'"graph",{_FORMAT}\n', encoding="utf-8")
    arguments = _arguments(node_groups.values(), edge_groups.values(), (meta_header, meta_data))
    (directory / ARGS_FILE).write_text(
        "".join(f"{argument}\n" for argument in arguments), encoding="utf-8"
    )
    return ImportFiles(directory, arguments, nodes, edges)


def _arguments(
    node_groups: Iterable[_Groups], edge_groups: Iterable[_Groups], meta: tuple[Path, Path]
) -> list[str]:
    """The importer's options for the files written (paths absolute, so they work from anywhere)."""
    node_groups, edge_groups = list(node_groups), list(edge_groups)
    arguments: list[str] = []
    groups = [group for every in (*node_groups, *edge_groups) for group in every.groups]
    for every in node_groups:
        label = every.stem.removeprefix("nodes-")
        for group in every.groups:
            arguments += [
                f"--nodes=Node:{label}={header.resolve()},{data.resolve()}"
                for header, data in group.files
            ]
    arguments.append(f"--nodes=LineagemeshMeta={meta[0].resolve()},{meta[1].resolve()}")
    for every in edge_groups:
        rel_type = every.stem.removeprefix("edges-")
        for group in every.groups:
            arguments += [
                f"--relationships={rel_type}={header.resolve()},{data.resolve()}"
                for header, data in group.files
            ]
    longest = max((group.longest for group in groups), default=0)
    multiline = sorted(str(path.resolve()) for group in groups for path in group.multiline)
    arguments += [
        f"--array-delimiter={_ARRAY_DELIMITER_ARG}",
        f"--read-buffer-size={max(_MIN_READ_BUFFER, 1 << (4 * longest + 1024).bit_length())}",  # 4: UTF-8 bytes
        "--normalize-types=false",
    ]
    if multiline:
        arguments += ["--multiline-fields-format=v2", "--multiline-fields=" + ",".join(multiline)]
    return arguments


def admin_command(files: ImportFiles, database: str = "neo4j") -> list[str]:
    """The neo4j-admin command that imports ``files`` into ``database`` (the server stopped)."""
    return [
        "neo4j-admin",
        "database",
        "import",
        "full",
        "--overwrite-destination",
        f"@{files.args_file.resolve()}",
        database,
    ]
