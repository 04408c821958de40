"""Marking what a descriptor names and nothing else knows: ``declaredOnly``.

A product descriptor's ports name datasets, topics, APIs, contracts and upstream products by
the same ids as every other source, so a port meets the node lineage or a catalog already made.
When the graph holds no such node, the descriptor's mention creates it; it is then marked
``declaredOnly: true``, so that nobody takes a name written in a YAML file for a table that
exists. The translators stay pure (``ingest.products``): this step asks the store which of the
named nodes it lacks and adds the mark to the batch.
"""

from __future__ import annotations

from collections.abc import Sequence

from graph.core.model import EdgeKind, NodeKind
from graph.core.mutations import Mutation, UpsertEdge, UpsertNode
from graph.stores import GraphReader

DECLARED_ONLY = "declaredOnly"
#: The edges by which a descriptor names what its ports are.
_NAMING = (EdgeKind.EXPOSES, EdgeKind.CONSUMES, EdgeKind.HAS_CONTRACT)
#: What a mere reference to a node writes (an id's parts, when it was seen): not a description.
_REFERENCE_KEYS = frozenset({"name", "namespace", "domain", "lastSeenAt"})


def mark_declared_only(store: GraphReader, mutations: Sequence[Mutation]) -> list[Mutation]:
    """``mutations`` with a ``declaredOnly`` mark on each node they only name (an end of a port's
    edge, a contract no description comes with) that neither the store nor the batch describes."""
    named: dict[str, UpsertNode] = {}
    described: set[str] = set()
    refs: dict[str, UpsertNode] = {}
    for m in mutations:
        if isinstance(m, UpsertNode):
            if set(m.props) - _REFERENCE_KEYS:
                described.add(m.id)
            else:
                refs.setdefault(m.id, m)
    for m in mutations:
        if isinstance(m, UpsertEdge) and m.kind in _NAMING and m.target in refs:
            named.setdefault(m.target, refs[m.target])
    for node_id, m in refs.items():
        if m.kind is NodeKind.CONTRACT:
            named.setdefault(node_id, m)
    unknown = set(named) - described
    if not unknown:
        return list(mutations)
    present = store.nodes(unknown)
    marks = [
        UpsertNode(node_id, named[node_id].kind, named[node_id].at, {DECLARED_ONLY: True})
        for node_id in sorted(unknown - set(present))
    ]
    return [*mutations, *marks]
