"""Relay-style connections: lists that grow with the graph, a page at a time.

A page is ``first`` items after the cursor ``after``, with the list's ``totalCount`` and
``pageInfo``. Cursors are opaque and stable: each encodes its item's place in the list's order
(its sort key), not an offset, so a page asked for after the graph changed starts right after
the item the client last saw, wherever that item now stands.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import strawberry

from graph.core.errors import QueryError

T = TypeVar("T")
Item = TypeVar("Item")
SortKey = tuple[str, ...]

DEFAULT_PAGE = 100  # items of a page where `first` is null


@strawberry.type(description="Where a page stands in its list (Relay).")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool = strawberry.field(
        description="Whether items come before this page (it was asked `after` one)."
    )
    start_cursor: str | None = strawberry.field(
        description="The first item's cursor; null on an empty page."
    )
    end_cursor: str | None = strawberry.field(
        description="The last item's cursor: pass it as `after` for the next page."
    )


@strawberry.type(description="An item of a page and its cursor.")
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type(description="A page of a list, Relay style: `first` items `after` a cursor.")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    nodes: list[T] = strawberry.field(
        description="The page's items, as `edges { node }` without the cursors."
    )
    page_info: PageInfo
    total_count: int = strawberry.field(description="How many items the whole list holds.")


def encode_cursor(key: SortKey) -> str:
    return (
        base64.urlsafe_b64encode(json.dumps(list(key), separators=(",", ":")).encode())
        .decode()
        .rstrip("=")
    )


def decode_cursor(cursor: str) -> SortKey:
    """The sort key a cursor encodes; a QueryError for anything this module did not make."""
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError):
        raise QueryError(f"invalid cursor {cursor!r}") from None
    if not isinstance(key, list) or not all(isinstance(part, str) for part in key):
        raise QueryError(f"invalid cursor {cursor!r}")
    return tuple(key)


def page_size(first: int | None, max_page: int) -> int:
    """``first`` (``DEFAULT_PAGE`` when null), at most ``max_page``; a negative one is an error."""
    if first is not None and first < 0:
        raise QueryError(f"first must be 0 or more, not {first}")
    return min(DEFAULT_PAGE if first is None else first, max_page)


@dataclass(frozen=True)
class Page(Generic[Item]):
    """One page of a sorted list: its items with their cursors, and where it stands."""

    items: list[Item]
    cursors: list[str]
    total_count: int
    has_next_page: bool
    has_previous_page: bool

    def page_info(self) -> PageInfo:
        return PageInfo(
            has_next_page=self.has_next_page,
            has_previous_page=self.has_previous_page,
            start_cursor=self.cursors[0] if self.cursors else None,
            end_cursor=self.cursors[-1] if self.cursors else None,
        )

    def connection(self, make: Callable[[Item], T]) -> Connection[T]:
        nodes = [make(item) for item in self.items]
        return self.connection_of(nodes)

    def connection_of(self, nodes: Sequence[T]) -> Connection[T]:
        """The connection of this page, its items already made into ``nodes`` (in order)."""
        edges = [Edge(cursor=cursor, node=node) for cursor, node in zip(self.cursors, nodes)]
        return Connection(
            edges=edges, nodes=list(nodes), page_info=self.page_info(), total_count=self.total_count
        )


def paginate(
    items: Sequence[Item],
    key: Callable[[Item], SortKey],
    first: int | None,
    after: str | None,
    max_page: int,
    descending: bool = False,
    ranked: bool = False,
) -> Page[Item]:
    """The page of ``items`` (sorted by ``key``, ascending or ``descending``, keys unique) holding the
    ``first`` items after the one whose cursor is ``after``. ``ranked``: the order is no order of the
    keys (a search ranking): a page starts after the item the cursor names, which must still be listed."""
    size = page_size(first, max_page)
    keys = [key(item) for item in items]
    start = 0
    if after is not None:
        past = decode_cursor(after)
        if ranked:
            if past not in keys:
                raise QueryError(
                    f"cursor {after!r} names no item of the list any more: start again without `after`"
                )
            start = keys.index(past) + 1
        else:
            start = next(
                (i for i, k in enumerate(keys) if (k < past if descending else k > past)), len(keys)
            )
    chosen = range(start, min(start + size, len(items)))
    return Page(
        items=[items[i] for i in chosen],
        cursors=[encode_cursor(keys[i]) for i in chosen],
        total_count=len(items),
        has_next_page=chosen.stop < len(items),
        has_previous_page=start > 0,
    )
