"""What a write batch read under lock, and what it does to column clocks and the references
to them (``graph.stores.column_clocks``) as Neo4j properties."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import orjson

from graph.core.model import Edge, Node
from graph.core.mutations import Changes, UpsertNode
from graph.stores import EdgeKey, column_clocks
from graph.stores.neo4j.codec import _AT_REFS, _BOOKKEEPING, _CLOCK_OWNER, _CLOCKS, _REFS, _same

_Key = TypeVar("_Key")


@dataclass(slots=True)
class _Locked(Generic[_Key]):
    """What a batch read under lock: per id or key, the element id, the stored property map (as
    Neo4j holds it, to write only what changes) and the decoded element when it is one of ours."""

    eids: dict[_Key, str] = field(default_factory=dict)
    stored: dict[_Key, dict[str, Any]] = field(default_factory=dict)
    current: dict[_Key, Any] = field(default_factory=dict)
    labels: dict[_Key, list[str]] = field(default_factory=dict)


_Book = list[Any]  # [owner, {property: [digest, ...]}, [time-valued property, ...]]


def _book_of(stored: Mapping[str, Any] | None) -> _Book | None:
    if not stored or not stored.get(_REFS):
        return None
    return [stored[_CLOCK_OWNER], orjson.loads(stored[_REFS]), list(stored.get(_AT_REFS) or ())]


class _Books:
    """What a batch does to column clocks and the references to them (``graph.stores.column_clocks``):
    references kept or dropped by the elements it changes, digests that leaves no longer wholly
    referred to, references its groups written element by element make again, and the clocks'
    new state (``clocks``, by owner, changed in place)."""

    def __init__(self, clocks: dict[str, column_clocks.Clocks]) -> None:
        self.clocks = clocks
        self.stored_clocks = {owner: column_clocks.dump(held) for owner, held in clocks.items()}
        self.books: dict[Any, _Book] = {}
        self.invalid: dict[str, set[str]] = {}

    def changed(
        self, key: Any, stored: Mapping[str, Any] | None, old: Node | Edge | None, new: Node | Edge
    ) -> None:
        book = _book_of(stored)
        if book is None:
            return
        kept, timed, dropped = column_clocks.kept_refs(
            book[1],
            book[2],
            (old.props, old.stamps) if old is not None else None,
            (new.props, new.stamps),
            _same,
        )
        self.books[key] = [book[0], kept, timed]
        if dropped:
            self.invalid.setdefault(book[0], set()).update(dropped)

    def invalidate(self) -> None:
        for owner, digests in self.invalid.items():
            held = self.clocks.get(owner, {})
            for digest in digests:
                if digest in held:
                    held[digest][column_clocks.VALID] = 0

    def establish(
        self,
        group: column_clocks.Group,
        nodes: _Locked[str],
        edges: _Locked[EdgeKey],
        changes: Changes,
    ) -> None:
        """Make the references of a group written element by element, if what that left holds
        its content (a newer writer's values would not)."""
        held = self.clocks.get(group.owner)
        if held is None or not column_clocks.establishable(group, held):
            return
        adds = []
        for m in group.mutations:
            key = column_clocks.element_key(m)
            if type(m) is UpsertNode:
                element, stored = (
                    changes.nodes.get(key) or nodes.current.get(key),
                    nodes.stored.get(key),
                )
            else:
                element, stored = (
                    changes.edges.get(key) or edges.current.get(key),
                    edges.stored.get(key),
                )
            book = self.books.get(key) or _book_of(stored)
            if element is None or (book is not None and book[1] and book[0] != group.owner):
                return
            found = column_clocks.content_refs(m, group.at, element.props, element.stamps, _same)
            if found is None:
                return
            adds.append((key, book, found))
        column_clocks.establish(group, held)
        for key, book, (keys, timed) in adds:
            book = self.books.get(key) or book or [group.owner, {}, []]
            book[0] = group.owner
            for name in keys:
                digests = book[1].setdefault(name, [])
                if group.digest not in digests:
                    digests.append(group.digest)
            book[2].extend(name for name in timed if name not in book[2])
            self.books[key] = book

    def props(self, key: Any, stored: Mapping[str, Any] | None) -> dict[str, Any]:
        """The bookkeeping properties the element holds after the batch."""
        out: dict[str, Any] = {}
        book = self.books[key] if key in self.books else _book_of(stored)
        if book is not None and book[1]:
            out[_CLOCK_OWNER] = book[0]
            out[_REFS] = orjson.dumps(book[1], option=orjson.OPT_SORT_KEYS).decode()
            if book[2]:
                out[_AT_REFS] = sorted(book[2])
        if type(key) is str:
            if key in self.clocks:
                if self.clocks[key]:
                    out[_CLOCKS] = column_clocks.dump(self.clocks[key])
            elif stored and stored.get(_CLOCKS):
                out[_CLOCKS] = stored[_CLOCKS]
        return out

    def delta(self, key: Any, stored: Mapping[str, Any]) -> dict[str, Any]:
        """The ``SET +=`` map of an element the batch changes only the bookkeeping of."""
        wanted = self.props(key, stored)
        return {
            name: wanted.get(name)
            for name in _BOOKKEEPING
            if not _same(wanted.get(name), stored.get(name))
        }

    def touched_nodes(self, changed: Collection[str]) -> list[str]:
        moved = [
            owner
            for owner, held in self.clocks.items()
            if column_clocks.dump(held) != self.stored_clocks[owner]
        ]
        return sorted({*(key for key in self.books if type(key) is str), *moved} - set(changed))

    def touched_edges(self, changed: Collection[EdgeKey]) -> list[EdgeKey]:
        return [key for key in self.books if type(key) is tuple and key not in changed]
