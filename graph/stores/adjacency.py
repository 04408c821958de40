"""The embedded store's adjacency of one edge kind in one direction: node id → its edges there.

Most nodes have one edge of a given kind in a given direction (a column has one dataset, a run
one job), so a lone edge is held as itself, and only a second one makes a dict neighbour → edge.
A dict of one entry costs 184 bytes; of the 10k mesh's 368k (node, kind, direction) slots 296k
held a single edge.
"""

from __future__ import annotations

from itertools import repeat
from typing import Iterable, Iterator

from graph.model import Edge, EdgeKind
from graph.stores import EdgeKey

Slot = Edge | dict[str, Edge]  # one edge, or neighbour id -> edge
Adjacency = dict[str, Slot]


def _neighbour(edge: Edge, node_id: str) -> str:
    """The end of ``edge`` that is not ``node_id`` (either, for a loop): serves both directions."""
    return edge.target if edge.source == node_id else edge.source


def put(adjacency: Adjacency, node_id: str, neighbour: str, edge: Edge) -> bool:
    """Hold ``edge`` between ``node_id`` and ``neighbour``, replacing the one there; return
    whether there was none."""
    slot = adjacency.get(node_id)
    if slot is None:
        adjacency[node_id] = edge
        return True
    if type(slot) is Edge:
        other = _neighbour(slot, node_id)
        if other == neighbour:
            adjacency[node_id] = edge
            return False
        adjacency[node_id] = {other: slot, neighbour: edge}
        return True
    new = neighbour not in slot
    slot[neighbour] = edge
    return new


def get(adjacency: Adjacency, node_id: str, neighbour: str) -> Edge | None:
    """The edge between ``node_id`` and ``neighbour``, if any."""
    slot = adjacency.get(node_id)
    if slot is None:
        return None
    if type(slot) is Edge:
        return slot if _neighbour(slot, node_id) == neighbour else None
    return slot.get(neighbour)


def collect(adjacency: Adjacency, ids: Iterable[str], found: list[Edge]) -> None:
    """Append to ``found`` every edge at the nodes ``ids``."""
    for node_id in ids:
        slot = adjacency.get(node_id)
        if slot is not None:
            if type(slot) is Edge:
                found.append(slot)
            else:
                found.extend(slot.values())


def collect_keys(adjacency: Adjacency, ids: Iterable[str], kind: EdgeKind, out: bool, found: list[EdgeKey]) -> None:
    """Append to ``found`` the key of every edge at the nodes ``ids`` (``out``: they are its
    sources). A dict's keys go through ``zip`` in C: ``Edge.key`` per edge cost a walk ~10 %."""
    for node_id in ids:
        slot = adjacency.get(node_id)
        if slot is None:
            continue
        if type(slot) is Edge:
            found.append((slot.source, kind, slot.target))
        elif out:
            found.extend(zip(repeat(node_id), repeat(kind), slot))
        else:
            found.extend(zip(slot, repeat(kind), repeat(node_id)))


def every_edge(adjacency: Adjacency) -> Iterator[Edge]:
    """Each edge held, once."""
    for slot in adjacency.values():
        if type(slot) is Edge:
            yield slot
        else:
            yield from slot.values()
