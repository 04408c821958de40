"""The Neo4j store: the same graph as the embedded store, kept in a Neo4j 5.26+ database.

What it becomes in the graph, and why: docs/stores.md.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

import neo4j
import orjson
from neo4j import GraphDatabase, Query
from neo4j import exceptions as neo4j_errors

from graph import _native
from graph.model import Edge, EdgeKind, Node, NodeKind, dataset_id, field_id
from graph.mutations import Changes, Mutation, UpsertNode, plan, touched_ids
from graph.stores import (
    EdgeDirection,
    EdgeKey,
    Neighbourhood,
    Reach,
    Store,
    StoreUnavailable,
    column_clocks,
)
from graph.stores.id_format import ID_FORMAT, RENAMED_KINDS, current_id
from graph.stores.job_currency import grouped_by_job, jobs_of, judge, touched_by

log = logging.getLogger(__name__)
_Key = TypeVar("_Key")

# -- encoding -----------------------------------------------------------------------------------

_JSON_KEYS = "_json"
_STAMPS = "_stamps"
_EXTRA = "_extra"
_NAME_LOWER = "_nameLower"
_NAME_SORT = "_nameSort"
_LOCK = "_lmLock"
_UNRESTATED = "_unrestated"  # on a READS/WRITES edge its job's newest completed run did not restate
# Column clocks (graph.stores.column_clocks): on a dataset its clocks (JSON); on a column element
# the dataset keeping its clocks, its references per property (JSON) and its time-valued keys.
_CLOCKS = "_clocks"
_CLOCK_OWNER = "_clockOwner"
_REFS = "_refs"
_AT_REFS = "_atRefs"
_BOOKKEEPING = (_CLOCKS, _CLOCK_OWNER, _REFS, _AT_REFS)
# On a dataset, its fields as Marquez shows them (JSON: native/core/marquez.h, kKeptFieldsKey), so
# a lineage answer of thousands of datasets reads no column node. Written beside its columns.
_FIELDS = _native.KEPT_FIELDS_KEY
#: Property keys that belong to the store; a user property with one of these keys goes to _extra.
_RESERVED = frozenset(
    {
        "id",
        _JSON_KEYS,
        _STAMPS,
        _EXTRA,
        _NAME_LOWER,
        _NAME_SORT,
        _LOCK,
        _UNRESTATED,
        _FIELDS,
        *_BOOKKEEPING,
    }
)

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_KIND_BY_LABEL = {kind.value: kind for kind in NodeKind}
_EDGE_KIND_BY_TYPE = {kind.value: kind for kind in EdgeKind}


#: The scalar types Neo4j stores whatever their value (an int must fit in 64 bits).
_PLAIN = frozenset({str, bool, float})


def _is_scalar(value: Any) -> bool:
    kind = type(value)
    if kind in _PLAIN:
        return True
    return kind is int and _INT64_MIN <= value <= _INT64_MAX


def _is_native(value: Any) -> bool:
    """Whether Neo4j stores ``value`` as a property and gives back an equal value of the same type."""
    if _is_scalar(value):
        return True
    if type(value) is list and value:
        first = type(value[0])
        return all(type(item) is first and _is_scalar(item) for item in value)
    return False


@functools.lru_cache(maxsize=4096)  # a graph has few distinct keys, met on every element
def _valid_key(key: Any) -> bool:
    return type(key) is str and key != "" and "\x00" not in key and key not in _RESERVED


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _encode(props: dict[str, Any], stamps: dict[str, str]) -> dict[str, Any]:
    """The Neo4j property map of a node's or edge's ``props`` and ``stamps``."""
    out: dict[str, Any] = {}
    json_keys: list[str] = []
    extra: dict[str, Any] = {}
    for key, value in props.items():
        if not _valid_key(key):
            extra[key] = value
        elif type(value) in _PLAIN or _is_native(value):
            out[key] = value
        else:
            out[key] = _dumps(value)
            json_keys.append(key)
    if json_keys:
        out[_JSON_KEYS] = json_keys
    if extra:
        out[_EXTRA] = _dumps(extra)
    out[_STAMPS] = _dumps(stamps)
    return out


def _encode_node(node: Node) -> dict[str, Any]:
    out = _encode(node.props, node.stamps)
    out["id"] = node.id
    name = node.props.get("name", "")
    shown = name if type(name) is str else str(name)
    out[_NAME_LOWER] = shown.lower()
    if type(name) is not str:
        out[_NAME_SORT] = shown
    return out


def _same(new: Any, old: Any) -> bool:
    """Whether Neo4j already holds ``new`` as ``old``: equal and of the same types (``1 == True``)."""
    if type(new) is not type(old) or new != old:
        return False
    return type(new) is not list or not new or type(new[0]) is type(old[0])


#: Stored keys a write of the element's own properties leaves: they are written after it.
_WRITTEN_AFTER = frozenset({_UNRESTATED, _FIELDS})


def _delta(stored: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The ``SET +=`` map turning the stored property map into ``new``: changed keys, null for gone
    (the currency mark and kept fields stay: they are written after it)."""
    delta = {key: value for key, value in new.items() if not _same(value, stored.get(key))}
    for key in stored.keys() - new.keys():
        if key not in _WRITTEN_AFTER:
            delta[key] = None
    return delta


def _column_ids(dataset: Node) -> list[str] | None:
    """The ids of the columns a dataset's ``columns`` name, in order; None if it names none in text."""
    columns = dataset.props.get("columns")
    namespace, name = dataset.props.get("namespace"), dataset.props.get("name")
    if (
        type(columns) is not list
        or type(namespace) is not str
        or type(name) is not str
        or not all(type(column) is str for column in columns)
    ):
        return None
    return [field_id(namespace, name, column) for column in columns]


def kept_fields(ids: list[str] | None, columns: Mapping[str, Node]) -> str | None:
    """The _FIELDS value of a dataset whose columns have ``ids`` (``_column_ids``), their nodes
    among ``columns`` (by id): the JSON text of its Marquez fields, made of each column's
    MARQUEZ_FIELD_KEYS values; None (keep none) where a column has no node."""
    if ids is None:
        return None
    entries = []
    for column_id in ids:
        column = columns.get(column_id)
        if column is None:
            return None
        entries.append([column.props.get(key) for key in _native.MARQUEZ_FIELD_KEYS])
    return _native.marquez_fields(entries)


def _fields_touched(changes: Changes, before: Mapping[str, Node]) -> set[str]:
    """The datasets whose kept fields ``changes`` may change: those whose columns changed, and
    those of columns whose shown properties changed."""
    touched: set[str] = set()
    for node_id, node in changes.nodes.items():
        old = before.get(node_id)
        if node.kind is NodeKind.DATASET:
            keys: Sequence[str] = ("columns", "namespace", "name")
        elif node.kind is NodeKind.COLUMN:
            keys = _native.MARQUEZ_FIELD_KEYS
        else:
            continue
        if old is not None and all(_same(node.props.get(k), old.props.get(k)) for k in keys):
            continue
        if node.kind is NodeKind.DATASET:
            touched.add(node_id)
        elif (
            type(ns := node.props.get("namespace")) is str
            and type(name := node.props.get("dataset")) is str
        ):
            touched.add(dataset_id(ns, name))
    return touched


