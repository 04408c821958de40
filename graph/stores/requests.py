"""The read requests of the store contract, each one typed value instead of a long argument list.

A view reads a whole level of a walk per :func:`graph.stores.neighbourhood` call; the store that
answers it (``graph.stores.neo4j``), the read-ahead in front of it (``walk_ahead``), the generic
answer from primitives and the native view (``native/bindings/remote_source.cc``, which builds
the request by keyword) all take this one value, so a new field is added here and read where it
matters, with no argument list to keep in step elsewhere. The reads of the first node by id under
each of many prefixes (``Store.first_of_kind`` and ``first_holding_observed``) take theirs alike.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from graph._native import ObservedSchemas
from graph.core.model import EdgeKind, NodeKind, PropertyKey

#: Where a neighbourhood reads: one way, or both ways at once.
Reach = Literal["out", "in", "both"]

#: The properties walks, their rules and answers read from the nodes they reach (a request's
#: ``node_props`` then starts with them: ``graph.read.view.GraphView(summaries=True)``): names, what a
#: column belongs to, what a dataset's schema and column lineage say, drops. A view of a remote
#: store reading for the API asks for these alone; Neo4j keeps them together (format 7).
SUMMARY = (
    PropertyKey.NAMESPACE,
    PropertyKey.NAME,
    PropertyKey.DATASET,
    PropertyKey.DATASET_ID,
    PropertyKey.DECLARED,
    PropertyKey.DELETED,
    PropertyKey.COLUMNS,
    PropertyKey.COLUMN_LINEAGE_AT,
)


@dataclass(frozen=True, slots=True, eq=False)
class WalkPlan:
    """Where one walk goes, given with it: at most ``hops`` dataset level reads (None: no bound),
    dataset walks ``upstream`` and/or ``downstream``; ``looks_around``: it then looks up around
    what it reached (impact's owners, products, domains). The native walk (``graph._native.View``'s
    lineage and impact) reads its hops and ways from the plan alone. A store that reads walks ahead reads the
    start with its first levels by it (``WalksAhead.start_walk``) and, handed it with each of the
    walk's level reads (``NeighbourhoodRequest.plan``), reads on as far as the plan goes. Each walk
    makes its own: what was read ahead for one walk is kept for that walk alone."""

    hops: int | None
    upstream: bool = False
    downstream: bool = False
    looks_around: bool = False


@dataclass(frozen=True, slots=True, eq=False)
class NeighbourhoodRequest:
    """One level of a walk, read in one go: the edges of ``kinds`` at ``ids`` (``direction``
    ``"both"``: leaving and entering, each once), the nodes at their far ends, the keys of the
    ``ahead`` edges leaving the far ends and of the ``ahead_in`` edges entering them (with their
    sources): what the walk reads next from there.

    ``with_props`` False: the edges may come with empty properties and stamps, for a caller that
    only follows them. ``node_props``: the nodes may carry only those properties and no stamps.
    ``handles``: for some of ``ids``, the handles an earlier neighbourhood of the same query gave
    (handles are meant for one query: a node deleted and made again since is not found by its old
    handle). ``plan``: the walk the read is a level of, when the caller walks by one (the native
    view hands it on from the walk's call)."""

    ids: Collection[str]
    kinds: Collection[EdgeKind]
    direction: Reach
    ahead: Collection[EdgeKind] = ()
    with_props: bool = True
    node_props: Sequence[str] | None = None
    handles: Mapping[str, object] | None = None
    ahead_in: Collection[EdgeKind] = ()
    plan: WalkPlan | None = None


@dataclass(frozen=True, slots=True, eq=False)
class FirstsRequest:
    """For each of ``prefixes``, the node of ``kind`` first in id order among those whose id
    starts with it (for those that have one): the newest of ids that sort newest first, for many
    at once (a dataset's newest schema version, for every dataset a batch observes).
    ``keys``: the properties the caller reads; the nodes then hold only those (and their stamps),
    so a store need not make the rest. ``like`` (with ``keys``): per prefix, property values the
    caller holds already (a schema it observed); a store may answer a property equal to one as
    that object, not a copy it made (the answer is the same)."""

    kind: NodeKind
    prefixes: Sequence[str]
    keys: Collection[str] | None = None
    like: Sequence[Mapping[str, Any] | None] | None = None


@dataclass(frozen=True, slots=True, eq=False)
class ObservedFields:
    """The values ``Store.first_holding_observed`` compares, one per prefix: the fields of the
    observations of ``observed`` (a batch's schema observations, ``graph._native.observed_schemas``)
    at ``indices``, where they lie in the batch."""

    observed: ObservedSchemas
    indices: Sequence[int]

    def lists(self) -> list[list[Any]]:
        """The fields made into rows, a list per index (as ``Store.first_holding`` takes them)."""
        return [list(row[4]) for row in self.observed.rows(self.indices)]
