"""Product → product lineage: which products feed a product, through which ports, under which
contracts, and whether the link is declared, observed, or both.

A product's datasets are the ones its output ports expose (``EXPOSES``, from a descriptor, a
contract, dbt or an Iceberg catalog) and the ones its contracts govern (``HAS_CONTRACT`` then
``GOVERNS``: an ODPS port names only its contract). A link from product A to product B is

* **declared** when B says it reads A: an input port naming A (``CONSUMES`` B → A), a dataset A
  publishes (``CONSUMES`` B → dataset), or a contract A has (an ODPS input port's ``contractId``);
* **observed** when lineage shows it: a job reads a dataset of A and writes a dataset of B, or
  writes datasets that jobs read on to B's (at most :data:`MAX_HOPS` datasets between them,
  none of them another product's, whose own link it then is).

Plain functions over the store primitives, like ``graph.read.mesh``: the same on every store.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from graph.core.model import EdgeKind, Node, NodeKind, contract_id
from graph.read.aliases import AliasResolver
from graph.read.mesh import all_of_kind
from graph.stores import GraphReader

#: How many datasets lineage may pass through between two products' datasets.
MAX_HOPS = 8
#: The most datasets one walk visits (a guard against a fan-out of thousands of staging tables).
MAX_VISITED = 20_000
PORTS = "ports"  # a product's ports (ingest.products), and the ports named on its edges


@dataclass(frozen=True, slots=True)
class ProductLink:
    """``upstream`` feeds ``downstream``: the ports at each end, the contracts, and how we know."""

    upstream: Node
    downstream: Node
    upstream_ports: tuple[str, ...]
    downstream_ports: tuple[str, ...]
    contracts: tuple[str, ...]  # contract node ids
    declared: bool
    observed: bool
    datasets: tuple[str, ...]  # the upstream's datasets the link starts from
    jobs: tuple[str, ...]  # the jobs lineage shows reading them (observed links)


@dataclass(slots=True)
class _Found:
    upstream_ports: set[str] = field(default_factory=set)
    downstream_ports: set[str] = field(default_factory=set)
    contracts: set[str] = field(default_factory=set)
    datasets: set[str] = field(default_factory=set)
    jobs: set[str] = field(default_factory=set)
    declared: bool = False
    observed: bool = False


@dataclass(slots=True)
class _Publication:
    """How a product publishes a dataset: through which ports, under which contracts."""

    ports: set[str] = field(default_factory=set)
    contracts: set[str] = field(default_factory=set)


def product_datasets(store: GraphReader, product: Node) -> dict[str, _Publication]:
    """The product's datasets (canonical ids): those it exposes and those its contracts govern."""
    return _published(store, [product.id]).get(product.id, {})


def _published(
    store: GraphReader, product_ids: Iterable[str]
) -> dict[str, dict[str, _Publication]]:
    ids = set(product_ids)
    found: dict[str, dict[str, _Publication]] = {p: {} for p in ids}
    exposes = store.edges(ids, (EdgeKind.EXPOSES,), "out")
    has = store.edges(ids, (EdgeKind.HAS_CONTRACT,), "out")
    governs = store.edges({e.target for e in has}, (EdgeKind.GOVERNS,), "out")
    canonical = AliasResolver(store).canonical(
        {e.target for e in exposes} | {e.target for e in governs}
    )
    for edge in exposes:
        entry = found[edge.source].setdefault(canonical[edge.target], _Publication())
        entry.ports.update(edge.props.get(PORTS) or ())
        entry.contracts.update(contract_id(c) for c in edge.props.get("contracts") or ())
    contract_ports: dict[str, list[tuple[str, set[str]]]] = {}
    for edge in has:
        contract_ports.setdefault(edge.target, []).append(
            (edge.source, set(edge.props.get(PORTS) or ()))
        )
    for edge in governs:
        for pid, ports in contract_ports.get(edge.source, ()):
            entry = found[pid].setdefault(canonical[edge.target], _Publication())
            entry.ports.update(ports)
            entry.contracts.add(edge.source)
    return found


