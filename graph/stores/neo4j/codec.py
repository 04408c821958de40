"""How the graph's nodes and edges are held as Neo4j properties: the store's own keys, the
encoding of values Neo4j cannot hold (JSON text), the kept Marquez fields, and the decoders of
what a query returns."""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import orjson

from graph import _native
from graph.core.model import Edge, EdgeKind, Node, NodeKind, PropertyKey, dataset_id, field_id
from graph.core.mutations import Changes
from graph.stores import EdgeKey, column_clocks
from graph.stores.requests import SUMMARY

_JSON_KEYS = "_json"
_STAMPS = "_stamps"
_EXTRA = "_extra"
_NAME_LOWER = "_nameLower"
_NAME_SORT = "_nameSort"
_LOCK = "_lmLock"
# On a node of ours, the values of its SUMMARY properties as one JSON object (format 7): a walk
# reads a node it reaches in summary form, and one property costs Neo4j a fraction of eight.
_SUMMARY = "_summary"
_UNRESTATED = "_unrestated"  # on a READS/WRITES edge its job's newest completed run did not restate
# Column clocks (graph.stores.column_clocks): on a dataset its clocks (JSON); on a column element
# the dataset keeping its clocks, its references per property (JSON) and its time-valued keys.
_CLOCKS = "_clocks"
_CLOCK_OWNER = "_clockOwner"
_REFS = "_refs"
_AT_REFS = "_atRefs"
_BOOKKEEPING = (_CLOCKS, _CLOCK_OWNER, _REFS, _AT_REFS)
# On a dataset, its fields as Marquez shows them (JSON: native/marquez/marquez.h, kKeptFieldsKey), so
# a lineage answer of thousands of datasets reads no column node. Written beside its columns.
_FIELDS = _native.KEPT_FIELDS_KEY
# A time-valued property (its value is the stamp of the event that set it) whose stamp equals its
# value has no entry in _stamps, and the stamps equal to it are this number, which no stamp is
# (format 6, ``_stamps_kept``).
_TIME_VALUED = column_clocks.TIME_VALUED
_SAME_AS_SEEN = 0
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
        _SUMMARY,
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
    out[_STAMPS] = _dumps(_stamps_kept(props, stamps))
    return out


def _stamps_kept(props: Mapping[str, Any], stamps: dict[str, str]) -> dict[str, Any]:
    """The stamps as _STAMPS keeps them (format 6): when the time-valued property's stamp is its
    value, that stamp is left out and every stamp equal to it is kept as _SAME_AS_SEEN. A re-run
    restates an element at a newer stamp, which moves the time-valued property and the stamps of
    everything else it restates: the restatement then rewrites that one short value, and the
    stamps' text (the longest property of most elements) stays as it was."""
    seen = props.get(_TIME_VALUED)
    if type(seen) is not str or stamps.get(_TIME_VALUED) != seen:
        return stamps
    return {
        key: _SAME_AS_SEEN if stamp == seen else stamp
        for key, stamp in stamps.items()
        if key != _TIME_VALUED
    }


def _stamps_read(stored: Mapping[str, Any], kept: dict[str, Any]) -> dict[str, str]:
    """Inverse of :func:`_stamps_kept`, given the element's stored properties."""
    if _TIME_VALUED in kept or type(seen := stored.get(_TIME_VALUED)) is not str:
        return kept
    stamps = {key: seen if type(stamp) is int else stamp for key, stamp in kept.items()}
    stamps[_TIME_VALUED] = seen
    return stamps


def _summary_of(props: Mapping[str, Any]) -> str:
    """The _SUMMARY value of a node with ``props``: those of SUMMARY it has, in that order."""
    return orjson.dumps({key: props[key] for key in SUMMARY if key in props}).decode()


def _encode_node(node: Node) -> dict[str, Any]:
    out = _encode(node.props, node.stamps)
    out["id"] = node.id
    out[_SUMMARY] = _summary_of(node.props)
    name = node.props.get(PropertyKey.NAME, "")
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
    delta = {}
    held = stored.get
    for key, value in new.items():  # ``_same``, inlined: a batch compares ~100k values
        old = held(key)
        if (
            type(value) is not type(old)
            or value != old
            or (type(value) is list and value and type(value[0]) is not type(old[0]))  # type: ignore[index]
        ):
            delta[key] = value
    for key in stored.keys() - new.keys():
        if key not in _WRITTEN_AFTER:
            delta[key] = None
    return delta


def _column_ids(dataset: Node) -> list[str] | None:
    """The ids of the columns a dataset's ``columns`` name, in order; None if it names none in text."""
    columns = dataset.props.get(PropertyKey.COLUMNS)
    namespace, name = dataset.props.get(PropertyKey.NAMESPACE), dataset.props.get(PropertyKey.NAME)
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
            keys: Sequence[str] = (PropertyKey.COLUMNS, PropertyKey.NAMESPACE, PropertyKey.NAME)
        elif node.kind is NodeKind.COLUMN:
            keys = _native.MARQUEZ_FIELD_KEYS
        else:
            continue
        if old is not None and all(_same(node.props.get(k), old.props.get(k)) for k in keys):
            continue
        if node.kind is NodeKind.DATASET:
            touched.add(node_id)
        elif (
            type(ns := node.props.get(PropertyKey.NAMESPACE)) is str
            and type(name := node.props.get(PropertyKey.DATASET)) is str
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
    stamps = _stamps_read(stored, orjson.loads(stored.pop(_STAMPS, "{}")))
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
    stored.pop(_SUMMARY, None)
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


def summary_parameter(names: Sequence[str]) -> list[str]:
    """What a summary read (``cypher.graph._summary``) is given as ``$props`` for nodes read with only
    ``names`` of their properties: those besides SUMMARY, which _SUMMARY holds."""
    return [name for name in names if name not in _IN_SUMMARY]


_IN_SUMMARY = frozenset(SUMMARY)


def summary_kept(names: Sequence[str]) -> list[str] | None:
    """Which of _SUMMARY's properties a node read with only ``names`` of its properties keeps
    (None: all of them)."""
    return None if _IN_SUMMARY.issubset(names) else [name for name in names if name in _IN_SUMMARY]


def _decode_summaries(rows: list[list[Any]], names: Sequence[str]) -> dict[str, Node]:
    """Nodes from ``[id, labels, _summary, [value of each of names not in SUMMARY], _json]``
    rows (``cypher.graph._summary``): only ``names`` of their properties (Neo4j holds no nulls: a null
    is a property the node does not have), no stamps. Rows not written by us (no _SUMMARY) are
    skipped."""
    found: dict[str, Node] = {}
    extras = summary_parameter(names)
    kept = summary_kept(names)
    wanted = None if kept is None else frozenset(kept)
    for node_id, labels, summary, values, json_keys in rows:
        if summary is None:
            continue
        kind = _node_kind(labels)
        if kind is None:
            continue
        props = orjson.loads(summary)
        if wanted is not None:
            props = {key: value for key, value in props.items() if key in wanted}
        if values:
            more = {name: value for name, value in zip(extras, values) if value is not None}
            for key in json_keys or ():
                if key in more:
                    more[key] = orjson.loads(more[key])
            props.update(more)
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
