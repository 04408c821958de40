"""``search`` and ``searchConnection``: ranked name search over every kind."""

from __future__ import annotations

import dataclasses

import strawberry
from strawberry.types import Info

from graph.core.model import PropertyKey
from graph.read import search as ranked_search
from graph.serve.connections import Connection, paginate
from graph.serve.schema.context import (
    max_page,
    store_view,
)
from graph.serve.schema.kinds import NodeKind

MAX_SEARCH_RESULTS = 1000


@strawberry.type(description="A search hit.")
class SearchResult:
    id: str
    kind: NodeKind
    namespace: str | None
    name: str | None
    dataset: str | None = strawberry.field(description="A column's dataset (its name).")
    domain: str | None = strawberry.field(description="The hit's domain, where it has one.")


def search_result(hit: ranked_search.Hit) -> SearchResult:
    return SearchResult(
        id=hit.node.id,
        kind=hit.node.kind,
        namespace=hit.node.props.get(PropertyKey.NAMESPACE),
        name=hit.node.props.get(PropertyKey.NAME),
        dataset=hit.dataset.props.get(PropertyKey.NAME) if hit.dataset else None,
        domain=hit.domain,
    )


def hit_id(hit: ranked_search.Hit) -> tuple[str]:
    return (hit.node.id,)


def search(info: Info, text: str, first: int | None = 20) -> list[SearchResult]:
    found = ranked_search.search(
        store_view(info), text, min(20 if first is None else first, MAX_SEARCH_RESULTS)
    )
    return [search_result(hit) for hit in ranked_search.describe(store_view(info), found)]


def search_connection(
    info: Info,
    text: str = "",
    first: int | None = None,
    after: str | None = None,
    kinds: list[NodeKind] | None = None,
    namespace: str | None = None,
    domain: str | None = None,
    owner: str | None = None,
    tag: str | None = None,
) -> Connection[SearchResult]:
    where = ranked_search.SearchFilter(tuple(kinds or ()), namespace, domain, owner, tag)
    found = ranked_search.search(store_view(info), text, MAX_SEARCH_RESULTS, where)
    page = paginate(found, hit_id, first, after, max_page(info), ranked=True)
    page = dataclasses.replace(page, items=ranked_search.describe(store_view(info), page.items))
    return page.connection(search_result)