def _publishers(
    store: GraphReader, dataset_ids: Iterable[str]
) -> dict[str, dict[str, _Publication]]:
    """For each canonical dataset, the products publishing it (by id), with their ports."""
    resolver = AliasResolver(store)
    members = resolver.members(set(dataset_ids))
    into = store.edges(set(members), (EdgeKind.EXPOSES, EdgeKind.GOVERNS), "in")
    products = {e.source for e in into if e.kind is EdgeKind.EXPOSES}
    contracts = {e.source for e in into if e.kind is EdgeKind.GOVERNS}
    products |= {e.source for e in store.edges(contracts, (EdgeKind.HAS_CONTRACT,), "in")}
    result: dict[str, dict[str, _Publication]] = {}
    wanted = set(members.values())
    for pid, datasets in _published(store, products).items():
        for did, publication in datasets.items():
            if did in wanted:
                result.setdefault(did, {})[pid] = publication
    return result


def upstream_products(store: GraphReader, product: Node) -> list[ProductLink]:
    """The products feeding ``product``, declared by its input ports or observed in lineage."""
    links: dict[str, _Found] = {}
    consumes = store.edges({product.id}, (EdgeKind.CONSUMES,), "out")
    targets = store.nodes({e.target for e in consumes})
    by_dataset: dict[str, set[str]] = {}
    for edge in consumes:
        target = targets.get(edge.target)
        ports = set(edge.props.get(PORTS) or ())
        if target is not None and target.kind is NodeKind.DATA_PRODUCT:
            found = links.setdefault(target.id, _Found(declared=True))
            found.declared = True
            found.downstream_ports |= ports
            found.upstream_ports.update(edge.props.get("upstreamPorts") or ())
        elif target is not None and target.kind is NodeKind.DATASET:
            by_dataset.setdefault(edge.target, set()).update(ports)
    canonical = AliasResolver(store).canonical(by_dataset)
    publishers = _publishers(store, canonical.values())
    for did, ports in by_dataset.items():
        for pid, publication in publishers.get(canonical[did], {}).items():
            _declare(links, pid, publication, ports, canonical[did])
    for port in _input_contract_ports(product):
        cid = contract_id(port["contract"])
        for edge in store.edges({cid}, (EdgeKind.HAS_CONTRACT,), "in"):
            found = links.setdefault(edge.source, _Found())
            found.declared = True
            found.downstream_ports.add(port["name"])
            found.upstream_ports.update(edge.props.get(PORTS) or ())
            found.contracts.add(cid)
    own = product_datasets(store, product)
    for pid, (datasets, jobs) in _walk(store, set(own), upstream=True).items():
        found = links.setdefault(pid, _Found())
        found.observed = True
        found.jobs |= jobs
        for did, publication in datasets.items():
            found.datasets.add(did)
            found.upstream_ports |= publication.ports
            found.contracts |= publication.contracts
    links.pop(product.id, None)
    return _links(store, links, product, upstream=True)


def downstream_products(
    store: GraphReader, product: Node, observed: bool = True
) -> list[ProductLink]:
    """The products ``product`` feeds, declared by their input ports or (``observed``, the
    default) observed in lineage."""
    links: dict[str, _Found] = {}
    own = product_datasets(store, product)
    for edge in store.edges({product.id}, (EdgeKind.CONSUMES,), "in"):
        found = links.setdefault(edge.source, _Found())
        found.declared = True
        found.downstream_ports.update(edge.props.get(PORTS) or ())
        found.upstream_ports.update(edge.props.get("upstreamPorts") or ())
    members = AliasResolver(store).members(set(own))
    for edge in store.edges(set(members), (EdgeKind.CONSUMES,), "in"):
        publication = own[members[edge.target]]
        found = links.setdefault(edge.source, _Found())
        found.declared = True
        found.downstream_ports.update(edge.props.get(PORTS) or ())
        found.upstream_ports |= publication.ports
        found.contracts |= publication.contracts
        found.datasets.add(members[edge.target])
    contracts = {e.target: e for e in store.edges({product.id}, (EdgeKind.HAS_CONTRACT,), "out")}
    if contracts:
        for other in all_of_kind(store, NodeKind.DATA_PRODUCT):
            for port in _input_contract_ports(other):
                has = contracts.get(contract_id(port["contract"]))
                if has is not None:
                    found = links.setdefault(other.id, _Found())
                    found.declared = True
                    found.downstream_ports.add(port["name"])
                    found.upstream_ports.update(has.props.get(PORTS) or ())
                    found.contracts.add(has.target)
    walked = _walk(store, set(own), upstream=False) if observed else {}
    for pid, (datasets, jobs) in walked.items():
        found = links.setdefault(pid, _Found())
        found.observed = True
        found.jobs |= jobs
        for did in datasets:  # the start datasets the walk came from
            found.datasets.add(did)
            found.upstream_ports |= own[did].ports
            found.contracts |= own[did].contracts
    links.pop(product.id, None)
    return _links(store, links, product, upstream=False)


