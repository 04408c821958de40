"""CSV files for ``neo4j-admin database import full``: a store's graph as the Neo4j store holds it.

A first load or a migration into Neo4j through Cypher MERGE runs at the engine's write floor
(hours for the 1M-dataset mesh); the offline importer writes the same store files in minutes. The
graph is built by the one ingest path (into an embedded store), and each of its nodes and edges is
encoded here with the Neo4j store's own encoding (``graph.stores.neo4j.codec``): the same labels
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
import itertools
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from graph import _native
from graph.core.model import JOB_IO, EdgeKind, NodeKind
from graph.stores import HoldsNativeGraph
from graph.stores.neo4j.codec import (
    _FIELDS,
    _UNRESTATED,
    _column_ids,
    _encode,
    _encode_node,
    kept_fields,
)
from graph.stores.neo4j.cypher.graph import _FORMAT

ARGS_FILE = "import.args"
#: The room a database takes beside the import files it is made from, as a share of their size:
#: the generated 1M-dataset mesh's 21 GB of files made a 32 GB database (docs/benchmarks.md,
#: "The 1M mesh on Neo4j"), and the import needs both on disk at once.
DATABASE_PER_FILE_BYTE = 1.5
ARRAY_DELIMITER = "\x1f"  # the ASCII unit separator: no name or tag holds it
_ARRAY_DELIMITER_ARG = "U+001F"
_PAGE = 10_000  # nodes read (with their outgoing edges) per round
_MIN_READ_BUFFER = 4 * 2**20  # neo4j-admin's default; it must hold the longest value


class ImportExportError(ValueError):
    """A value neo4j-admin's CSV cannot carry as the Neo4j store would store it."""


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
    first = type(value[0])  # a list the store keeps as a property holds one type (_is_native)
    if first is bool:
        return ARRAY_DELIMITER.join(["true" if item else "false" for item in value])
    if first is not str:
        return ARRAY_DELIMITER.join(map(repr, value))
    joined = ARRAY_DELIMITER.join(value)
    if "" in value or joined.count(ARRAY_DELIMITER) != len(value) - 1:
        raise ImportExportError(
            f"the list {value!r} holds an empty string or U+001F, which neo4j-admin's "
            "arrays cannot carry"
        )
    return joined


def _unquoted(value: Any) -> str:
    """A field that is not a string: a number by its repr, an absent property (None, which no
    encoded property map holds) as an empty field."""
    return "" if value is None else repr(value)


def _line(values: list[Any]) -> str:
    """One CSV record as ``csv.QUOTE_NONNUMERIC`` writes it (strings quoted, quotes doubled), at a
    third of the csv module's cost."""
    return (
        ",".join(
            [
                '"' + value.replace('"', '""') + '"' if type(value) is str else _unquoted(value)
                for value in values
            ]
        )
        + "\n"
    )


@dataclass
class _Group:
    """The files of one label or relationship type whose typed columns agree: the columns so far,
    and the header/data file pair being written (a new pair when a column is added). Records wait
    in ``lines`` until :meth:`flush` writes them."""

    directory: Path
    stem: str
    id_columns: list[str]  # header fields before the properties
    columns: dict[str, str] = field(default_factory=dict)  # property key -> importer type
    files: list[tuple[Path, Path]] = field(default_factory=list)
    multiline: set[Path] = field(default_factory=set)  # data files with a line break inside a value
    longest: int = 0  # bytes of the longest field written (or more)
    lines: list[str] = field(default_factory=list)
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
        if not self.lines:
            return
        assert self._out is not None
        text = "".join(self.lines)
        if "\r" in text or text.count("\n") != len(self.lines):
            self.multiline.add(self.files[-1][1])
            self.longest = max(
                self.longest, 4 * len(text)
            )  # a field may span lines: bound it by the page
        else:
            self.longest = max(
                self.longest, 4 * max(map(len, self.lines))
            )  # 4: bytes per UTF-8 character
        self._out.write(text)
        self.lines.clear()

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
            shape += (*[type(value[0]) for value in props.values() if type(value) is list],)
        plan = self.plans.get(shape)
        if plan is None:
            plan = self._plan(props, shape)
        group, columns, convert = plan
        for key in convert:
            props[key] = _field(props[key])
        ids.extend(map(props.get, columns))
        group.lines.append(_line(ids))

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
    size: int  # bytes, every file written

    @property
    def args_file(self) -> Path:
        return self.directory / ARGS_FILE

    def room_needed(self) -> int:
        """About the bytes the database neo4j-admin makes from these files takes."""
        return int(self.size * DATABASE_PER_FILE_BYTE)


@dataclass(slots=True)
class _Share:
    """What one share of the export wrote: the files of each label and relationship type, the
    longest field, the data files with line breaks inside values, and the elements written."""

    node_files: dict[str, list[tuple[Path, Path]]]
    edge_files: dict[str, list[tuple[Path, Path]]]
    longest: int
    multiline: list[Path]
    nodes: int
    edges: int


_EXPORTED: tuple[_native.Graph, Path] | None = None  # what a forked share reads and where it writes


