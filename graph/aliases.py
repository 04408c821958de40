"""Alias resolution: one real table is one node, whatever names point at it.

A dataset can be known by several identifiers (a storage path, a catalog table name, a name it had
before a RENAME). Each alias has an ``ALIAS_OF`` edge to the name it stands for; the end of that
chain is the canonical node. Writes never merge nodes (so ingest stays order-independent);
queries resolve aliases on the way in and collapse them on the way out.
"""

from __future__ import annotations

from typing import Iterable

from graph.model import EdgeKind, Node, field_id
from graph.stores import EdgeKey, GraphReader

MAX_CHAIN = 16  # alias chains longer than this are cut (they only arise from cyclic renames)


class AliasResolver:
    """Caches canonical ids and alias classes for the duration of one query.

    Most datasets have no alias, so a walk's level is resolved with set and dict operations over
    the whole level, and only datasets that do have aliases are resolved one by one."""

    def __init__(self, store: GraphReader) -> None:
        self.store = store
        self._canonical: dict[str, str] = {}
        self._alone: set[str] = set()  # canonical ids known to have no aliases
        self._members: dict[str, set[str]] = {}  # canonical ids known to have some -> every id standing for them

    def canonical(self, ids: Iterable[str]) -> dict[str, str]:
        """Map dataset ids to their canonical ids (an id without aliases maps to itself)."""
        ids = ids if isinstance(ids, (set, frozenset, list, tuple)) else list(ids)  # read twice below
        known = self._canonical
        pending = set(ids).difference(known)  # not `- known.keys()`: that walks the whole cache
        chase = dict(zip(pending, pending))
        for _ in range(MAX_CHAIN):
            if not chase:
                break
            hops = {source: target for source, _, target in self.store.edge_keys(set(chase.values()), (EdgeKind.ALIAS_OF,), "out")}
            if not hops:  # the common case: every chase ends here
                known.update(chase)
                chase = {}
                break
            settled = {origin: current for origin, current in chase.items() if current not in hops}
            known.update(settled)
            chase = {origin: hops[current] for origin, current in chase.items() if origin not in settled and hops[current] != origin}
        known.update(chase)  # a cycle or an over-long chain: stop where we are
        unsettled = pending.difference(known)  # a chain leading back to its origin
        known.update(zip(unsettled, unsettled))
        return {i: known[i] for i in ids}

    def members(self, canonical_ids: Iterable[str]) -> dict[str, str]:
        """Every id (aliases included) standing for the given canonical ids, mapped to its canonical id."""
        return self.keys_into(canonical_ids, ())[0]

    def keys_into(self, canonical_ids: Iterable[str], kinds: tuple[EdgeKind, ...]) -> tuple[dict[str, str], list[EdgeKey]]:
        """:meth:`members`, and the keys of the edges of ``kinds`` entering any member (a
        dataset's readers under all its names). Both are read together, one read per alias hop:
        on a remote store a walk's level costs a round trip less than members, then edges, and
        no edge properties travel."""
        ids = canonical_ids if isinstance(canonical_ids, (set, frozenset)) else set(canonical_ids)
        aliased = self._members
        fresh = ids - self._alone
        known = {cid for cid in fresh if cid in aliased} if aliased else set()
        fresh -= known
        result: dict[str, str] = {}
        for cid in known:
            result.update(dict.fromkeys(aliased[cid], cid))
        # ids whose entering edges are still to read -> canonical id (known aliases only when
        # reading edges: their alias classes are complete)
        frontier = dict(zip(fresh, fresh))
        if kinds:
            frontier.update(result)
            lone = ids - fresh - known
            frontier.update(zip(lone, lone))
        found: list[EdgeKey] = []
        for _ in range(MAX_CHAIN):
            if not frontier:
                break
            keys = self.store.edge_keys(set(frontier), (EdgeKind.ALIAS_OF, *kinds), "in")
            links = [key for key in keys if key[1] is EdgeKind.ALIAS_OF]
            found.extend([key for key in keys if key[1] is not EdgeKind.ALIAS_OF] if links else keys)
            next_frontier: dict[str, str] = {}
            for source, _, target in links:
                owner = frontier[target]
                class_ = aliased.setdefault(owner, {owner})
                if source not in class_:
                    class_.add(source)
                    next_frontier[source] = owner
            frontier = next_frontier
        if frontier and kinds:  # the chain was cut: its last members' edges are still unread
            found.extend(self.store.edge_keys(set(frontier), kinds, "in"))
        alone = ids - known - (fresh & aliased.keys() if aliased else set())
        self._alone |= alone
        result.update(zip(alone, alone))
        canonical = self._canonical
        unmapped = alone.difference(canonical)
        canonical.update(zip(unmapped, unmapped))
        for cid in fresh - alone:
            for member in aliased[cid]:
                result[member] = cid
                canonical.setdefault(member, cid)
        return result, found

    def column_members(self, columns: Iterable[Node]) -> dict[str, str]:
        """Every column id standing for the given (canonical) columns: the same-named columns of
        their datasets' aliases, mapped to the canonical column id."""
        columns = list(columns)
        by_dataset = self.members({c.props["datasetId"] for c in columns if c.props.get("datasetId")})
        alias_nodes = self.store.summaries({m for m, owner in by_dataset.items() if m != owner})
        result = {c.id: c.id for c in columns}
        for column in columns:
            for member, owner in by_dataset.items():
                node = alias_nodes.get(member)
                if owner == column.props.get("datasetId") and node is not None:
                    result[field_id(node.props["namespace"], node.props["name"], column.props["name"])] = column.id
        return result

    def canonical_columns(self, columns: Iterable[Node]) -> dict[str, str]:
        """Map column ids to the id of the same-named column of their dataset's canonical node."""
        columns = list(columns)
        datasets = self.canonical({c.props.get("datasetId", "") for c in columns if c.props.get("datasetId")})
        moved = {d: c for d, c in datasets.items() if d != c}
        canonical_nodes = self.store.summaries(set(moved.values())) if moved else {}
        result: dict[str, str] = {}
        for column in columns:
            target = moved.get(column.props.get("datasetId", ""))
            node = canonical_nodes.get(target) if target else None
            if node is None:
                result[column.id] = column.id
            else:
                result[column.id] = field_id(node.props["namespace"], node.props["name"], column.props["name"])
        return result



def canonical_targets(store: GraphReader, node_id: str, kind: EdgeKind) -> list[Node]:
    """The canonical datasets a node points at with ``kind`` edges (a job's inputs, a product's
    datasets), sorted by id."""
    edges = store.edges({node_id}, (kind,), "out")
    canonical = AliasResolver(store).canonical({e.target for e in edges})
    found = store.nodes(set(canonical.values()))
    return [found[i] for i in sorted(found)]


def sources_into(store: GraphReader, dataset_node: Node, kind: EdgeKind) -> list[Node]:
    """Nodes pointing at a dataset under any of its names with ``kind`` edges (its writers,
    readers, publishing products), sorted by id."""
    _, keys = AliasResolver(store).keys_into([dataset_node.id], (kind,))
    found = store.nodes({source for source, _, _ in keys})
    return [found[i] for i in sorted(found)]
