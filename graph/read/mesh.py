"""Data mesh queries: domains, data products, contracts, consumers and ownership.

Plain functions over the store primitives, like ``graph.read.lineage``. A dataset's domain is the one
a catalog, contract or dbt project declares; a domain mapping rule only decides when nothing
declares one. A job's domains are the domains of the datasets it writes: that is how a job
reading another domain's product makes its own domain a consumer of that product.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from graph.core.model import EdgeKind, Node, NodeKind, PropertyKey, domain_id, owner_id, product_id
from graph.read.aliases import AliasResolver, canonical_targets, sources_into
from graph.read.view import view_of
from graph.stores import GraphReader

PAGE = 1000


@dataclass(frozen=True, slots=True)
class ProductConsumer:
    """Someone depending on a product: a declared consumer (contract) or a job reading it."""

    node: Node
    domain: str | None
    declared: bool
    datasets: tuple[str, ...]


def all_of_kind(store: GraphReader, kind: NodeKind) -> list[Node]:
    found: list[Node] = []
    after = None
    while page := store.nodes_of_kind(kind, PAGE, after):
        found.extend(page)
        after = page[-1].id
    return found


def domain(store: GraphReader, name: str) -> Node | None:
    return store.nodes([domain_id(name)]).get(domain_id(name))


def product(store: GraphReader, domain_name: str, name: str) -> Node | None:
    pid = product_id(domain_name, name)
    return store.nodes([pid]).get(pid)


def owner(store: GraphReader, name: str) -> Node | None:
    return store.nodes([owner_id(name)]).get(owner_id(name))


def _members_of_domain(store: GraphReader, domain_node: Node, kind: NodeKind) -> list[Node]:
    edges = store.edges({domain_node.id}, (EdgeKind.BELONGS_TO,), "in")
    found = store.nodes({e.source for e in edges})
    return [found[i] for i in sorted(found) if found[i].kind is kind]


def domain_products(store: GraphReader, domain_node: Node) -> list[Node]:
    return _members_of_domain(store, domain_node, NodeKind.DATA_PRODUCT)


def domain_datasets(store: GraphReader, domain_node: Node) -> list[Node]:
    """Datasets whose domain (declared, else rule-made) is this one."""
    candidates = _members_of_domain(store, domain_node, NodeKind.DATASET)
    domains = dataset_domains(store, [c.id for c in candidates])
    return [c for c in candidates if domains.get(c.id) == domain_node.id]


def dataset_domains(store: GraphReader, dataset_ids: Iterable[str]) -> dict[str, str]:
    """Each dataset's domain id: a declared assignment wins over a rule; among equals the most
    recently seen, then the smallest id, so the answer is the same on every store (the native
    core's rule, ``native/core/impact.h``, which the impact report applies too)."""
    return view_of(store).native.dataset_domains(list(dataset_ids))


def exposed_datasets(store: GraphReader, product_node: Node) -> list[Node]:
    return canonical_targets(store, product_node.id, EdgeKind.EXPOSES)


def publishing_products(store: GraphReader, dataset_node: Node) -> list[Node]:
    """Data products exposing the dataset under any of its names."""
    return sources_into(store, dataset_node, EdgeKind.EXPOSES)


def products_publishing(store: GraphReader, dataset_ids: Iterable[str]) -> list[Node]:
    """Data products exposing any of the datasets (under any of their names), in two reads (one
    more per alias hop): the exposing edges are read with the aliases."""
    _, keys = AliasResolver(store).keys_into(dataset_ids, (EdgeKind.EXPOSES,))
    found = store.nodes({source for source, _, _ in keys})
    return [found[i] for i in sorted(found)]


def governed_datasets(store: GraphReader, contract_node: Node) -> list[Node]:
    return canonical_targets(store, contract_node.id, EdgeKind.GOVERNS)


def contracts(store: GraphReader, product_node: Node) -> list[Node]:
    edges = store.edges({product_node.id}, (EdgeKind.HAS_CONTRACT,), "out")
    found = store.nodes({e.target for e in edges})
    return [found[i] for i in sorted(found)]


def job_domains(store: GraphReader, job_ids: Iterable[str]) -> dict[str, set[str]]:
    """The domains of the datasets each job writes."""
    job_ids = set(job_ids)
    writes = store.edge_keys(job_ids, (EdgeKind.WRITES,), "out")  # followed only: no properties
    canonical = AliasResolver(store).canonical({target for _, _, target in writes})
    domains = dataset_domains(store, set(canonical.values()))
    result: dict[str, set[str]] = {j: set() for j in job_ids}
    for source, _, target in writes:
        found = domains.get(canonical[target])
        if found:
            result[source].add(found)
    return result


def product_consumers(store: GraphReader, product_node: Node) -> list[ProductConsumer]:
    """Declared consumers (contracts) and jobs outside the product's domain reading its datasets."""
    found: list[ProductConsumer] = []
    declared = store.edges({product_node.id}, (EdgeKind.CONSUMES,), "in")
    declared_nodes = store.nodes({e.source for e in declared})
    for cid in sorted(declared_nodes):
        node = declared_nodes[cid]
        found.append(ProductConsumer(node, _domain_of_consumer(node), True, ()))
    datasets = exposed_datasets(store, product_node)
    members = AliasResolver(store).members({d.id for d in datasets})
    reads = store.edges(set(members), (EdgeKind.READS,), "in")
    read_by: dict[str, set[str]] = {}
    for edge in reads:
        read_by.setdefault(edge.source, set()).add(members[edge.target])
    domain = product_node.props.get(PropertyKey.DOMAIN)
    own_domain = domain_id(domain) if domain else None
    domains = job_domains(store, read_by)
    jobs = store.nodes(set(read_by))
    for jid in sorted(jobs):
        job_domain_ids = domains.get(jid) or set()
        if own_domain in job_domain_ids:
            continue  # the product's own pipelines are not its consumers
        foreign = sorted(job_domain_ids)
        found.append(
            ProductConsumer(
                jobs[jid], foreign[0] if foreign else None, False, tuple(sorted(read_by[jid]))
            )
        )
    return found


def _domain_of_consumer(node: Node) -> str | None:
    name = node.props.get(PropertyKey.DOMAIN)
    return domain_id(name) if name else None


def consuming_domains(store: GraphReader, domain_node: Node) -> list[str]:
    """Ids of the other domains that consume this domain's products."""
    result: set[str] = set()
    for product_node in domain_products(store, domain_node):
        for consumer in product_consumers(store, product_node):
            if consumer.domain and consumer.domain != domain_node.id:
                result.add(consumer.domain)
    return sorted(result)


def owned(store: GraphReader, owner_node: Node) -> list[Node]:
    """Everything an owner owns (datasets, jobs, products, domains, contracts), by id."""
    edges = store.edges({owner_node.id}, (EdgeKind.OWNED_BY,), "in")
    found = store.nodes({e.source for e in edges})
    return [found[i] for i in sorted(found)]


@dataclass(frozen=True, slots=True)
class DomainDependency:
    """``consumer`` domain depends on ``provider`` domain through one of its products."""

    consumer: str
    provider: str
    product: Node
    via: tuple[ProductConsumer, ...]


def domain_dependencies(store: GraphReader) -> list[DomainDependency]:
    """The mesh's domain dependency graph: one edge per (consumer domain, product), sorted."""
    found: list[DomainDependency] = []
    for provider in all_of_kind(store, NodeKind.DOMAIN):
        for product_node in domain_products(store, provider):
            by_domain: dict[str, list[ProductConsumer]] = {}
            for consumer in product_consumers(store, product_node):
                if consumer.domain and consumer.domain != provider.id:
                    by_domain.setdefault(consumer.domain, []).append(consumer)
            for consumer_domain, via in by_domain.items():
                found.append(
                    DomainDependency(consumer_domain, provider.id, product_node, tuple(via))
                )
    return sorted(found, key=lambda d: (d.consumer, d.provider, d.product.id))
