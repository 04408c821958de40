"""Declared against observed consumers of a data product.

Declared: who says it depends on the product — a contract's consumers and roles (``CONSUMES`` into
the product), and the products whose input ports name it, a dataset it publishes or one of its
contracts (``graph.read.product_lineage``). Observed: the jobs lineage shows reading its datasets
(``READS``, with when each read was last seen), outside the product's own domain and pipelines.

* An **undeclared** consumer is a job reading the product that no declaration covers: a breaking
  change to the port it reads reaches it without notice.
* A **silent** consumer is a declaration no job has honoured within a window (90 days by
  default): a contract kept for a consumer that may be gone.

A job is covered by a declaring product when it writes that product's datasets, and by a
declared consumer when the consumer names its domain, its name, its namespace, one of its owners
or the user its queries ran for.

A query engine's listener sends a job per query (Trino's ``io.trino.plugin.openlineage`` names
the job by the query id, under ``trino://host:port``) and names in a run facet whom it ran the
query for (``trino_query_context``: ``user``, the session's user or service). Those queries are
one observed consumer per engine and user, however many there are: the user reading the product
through the engine.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from graph.core.model import FACET_PREFIX, EdgeKind, Node, NodeKind, PropertyKey, domain_id
from graph.core.mutations import stamp
from graph.read.aliases import AliasResolver
from graph.read.mesh import job_domains
from graph.read.product_lineage import downstream_products, product_datasets
from graph.stores import GraphReader

SILENT_AFTER = timedelta(days=90)
#: The run facets in which a query engine's OpenLineage listener says whom a query ran for: Trino's
#: (``trino_query_context``) and that of Presto's port of Trino's listener.
QUERY_CONTEXTS = ("trino_query_context", "presto_query_context")
#: Their fields naming the user, most specific first: the session's user (after impersonation),
#: the authenticated one, the principal.
_USER_FIELDS = ("user", "original_user", "principal")


@dataclass(frozen=True, slots=True)
class ObservedConsumer:
    """A job reading the product (for a query engine's user, the newest of their queries): its
    domains and owners, what it read, when last."""

    job: Node
    domains: tuple[str, ...]  # domain ids
    owners: tuple[str, ...]  # owner ids
    datasets: tuple[str, ...]
    ports: tuple[str, ...]
    last_read: str | None
    declared_by: tuple[str, ...]  # ids of the declarations covering it (none: undeclared)
    user: str | None = None  # whom a query engine ran its queries for
    jobs: tuple[str, ...] = ()  # every job it stands for (a user's queries), by id


@dataclass(frozen=True, slots=True)
class DeclaredConsumer:
    """A declaration of dependence: a consumer node or a product, and its newest covered read."""

    node: Node
    ports: tuple[str, ...]  # the product's ports it declares reading (when it says)
    last_read: str | None


def _covers(declared: Node, job: ObservedConsumer, written: set[str]) -> bool:
    """Whether a declaration covers the job: a declaring product's writer, or a consumer naming
    the job's domain, name, namespace or an owner."""
    if declared.kind is NodeKind.DATA_PRODUCT:
        return not written.isdisjoint(job.jobs or (job.job.id,))
    names = {declared.props.get(PropertyKey.NAME), declared.props.get("team")}
    domain = declared.props.get(PropertyKey.DOMAIN)
    job_names = {
        job.job.props.get(PropertyKey.NAME),
        job.job.props.get(PropertyKey.NAMESPACE),
        *(owner.split(":", 1)[-1] for owner in job.owners),
        job.user,
    }
    return bool(domain and domain_id(domain) in job.domains) or bool(names & job_names - {None})


def consumers(
    store: GraphReader, product: Node
) -> tuple[list[DeclaredConsumer], list[ObservedConsumer]]:
    """Every declared consumer (with its newest covered read) and every observed one (with the
    declarations covering it)."""
    own = product_datasets(store, product)
    members = AliasResolver(store).members(set(own))
    reads = store.edges(set(members), (EdgeKind.READS,), "in")
    own_writers = {e.source for e in store.edges(set(members), (EdgeKind.WRITES,), "in")}
    by_job: dict[str, tuple[set[str], str | None]] = {}
    for edge in reads:
        if edge.source in own_writers:
            continue  # the product's own pipeline reading what it wrote
        datasets, last = by_job.get(edge.source, (set(), None))
        datasets.add(members[edge.target])
        seen = edge.props.get(PropertyKey.LAST_SEEN_AT)
        by_job[edge.source] = (datasets, max(filter(None, (last, seen)), default=None))
    domains = job_domains(store, by_job)
    domain = product.props.get(PropertyKey.DOMAIN)
    own_domain = domain_id(domain) if domain else None
    jobs = store.nodes(set(by_job))
    owners: dict[str, list[str]] = {}
    for edge in store.edges(set(jobs), (EdgeKind.OWNED_BY,), "out"):
        owners.setdefault(edge.source, []).append(edge.target)
    users = querying_users(store, jobs.values())
    groups: dict[tuple[str, ...], list[str]] = {}
    for jid in sorted(jobs):
        if own_domain in (domains.get(jid) or set()):
            continue
        user = users.get(jid)
        namespace = str(jobs[jid].props.get(PropertyKey.NAMESPACE))
        groups.setdefault((namespace, user) if user else (jid,), []).append(jid)
    observed_raw: list[ObservedConsumer] = []
    for group in groups.values():
        newest = max(group, key=lambda j: (by_job[j][1] or "", j))
        read = {d for j in group for d in by_job[j][0]}
        observed_raw.append(
            ObservedConsumer(
                job=jobs[newest],
                domains=tuple(sorted({d for j in group for d in domains.get(j) or ()})),
                owners=tuple(sorted({o for j in group for o in owners.get(j, ())})),
                datasets=tuple(sorted(read)),
                ports=tuple(sorted({p for d in read for p in own[d].ports})),
                last_read=by_job[newest][1],
                declared_by=(),
                user=users.get(newest),
                jobs=tuple(group),
            )
        )
    observed_raw.sort(key=lambda c: c.job.id)
    declarations = _declarations(store, product)
    written = _written_by(store, [d for d, _ in declarations if d.kind is NodeKind.DATA_PRODUCT])
    observed: list[ObservedConsumer] = []
    last_reads: dict[str, str | None] = {d.id: None for d, _ in declarations}
    for job in observed_raw:
        covering = tuple(d.id for d, _ in declarations if _covers(d, job, written.get(d.id, set())))
        for did in covering:
            last_reads[did] = max(filter(None, (last_reads[did], job.last_read)), default=None)
        observed.append(replace(job, declared_by=covering))
    declared = [DeclaredConsumer(d, ports, last_reads[d.id]) for d, ports in declarations]
    return declared, observed


def querying_users(store: GraphReader, jobs: Iterable[Node]) -> dict[str, str]:
    """Each job's user (or service) a query engine ran its newest completed run's query for
    (:data:`QUERY_CONTEXTS`); jobs no engine says this of are left out."""
    latest = {
        j.id: str(j.props[PropertyKey.LATEST_COMPLETED_RUN])
        for j in jobs
        if j.props.get(PropertyKey.LATEST_COMPLETED_RUN)
    }
    runs = store.nodes(set(latest.values()))
    users: dict[str, str] = {}
    for jid, rid in latest.items():
        run = runs.get(rid)
        for facet in QUERY_CONTEXTS:
            context = run.props.get(FACET_PREFIX + facet) if run is not None else None
            if isinstance(context, dict):
                user = next((context[f] for f in _USER_FIELDS if context.get(f)), None)
                if isinstance(user, str):
                    users[jid] = user
                    break
    return users


def _declarations(store: GraphReader, product: Node) -> list[tuple[Node, tuple[str, ...]]]:
    """Consumer nodes and products declaring they read the product, with the ports they name."""
    found: dict[str, tuple[Node, set[str]]] = {}
    into = store.edges({product.id}, (EdgeKind.CONSUMES,), "in")
    sources = store.nodes({e.source for e in into})
    for edge in into:
        node = sources.get(edge.source)
        if node is not None:
            found.setdefault(node.id, (node, set()))[1].update(
                edge.props.get("upstreamPorts") or ()
            )
    for link in downstream_products(store, product, observed=False):
        if link.declared:
            found.setdefault(link.downstream.id, (link.downstream, set()))[1].update(
                link.upstream_ports
            )
    return [(node, tuple(sorted(ports))) for node, ports in (found[i] for i in sorted(found))]


def _written_by(store: GraphReader, products: list[Node]) -> dict[str, set[str]]:
    """Each product's writers: the jobs writing its datasets."""
    result: dict[str, set[str]] = {}
    for node in products:
        members = AliasResolver(store).members(set(product_datasets(store, node)))
        result[node.id] = {e.source for e in store.edges(set(members), (EdgeKind.WRITES,), "in")}
    return result


def gaps(
    store: GraphReader, product: Node, now: datetime, window: timedelta = SILENT_AFTER
) -> tuple[list[ObservedConsumer], list[DeclaredConsumer]]:
    """The product's undeclared consumers (jobs no declaration covers) and its silent ones
    (declarations with no covered read since ``now - window``)."""
    declared, observed = consumers(store, product)
    since = stamp(now - window)
    return (
        [job for job in observed if not job.declared_by],
        [d for d in declared if d.last_read is None or d.last_read < since],
    )


def undeclared_consumers(store: GraphReader, product: Node) -> list[ObservedConsumer]:
    """Jobs reading the product that no declaration covers."""
    return [job for job in consumers(store, product)[1] if not job.declared_by]


def silent_consumers(
    store: GraphReader, product: Node, now: datetime, window: timedelta = SILENT_AFTER
) -> list[DeclaredConsumer]:
    """Declared consumers with no covered read since ``now - window``."""
    return gaps(store, product, now, window)[1]
