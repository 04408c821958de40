"""What the store tests write and how they read it back: stamps, awkward names and property
values both stores must keep verbatim, and a store's whole graph in a form that tells apart
1, 1.0 and True (``dump``)."""

from __future__ import annotations

import math
from typing import Any

from graph.core.model import Edge, EdgeKind, Node, NodeKind, dataset_id, job_id
from graph.core.mutations import Mutation, UpsertEdge, UpsertNode
from graph.stores import Store

ALL_EDGE_KINDS = list(EdgeKind)
T1 = "2024-01-01T00:00:00.000000Z"
T2 = "2024-01-02T00:00:00.000000Z"
T3 = "2024-01-03T00:00:00.000000Z"


def typed(value: Any) -> Any:
    """A comparable form that also tells apart 1, 1.0 and True, lists and tuples, str and bytes."""
    if isinstance(value, dict):
        return ("dict", sorted((repr(k), typed(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [typed(v) for v in value])
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    return (type(value).__name__, value)


def node_form(node: Node) -> tuple[Any, ...]:
    return (node.id, node.kind, typed(node.props), typed(node.stamps))


def edge_form(edge: Edge) -> tuple[Any, ...]:
    return (edge.source, edge.kind, edge.target, typed(edge.props), typed(edge.stamps))


def all_nodes(store: Store, page: int = 7) -> list[Node]:
    """Every node, kind by kind, paging with ``after`` (exercises id order and pagination)."""
    found: list[Node] = []
    for kind in NodeKind:
        after: str | None = None
        while True:
            batch = store.nodes_of_kind(kind, page, after)
            assert [n.id for n in batch] == sorted(n.id for n in batch)
            assert all(n.kind == kind for n in batch)
            found.extend(batch)
            if len(batch) < page:
                break
            after = batch[-1].id
    return found


def dump(store: Store) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    nodes = all_nodes(store)
    ids = [n.id for n in nodes]
    edges = store.edges(ids, ALL_EDGE_KINDS, "out")
    incoming = store.edges(ids, ALL_EDGE_KINDS, "in")
    assert sorted(map(edge_form, edges)) == sorted(map(edge_form, incoming))
    return sorted(map(node_form, nodes)), sorted(map(edge_form, edges))


# -- awkward names, keys and values -------------------------------------------------------------

NASTY_NAMES = [
    "it's",
    'say "hi"',
    "back`tick`",
    "``",
    "{braces}",
    "}{",
    "$param",
    "${x}",
    "MATCH (n) DETACH DELETE n",
    "'}) DETACH DELETE n //",
    "RETURN",
    "NULL",
    "null",
    "true",
    "Node",
    "back\\slash",
    "new\nline\ttab",
    "",
    " ",
    "Straße",
    "STRASSE",
    "İstanbul",
    "ΟΔΟΣ",
    "日本語テーブル",
    "emoji 🚀 table",
    "\ufffd replacement",
    "zero\u200bwidth",
    "cmp \ue000",
    "cmp \ufffd",
    "cmp 🚀",
    "CMP",
    "a:b:c",
    "x" * 2000,
]


def nasty_batch() -> list[Mutation]:
    batch: list[Mutation] = []
    for i, name in enumerate(NASTY_NAMES):
        did = dataset_id("ns`'\"{}", name)
        batch.append(
            UpsertNode(did, NodeKind.DATASET, T1, {"namespace": "ns`'\"{}", "name": name, "i": i})
        )
        jid = job_id("jobs", f"{name}#job")
        batch.append(UpsertNode(jid, NodeKind.JOB, T1, {"name": f"{name}#job"}))
        batch.append(UpsertEdge(jid, EdgeKind.WRITES, did, T1, {"why": name}))
    return batch


WEIRD_PROPS: dict[str, Any] = {
    "name": "weird",
    "int": 7,
    "negative": -(2**63),
    "big": 2**63 - 1,
    "float": 1.5,
    "whole float": 2.0,
    "tiny": 5e-324,
    "zero": 0,
    "false": False,
    "true": True,
    "empty": "",
    "strings": ["a", "b", "a"],
    "ints": [1, 2, 3],
    "floats": [1.0, 2.5],
    "bools": [True, False],
    "empty list": [],
    "mixed": [1, "a", 2.0, True],
    "ints and floats": [1, 2.0],
    "ints and bools": [1, True],
    "with null": ["a", None],
    "nested": [[1, 2], [3]],
    "dicts": [{"a": 1}],
    "dict": {"a": {"b": [1, {"c": None}]}, "": "empty key", "id": "inner id"},
    "empty dict": {},
    "id": "a prop called id",
    "_stamps": "a prop called _stamps",
    "_json": ["a prop called _json"],
    "_extra": {"x": 1},
    "_nameLower": "sneaky",
    "_nameSort": "sneaky",
    "_unrestated": True,
    "": "empty key",
    "back`tick key": "v",
    "sp ace.dot:colon": "v",
    "ключ": "значение",
    "nul\x00key": "nul\x00value",
    "nul in list": ["a\x00", "\x00"],
    "facet:custom": {"_producer": "me", "_schemaURL": "http://example/x", "value": [1, 2]},
}
