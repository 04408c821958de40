"""Stored graphs whose ids an older rule made: what each node's id is now, for a store to rename.

Ids made before format 2 joined their parts with ``:`` unescaped (``native/core/ids.h`` states the
current rule). A store records the format its graph's ids are in (the embedded journal's ``meta``
table, Neo4j's ``LineagemeshMeta`` node) and renames older ids once, on open. Only ids whose
parts after the first hold ``:`` or ``%`` change, so a graph of ordinary names renames nothing.
A node's parts are its own properties; a node without them (a placeholder only edges named)
keeps its id, as does any node of a kind whose id has one part (runs, domains, owners, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from graph.core.model import (
    Edge,
    Node,
    NodeKind,
    PropertyKey,
    dataset_id,
    field_id,
    job_id,
    product_id,
)
from graph.core.mutations import Mutation, UpsertEdge, UpsertNode

ID_FORMAT = 2  # 1: parts joined unescaped; 2: native/core/ids.h
_KEY = PropertyKey

#: Kinds whose ids may change, each with the properties that hold its parts and the id they make.
RENAMED_KINDS: dict[NodeKind, tuple[tuple[str, ...], Callable[..., str]]] = {
    NodeKind.DATASET: ((_KEY.NAMESPACE, _KEY.NAME), dataset_id),
    NodeKind.COLUMN: ((_KEY.NAMESPACE, _KEY.DATASET, _KEY.NAME), field_id),
    NodeKind.JOB: ((_KEY.NAMESPACE, _KEY.NAME), job_id),
    NodeKind.DATA_PRODUCT: ((_KEY.DOMAIN, _KEY.NAME), product_id),
}

#: Properties whose value is another node's id.
ID_PROPS = (_KEY.DATASET_ID, _KEY.JOB_ID, _KEY.LATEST_COMPLETED_RUN)


def current_id(kind: NodeKind, props: Mapping[str, Any]) -> str | None:
    """The id the current rule gives a node of ``kind`` with ``props`` (None: it has no parts to
    make one from, and keeps the id it has)."""
    if kind not in RENAMED_KINDS:
        return None
    keys, make = RENAMED_KINDS[kind]
    parts = [props.get(key) for key in keys]
    if not all(isinstance(part, str) for part in parts):
        return None
    return make(*parts)


def renames(nodes: Iterable[Node]) -> dict[str, str]:
    """Old id -> new id, for the nodes whose id the current rule makes differently."""
    out: dict[str, str] = {}
    for node in nodes:
        new = current_id(node.kind, node.props)
        if new is not None and new != node.id:
            out[node.id] = new
    return out


def renamed_props(props: Mapping[str, Any], renamed: Mapping[str, str]) -> dict[str, Any]:
    """``props`` with the ids they hold (ID_PROPS) renamed."""
    out = dict(props)
    for key in ID_PROPS:
        value = out.get(key)
        if isinstance(value, str) and value in renamed:
            out[key] = renamed[value]
    return out


def _by_stamp(
    props: Mapping[str, Any], stamps: Mapping[str, str], fallback: str
) -> dict[str, dict[str, Any]]:
    grouped: dict[str, dict[str, Any]] = {}
    for key, value in props.items():
        grouped.setdefault(stamps.get(key, fallback), {})[key] = value
    return grouped or {fallback: {}}


def restated(
    nodes: Iterable[Node], edges: Iterable[Edge], renamed: Mapping[str, str], fallback: str
) -> Iterator[Mutation]:
    """Upserts that build the same graph under the renamed ids: each property with the stamp that
    set it (``fallback`` for an element with no properties), so later writes merge as before."""
    for node in nodes:
        new_id = renamed.get(node.id, node.id)
        for at, props in _by_stamp(
            renamed_props(node.props, renamed), node.stamps, fallback
        ).items():
            yield UpsertNode(new_id, node.kind, at, props)
    for edge in edges:
        source, target = (
            renamed.get(edge.source, edge.source),
            renamed.get(edge.target, edge.target),
        )
        for at, props in _by_stamp(
            renamed_props(edge.props, renamed), edge.stamps, fallback
        ).items():
            yield UpsertEdge(source, edge.kind, target, at, props)
