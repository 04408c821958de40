"""Who may write what: the domains an event writes, and what a domain-scoped writer's event may
say about the datasets of domains it does not own.

An event *writes* the datasets it produces or describes — outputs (``WRITES``/``PRODUCED``), the
dataset of a DatasetEvent, the columns column lineage derives, what a product exposes or a
contract governs, what its quality checks' results are about (``CHECKS``: an assertion is a fact
of the dataset, its health and its owners' alerts, so only its domains' writers report it) — and
the datasets whose governance it changes (owners, declared domain, lifecycle state). It also writes its *job*: a run decides which of the job's inputs and outputs
are current, so a job belongs to the domains of the datasets it writes (``graph.read.mesh.job_domains``)
and only a writer of those may report its runs, or reuse the id of one of its runs for another
job. The datasets it only *reads* (inputs, the columns lineage derives from, their aliases) are
not written: a job of one domain reading another domain's product is ordinary mesh traffic.

A written dataset touches the domain the graph already gives it (``graph.read.mesh.dataset_domains``:
declared, else by a mapping rule; through its alias chain too) and any domain the mutations
themselves assign (a ``BELONGS_TO`` edge, including the one a domain mapping rule adds to a new
output). Mutations about domains and data products touch those domains. A dataset in no domain
touches nothing: any writer may write it. An event touching a domain its writer may not write is
refused whole (403).

What an event says about a dataset it only reads, in a domain its writer may not write, is an
observation, never the owner's fact (:func:`authorize_each`): the dataset is kept as a mere
reference (its name), its described properties and columns (schema, documentation, raw facets)
go into an attributed ``observedBy:<principal>`` facet on it, and aliases joining it to other
names (symlinks, which would re-point the owner's dataset) are left out.

The functions only read the store, and read it in a few batched calls for a whole batch of events::

    >>> domains_touched(translate(event, rules), store)
    {'sales'}
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph.core.model import (
    FACET_PREFIX,
    RULE_SOURCE,
    EdgeKind,
    Node,
    NodeKind,
    PropertyKey,
    domain_id,
    kind_prefix,
)
from graph.core.mutations import Mutation, UpsertEdge, UpsertNode
from graph.read import mesh
from graph.read.aliases import AliasResolver
from graph.read.view import view_of
from graph.stores import GraphReader

_READ = (EdgeKind.READS, EdgeKind.CONSUMED)  # job/run -> dataset it reads
_WRITE = (
    EdgeKind.WRITES,
    EdgeKind.PRODUCED,
    EdgeKind.EXPOSES,
    EdgeKind.GOVERNS,
)  # -> dataset it writes/claims
_GOVERNANCE_PROPS = frozenset({PropertyKey.DELETED, "lifecycleState"})


_REFERENCE_PROPS = {
    NodeKind.DATASET: frozenset({PropertyKey.NAMESPACE, PropertyKey.NAME}),
    NodeKind.COLUMN: frozenset(
        {PropertyKey.NAMESPACE, PropertyKey.DATASET, PropertyKey.DATASET_ID, PropertyKey.NAME}
    ),
}
_OBSERVATION_SKIPS = frozenset(
    {PropertyKey.DECLARED, PropertyKey.LAST_SEEN_AT}
)  # a description's marks, not what was observed
OBSERVED_BY = (
    FACET_PREFIX + "observedBy:"
)  # + principal: what it observed on a dataset of another domain


def domains_touched(mutations: Sequence[Mutation], store: GraphReader) -> set[str]:
    """The names of the domains ``mutations`` (one event's) write into; see the module docstring."""
    return domains_touched_each([mutations], store)[0]


def domains_touched_each(
    events: Sequence[Sequence[Mutation]], store: GraphReader
) -> list[set[str]]:
    """``domains_touched`` for each event of a batch, reading the store once for all of them."""
    return [touched for touched, _ in _domains_each(events, store)]


@dataclass
class Authorization:
    """What becomes of one event of a domain-scoped writer."""

    refused: list[str]  # the domains it writes that the writer may not (sorted): 403 when any
    mutations: list[Mutation] | None = (
        None  # what to apply instead of the event's own, when reduced
    )
    observed: int = 0  # datasets of other domains whose described facts became observations
    ignored_aliases: int = 0  # aliases joining a dataset of another domain, left out


def authorize_each(
    events: Sequence[Sequence[Mutation]],
    store: GraphReader,
    principal: str,
    may_write: Callable[[str], bool],
) -> list[Authorization]:
    """For each event of a batch: refused (the domains it would write and may not), or what of it
    ``principal`` may apply — its observations of other domains' datasets kept as observations
    (see the module docstring)."""
    decisions = []
    for event, (touched, reads) in zip(events, _domains_each(events, store)):
        refused = sorted(d for d in touched if not may_write(d))
        foreign = {
            dataset for dataset, domains in reads.items() if any(not may_write(d) for d in domains)
        }
        if refused or not foreign:
            decisions.append(Authorization(refused))
        else:
            decisions.append(_observations_only(event, foreign, principal))
    return decisions


def _domains_each(
    events: Sequence[Sequence[Mutation]], store: GraphReader
) -> list[tuple[set[str], dict[str, set[str]]]]:
    """For each event: the names of the domains it writes, and the domain names of each dataset it
    only reads (as the graph and the event's own rules place it)."""
    view = view_of(store)
    unknown = set().union(*(_subjects_of_unknown_kind(m) for m in events))
    looked_up = view.nodes(unknown) if unknown else {}
    writes = [_Writes.of(m, looked_up) for m in events]
    written = set().union(*(w.datasets for w in writes))
    read = set().union(*(w.read for w in writes))
    canonical = AliasResolver(view).canonical(written | read) if written or read else {}
    names_of = written | read | set(canonical.values())
    declared = mesh.dataset_domains(view, names_of) if names_of else {}
    runs = set().union(*(w.runs for w in writes))
    run_jobs: dict[str, set[str]] = {}  # a reported run -> the jobs the graph already has it of
    for run, _, job in view.edge_keys(runs, (EdgeKind.OF,), "out") if runs else ():
        run_jobs.setdefault(run, set()).add(job)
    jobs_of = [w.jobs.union(*(run_jobs.get(r, ()) for r in w.runs)) for w in writes]
    jobs = set().union(*jobs_of)
    job_domains = mesh.job_domains(view, jobs) if jobs else {}

    def domains_of(dataset: str) -> set[str]:
        return {
            declared[name]
            for name in (dataset, canonical.get(dataset, dataset))
            if name in declared
        }

    per_event = []
    for w, event_jobs in zip(writes, jobs_of):
        ids = set(w.domains).union(
            *(domains_of(d) for d in w.datasets), *(job_domains.get(j, ()) for j in event_jobs)
        )
        reads = {d: domains_of(d) | w.placed.get(d, set()) for d in w.read}
        per_event.append((ids, reads))
    every = set().union(
        *(ids for ids, _ in per_event), *(ids for _, reads in per_event for ids in reads.values())
    )
    names = _domain_names(view, every, writes)
    return [
        ({names[i] for i in ids}, {d: {names[i] for i in ids} for d, ids in reads.items()})
        for ids, reads in per_event
    ]


def _observations_only(
    mutations: Sequence[Mutation], foreign: set[str], principal: str
) -> Authorization:
    """``mutations`` with the datasets of ``foreign`` reduced to references: what they described
    of them (properties, columns from a schema) becomes one ``observedBy:<principal>`` facet per
    dataset; aliases joining them are dropped. Columns of theirs that lineage refers to stay as
    mere references."""
    observations: dict[str, dict[str, Any]] = {}
    described_columns: set[str] = set()
    for m in mutations:
        if isinstance(m, UpsertNode) and (dataset := _dataset_of(m)) in foreign:
            said = {
                k: v
                for k, v in m.props.items()
                if k not in _REFERENCE_PROPS[m.kind] and k not in _OBSERVATION_SKIPS
            }
            if not said:
                continue
            observation = observations.setdefault(dataset, {"eventTime": m.at})
            if m.kind is NodeKind.COLUMN:
                observation.setdefault("fields", {})[m.props.get(PropertyKey.NAME)] = said
                described_columns.add(m.id)
                continue
            for key, value in said.items():
                if key.startswith(FACET_PREFIX):
                    observation.setdefault("facets", {})[key[len(FACET_PREFIX) :]] = value
                else:
                    observation[key] = value
    referenced = {
        end
        for m in mutations
        if isinstance(m, UpsertEdge) and m.kind is not EdgeKind.HAS_COLUMN
        for end in (m.source, m.target)
    }
    dropped = described_columns - referenced
    kept: list[Mutation] = []
    ignored = 0
    for m in mutations:
        if isinstance(m, UpsertEdge):
            if m.kind is EdgeKind.ALIAS_OF and (m.source in foreign or m.target in foreign):
                ignored += 1
            elif not (m.kind is EdgeKind.HAS_COLUMN and m.target in dropped):
                kept.append(m)
        elif _dataset_of(m) not in foreign:
            kept.append(m)
        elif m.id not in dropped:
            kept.append(
                m._replace(
                    props={k: v for k, v in m.props.items() if k in _REFERENCE_PROPS[m.kind]}
                )
            )
    for dataset, observation in observations.items():
        kept.append(
            UpsertNode(
                dataset,
                NodeKind.DATASET,
                observation["eventTime"],
                {OBSERVED_BY + principal: observation},
            )
        )
    return Authorization([], kept, len(observations), ignored)


def _dataset_of(node: UpsertNode) -> str | None:
    """The dataset a dataset or column upsert is about."""
    if node.kind is NodeKind.DATASET:
        return node.id
    return node.props.get(PropertyKey.DATASET_ID) if node.kind is NodeKind.COLUMN else None


def _subjects_of_unknown_kind(mutations: Sequence[Mutation]) -> set[str]:
    """Sources of owner/domain/derivation edges that the mutations do not describe themselves."""
    described = {m.id for m in mutations if isinstance(m, UpsertNode)}
    return {
        m.source
        for m in mutations
        if isinstance(m, UpsertEdge)
        and m.kind in (EdgeKind.OWNED_BY, EdgeKind.BELONGS_TO, EdgeKind.DERIVES_FROM)
        and m.source not in described
    }


@dataclass
class _Writes:
    """What one event's mutations write: dataset ids, and the domain ids they assign themselves."""

    datasets: set[str] = field(default_factory=set)
    read: set[str] = field(default_factory=set)  # datasets it only reads (aliases included)
    placed: dict[str, set[str]] = field(
        default_factory=dict
    )  # read dataset -> domain ids a rule of the event gives it
    jobs: set[str] = field(default_factory=set)  # the jobs it reports (runs of, or describes)
    runs: set[str] = field(default_factory=set)  # the runs it reports (not a parent it names)
    domains: set[str] = field(default_factory=set)
    domain_names: dict[str, str] = field(
        default_factory=dict
    )  # domain id -> name, where known here

    @classmethod
    def of(cls, mutations: Sequence[Mutation], looked_up: dict[str, Node]) -> _Writes:
        nodes: dict[str, tuple[NodeKind, dict[str, Any]]] = {
            i: (n.kind, dict(n.props)) for i, n in looked_up.items()
        }
        for m in mutations:
            if isinstance(m, UpsertNode):
                nodes.setdefault(m.id, (m.kind, {}))[1].update(m.props)
        edges = [m for m in mutations if isinstance(m, UpsertEdge)]

        def kind(node_id: str) -> NodeKind | None:
            return nodes[node_id][0] if node_id in nodes else None

        def dataset_of(node_id: str) -> str | None:
            if kind(node_id) is NodeKind.COLUMN:
                return nodes[node_id][1].get(PropertyKey.DATASET_ID)
            return node_id if kind(node_id) is NodeKind.DATASET else None

        # Every dataset the event names, and which of them it reads or writes.
        named = {i for i, (k, _) in nodes.items() if k is NodeKind.DATASET}
        named |= {d for i in nodes if kind(i) is NodeKind.COLUMN and (d := dataset_of(i))}
        named |= {e.source for e in edges if e.kind in (EdgeKind.HAS_COLUMN, EdgeKind.ALIAS_OF)}
        named |= {e.target for e in edges if e.kind is EdgeKind.ALIAS_OF}
        read: set[str] = set()
        written = {i for i in named if i in nodes and _GOVERNANCE_PROPS & nodes[i][1].keys()}
        for e in edges:
            if e.kind in _READ:
                read.add(e.target)
            elif e.kind in _WRITE:
                written.add(e.target)
            elif e.kind is EdgeKind.CHECKS:  # a check's result is a fact of its dataset's owners
                if (dataset := dataset_of(e.target) or _dataset_id_of(e.target)) is not None:
                    written.add(dataset)
            elif e.kind is EdgeKind.DERIVES_FROM:
                for end, side in ((e.source, written), (e.target, read)):
                    if (dataset := dataset_of(end)) is not None:
                        side.add(dataset)
            elif (
                e.kind is EdgeKind.OWNED_BY
                or (
                    e.kind is EdgeKind.BELONGS_TO and e.props.get(PropertyKey.SOURCE) != RULE_SOURCE
                )
            ) and (dataset := dataset_of(e.source)) is not None:
                written.add(dataset)
        # Aliases of what is only read are read too; aliases of what is written are written; a
        # dataset named but neither read nor written (a DatasetEvent's) is described, so written.
        read = _alias_closure(read - written, edges) - written
        result = cls(datasets=_alias_closure(written, edges) | (named - read), read=read)
        result.jobs = {
            i
            for i, (k, props) in nodes.items()
            if k is NodeKind.JOB and i not in looked_up and PropertyKey.LAST_SEEN_AT in props
        }
        result.runs = {e.source for e in edges if e.kind is EdgeKind.OF and e.target in result.jobs}

        for e in edges:
            if e.kind is EdgeKind.BELONGS_TO and e.source not in read:
                result.domains.add(e.target)
            elif e.kind is EdgeKind.BELONGS_TO:  # a rule placing an input: the server's own say
                result.placed.setdefault(e.source, set()).add(e.target)
            if (
                kind(e.source) is NodeKind.DOMAIN
            ):  # a domain's owners, products: that domain's business
                result.domains.add(e.source)
        for node_id, (k, props) in nodes.items():
            if k is NodeKind.DOMAIN:
                result.domain_names[node_id] = props.get(PropertyKey.NAME, node_id)
                if node_id not in looked_up and not _only_a_rule_target_of(node_id, read, edges):
                    result.domains.add(node_id)
            elif k is NodeKind.DATA_PRODUCT and (domain := props.get(PropertyKey.DOMAIN)):
                result.domains.add(domain_id(domain))
                result.domain_names[domain_id(domain)] = domain
        return result


def _dataset_id_of(node_id: str) -> str | None:
    """A dataset id as such, when the event does not describe the node (a check's subject)."""
    return node_id if node_id.startswith(kind_prefix(NodeKind.DATASET)) else None


def _only_a_rule_target_of(domain: str, read: set[str], edges: Iterable[UpsertEdge]) -> bool:
    """A Domain node upserted only because a mapping rule placed a dataset the event reads in it."""
    into = [e for e in edges if e.kind is EdgeKind.BELONGS_TO and e.target == domain]
    return bool(into) and all(
        e.source in read and e.props.get(PropertyKey.SOURCE) == RULE_SOURCE for e in into
    )


def _alias_closure(datasets: set[str], edges: Iterable[UpsertEdge]) -> set[str]:
    """``datasets`` and every name linked to them by the event's ``ALIAS_OF`` edges, either way:
    a walk over the alias links, each visited once (linear in the links, whatever their order)."""
    links: dict[str, list[str]] = {}
    for e in edges:
        if e.kind is EdgeKind.ALIAS_OF:
            links.setdefault(e.source, []).append(e.target)
            links.setdefault(e.target, []).append(e.source)
    closure = set(datasets)
    pending = [d for d in datasets if d in links]
    while pending:
        for other in links[pending.pop()]:
            if other not in closure:
                closure.add(other)
                pending.append(other)
    return closure


def _domain_names(view: GraphReader, ids: set[str], writes: list[_Writes]) -> dict[str, str]:
    names: dict[str, str] = {}
    for w in writes:
        names.update({i: n for i, n in w.domain_names.items() if i in ids})
    missing = ids.difference(names)
    found = view.nodes(missing) if missing else {}
    for i in missing:
        names[i] = found[i].props.get(PropertyKey.NAME, i) if i in found else i
    return names
