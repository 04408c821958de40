"""Alias resolution: one real table is one node, whatever names point at it.

A dataset can be known by several identifiers (a storage path, a catalog table name, a name it had
before a RENAME). Each alias has an ``ALIAS_OF`` edge to the name it stands for. The names joined by
``ALIAS_OF`` edges, either way, are one table (two catalog names sharing a storage location are one
table); its canonical node is the least of its names that is no one's alias, a catalog's,
metastore's or database's name before a storage location's (``ingest.naming.is_storage_namespace``),
whatever arrived first. Writes never merge nodes (so ingest stays order-independent);
queries resolve aliases on the way in and collapse them on the way out.

A table's lifecycle is the newest statement under any of its names (a DROP sent under the storage
path and a CREATE under the metastore name end as the later one, either order): the core's
``View::lifecycle_of`` picks the name, which the walks, Marquez's renderer and
:func:`with_table_lifecycles` (every dataset a query here answers with) all ask.

The resolution is the native core's (``native/core/aliases.h``), one resolver per view caching what it
learns; these are its Python entry points, for the queries written here (``graph.read.mesh``,
``graph.read.queries``, ``graph.read.governance``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from graph.core.model import EdgeKind, Node, NodeKind, PropertyKey
from graph.read.view import view_of
from graph.stores import EdgeKey, GraphReader


class AliasResolver:
    """Aliases as a view (or a store's current view) resolves them."""

    def __init__(self, reader: GraphReader) -> None:
        self.view = view_of(reader)

    def canonical(self, ids: Iterable[str]) -> dict[str, str]:
        """Map dataset ids to their canonical ids (an id without aliases maps to itself)."""
        return self.view.native.canonical(list(ids))

    def members(self, canonical_ids: Iterable[str]) -> dict[str, str]:
        """Every id (aliases included) standing for the given canonical ids, mapped to its canonical id."""
        return self.keys_into(canonical_ids, ())[0]

    def keys_into(
        self, canonical_ids: Iterable[str], kinds: tuple[EdgeKind, ...]
    ) -> tuple[dict[str, str], list[EdgeKey]]:
        """:meth:`members`, and the keys of the edges of ``kinds`` entering any member (a dataset's
        readers under all its names), read together: one read per alias hop."""
        return self.view.native.keys_into(list(canonical_ids), kinds)


#: What a dataset's lifecycle facet sets (``ingest.openlineage``): read together, from one name.
LIFECYCLE = (PropertyKey.DELETED, "lifecycleState")


def with_table_lifecycles(reader: GraphReader, nodes: list[Node]) -> list[Node]:
    """The nodes, each dataset with its table's lifecycle (``deleted``, ``lifecycleState``): that
    of the name which stated it last (``View::lifecycle_of``), as the walks judge it. Writes never
    merge nodes, so a DROP or CREATE an event stated under another of the table's names sits on
    that name."""
    datasets = [n.id for n in nodes if n.kind == NodeKind.DATASET]
    if not datasets:
        return nodes
    view = view_of(reader)
    stated = dict(zip(datasets, view.native.lifecycle_of(datasets), strict=True))
    others = {s for i, s in stated.items() if s is not None and s != i}
    if not others:
        return nodes
    found = view.nodes(others)
    answer = []
    for node in nodes:
        by = found.get(stated.get(node.id) or "")
        if by is None:
            answer.append(node)
            continue
        props, stamps = dict(node.props), dict(node.stamps)
        for key in LIFECYCLE:
            props.pop(key, None)
            stamps.pop(key, None)
            if key in by.props:
                props[key] = by.props[key]
                stamps[key] = by.stamps[key]
        answer.append(replace(node, props=props, stamps=stamps))
    return answer


def canonical_targets(reader: GraphReader, node_id: str, kind: EdgeKind) -> list[Node]:
    """The canonical datasets a node points at with ``kind`` edges (a job's inputs, a product's
    datasets), sorted by id."""
    view = view_of(reader)
    edges = view.edge_keys({node_id}, (kind,), "out")
    canonical = AliasResolver(view).canonical({target for _, _, target in edges})
    found = view.nodes(set(canonical.values()))
    return with_table_lifecycles(view, [found[i] for i in sorted(found)])


def sources_into(reader: GraphReader, dataset_node: Node, kind: EdgeKind) -> list[Node]:
    """Nodes pointing at a dataset under any of its names with ``kind`` edges (its writers,
    readers, publishing products), sorted by id."""
    view = view_of(reader)
    _, keys = AliasResolver(view).keys_into([dataset_node.id], (kind,))
    found = view.nodes({source for source, _, _ in keys})
    return [found[i] for i in sorted(found)]
