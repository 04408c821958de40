"""The primitive reads as Cypher, over an auto-commit query or the write transaction's own, and
the store as the reads beside it (``around``, ``batched_reads``, ``facts_reads``, ``walk_ahead``)
use it (:class:`StoreReads`), so that they need not import the store, which imports them."""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, Literal, Protocol

import neo4j

from graph.core.model import Edge, EdgeKind, Node
from graph.stores import (
    EdgeDirection,
    EdgeKey,
    Neighbourhood,
    Reach,
    column_clocks,
)
from graph.stores.neo4j.codec import (
    _EDGE_KIND_BY_TYPE,
    _clock_owners,
    _decode_edges,
    _decode_nodes,
    _decode_summaries,
    _keys,
    summary_kept,
    summary_parameter,
)
from graph.stores.neo4j.cypher.graph import _READ_CLOCKS, _READ_NODES, _edges_query
from graph.stores.neo4j.parameters import unprinted
from graph.stores.remote_reads import NeighbourhoodRows, NeighbourhoodSource


def clocks_of_rows(rows: Iterable[list[Any]]) -> dict[str, column_clocks.Clocks]:
    """Column clocks as a read returns them beside what refers to them ([owner, clocks] rows)."""
    return {owner: column_clocks.parse(clocks) for owner, clocks in rows}


class _CypherReads(ABC):
    """The primitive reads as Cypher, over some way of running a read (an auto-commit query, or a
    query in the write transaction that judges what it wrote)."""

    @abstractmethod
    def _read(self, text: str, parameters: dict[str, Any], doing: str) -> list[list[Any]]:
        """The rows of one query."""

    def nodes(self, ids: Collection[str]) -> dict[str, Node]:
        if not ids:
            return {}
        ((rows, clocks),) = self._read(_READ_NODES, {"ids": list(ids)}, "reading nodes")
        return _decode_nodes(rows, clocks_of_rows(clocks))

    def edges(
        self, ids: Collection[str], kinds: Collection[EdgeKind], direction: EdgeDirection
    ) -> list[Edge]:
        rows = self._read_edges(ids, kinds, direction, "edges")
        if not rows:
            return []
        found, clocks = rows[0]
        return _decode_edges(found, None, clocks_of_rows(clocks))

    def _clocks_of(self, maps: Iterable[Mapping[str, Any]]) -> dict[str, column_clocks.Clocks]:
        """The column clocks the stored property maps refer to (one more read when any do: the
        reads a walk makes return them instead, ``cypher.graph._CLOCKS_OF_OWNERS``)."""
        owners = _clock_owners(maps)
        if not owners:
            return {}
        ((rows,),) = self._read(_READ_CLOCKS, {"ids": sorted(owners)}, "reading column clocks")
        return clocks_of_rows(rows)

    def _neighbourhood_of(
        self, rows: list[Any], direction: Reach, node_props: Sequence[str] | None
    ) -> Neighbourhood:
        """A neighbourhood from the columns of its read (``_neighbourhood_query``), or the same
        columns put together from a walk read ahead (``walk_ahead``)."""
        (
            edge_rows,
            node_rows,
            ahead_rows,
            element_ids,
            entering_rows,
            source_rows,
            source_ids,
            *read_clocks,  # the clocks what it read whole refers to, when it read any whole
        ) = rows
        if read_clocks:
            clocks = clocks_of_rows(read_clocks[0])
        else:  # (a read of marks and summaries only: no clocks are referred to)
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

    def _level_of(
        self, rows: list[Any], direction: Reach, node_props: Sequence[str]
    ) -> Neighbourhood:
        """A neighbourhood from the columns of a level read in summary form whose edges are marks
        only (``with_props`` False), kept as those rows (:class:`NeighbourhoodRows`) for a native
        view to install, decoded as :meth:`_neighbourhood_of` decodes them for anyone else."""
        if direction == "both" or len(rows) != 7:  # (edges met from either end, or clocks read)
            return self._neighbourhood_of(rows, direction, node_props)
        return NeighbourhoodRows(
            rows,
            summary_parameter(node_props),
            summary_kept(node_props),
            functools.partial(self._neighbourhood_of, rows, direction, node_props),
        )

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


class StoreReads(NeighbourhoodSource, Protocol):
    """The Neo4j store as the reads beside it use it: its auto-commit query and the decoding of
    a neighbourhood read's columns (:class:`_CypherReads`), a read run beside the caller's
    (``soon``), and the reads a walk read ahead passes on (``walk_ahead``)."""

    def _read(self, text: str, parameters: dict[str, Any], doing: str) -> list[list[Any]]: ...

    def _neighbourhood_of(
        self, rows: list[Any], direction: Reach, node_props: Sequence[str] | None
    ) -> Neighbourhood: ...

    def _level_of(
        self, rows: list[Any], direction: Reach, node_props: Sequence[str]
    ) -> Neighbourhood: ...


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
        return self._tx.run(text, unprinted(parameters)).values()
