"""The reads the native core makes of a store it does not hold, as one typed interface.

``native/bindings/remote_source.cc`` reads a remote store (Neo4j) through Python, calling its
methods by name over the C API (``PyObject_CallMethod(store, "neighbourhood", ...)``): nothing
there tells mypy or a reader what the store must offer. :class:`NeighbourhoodSource` does: every
method the core calls, with the types it passes and expects, so ``graph/_native.pyi`` types the
native ``View``'s store with it and mypy checks the Neo4j store against it
(``tests/test_remote_reads.py`` fails when the C++ calls a method not named here, or stops
calling one that is).

The core always calls :class:`graph.stores.ReadsLevels`' two methods; the others only where the
store has them (it asks ``hasattr`` once per view), each a capability of its own.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from graph.model import EdgeKind, Node
from graph.stores import Neighbourhood, ReadsLevels, ReadsNewest, ReadsSoon, ReadsSummaries
from graph.stores.requests import NeighbourhoodRequest


@runtime_checkable
class ReadsNeighbourhoodBatches(Protocol):
    """A store that reads several neighbourhoods in one go (a remote store: one round trip for the
    levels of several walks)."""

    def neighbourhoods(self, requests: Sequence[NeighbourhoodRequest]) -> Sequence[Neighbourhood]:
        """The answer to each of ``requests``, in their order."""
        ...


class FactsRows(Protocol):
    """What :class:`ReadsFactsBatches` answers (``graph.stores.neo4j.batched_reads.FactsBatch``)."""

    @property
    def neighbourhoods(self) -> Sequence[Neighbourhood]: ...
    @property
    def runs(self) -> Mapping[str, Node | None]: ...
    @property
    def owned(self) -> Sequence[tuple[Sequence[tuple[str, Any]], Sequence[str]]]: ...
    @property
    def owners(self) -> Mapping[str, Node]: ...
    @property
    def found(self) -> Mapping[int, Sequence[Sequence[Sequence[Any]]]]: ...


@runtime_checkable
class ReadsFactsBatches(Protocol):
    """A store that reads, with a batch of neighbourhoods, what a lineage answer's node facts read
    of runs and owners, lean (``FactsRead`` in the core: its latest run states and its owners in
    the round trip of its facts' edges)."""

    def facts_batch(
        self,
        requests: Sequence[NeighbourhoodRequest],
        jobs: Sequence[str],
        written: Sequence[str],
        owning: Sequence[str],
        found_only: Collection[int] = (),
    ) -> FactsRows:
        """``neighbourhoods(requests)``; the newest run by ``createdAt`` (as ``newest``) of each
        of ``jobs`` and of each job writing one of the datasets ``written`` that the store has,
        carrying at least its ``createdAt`` and ``state`` (None: the job has no run); each of
        ``owning``'s owners as a list of (owner id, its OWNED_BY edge's ``type``), each distinct
        list with the ids of the nodes it is the list of; and those owners, whole. The requests
        at the indexes ``found_only`` answer in ``found``, their far ends as ids and kinds only
        (``batched_reads.FoundRead``: ``RemoteSource::install_found``)."""
        ...


@runtime_checkable
class ReadsAround(Protocol):
    """A store with a lookup of its own around what a walk reached (impact's owners, products,
    domains and contracts): the far ends whole, records only where asked."""

    def lookup_around(
        self,
        ids: Collection[str],
        kinds: Collection[EdgeKind],
        records: Collection[EdgeKind],
        handles: Mapping[str, object] | None = None,
    ) -> Neighbourhood:
        """The edges of ``kinds`` at ``ids`` both ways and their far ends whole, those of
        ``records`` with their records, the others as keys with empty records; ``handles``: for
        some of ``ids``, the handles a neighbourhood of the same query gave, to seek them by."""
        ...


@runtime_checkable
class NeighbourhoodSource(
    ReadsLevels,
    ReadsNeighbourhoodBatches,
    ReadsFactsBatches,
    ReadsAround,
    ReadsSummaries,
    ReadsNewest,
    ReadsSoon,
    Protocol,
):
    """Every method ``native/bindings/remote_source.cc`` calls on the store a native view reads
    remotely: ``nodes`` and ``neighbourhood`` always; ``neighbourhoods``,
    ``facts_batch``, ``lookup_around``, ``node_summaries``, ``newest`` and ``soon`` where the store has
    them. The Neo4j store offers them all."""