def _decode(
    stored: dict[str, Any], clocks: _ClockMap | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """Inverse of :func:`_encode`, and the element's column clocks resolved (``clocks``: those of
    its owner, by owner id). Takes ownership of ``stored`` (a fresh dict from the driver); the
    caller has already removed any node bookkeeping keys."""
    stored.pop(_UNRESTATED, None)
    stored.pop(_CLOCKS, None)
    owner = stored.pop(_CLOCK_OWNER, None)
    refs = stored.pop(_REFS, None)
    at_refs = stored.pop(_AT_REFS, None) or ()
    stamps = orjson.loads(stored.pop(_STAMPS, "{}"))
    json_keys = stored.pop(_JSON_KEYS, None)
    if json_keys:
        for key in json_keys:
            stored[key] = orjson.loads(stored[key])
    extra = stored.pop(_EXTRA, None)
    if extra:
        stored.update(orjson.loads(extra))
    if refs:
        column_clocks.resolve(
            stored, stamps, orjson.loads(refs), at_refs, (clocks or {}).get(owner)
        )
    return stored, stamps


_ClockMap = Mapping[str, "column_clocks.Clocks"]


def _clock_owners(maps: Iterable[Mapping[str, Any]]) -> set[str]:
    """The owners whose clocks stored property maps refer to."""
    return {stored[_CLOCK_OWNER] for stored in maps if stored and _REFS in stored}


def _node_kind(labels: Collection[str]) -> NodeKind | None:
    for label in labels:
        kind = _KIND_BY_LABEL.get(label)
        if kind is not None:
            return kind
    return None


def _decode_node(
    node_id: str, labels: Collection[str], stored: dict[str, Any], clocks: _ClockMap | None = None
) -> Node | None:
    kind = _node_kind(labels)
    if kind is None or _STAMPS not in stored:  # not one of ours (or not written by us)
        return None
    stored.pop("id", None)
    stored.pop(_NAME_LOWER, None)
    stored.pop(_NAME_SORT, None)
    stored.pop(_FIELDS, None)
    props, stamps = _decode(stored, clocks)
    return Node(node_id, kind, props, stamps)


def _decode_nodes(rows: list[list[Any]], clocks: _ClockMap | None = None) -> dict[str, Node]:
    """Nodes from ``[id, labels, properties]`` rows, by id (rows not written by us are skipped)."""
    found: dict[str, Node] = {}
    for node_id, labels, stored in rows:
        node = _decode_node(node_id, labels, stored, clocks)
        if node is not None:
            found[node_id] = node
    return found


def _decode_summaries(rows: list[list[Any]], names: Sequence[str]) -> dict[str, Node]:
    """Nodes from ``[id, labels, [value of each of names], _json, ours]`` rows: only ``names`` of
    their properties (Neo4j holds no nulls: a null is a property the node does not have), no
    stamps. Rows not written by us are skipped."""
    found: dict[str, Node] = {}
    for node_id, labels, values, json_keys, ours in rows:
        kind = _node_kind(labels)
        if kind is None or not ours:
            continue
        props = {name: value for name, value in zip(names, values) if value is not None}
        if json_keys:
            for key in json_keys:
                if key in props:
                    props[key] = orjson.loads(props[key])
        found[node_id] = Node(node_id, kind, props, {})
    return found


def _decode_edges(
    rows: list[list[Any]], unrestated: set[EdgeKey] | None = None, clocks: _ClockMap | None = None
) -> list[Edge]:
    """Edges from ``[source, type, target, properties]`` rows; the keys of those marked unrestated
    go into ``unrestated`` when given."""
    found: list[Edge] = []
    for source, type_, target, stored in rows:
        kind = _EDGE_KIND_BY_TYPE[type_]
        if unrestated is not None and _UNRESTATED in stored:
            unrestated.add((source, kind, target))
        if not stored or (
            len(stored) == 1 and _UNRESTATED in stored
        ):  # read to be followed (_MARK_ONLY)
            found.append(Edge(source, kind, target, {}, {}))
            continue
        props, stamps = _decode(stored, clocks)
        found.append(Edge(source, kind, target, props, stamps))
    return found


def _keys(rows: list[list[str]]) -> list[EdgeKey]:
    """Edge keys from ``[source, type, target]`` rows."""
    return [(source, _EDGE_KIND_BY_TYPE[type_], target) for source, type_, target in rows]


# -- Cypher (static text; labels/types only from the enums) -------------------------------------

_NODE_FIELDS = "n.id AS id, labels(n) AS labels, properties(n) AS props"

_CLEAR = "MATCH (n:Node) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"

_SCHEMA = [
    "CREATE CONSTRAINT lineagemesh_node_id IF NOT EXISTS FOR (n:Node) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT lineagemesh_meta_id IF NOT EXISTS FOR (m:LineagemeshMeta) REQUIRE m.id IS UNIQUE",
    f"CREATE TEXT INDEX lineagemesh_node_name_lower IF NOT EXISTS FOR (n:Node) ON (n.{_NAME_LOWER})",
    *(
        f"CREATE RANGE INDEX lineagemesh_{kind.value.lower()}_id IF NOT EXISTS FOR (n:{kind.value}) ON (n.id)"
        for kind in NodeKind
    ),
]

# Create missing nodes and write-lock all touched ones, in id order (so concurrent writers queue
# instead of deadlocking), then return their current state and element ids.
_LOCK_AND_READ_NODES = f"""
UNWIND $ids AS id
MERGE (n:Node {{id: id}})
SET n.{_LOCK} = true
REMOVE n.{_LOCK}
RETURN collect([id, elementId(n), labels(n), properties(n)])
"""

_READ_EDGE_BRANCH = """
  UNWIND ${kind} AS k
  MATCH (a) WHERE elementId(a) = k[0]
  MATCH (b) WHERE elementId(b) = k[1]
  CALL (a, b) {{ MATCH (a)-[r:{kind}]->(b) RETURN r }}
  RETURN [k[2], '{kind}', k[3], elementId(r), properties(r)] AS row"""
# (CALL (a, b) binds both ends first, so Neo4j checks the edge from the end with fewer
# relationships (Expand(Into)) instead of expanding a hub dataset.)

_read_edges_queries: dict[tuple[EdgeKind, ...], str] = {}


def _read_edges_query(kinds: tuple[EdgeKind, ...]) -> str:
    """Read the current state of edge keys, one UNION branch per kind present (static types)."""
    query = _read_edges_queries.get(kinds)
    if query is None:
        branches = "\n  UNION ALL".join(
            _READ_EDGE_BRANCH.format(kind=EdgeKind(kind).value) for kind in kinds
        )
        query = _read_edges_queries[kinds] = f"CALL () {{{branches}\n}}\nRETURN collect(row)"
    return query


# Rows carry only the keys that changed (``SET +=``; a null removes the key), and a node gets its
# label only when it is created: rewriting whole property maps made Neo4j rewrite every property
# record, string block and index entry of every touched element.
_WRITE = """
CALL () {
  UNWIND $new_nodes AS row
  MATCH (n) WHERE elementId(n) = row[0]
  SET n:$(row[1])
  SET n += row[2]
}
CALL () {
  UNWIND $changed_nodes AS row
  MATCH (n) WHERE elementId(n) = row[0]
  SET n += row[1]
}
CALL () {
  UNWIND $new_edges AS row
  MATCH (a) WHERE elementId(a) = row[0]
  MATCH (b) WHERE elementId(b) = row[1]
  CREATE (a)-[r:$(row[2])]->(b)
  SET r = row[3]
}
CALL () {
  UNWIND $changed_edges AS row
  MATCH ()-[r]->() WHERE elementId(r) = row[0]
  SET r += row[1]
}
"""

# The graph's format, on one node outside the graph (no :Node label). Format 1: every job's
# unrestated READS/WRITES edges carry _UNRESTATED. A database written before has no such node, and
# its jobs are judged once (``Neo4jStore._upgrade``) before the store reads or writes. Format 2:
# node ids of graph.stores.id_format's ID_FORMAT 2; older ids are renamed once, in the upgrade.
# Format 3: column clocks (graph.stores.column_clocks), which older code would not resolve; a
# graph of format 2 has none, so it needs nothing but the new format recorded. Format 4: every
# dataset keeps its fields (_FIELDS), which older code would leave stale; the upgrade writes them.
# Format 5: the kept fields are the JSON text an answer copies (_native.marquez_fields), not the
# lists format 4 kept; the upgrade writes them again.
_FORMAT = 5
_PARTS_PAGE = {
    kind: f"MATCH (n:{kind.value}) WHERE n.id > $after "
    f"RETURN n.id, n {{{', '.join('.' + key for key in keys)}}} ORDER BY n.id LIMIT $first"
    for kind, (keys, _make) in RENAMED_KINDS.items()
}
# A page of renamed nodes, and the ids their neighbours hold of them (ID_PROPS): a column's
# datasetId, a run's jobId, and the jobId on a DERIVES_FROM edge a renamed job made.
_RENAME = """
UNWIND $rows AS row
MATCH (n:Node {id: row[0]})
SET n.id = row[1]
WITH n, row
CALL (n, row) {
  MATCH (n)-[:HAS_COLUMN]->(c:Column) WHERE c.datasetId = row[0] SET c.datasetId = row[1]
}
CALL (n, row) {
  MATCH (n)<-[:OF]-(r:Run) WHERE r.jobId = row[0] SET r.jobId = row[1]
}
"""
_RENAME_JOB_IDS_ON_EDGES = """
MATCH ()-[r:DERIVES_FROM]->() WHERE r.jobId IN $old
SET r.jobId = [pair IN $rows WHERE pair[0] = r.jobId | pair[1]][0]
"""
_WRITE_FIELDS = (
    f"UNWIND $rows AS row MATCH (d) WHERE elementId(d) = row[0] SET d.{_FIELDS} = row[1]"
)
_DATASETS_PAGE = "MATCH (n:Dataset) WHERE n.id > $after RETURN n.id ORDER BY n.id LIMIT $first"
_READ_FORMAT = "OPTIONAL MATCH (m:LineagemeshMeta {id: 'graph'}) RETURN m.format"
_WRITE_FORMAT = "MERGE (m:LineagemeshMeta {id: 'graph'}) SET m.format = $format"
_JOBS_PAGE = "MATCH (n:Job) WHERE n.id > $after RETURN n.id ORDER BY n.id LIMIT $first"

_LOCK_JOBS = f"UNWIND $ids AS id MATCH (n:Job {{id: id}}) SET n.{_LOCK} = true REMOVE n.{_LOCK}"

# Rows: [job id, [[type, target id] of each unrestated edge]]; only marks that change are written.
_MARK_UNRESTATED = f"""
UNWIND $verdicts AS v
MATCH (:Job {{id: v[0]}})-[r:READS|WRITES]->(d)
WITH r, [type(r), d.id] IN v[1] AS unrestated
WHERE (r.{_UNRESTATED} IS NOT NULL) <> unrestated
SET r.{_UNRESTATED} = CASE WHEN unrestated THEN true END
"""

_READ_UNRESTATED = f"""
UNWIND $ids AS id
MATCH (:Job {{id: id}})-[r:READS|WRITES]->(d) WHERE r.{_UNRESTATED}
RETURN collect([id, type(r), d.id])
"""

_READ_NODES = (
    "UNWIND $ids AS id MATCH (n:Node {id: id}) RETURN collect([id, labels(n), properties(n)])"
)
_READ_CLOCKS = f"UNWIND $ids AS id MATCH (n:Node {{id: id}}) RETURN collect([id, n.{_CLOCKS}])"
# Write-lock existing nodes (clock owners a batch does not otherwise touch) and read them.
_LOCK_AND_READ_EXISTING = f"""
UNWIND $ids AS id
MATCH (n:Node {{id: id}})
SET n.{_LOCK} = true
REMOVE n.{_LOCK}
RETURN collect([id, elementId(n), labels(n), properties(n)])
"""

_SEARCH = f"""
MATCH (n:Node) WHERE n.{_NAME_LOWER} CONTAINS $needle
WITH n WHERE any(label IN labels(n) WHERE label IN $kinds)
WITH n, CASE WHEN n.{_NAME_LOWER} = $needle THEN 0
             WHEN n.{_NAME_LOWER} STARTS WITH $needle THEN 1 ELSE 2 END AS rank
ORDER BY rank, coalesce(n.{_NAME_SORT}, n.name, ''), n.id
LIMIT $first
RETURN {_NODE_FIELDS}
"""

_COUNTED: list[NodeKind | EdgeKind] = [*NodeKind, *EdgeKind]
# One row of count-store lookups (no scan): column i counts _COUNTED[i].
_COUNTS = "RETURN " + ", ".join(
    (
        f"COUNT {{ (:{kind.value}) }}"
        if isinstance(kind, NodeKind)
        else f"COUNT {{ ()-[:{kind.value}]->() }}"
    )
    + f" AS c{i}"
    for i, kind in enumerate(_COUNTED)
)


def _nodes_of_kind_query(kind: NodeKind, paged: bool) -> str:
    where = "n.id > $after" if paged else "n.id IS NOT NULL"
    return f"MATCH (n:{kind.value}) WHERE {where} RETURN {_NODE_FIELDS} ORDER BY n.id LIMIT $first"


_NODES_OF_KIND = {
    (kind, paged): _nodes_of_kind_query(kind, paged) for kind in NodeKind for paged in (False, True)
}

# Where an edge read starts: the nodes of $ids, or (for a neighbourhood given handles) by element
# id where the caller has one ($eids, for the ids in $handled: a seek ~3x cheaper than the index's,
# and a walk seeks every node it reaches) and by id for the rest. The id check keeps a handle from
# finding another node.
_START_BY_ID = "UNWIND $ids AS id MATCH (a:Node {id: id})"
_START_BY_HANDLE = (
    "CALL () { MATCH (a) WHERE elementId(a) IN $eids AND a.id IN $handled RETURN a, a.id AS id "
    "UNION ALL UNWIND $ids AS id MATCH (a:Node {id: id}) RETURN a, id }"
)
_EDGES_FROM_START = {
    "out": "MATCH (a)-[r:{types}]->(b)",
    "in": "MATCH (a)<-[r:{types}]-(b)",
    "both": "MATCH (a)-[r:{types}]-(b)",
}
_EDGE_KEY = {  # `b` is the far end
    "out": "id, type(r), b.id",
    "in": "b.id, type(r), id",
    "both": "CASE WHEN startNode(r) = a THEN id ELSE b.id END, type(r), "
    "CASE WHEN startNode(r) = a THEN b.id ELSE id END",
}
_EDGE_RETURNS = {
    "edges": "RETURN collect([{key}, properties(r)])",
    "keys": "RETURN collect([{key}])",
}


def _types(kinds: Collection[EdgeKind]) -> str:
    return "|".join(sorted(EdgeKind(kind).value for kind in kinds))


def _match_edges(kinds: frozenset[EdgeKind], direction: Reach, start: str = _START_BY_ID) -> str:
    if direction not in _EDGES_FROM_START:
        raise ValueError(f"direction must be 'out', 'in' or 'both', not {direction!r}")
    return f"{start}\n{_EDGES_FROM_START[direction].format(types=_types(kinds))}"


@functools.cache
def _edges_query(
    kinds: frozenset[EdgeKind], direction: EdgeDirection, returns: Literal["edges", "keys"]
) -> str:
    """Whole edges, or only their keys."""
    if direction not in ("out", "in"):
        raise ValueError(f"direction must be 'out' or 'in', not {direction!r}")
    return f"{_match_edges(kinds, direction)} {_EDGE_RETURNS[returns].format(key=_EDGE_KEY[direction])}"


# An edge read only to be followed: its currency mark alone (its stamps and first/last seen were
# about a quarter of a walk's time).
_MARK_ONLY = f"CASE WHEN r.{_UNRESTATED} THEN {{{_UNRESTATED}: true}} ELSE {{}} END"


# A far end read in summary form: the values of the properties named in $props (a parameter, so
# the text never holds a name), which of them are JSON, and whether we wrote it.
def _summary(n: str) -> str:
    return f"[{n}.id, labels({n}), [key IN $props | {n}[key]], {n}.{_JSON_KEYS}, {n}.{_STAMPS} IS NOT NULL]"


def _whole(n: str) -> str:
    return f"[{n}.id, labels({n}), properties({n})]"


@functools.cache
def _newest_query(kind: EdgeKind, direction: EdgeDirection) -> str:
    """Per start node, its far end over ``kind`` greatest by ($key if a string, else ""; then id),
    among those we wrote, whole (``ReadsNewest``)."""
    step = {"out": "(a)-[:{t}]->(b)", "in": "(a)<-[:{t}]-(b)"}[direction].format(t=kind.value)
    return (
        f"UNWIND $ids AS id MATCH (a:Node {{id: id}}) CALL (a) {{ MATCH {step} "
        f"WHERE b.{_STAMPS} IS NOT NULL "
        "RETURN b ORDER BY CASE WHEN b[$key] IS :: STRING NOT NULL THEN b[$key] ELSE '' END DESC, b.id DESC "
        f"LIMIT 1 }} RETURN collect([id, {_whole('b')}])"
    )


# Nodes by id in summary form.
_READ_SUMMARIES = f"UNWIND $ids AS id MATCH (n:Node {{id: id}}) RETURN collect({_summary('n')})"


@functools.cache
def _neighbourhood_query(
    kinds: frozenset[EdgeKind],
    direction: Reach,
    ahead: frozenset[EdgeKind],
    with_props: bool,
    summaries: bool,
    by_handle: bool,
    ahead_in: frozenset[EdgeKind] = frozenset(),
) -> str:
    """Edges, their far ends (whole, or in summary form) with their handles (element ids), the
    keys of the ``ahead`` edges leaving those, and the ``ahead_in`` edges entering them (keys and
    currency marks) with their sources and handles (each read once)."""
    node = _summary if summaries else _whole
    parts = [
        _match_edges(kinds, direction, _START_BY_HANDLE if by_handle else _START_BY_ID),
        (
            f"WITH collect([{_EDGE_KEY[direction]}, {'properties(r)' if with_props else _MARK_ONLY}]) AS edges, "
            "collect(DISTINCT b) AS ends"
        ),
    ]
    if ahead:
        parts.append(
            f"CALL (ends) {{ UNWIND ends AS n MATCH (n)-[x:{_types(ahead)}]->(c) RETURN collect([n.id, type(x), c.id]) AS ahead }}"
        )
    if ahead_in:
        parts.append(
            f"CALL (ends) {{ UNWIND ends AS n MATCH (n)<-[x:{_types(ahead_in)}]-(c) "
            f"RETURN collect([c.id, type(x), n.id, coalesce(x.{_UNRESTATED}, false)]) AS ahead_in, "
            "collect(DISTINCT c) AS sources }"
        )
    parts.append(
        f"RETURN edges, [n IN ends | {node('n')}] AS nodes, "
        f"{'ahead' if ahead else '[] AS ahead'}, [n IN ends | elementId(n)] AS handles, "
        + (
            f"ahead_in, [c IN sources | {node('c')}] AS sources, [c IN sources | elementId(c)] AS source_handles"
            if ahead_in
            else "[] AS ahead_in, [] AS sources, [] AS source_handles"
        )
    )
    return "\n".join(parts)


# -- errors -------------------------------------------------------------------------------------

#: Driver errors that mean "the database cannot be reached or cannot serve right now".
#: IncompleteCommit is a ServiceUnavailable: the outcome of the commit is unknown, and a retry
#: of the same batch is safe because applying a batch twice changes nothing.
_UNAVAILABLE = (
    neo4j_errors.ServiceUnavailable,
    neo4j_errors.SessionExpired,
    neo4j_errors.TransientError,  # after the driver's own retries: DatabaseUnavailable, deadlocks...
    neo4j_errors.ConnectionPoolError,
    ConnectionError,
    TimeoutError,
)


#: Pauses (seconds) before each new attempt at a read the server failed with a retryable
#: transient error. Such errors come from racing a concurrent write and clear at once; a
#: database that stays unable to serve is reported after about half a second.
_READ_RETRY_PAUSES = (0.0, 0.02, 0.1, 0.4)

_Result = TypeVar("_Result")


def _retrying_transient(
    attempt: Callable[[], _Result],
    pauses: Sequence[float] = _READ_RETRY_PAUSES,
    retried: Callable[[], None] | None = None,
) -> _Result:
    """``attempt()``, again after each pause while the server says the failure is transient and
    retrying may succeed (``retried()`` told each time); the last such error propagates."""
    for pause in pauses:
        try:
            return attempt()
        except neo4j_errors.TransientError as exc:
            if not exc.is_retryable():
                raise
            log.debug("retrying a read after %s: %s", exc.code, exc.message)
        if retried is not None:
            retried()
        time.sleep(pause)
    return attempt()


class Retries:
    """How many times this process ran a read or a write transaction again after a transient
    failure (a deadlock with another writer, a read racing a write): what several servers on one
    database cost each other, for ``/metrics``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts = {"read": 0, "write": 0}

    def add(self, what: str, times: int = 1) -> None:
        with self._lock:
            self.counts[what] += times


@dataclass(slots=True)
class _Locked(Generic[_Key]):
    """What a batch read under lock: per id or key, the element id, the stored property map (as
    Neo4j holds it, to write only what changes) and the decoded element when it is one of ours."""

    eids: dict[_Key, str] = field(default_factory=dict)
    stored: dict[_Key, dict[str, Any]] = field(default_factory=dict)
    current: dict[_Key, Any] = field(default_factory=dict)
    labels: dict[_Key, list[str]] = field(default_factory=dict)


_Book = list[Any]  # [owner, {property: [digest, ...]}, [time-valued property, ...]]


def _book_of(stored: Mapping[str, Any] | None) -> _Book | None:
    if not stored or not stored.get(_REFS):
        return None
    return [stored[_CLOCK_OWNER], orjson.loads(stored[_REFS]), list(stored.get(_AT_REFS) or ())]


class _Books:
    """What a batch does to column clocks and the references to them (``graph.stores.column_clocks``):
    references kept or dropped by the elements it changes, digests that leaves no longer wholly
    referred to, references its groups written element by element make again, and the clocks'
    new state (``clocks``, by owner, changed in place)."""

    def __init__(self, clocks: dict[str, column_clocks.Clocks]) -> None:
        self.clocks = clocks
        self.stored_clocks = {owner: column_clocks.dump(held) for owner, held in clocks.items()}
        self.books: dict[Any, _Book] = {}
        self.invalid: dict[str, set[str]] = {}

    def changed(
        self, key: Any, stored: Mapping[str, Any] | None, old: Node | Edge | None, new: Node | Edge
    ) -> None:
        book = _book_of(stored)
        if book is None:
            return
        kept, timed, dropped = column_clocks.kept_refs(
            book[1],
            book[2],
            (old.props, old.stamps) if old is not None else None,
            (new.props, new.stamps),
            _same,
        )
        self.books[key] = [book[0], kept, timed]
        if dropped:
            self.invalid.setdefault(book[0], set()).update(dropped)

    def invalidate(self) -> None:
        for owner, digests in self.invalid.items():
            held = self.clocks.get(owner, {})
            for digest in digests:
                if digest in held:
                    held[digest][column_clocks.VALID] = 0

    def establish(
        self,
        group: column_clocks.Group,
        nodes: _Locked[str],
        edges: _Locked[EdgeKey],
        changes: Changes,
    ) -> None:
        """Make the references of a group written element by element, if what that left holds
        its content (a newer writer's values would not)."""
        held = self.clocks.get(group.owner)
        if held is None or not column_clocks.establishable(group, held):
            return
        adds = []
        for m in group.mutations:
            key = column_clocks.element_key(m)
            if type(m) is UpsertNode:
                element, stored = (
                    changes.nodes.get(key) or nodes.current.get(key),
                    nodes.stored.get(key),
                )
            else:
                element, stored = (
                    changes.edges.get(key) or edges.current.get(key),
                    edges.stored.get(key),
                )
            book = self.books.get(key) or _book_of(stored)
            if element is None or (book is not None and book[1] and book[0] != group.owner):
                return
            found = column_clocks.content_refs(m, group.at, element.props, element.stamps, _same)
            if found is None:
                return
            adds.append((key, book, found))
        column_clocks.establish(group, held)
        for key, book, (keys, timed) in adds:
            book = self.books.get(key) or book or [group.owner, {}, []]
            book[0] = group.owner
            for name in keys:
                digests = book[1].setdefault(name, [])
                if group.digest not in digests:
                    digests.append(group.digest)
            book[2].extend(name for name in timed if name not in book[2])
            self.books[key] = book

    def props(self, key: Any, stored: Mapping[str, Any] | None) -> dict[str, Any]:
        """The bookkeeping properties the element holds after the batch."""
        out: dict[str, Any] = {}
        book = self.books[key] if key in self.books else _book_of(stored)
        if book is not None and book[1]:
            out[_CLOCK_OWNER] = book[0]
            out[_REFS] = orjson.dumps(book[1], option=orjson.OPT_SORT_KEYS).decode()
            if book[2]:
                out[_AT_REFS] = sorted(book[2])
        if type(key) is str:
            if key in self.clocks:
                if self.clocks[key]:
                    out[_CLOCKS] = column_clocks.dump(self.clocks[key])
            elif stored and stored.get(_CLOCKS):
                out[_CLOCKS] = stored[_CLOCKS]
        return out

    def delta(self, key: Any, stored: Mapping[str, Any]) -> dict[str, Any]:
        """The ``SET +=`` map of an element the batch changes only the bookkeeping of."""
        wanted = self.props(key, stored)
        return {
            name: wanted.get(name)
            for name in _BOOKKEEPING
            if not _same(wanted.get(name), stored.get(name))
        }

    def touched_nodes(self, changed: Collection[str]) -> list[str]:
        moved = [
            owner
            for owner, held in self.clocks.items()
            if column_clocks.dump(held) != self.stored_clocks[owner]
        ]
        return sorted({*(key for key in self.books if type(key) is str), *moved} - set(changed))

    def touched_edges(self, changed: Collection[EdgeKey]) -> list[EdgeKey]:
        return [key for key in self.books if type(key) is tuple and key not in changed]


class _CypherReads(ABC):
    """The primitive reads as Cypher, over some way of running a read (an auto-commit query, or a
    query in the write transaction that judges what it wrote)."""

    @abstractmethod
    def _read(self, text: str, parameters: dict[str, Any], doing: str) -> list[list[Any]]:
        """The rows of one query."""

    def nodes(self, ids: Collection[str]) -> dict[str, Node]:
        if not ids:
            return {}
        ((rows,),) = self._read(_READ_NODES, {"ids": list(ids)}, "reading nodes")
        return _decode_nodes(rows, self._clocks_of(row[2] for row in rows))

    def edges(
        self, ids: Collection[str], kinds: Collection[EdgeKind], direction: EdgeDirection
    ) -> list[Edge]:
        rows = self._read_edges(ids, kinds, direction, "edges")
        if not rows:
            return []
        found = rows[0][0]
        return _decode_edges(found, None, self._clocks_of(row[3] for row in found))

    def _clocks_of(self, maps: Iterable[Mapping[str, Any]]) -> dict[str, column_clocks.Clocks]:
        """The column clocks the stored property maps refer to (one more read when any do)."""
        owners = _clock_owners(maps)
        if not owners:
            return {}
        ((rows,),) = self._read(_READ_CLOCKS, {"ids": sorted(owners)}, "reading column clocks")
        return {owner: column_clocks.parse(clocks) for owner, clocks in rows}

    def edge_keys(
        self, ids: Collection[str], kinds: Collection[EdgeKind], direction: EdgeDirection
    ) -> list[EdgeKey]:
        rows = self._read_edges(ids, kinds, direction, "keys")
        return _keys(rows[0][0]) if rows else []

    def _read_edges(
        self,
        ids: Collection[str],
        kinds: Collection[EdgeKind],
        direction: EdgeDirection,
        returns: Literal["edges", "keys"],
    ) -> list[list[Any]]:
        """The one row of an edge read, or no rows when there is nothing to ask."""
        kinds = frozenset(EdgeKind(kind) for kind in kinds)
        if not ids or not kinds:
            return []
        return self._read(
            _edges_query(kinds, direction, returns), {"ids": list(ids)}, "reading edges"
        )


class _InTransaction(_CypherReads):
    """Reads inside a write transaction: they see what it has written. ``known``: nodes as the
    transaction has left them, which it need not read back (a batch's own)."""

    def __init__(self, tx: neo4j.ManagedTransaction, known: dict[str, Node] | None = None) -> None:
        self._tx = tx
        self._known = known or {}

    def nodes(self, ids: Collection[str]) -> dict[str, Node]:
        known = self._known
        found = {i: known[i] for i in ids if i in known}
        if len(found) < len(ids):
            found.update(super().nodes([i for i in ids if i not in known]))
        return found

    def _read(self, text: str, parameters: dict[str, Any], doing: str) -> list[list[Any]]:
        return self._tx.run(text, parameters).values()


class Neo4jStore(_CypherReads, Store):
    """The graph in a Neo4j 5.26+ database, through the official driver (one driver per store)."""

    remote = True  # every read is a Bolt round trip: the views read ahead (``neighbourhood``)

    def __init__(
        self,
        uri: str,
        *,
        user: str | None = None,
        password: str | None = None,
        database: str = "neo4j",
        retry_time: float = 2.0,
        connection_timeout: float = 3.0,
        query_timeout: float | None = 120.0,
    ) -> None:
        """Open a driver for ``uri``. Never fails because Neo4j is down: the schema is then ensured
        before the first write, and every call raises StoreUnavailable until Neo4j answers.

        ``retry_time`` bounds how long the driver retries a transaction that failed for a
        transient reason (lost connection, deadlock) before StoreUnavailable is raised: short,
        so that ingest answers 503 well within an OpenLineage client's 5 s timeout.
        """
        self.uri = uri
        self.database = database
        self._query_timeout = query_timeout
        auth = (user or "neo4j", password or "") if (user or password) else None
        self._driver = GraphDatabase.driver(
            uri,
            auth=auth,
            max_transaction_retry_time=retry_time,
            connection_timeout=connection_timeout,
            connection_acquisition_timeout=max(connection_timeout * 2, 10.0),
            user_agent="lineagemesh",
            notifications_min_severity="OFF",
        )
        self._bookmarks = self._driver.execute_query_bookmark_manager
        # ``soon``: a read run beside the caller's own (two threads, made as first needed; every
        # caller waits on its own, so what queues here is bounded by the callers)
        self._beside = ThreadPoolExecutor(max_workers=2, thread_name_prefix="neo4j-read")
        self._write_lock = threading.Lock()
        self.retries = Retries()
        self._schema_lock = threading.Lock()
        self._schema_ready = False
        #: Nodes and edges this store object has written (created, or rewritten in part): what a
        #: batch cost the server, beside the changes ``apply`` counts.
        self.elements_written = 0
        try:
            self._ensure_schema()
        except StoreUnavailable as exc:
            log.warning("%s; the schema will be ensured before the first write", exc)

    # -- plumbing ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _translate_errors(self, doing: str) -> Iterator[None]:
        try:
            yield
        except _UNAVAILABLE as exc:
            raise StoreUnavailable(
                f"Neo4j at {self.uri} (database {self.database!r}) is unavailable while {doing}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc

    def _query(self, text: str) -> Query:
        return Query(text, timeout=self._query_timeout)

    def _read(self, text: str, parameters: dict[str, Any], doing: str) -> list[list[Any]]:
        """One auto-commit query: a single round trip (RUN and PULL pipelined), where a managed
        transaction costs BEGIN/RUN/PULL and then COMMIT. The walks make hundreds of these
        calls per answer. A retryable transient error is retried (``_retrying_transient``); any
        other failure is StoreUnavailable at once."""
        self._ensure_schema()  # a database written before the current format is upgraded first

        def attempt() -> list[list[Any]]:
            with self._driver.session(
                database=self.database,
                bookmark_manager=self._bookmarks,
                default_access_mode=neo4j.READ_ACCESS,
                fetch_size=-1,
            ) as session:
                return session.run(self._query(text), parameters).values()

        with self._translate_errors(doing):
            return _retrying_transient(attempt, retried=functools.partial(self.retries.add, "read"))

    def _ensure_schema(self) -> None:
        """Create the constraints and indexes if missing and bring the graph to the current format
        (idempotent; once per store object)."""
        if self._schema_ready:
            return
        with self._schema_lock, self._translate_errors("ensuring the schema"):
            if self._schema_ready:
                return
            with self._driver.session(database=self.database) as session:
                for statement in _SCHEMA:
                    try:
                        session.run(statement).consume()
                    except neo4j_errors.ClientError as exc:
                        # Another process created the same rule a moment earlier.
                        if "EquivalentSchemaRuleAlreadyExists" not in (exc.code or ""):
                            raise
                found = session.run(_READ_FORMAT).single(strict=True)[0] or 0
                if found > _FORMAT:
                    raise StoreUnavailable(
                        f"the graph in {self.uri} has format {found}, written by a newer "
                        f"lineagemesh; this one reads formats up to {_FORMAT}"
                    )
                if found < _FORMAT:
                    self._upgrade(session, found)
            self._schema_ready = True

    def _upgrade(self, session: neo4j.Session, found: int, page: int = 2_000) -> None:
        """From format ``found``: judge every job's currency (format 1), a page of jobs per
        transaction, rename old ids (format 2), keep every dataset's fields (format 4, as JSON text
        since format 5), then record the format. Idempotent, so two
        processes upgrading at once, or an upgrade cut short and run again, leave the same marks;
        writers meanwhile judge what they write themselves."""
        if found < 1:
            after = ""
            while jobs := session.run(_JOBS_PAGE, after=after, first=page).value():
                if not after:  # a new, empty database only gets its format recorded
                    log.info(
                        "upgrading the graph in %s to format 1: judging every job's inputs and outputs",
                        self.uri,
                    )
                session.execute_write(self._judge_jobs, set(jobs))
                after = jobs[-1]
        if found < 2:
            self._rename_ids(session, page)
        if found < 5:
            after = ""
            while datasets := session.run(_DATASETS_PAGE, after=after, first=page).value():
                session.execute_write(
                    lambda tx, ids: self._keep_fields(tx, ids, _Locked()), datasets
                )
                after = datasets[-1]
        session.run(_WRITE_FORMAT, format=_FORMAT).consume()

    def _rename_ids(self, session: neo4j.Session, page: int) -> None:
        """Format 2: rename the ids an older rule made (``graph.stores.id_format``), a page of
        renames per transaction, with the ids other elements hold of them. Idempotent: a node
        already renamed is made the same id again."""
        renamed: list[list[str]] = []
        for kind, query in _PARTS_PAGE.items():
            after = ""
            while rows := session.run(query, after=after, first=page).values():
                for old, parts in rows:
                    new = current_id(kind, parts)
                    if new is not None and new != old:
                        renamed.append([old, new])
                after = rows[-1][0]
        for at in range(0, len(renamed), page):
            rows = renamed[at : at + page]
            session.run(_RENAME, rows=rows).consume()
            session.run(_RENAME_JOB_IDS_ON_EDGES, rows=rows, old=[old for old, _ in rows]).consume()
        if renamed:
            log.warning(
                "the graph in %s: %d ids renamed to id format %d (e.g. %r -> %r)",
                self.uri,
                len(renamed),
                ID_FORMAT,
                *renamed[0],
            )

    # -- writes --------------------------------------------------------------------------------

    def apply(self, mutations: Sequence[Mutation], encoded: bytes | None = None) -> int:
        mutations = list(mutations)
        if not mutations:
            return 0
        with self._write_lock, self._translate_errors("applying a batch"):
            self._ensure_schema()
            attempts = 0
            written = [0]  # by the attempt that committed

            def attempt(tx: neo4j.ManagedTransaction, batch: list[Mutation]) -> int:
                nonlocal attempts
                attempts += 1  # the driver runs it again after a transient failure (a deadlock)
                changed, written[0] = self._apply_in(tx, batch)
                return changed

            try:
                with self._driver.session(
                    database=self.database, bookmark_manager=self._bookmarks
                ) as session:
                    work = neo4j.unit_of_work(timeout=self._query_timeout)(attempt)
                    changed = session.execute_write(work, mutations)
                self.elements_written += written[0]
                return changed
            finally:
                if attempts > 1:
                    self.retries.add("write", attempts - 1)

    def _apply_in(
        self,
        tx: neo4j.ManagedTransaction,
        mutations: list[Mutation],
        settled: frozenset[str] = frozenset(),
    ) -> tuple[int, int]:
        """One batch in ``tx``: the nodes and edges it changed, and those it wrote. Column groups
        whose clocks can move instead (``graph.stores.column_clocks``) touch only their dataset;
        ``settled``: datasets whose groups are written element by element."""
        rest, groups = column_clocks.split(mutations)
        owners = {group.owner for group in groups.values()}
        nodes: _Locked[str] = _Locked()
        self._lock_read(tx, _LOCK_AND_READ_NODES, touched_ids(rest)[0] | owners, nodes)
        clocks: dict[str, column_clocks.Clocks] = {}
        blocked = set(settled)
        for owner in owners:
            stored = nodes.stored[owner]
            if _STAMPS not in stored:
                blocked.add(owner)
            clocks[owner] = column_clocks.parse(stored.get(_CLOCKS))
        for group in (
            groups.values()
        ):  # an owner defers only if all its groups do: one written may move another's
            if not column_clocks.deferrable(group, clocks[group.owner]):
                blocked.add(group.owner)
        written = [group for group in groups.values() if group.owner in blocked]
        deferred = [group for group in groups.values() if group.owner not in blocked]
        full = [*rest, *(m for group in written for m in group.mutations)]
        node_ids, edge_keys = touched_ids(full)
        if extra := node_ids - nodes.stored.keys():
            self._lock_read(tx, _LOCK_AND_READ_NODES, extra, nodes)
        self._owner_clocks(tx, [nodes.stored[node_id] for node_id in node_ids], nodes, clocks)
        for node_id, stored in nodes.stored.items():
            node = _decode_node(node_id, nodes.labels[node_id], dict(stored), clocks)
            if node is not None:
                nodes.current[node_id] = node

        edges: _Locked[tuple[str, EdgeKind, str]] = _Locked()
        by_kind: dict[EdgeKind, list[list[str]]] = {}
        for source, kind, target in edge_keys:
            if source in nodes.current and target in nodes.current:  # else the edge cannot exist
                by_kind.setdefault(kind, []).append(
                    [nodes.eids[source], nodes.eids[target], source, target]
                )
        if by_kind:
            kinds = tuple(sorted(by_kind))
            query = _read_edges_query(kinds)
            parameters = {kind.value: by_kind[kind] for kind in kinds}
            (found,) = tx.run(query, parameters).single(strict=True)
            self._owner_clocks(tx, [row[4] for row in found], nodes, clocks)
            for source, type_, target, eid, stored in found:
                key = (source, _EDGE_KIND_BY_TYPE[type_], target)
                props, stamps = _decode(dict(stored), clocks)
                edges.current[key] = Edge(source, key[1], target, props, stamps)
                edges.eids[key] = eid
                edges.stored[key] = stored

        changes = plan(full, nodes.current, edges.current)
        books = _Books(clocks)
        for node_id, node in changes.nodes.items():
            books.changed(node_id, nodes.stored.get(node_id), nodes.current.get(node_id), node)
        for key, edge in changes.edges.items():
            books.changed(key, edges.stored.get(key), edges.current.get(key), edge)
        if conflicts := {
            group.owner for group in deferred if group.digest in books.invalid.get(group.owner, ())
        }:
            return self._apply_in(tx, mutations, settled | conflicts)  # nothing written yet
        books.invalidate()
        for group in written:
            books.establish(group, nodes, edges, changes)
        moved: set[Any] = set()
        for group in deferred:
            if column_clocks.defer(group, clocks[group.owner]):
                moved.update(column_clocks.element_key(m) for m in group.mutations)
        elements = self._write(tx, changes, nodes, edges, books)
        if touched := _fields_touched(changes, nodes.current):
            elements += self._keep_fields(tx, touched, nodes, changes.nodes)
        if changes:
            jobs, runs = touched_by(changes)
            if jobs or runs:
                reader = _InTransaction(tx, {**nodes.current, **changes.nodes})
                self._judge_jobs(tx, jobs_of(reader, jobs, runs), reader, nodes.eids.keys())
        moved -= changes.nodes.keys() | changes.edges.keys()
        return len(changes.nodes) + len(changes.edges) + len(moved), elements

    def _keep_fields(
        self,
        tx: neo4j.ManagedTransaction,
        datasets: Collection[str],
        nodes: _Locked[str],
        written: Mapping[str, Node] | None = None,
    ) -> int:
        """Write the kept fields (_FIELDS) of ``datasets`` as ``tx`` leaves them; returns how many
        changed. Each is write-locked before its columns are read: a writer changing a column
        locks its dataset only then, so the last to lock it reads every other's committed
        columns. ``written``: nodes as ``tx`` wrote them (``nodes.current`` before that)."""
        if missing := set(datasets) - nodes.stored.keys():
            self._lock_read(tx, _LOCK_AND_READ_EXISTING, missing, nodes)
        known = {**nodes.current, **(written or {})}
        for node_id in missing & nodes.stored.keys():
            found = _decode_node(node_id, nodes.labels[node_id], dict(nodes.stored[node_id]))
            if found is not None:
                known[node_id] = found
        column_ids = {d: _column_ids(known[d]) for d in sorted(datasets) if d in known}
        wanted = {c for ids in column_ids.values() for c in ids or ()}
        columns = _InTransaction(tx, known).nodes(wanted) if wanted else {}
        rows = []
        for dataset, ids in column_ids.items():
            value = kept_fields(ids, columns)
            if value != nodes.stored[dataset].get(_FIELDS):
                rows.append([nodes.eids[dataset], value])
        if rows:
            tx.run(_WRITE_FIELDS, rows=rows).consume()
        return len(rows)

    @staticmethod
    def _lock_read(
        tx: neo4j.ManagedTransaction, query: str, ids: Collection[str], nodes: _Locked[str]
    ) -> None:
        """Write-lock the nodes of ``ids`` in id order (so concurrent writers queue instead of
        deadlocking) and keep what they hold."""
        (locked,) = tx.run(query, ids=sorted(ids)).single(strict=True)
        for node_id, eid, labels, stored in locked:
            nodes.eids[node_id] = eid
            nodes.stored[node_id] = stored
            nodes.labels[node_id] = labels

    def _owner_clocks(
        self,
        tx: neo4j.ManagedTransaction,
        maps: Iterable[Mapping[str, Any]],
        nodes: _Locked[str],
        clocks: dict[str, column_clocks.Clocks],
    ) -> None:
        """The clocks ``maps`` refer to, their owners write-locked (a write may invalidate them)."""
        wanted = _clock_owners(maps) - clocks.keys()
        if missing := wanted - nodes.stored.keys():
            self._lock_read(tx, _LOCK_AND_READ_EXISTING, missing, nodes)
        for owner in wanted:
            if owner in nodes.stored:
                clocks[owner] = column_clocks.parse(nodes.stored[owner].get(_CLOCKS))

    @staticmethod
    def _judge_jobs(
        tx: neo4j.ManagedTransaction,
        jobs: set[str],
        reader: _InTransaction | None = None,
        locked: Collection[str] = (),
    ) -> None:
        """Mark which of ``jobs``' READS/WRITES edges are unrestated, as the graph stands in ``tx``
        (``graph.stores.job_currency``). The jobs are write-locked first (but those ``locked``
        already), so that writers judging the same job one after the other each see the other's
        writes (a batch has usually locked them all: an event's run comes with its job)."""
        if not jobs:
            return
        if unlocked := sorted(job for job in jobs if job not in locked):
            tx.run(_LOCK_JOBS, ids=unlocked).consume()
        by_job = judge(reader or _InTransaction(tx), jobs)
        verdicts = [
            [job, [[kind.value, target] for _, kind, target in by_job.get(job, ())]]
            for job in sorted(jobs)
        ]
        tx.run(_MARK_UNRESTATED, verdicts=verdicts).consume()

    def _write(
        self,
        tx: neo4j.ManagedTransaction,
        changes: Changes,
        nodes: _Locked[str],
        edges: _Locked[tuple[str, EdgeKind, str]],
        books: _Books,
    ) -> int:
        """Write what the batch changed; returns how many nodes and edges that rewrote or made."""
        new_nodes: list[list[Any]] = []
        changed_nodes: list[list[Any]] = []
        for node_id, node in changes.nodes.items():
            delta = _delta(
                nodes.stored[node_id],
                {**_encode_node(node), **books.props(node_id, nodes.stored[node_id])},
            )
            if node_id not in nodes.current:  # created by the lock query (or not written by us)
                new_nodes.append([nodes.eids[node_id], node.kind.value, delta])
            elif delta:
                changed_nodes.append([nodes.eids[node_id], delta])
        bookkept = (
            (node_id, books.delta(node_id, nodes.stored[node_id]))
            for node_id in books.touched_nodes(changes.nodes)
        )
        changed_nodes.extend([nodes.eids[node_id], delta] for node_id, delta in bookkept if delta)
        new_edges: list[list[Any]] = []
        changed_edges: list[list[Any]] = []
        for key, edge in changes.edges.items():
            stored = edges.stored.get(key, {})
            props = {**_encode(edge.props, edge.stamps), **books.props(key, stored)}
            eid = edges.eids.get(key)
            if eid is None:
                new_edges.append(
                    [nodes.eids[edge.source], nodes.eids[edge.target], edge.kind.value, props]
                )
            else:
                delta = _delta(stored, props)
                if delta:
                    changed_edges.append([eid, delta])
        bookkept_edges = (
            (key, books.delta(key, edges.stored[key])) for key in books.touched_edges(changes.edges)
        )
        changed_edges.extend([edges.eids[key], delta] for key, delta in bookkept_edges if delta)
        written = len(new_nodes) + len(changed_nodes) + len(new_edges) + len(changed_edges)
        if written:
            tx.run(
                _WRITE,
                new_nodes=new_nodes,
                changed_nodes=changed_nodes,
                new_edges=new_edges,
                changed_edges=changed_edges,
            ).consume()
        return written

    # -- reads ---------------------------------------------------------------------------------

    def clear(self) -> None:
        with self._write_lock, self._translate_errors("clearing the graph"):
            self._ensure_schema()
            with self._driver.session(
                database=self.database, bookmark_manager=self._bookmarks
            ) as session:
                # CALL ... IN TRANSACTIONS needs an auto-commit transaction, hence session.run.
                session.run(_CLEAR).consume()

    def unrestated_job_edges(self, jobs: Collection[str]) -> dict[str, frozenset[EdgeKey]]:
        if not jobs:
            return {}
        ((rows,),) = self._read(_READ_UNRESTATED, {"ids": list(jobs)}, "reading job currency")
        return {job: frozenset(keys) for job, keys in grouped_by_job(_keys(rows)).items()}

    def neighbourhood(
        self,
        ids: Collection[str],
        kinds: Collection[EdgeKind],
        direction: Reach,
        ahead: Collection[EdgeKind] = (),
        with_props: bool = True,
        node_props: Sequence[str] | None = None,
        handles: Mapping[str, object] | None = None,
        ahead_in: Collection[EdgeKind] = (),
    ) -> Neighbourhood:
        kinds = frozenset(EdgeKind(kind) for kind in kinds)
        if not ids or not kinds:
            return Neighbourhood([], {}, [], set())
        ahead = frozenset(EdgeKind(kind) for kind in ahead)
        entering = frozenset(EdgeKind(kind) for kind in ahead_in)
        parameters: dict[str, Any] = {"props": list(node_props or ())}
        if handles:
            handled = [i for i in ids if i in handles]
            parameters.update(
                ids=[i for i in ids if i not in handles],
                handled=handled,
                eids=[handles[i] for i in handled],
            )
        else:
            parameters["ids"] = list(ids)
        query = _neighbourhood_query(
            kinds, direction, ahead, with_props, node_props is not None, bool(handles), entering
        )
        (
            (
                edge_rows,
                node_rows,
                ahead_rows,
                element_ids,
                entering_rows,
                source_rows,
                source_ids,
            ),
        ) = self._read(query, parameters, "reading a neighbourhood")
        clocks = self._clocks_of(
            [
                *(row[3] for row in edge_rows),
                *(
                    ()
                    if node_props is not None
                    else (row[2] for rows in (node_rows, source_rows) for row in rows)
                ),
            ]
        )
        if node_props is None:
            nodes, sources = _decode_nodes(node_rows, clocks), _decode_nodes(source_rows, clocks)
        else:
            nodes = _decode_summaries(node_rows, node_props)
            sources = _decode_summaries(source_rows, node_props)
        unrestated: set[EdgeKey] = set()
        entered: list[EdgeKey] = []
        for source, type_, target, mark in entering_rows:
            key = (source, _EDGE_KIND_BY_TYPE[type_], target)
            entered.append(key)
            if mark:
                unrestated.add(key)
        found = {row[0]: element_id for row, element_id in zip(node_rows, element_ids)}
        found.update((row[0], element_id) for row, element_id in zip(source_rows, source_ids))
        edges = _decode_edges(edge_rows, unrestated, clocks)
        if direction == "both":  # an edge between two of ``ids`` is met from either end
            edges = list({edge.key: edge for edge in edges}.values())
        return Neighbourhood(
            edges,
            nodes,
            _keys(ahead_rows),
            unrestated,
            found,
            entered,
            sources,
        )

    def newest(
        self, ids: Collection[str], kind: EdgeKind, direction: EdgeDirection, key: str
    ) -> dict[str, Node]:
        if not ids:
            return {}
        query = _newest_query(EdgeKind(kind), direction)
        ((rows,),) = self._read(query, {"ids": list(ids), "key": key}, "reading the newest")
        clocks = self._clocks_of(row[1][2] for row in rows)
        found = _decode_nodes([row[1] for row in rows], clocks)
        return {start: found[end[0]] for start, end in rows if end[0] in found}

    def node_summaries(self, ids: Collection[str], names: Sequence[str]) -> dict[str, Node]:
        if not ids:
            return {}
        ((rows,),) = self._read(
            _READ_SUMMARIES, {"ids": list(ids), "props": list(names)}, "reading nodes"
        )
        return _decode_summaries(rows, names)

    def search(self, text: str, kinds: Collection[NodeKind], first: int) -> list[Node]:
        labels = sorted({NodeKind(kind).value for kind in kinds})
        if not labels or first <= 0:
            return []
        rows = self._read(
            _SEARCH,
            {"needle": text.lower(), "kinds": labels, "first": int(first)},
            "searching names",
        )
        clocks = self._clocks_of(row[2] for row in rows)
        return [
            node
            for node in (_decode_node(row[0], row[1], row[2], clocks) for row in rows)
            if node is not None
        ]

    def nodes_of_kind(self, kind: NodeKind, first: int, after: str | None = None) -> list[Node]:
        if first <= 0:
            return []
        kind = NodeKind(kind)
        query = _NODES_OF_KIND[(kind, after is not None)]
        rows = self._read(query, {"after": after, "first": int(first)}, "listing nodes")
        clocks = self._clocks_of(row[2] for row in rows)
        return [
            node
            for node in (_decode_node(row[0], row[1], row[2], clocks) for row in rows)
            if node is not None
        ]

    def counts(self) -> dict[str, int]:
        (row,) = self._read(_COUNTS, {}, "counting")
        return {kind.value: count for kind, count in zip(_COUNTED, row) if count}

    def ping(self) -> None:
        # One auto-commit query, no driver retries: a health check should answer at once.
        with (
            self._translate_errors("pinging"),
            self._driver.session(database=self.database) as session,
        ):
            session.run("RETURN 1").consume()

    def soon(self, read: Callable[..., _Result], /, *args: Any) -> Future[_Result]:
        return self._beside.submit(read, *args)

    def close(self) -> None:
        self._beside.shutdown(wait=True, cancel_futures=True)
        self._driver.close()
