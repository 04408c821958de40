"""Search that finds what was meant: ranking and filters over the stores' name search.

A store finds names containing the text; here the hits are ranked the way a person typing a name
means it: an exact name first, then a name starting with the text, then one with a word starting
with it, then the rest; a dataset or job before a product, domain or owner, and those before a
column (a column named ``orders`` is seldom what ``orders`` means). A dataset's name counts also
without its schema (``delivery_7_days`` is exactly ``public.delivery_7_days``); a column is found
as ``dataset.column``, any node as ``namespace:name`` and by its id. Each kind is asked
of the store separately, so thousands of matching columns cannot crowd a dataset out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from graph.core.model import EdgeKind, Node, NodeKind, PropertyKey
from graph.stores import GraphReader

SEARCHABLE = (
    NodeKind.DATASET,
    NodeKind.JOB,
    NodeKind.COLUMN,
    NodeKind.DATA_PRODUCT,
    NodeKind.DOMAIN,
    NodeKind.OWNER,
)
# what a person most likely means, among hits that match equally well
KIND_RANK = {
    NodeKind.DATASET: 0,
    NodeKind.JOB: 1,
    NodeKind.DATA_PRODUCT: 2,
    NodeKind.DOMAIN: 3,
    NodeKind.OWNER: 4,
    NodeKind.COLUMN: 5,
}
EXACT, PREFIX, WORD, CONTAINS = range(4)
_SCAN_PAGE = 5000  # nodes read at a time when a tag alone selects
_WORDS = re.compile(r"[._\-/:\s]+")


@dataclass(frozen=True, slots=True)
class SearchFilter:
    """What hits must be: of one of ``kinds`` (all when empty), in ``namespace``, of ``domain``
    (a dataset's, a job's written datasets', a column's dataset's, a product's), owned by
    ``owner`` (a column: its dataset), tagged ``tag`` (a column: or its dataset)."""

    kinds: tuple[NodeKind, ...] = ()
    namespace: str | None = None
    domain: str | None = None
    owner: str | None = None
    tag: str | None = None

    @property
    def narrows(self) -> bool:
        return any((self.namespace, self.domain, self.owner, self.tag))


@dataclass(frozen=True, slots=True)
class Hit:
    node: Node
    dataset: Node | None  # a column's dataset
    domain: str | None  # the domain's name, where the hit has one (see ``describe``)


def match_rank(text: str, name: str) -> int:
    """How well ``name`` matches the lower-case ``text`` (EXACT best)."""
    name = name.lower()
    short = name.rsplit(".", 1)[-1]
    if text in (name, short):
        return EXACT
    if name.startswith(text) or short.startswith(text):
        return PREFIX
    if any(word.startswith(text) for word in _WORDS.split(name)):
        return WORD
    return CONTAINS


def _name(node: Node) -> str:
    return str(node.props.get(PropertyKey.NAME) or node.id)


def search(
    store: GraphReader, text: str, first: int, where: SearchFilter = SearchFilter()
) -> list[Hit]:
    """The ``first`` best hits for ``text`` that pass ``where``, best first. Without ``text`` a
    ``tag`` alone selects: the nodes carrying it themselves (:func:`_tagged`)."""
    if first <= 0 or not (text or where.tag):
        return []
    needle = text.lower()
    kinds = where.kinds or SEARCHABLE
    # a filter drops hits after the store has counted them: ask it for more then
    asked = first * 4 if where.narrows else first
    found: list[Node] = []
    qualified: dict[str, Node] = {}
    if not needle:
        found = _tagged(store, kinds, str(where.tag).lower(), asked)
    else:
        for kind in kinds:
            found.extend(store.search(needle, (kind,), asked))
        qualified = _qualified(store, needle, kinds, asked)
        qualified.update(_by_id(store, text.strip(), kinds))
        seen = {n.id for n in found}
        found.extend(n for n in qualified.values() if n.id not in seen)
    if where.namespace is not None:
        found = [n for n in found if n.props.get(PropertyKey.NAMESPACE) == where.namespace]
    datasets = _datasets_of_columns(store, found)
    hits = [Hit(n, datasets.get(n.id), None) for n in found]
    if where.domain is not None:
        hits = [h for h in describe(store, hits) if h.domain == where.domain]
    if where.owner is not None:
        hits = _owned_by(store, hits, where.owner)
    if where.tag is not None:
        tag = where.tag.lower()
        hits = [h for h in hits if tag in _tags(h.node) or (h.dataset and tag in _tags(h.dataset))]
    hits.sort(
        key=lambda h: (
            _rank(needle, h.node, qualified),
            KIND_RANK.get(h.node.kind, 9),
            len(_name(h.node)),
            _name(h.node),
            h.node.id,
        )
    )
    return hits[:first]


def _qualified(
    store: GraphReader, needle: str, kinds: Sequence[NodeKind], asked: int
) -> dict[str, Node]:
    """Hits for the qualified forms a person types: ``dataset.column`` (``customers.email``: the
    columns of a dataset so named, with or without its schema, whose name starts with the last
    part), ``namespace:name`` (``food_delivery:public.customers``: hits of that namespace
    named by the last part) and the two together (``food_delivery:public.customers.email``).
    Each is ranked by its last part (``_rank``)."""
    found: dict[str, Node] = {}
    if NodeKind.COLUMN in kinds:
        found.update(_columns_named(store, needle, asked))
    namespace, colon, name = needle.rpartition(":")
    if colon and namespace and name:

        def in_namespace(node: Node) -> bool:
            return str(node.props.get(PropertyKey.NAMESPACE) or "").lower() == namespace

        for kind in kinds:
            for node in store.search(name, (kind,), asked):
                if in_namespace(node):
                    found[node.id] = node
        if NodeKind.COLUMN in kinds:
            found.update(
                (id, n) for id, n in _columns_named(store, name, asked).items() if in_namespace(n)
            )
    return found


def _columns_named(store: GraphReader, needle: str, asked: int) -> dict[str, Node]:
    """The columns ``dataset.column`` names: of a dataset so named (with or without its schema),
    whose name starts with the last part."""
    table, dot, column = needle.rpartition(".")
    if not (dot and table and column):
        return {}
    datasets = [d for d in store.search(table, (NodeKind.DATASET,), asked) if _named(d, table)]
    edges = store.edges({d.id for d in datasets}, (EdgeKind.HAS_COLUMN,), "out")
    return {
        node.id: node
        for node in store.nodes({e.target for e in edges}).values()
        if _name(node).lower().startswith(column)
    }


def _by_id(store: GraphReader, text: str, kinds: Sequence[NodeKind]) -> dict[str, Node]:
    """The node whose id is ``text`` exactly (a permalink's or an API answer's id pasted)."""
    if ":" not in text:
        return {}
    return {id: n for id, n in store.nodes({text}).items() if n.kind in kinds}


def _tagged(store: GraphReader, kinds: Sequence[NodeKind], tag: str, asked: int) -> list[Node]:
    """The nodes of ``kinds`` carrying ``tag`` themselves (a column by its own tags: listing every
    column of a tagged dataset would bury the dataset), kind by kind in ``KIND_RANK`` order (the
    order hits of equal match rank), read in pages of every node of the kind; a kind ranked after
    ``asked`` hits found is not read, since none of it could be shown before them."""
    found: list[Node] = []
    for kind in sorted(kinds, key=lambda k: KIND_RANK.get(k, 9)):
        if len(found) >= asked:
            break
        after: str | None = None
        while page := store.nodes_of_kind(kind, _SCAN_PAGE, after):
            found.extend(n for n in page if tag in _tags(n))
            after = page[-1].id
    return found


def _named(dataset: Node, text: str) -> bool:
    """``dataset`` is named ``text``, with or without its schema (lower-case ``text``)."""
    name = _name(dataset).lower()
    return name == text or name.endswith(f".{text}")


def _rank(needle: str, node: Node, qualified: dict[str, Node]) -> int:
    """How well ``node`` matches: by the last part of a qualified form it was found by; its id
    typed whole matches exactly."""
    if node.id.lower() == needle:
        return EXACT
    if node.id in qualified:
        return match_rank(re.split(r"[.:]", needle)[-1], _name(node))
    return match_rank(needle, _name(node))


def describe(store: GraphReader, hits: Sequence[Hit]) -> list[Hit]:
    """The hits with their domains: asked for the page shown (a thousand hits' domains are reads
    a keystroke need not wait for), or for all when a domain filters them."""
    if not hits:
        return []
    domains = _domains(
        store,
        [h.node for h in hits],
        {h.node.id: h.dataset for h in hits if h.dataset is not None},
    )
    return [Hit(h.node, h.dataset, domains.get(h.node.id)) for h in hits]


def _tags(node: Node) -> set[str]:
    return {str(t).lower() for t in node.props.get("tags") or ()}


def _datasets_of_columns(store: GraphReader, nodes: Sequence[Node]) -> dict[str, Node]:
    wanted = {
        n.id: n.props[PropertyKey.DATASET_ID]
        for n in nodes
        if n.kind is NodeKind.COLUMN and n.props.get(PropertyKey.DATASET_ID)
    }
    found = store.nodes(set(wanted.values())) if wanted else {}
    return {column: found[d] for column, d in wanted.items() if d in found}


def _domains(
    store: GraphReader, nodes: Sequence[Node], datasets: dict[str, Node]
) -> dict[str, str]:
    """Each hit's domain name, where it has one (a job: the first of its written datasets')."""
    from graph.read import mesh

    of_dataset = {n.id: n.id for n in nodes if n.kind is NodeKind.DATASET}
    of_dataset.update({column: d.id for column, d in datasets.items()})
    domain_ids = mesh.dataset_domains(store, set(of_dataset.values())) if of_dataset else {}
    result = {hit: domain_ids[d] for hit, d in of_dataset.items() if d in domain_ids}
    jobs = [n.id for n in nodes if n.kind is NodeKind.JOB]
    if jobs:
        for job, ids in mesh.job_domains(store, jobs).items():
            if ids:
                result[job] = sorted(ids)[0]
    named = store.nodes(set(result.values())) if result else {}
    names = {hit: _name(named[d]) for hit, d in result.items() if d in named}
    for n in nodes:
        if n.kind is NodeKind.DATA_PRODUCT and n.props.get(PropertyKey.DOMAIN):
            names[n.id] = str(n.props[PropertyKey.DOMAIN])
        elif n.kind is NodeKind.DOMAIN:
            names[n.id] = _name(n)
    return names


def _owned_by(store: GraphReader, hits: list[Hit], owner: str) -> list[Hit]:
    """The hits ``owner`` owns (by the owner's name); a column by its dataset's owners."""
    owned_id = {h.node.id: (h.dataset.id if h.dataset else h.node.id) for h in hits}
    edges = store.edges(set(owned_id.values()), (EdgeKind.OWNED_BY,), "out")
    owners = store.nodes({e.target for e in edges})
    by_owner = {e.source for e in edges if e.target in owners and _name(owners[e.target]) == owner}
    return [
        h
        for h in hits
        if (h.node.kind is NodeKind.OWNER and _name(h.node) == owner)
        or owned_id[h.node.id] in by_owner
    ]
