"""The store contract and ``open_store``, which picks an implementation from a URI.

Like pyiceberg's ``Catalog``/``load_catalog``: the abstract methods below are the whole contract,
and each backend lives in a module of its own (``embedded``, ``neo4j``). Stores only apply
mutations and answer a few primitive reads; every query (lineage, search, details) is written
once, over these primitives, in the modules beside ``graph.stores``, so every store gives the
same answers by construction.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Collection, Literal, Protocol, Sequence

from graph.model import Edge, EdgeKind, Node, NodeKind
from graph.mutations import Mutation

EdgeDirection = Literal["out", "in"]

DEFAULT_DATA_DIR = Path(os.environ.get("LINEAGEMESH_DATA_DIR", "~/.lineagemesh")).expanduser()


class StoreUnavailable(RuntimeError):
    """The backend cannot be reached right now; the caller should retry (HTTP 503)."""


class GraphReader(Protocol):
    """The read primitives every query is written against: a store, or a view of one."""

    uri: str

    def nodes(self, ids: Collection[str]) -> dict[str, Node]: ...

    def edges(self, ids: Collection[str], kinds: Collection[EdgeKind], direction: EdgeDirection) -> list[Edge]: ...

    def search(self, text: str, kinds: Collection[NodeKind], first: int) -> list[Node]: ...

    def nodes_of_kind(self, kind: NodeKind, first: int, after: str | None = None) -> list[Node]: ...

    def counts(self) -> dict[str, int]: ...


class Store(ABC):
    """A durable property graph of metadata. Implementations are safe to call from many threads."""

    uri: str

    @abstractmethod
    def apply(self, mutations: Sequence[Mutation]) -> int:
        """Apply a batch atomically; return only once it is durable. Returns how many nodes and
        edges changed (0 for a batch that was already applied). Raises StoreUnavailable when the
        backend is unreachable, in which case nothing of the batch was applied."""

    @abstractmethod
    def nodes(self, ids: Collection[str]) -> dict[str, Node]:
        """The nodes among ``ids`` that exist."""

    @abstractmethod
    def edges(
        self, ids: Collection[str], kinds: Collection[EdgeKind], direction: EdgeDirection
    ) -> list[Edge]:
        """Edges of the given kinds leaving (``out``) or entering (``in``) any node in ``ids``."""

    @abstractmethod
    def search(self, text: str, kinds: Collection[NodeKind], first: int) -> list[Node]:
        """Nodes of ``kinds`` whose name contains ``text`` (case-insensitive): exact matches first,
        then prefix matches, then the rest, each group by name then id; at most ``first``."""

    @abstractmethod
    def nodes_of_kind(self, kind: NodeKind, first: int, after: str | None = None) -> list[Node]:
        """Nodes of one kind in id order, starting after the id ``after``; at most ``first``."""

    @abstractmethod
    def counts(self) -> dict[str, int]:
        """Node counts per kind and edge counts per kind, keyed by the kind's value."""

    @abstractmethod
    def ping(self) -> None:
        """Raise StoreUnavailable unless the backend answers."""

    def close(self) -> None:
        """Release connections and files."""

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(uri: str | None = None, **options: str | None) -> Store:
    """Open the store a URI names: ``bolt://``/``neo4j://`` (and ``+s``/``+ssc`` variants) is Neo4j,
    ``embedded:PATH`` or a plain directory path is the embedded store; nothing means the embedded
    store in ``--data-dir`` (``options['data_dir']``) or ``~/.lineagemesh``."""
    uri = uri or os.environ.get("LINEAGEMESH_STORE") or None
    if uri and uri.split("://", 1)[0] in _NEO4J_SCHEMES:
        from graph.stores.neo4j import Neo4jStore

        return Neo4jStore(
            uri,
            user=options.get("user") or os.environ.get("LINEAGEMESH_NEO4J_USER"),
            password=options.get("password") or os.environ.get("LINEAGEMESH_NEO4J_PASSWORD"),
            database=options.get("database") or os.environ.get("LINEAGEMESH_NEO4J_DATABASE") or "neo4j",
        )
    from graph.stores.embedded import EmbeddedStore

    if uri:
        path = uri.removeprefix("embedded://").removeprefix("embedded:")
    else:
        path = options.get("data_dir") or str(DEFAULT_DATA_DIR)
    return EmbeddedStore(Path(path).expanduser())


_NEO4J_SCHEMES = {"bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"}