def _declare(
    links: dict[str, _Found], pid: str, publication: _Publication, ports: set[str], did: str
) -> None:
    found = links.setdefault(pid, _Found())
    found.declared = True
    found.downstream_ports |= ports
    found.upstream_ports |= publication.ports
    found.contracts |= publication.contracts
    found.datasets.add(did)


def _input_contract_ports(product: Node) -> list[dict[str, str]]:
    return [
        p
        for p in product.props.get(PORTS) or ()
        if isinstance(p, dict) and p.get("direction") == "input" and p.get("contract")
    ]


def _walk(
    store: GraphReader, start: set[str], upstream: bool
) -> dict[str, tuple[dict[str, _Publication], set[str]]]:
    """Other products lineage reaches from ``start`` (canonical dataset ids), each with the
    datasets met (upstream: theirs, with their ports; downstream: the start datasets it came from)
    and the jobs on the way."""
    resolver = AliasResolver(store)
    into, out = (EdgeKind.WRITES, EdgeKind.READS) if upstream else (EdgeKind.READS, EdgeKind.WRITES)
    origin: dict[str, set[str]] = {d: {d} for d in start}
    via: dict[str, set[str]] = {d: set() for d in start}  # the jobs on the way to each dataset
    seen = set(start)
    frontier = set(start)
    found: dict[str, tuple[dict[str, _Publication], set[str]]] = {}
    for _ in range(MAX_HOPS):
        if not frontier or len(seen) > MAX_VISITED:
            break
        members = resolver.members(frontier)
        first = store.edges(set(members), (into,), "in")
        job_origins: dict[str, set[str]] = {}
        job_via: dict[str, set[str]] = {}
        for edge in first:
            job_origins.setdefault(edge.source, set()).update(origin[members[edge.target]])
            job_via.setdefault(edge.source, {edge.source}).update(via[members[edge.target]])
        second = store.edges(set(job_origins), (out,), "out")
        canonical = resolver.canonical({e.target for e in second})
        publishers = _publishers(store, set(canonical.values()) - seen)
        next_frontier: set[str] = set()
        for edge in second:
            did = canonical[edge.target]
            if did in seen:
                continue
            by = publishers.get(did)
            if by:
                for pid, publication in by.items():
                    datasets, jobs = found.setdefault(pid, ({}, set()))
                    jobs |= job_via[edge.source]
                    if upstream:
                        datasets.setdefault(did, _Publication()).ports |= publication.ports
                        datasets[did].contracts |= publication.contracts
                    else:
                        for o in job_origins[edge.source]:
                            datasets.setdefault(o, _Publication())
            elif did not in seen:
                seen.add(did)
                origin[did] = set(job_origins[edge.source])
                via[did] = set(job_via[edge.source])
                next_frontier.add(did)
        frontier = next_frontier
    return found


def _links(
    store: GraphReader, links: dict[str, _Found], product: Node, upstream: bool
) -> list[ProductLink]:
    others = store.nodes(set(links))
    result = []
    for pid in sorted(others):
        f = links[pid]
        other = others[pid]
        if other.kind is not NodeKind.DATA_PRODUCT:
            continue  # a consumer a contract declares CONSUMES the product too: not a product
        result.append(
            ProductLink(
                upstream=other if upstream else product,
                downstream=product if upstream else other,
                upstream_ports=tuple(sorted(f.upstream_ports)),
                downstream_ports=tuple(sorted(f.downstream_ports)),
                contracts=tuple(sorted(f.contracts)),
                declared=f.declared,
                observed=f.observed,
                datasets=tuple(sorted(f.datasets)),
                jobs=tuple(sorted(f.jobs)),
            )
        )
    return result
