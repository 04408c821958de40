"""Alias resolution: one real table is one node, whatever names point at it.

A dataset can be known by several identifiers (a storage path, a catalog table name, a name it had
before a RENAME). Each alias has an ``ALIAS_OF`` edge to the name it stands for. The names joined by
``ALIAS_OF`` edges, either way, are one table (two catalog names sharing a storage location are one
table); its canonical node is the least of its names that is no one's alias, a catalog's,
metastore's or database's name before a storage location's (``ingest.naming.is_storage_namespace``),
whatever arrived first. Writes never merge nodes (so ingest stays order-independent);
queries resolve aliases on the way in and collapse them on the way out.

The resolution is the native core's (``native/core/aliases.h``), one resolver per view caching what it
learns; these are its Python entry points, for the queries written here (``graph.read.mesh``,
``graph.read.queries``, ``graph.read.governance``).
"""

from __future__ import annotations

from collections.abc import Iterable

from graph.core.model import EdgeKind, Node
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


def canonical_targets(reader: GraphReader, node_id: str, kind: EdgeKind) -> list[Node]:
    """The canonical datasets a node points at with ``kind`` edges (a job's inputs, a product's
    datasets), sorted by id."""
    view = view_of(reader)
    edges = view.edge_keys({node_id}, (kind,), "out")
    canonical = AliasResolver(view).canonical({target for _, _, target in edges})
    found = view.nodes(set(canonical.values()))
    return [found[i] for i in sorted(found)]


def sources_into(reader: GraphReader, dataset_node: Node, kind: EdgeKind) -> list[Node]:
    """Nodes pointing at a dataset under any of its names with ``kind`` edges (its writers,
    readers, publishing products), sorted by id."""
    view = view_of(reader)
    _, keys = AliasResolver(view).keys_into([dataset_node.id], (kind,))
    found = view.nodes({source for source, _, _ in keys})
    return [found[i] for i in sorted(found)]