def export(store: HoldsNativeGraph, directory: Path, processes: int | None = None) -> ImportFiles:
    """Write ``store``'s graph into ``directory`` (created; it must not hold files already) as
    neo4j-admin import CSVs, and the importer's arguments into ``directory/import.args``.

    The nodes of each kind are cut into ``processes`` ranges (default: one per core), each written
    with its nodes' outgoing edges by a forked process reading the graph in place (0 or 1: this
    process alone); the importer reads every share's files."""
    global _EXPORTED
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.iterdir()):
        raise FileExistsError(f"{directory} is not empty: the import files go into a new directory")
    graph = store.native_graph()
    graph.unrestated([])  # judge the jobs' edges once, before any share reads them
    shares = max(1, (os.cpu_count() or 1) if processes is None else processes)
    if shares == 1:
        written = [_export_share(graph, directory, 0, 1)]
    else:
        _EXPORTED = (graph, directory)
        try:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(shares, mp_context=context) as pool:
                written = list(pool.map(_forked_share, range(shares), itertools.repeat(shares)))
        finally:
            _EXPORTED = None
    meta_header, meta_data = directory / "meta-header.csv", directory / "meta.csv"
    meta_header.write_text("id:ID(Meta),format:long\n", encoding="utf-8")
    meta_data.write_text(f'"graph",{_FORMAT}\n', encoding="utf-8")
    arguments = _arguments(written, (meta_header, meta_data))
    (directory / ARGS_FILE).write_text(
        "".join(f"{argument}\n" for argument in arguments), encoding="utf-8"
    )
    return ImportFiles(
        directory,
        arguments,
        sum(share.nodes for share in written),
        sum(share.edges for share in written),
        sum(path.stat().st_size for path in directory.iterdir() if path.is_file()),
    )


def _forked_share(share: int, shares: int) -> _Share:
    assert _EXPORTED is not None, "a share runs in a process forked by export()"
    graph, directory = _EXPORTED
    return _export_share(graph, directory, share, shares)


def _export_share(graph: _native.Graph, directory: Path, share: int, shares: int) -> _Share:
    """Write share ``share`` of ``shares``: that range of each kind's nodes, and their outgoing
    edges, into files of their own (``-s{share}`` in the names)."""
    node_groups = {
        kind: _Groups(directory, f"nodes-{kind.value}-s{share}", ["id:ID(Node)"])
        for kind in NodeKind
    }
    edge_groups = {
        kind: _Groups(
            directory, f"edges-{kind.value}-s{share}", [":START_ID(Node)", ":END_ID(Node)"]
        )
        for kind in EdgeKind
    }
    every_kind = list(EdgeKind)
    every_groups = [*node_groups.values(), *edge_groups.values()]
    counts = graph.counts()
    nodes = edges = 0
    try:
        for kind in NodeKind:
            total = counts.get(kind.value, 0)
            first, last = total * share // shares, total * (share + 1) // shares
            groups = node_groups[kind]
            for start in range(first, last, _PAGE):
                page = graph.nodes_of_kind_at(kind, start, min(_PAGE, last - start))
                ids = [node.id for node in page]
                column_ids = (
                    [_column_ids(node) for node in page] if kind is NodeKind.DATASET else []
                )
                columns = (
                    graph.nodes([c for ids in column_ids for c in ids or ()]) if column_ids else {}
                )
                for at, node in enumerate(page):
                    props = _encode_node(node)
                    del props["id"]  # the ID column
                    if column_ids and (fields := kept_fields(column_ids[at], columns)):
                        props[_FIELDS] = fields
                    groups.write([node.id], props)
                unrestated: frozenset[tuple[str, EdgeKind, str]] = frozenset()
                if kind is NodeKind.JOB:
                    unrestated = frozenset().union(*graph.unrestated(ids).values())
                for edge in graph.edges(ids, every_kind, "out"):
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
    return _Share(
        {kind.value: [f for g in node_groups[kind].groups for f in g.files] for kind in NodeKind},
        {kind.value: [f for g in edge_groups[kind].groups for f in g.files] for kind in EdgeKind},
        max((group.longest for every in every_groups for group in every.groups), default=0),
        [path for every in every_groups for group in every.groups for path in group.multiline],
        nodes,
        edges,
    )


def _arguments(written: list[_Share], meta: tuple[Path, Path]) -> list[str]:
    """The importer's options for the files written (paths absolute, so they work from anywhere)."""
    arguments: list[str] = []
    for kind in NodeKind:
        arguments += [
            f"--nodes=Node:{kind.value}={header.resolve()},{data.resolve()}"
            for share in written
            for header, data in share.node_files[kind.value]
        ]
    arguments.append(f"--nodes=LineagemeshMeta={meta[0].resolve()},{meta[1].resolve()}")
    for edge_kind in EdgeKind:
        arguments += [
            f"--relationships={edge_kind.value}={header.resolve()},{data.resolve()}"
            for share in written
            for header, data in share.edge_files[edge_kind.value]
        ]
    longest = max((share.longest for share in written), default=0)
    multiline = sorted(str(path.resolve()) for share in written for path in share.multiline)
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
