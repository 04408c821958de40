"""Health: is a dataset, data product or domain fine, failing, or at risk from upstream?

A plain function over the read interface, like ``graph.read.lineage`` (written once, both stores). What
a dataset itself says: the latest result of each of its assertions and its columns'
(``ingest.assertions``: an assertion that names no severity is an error) and its freshness
against its SLO (the tightest ``freshnessHours`` of the products exposing it and the contracts
governing it, against its last update as ``graph.read.governance.last_updates`` finds it). What its
upstream says: every dataset on its current upstream lineage, and every job between, judged the
same way; a failing one puts it at risk, and the reason carries the path that explains it.

* ``FAILING``: an error-level assertion of its own failed (or could not run) in its latest
  result, or it misses its SLO.
* ``AT_RISK``: not failing itself, but something upstream is (a failing error-level assertion of
  an upstream dataset or of a job on the way, or an upstream dataset missing its SLO).
* ``HEALTHY``: it has checks or an SLO, all met, and nothing upstream fails.
* ``UNKNOWN``: nothing says: no checks, no SLO, nothing upstream failing.

A failed warning-level assertion is named among the reasons and changes no status. A product is
its exposed datasets' worst status (and ``FAILING`` when it misses its own SLO); a domain is its
products' worst (its datasets' when it has no products)::

    >>> dataset_health(store, "dataset:warehouse:analytics.orders").status  # doctest: +SKIP
    'AT_RISK'
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from graph.core.errors import NodeNotFound
from graph.core.model import Direction, EdgeKind, Node, NodeKind, PropertyKey
from graph.core.mutations import stamp_moment, stamp_time
from graph.read import governance, lineage, mesh
from graph.read.aliases import AliasResolver
from graph.read.view import view_of
from graph.read.walk_defaults import Budget
from graph.stores import GraphReader

UPSTREAM_DEPTH = 20  # dataset-to-dataset hops the upstream walk follows
UPSTREAM_MAX_NODES = 10_000  # nodes it reads at most; beyond, the answer says it was cut
_FAILED = frozenset({"FAIL", "ERROR"})


class HealthStatus(str, Enum):
    """From worst to best, in this order (``worst`` relies on it)."""

    FAILING = "FAILING"
    AT_RISK = "AT_RISK"
    HEALTHY = "HEALTHY"
    UNKNOWN = "UNKNOWN"


class ReasonKind(str, Enum):
    ASSERTION_FAILED = "ASSERTION_FAILED"  # an error-level assertion of the subject failed
    ASSERTION_WARNING = "ASSERTION_WARNING"  # a warning-level one failed: named, status unchanged
    SLO_MISSED = "SLO_MISSED"  # the subject is older than its freshness SLO
    UPSTREAM_ASSERTION_FAILED = "UPSTREAM_ASSERTION_FAILED"
    UPSTREAM_SLO_MISSED = "UPSTREAM_SLO_MISSED"
    UPSTREAM_TRUNCATED = (
        "UPSTREAM_TRUNCATED"  # the upstream walk hit its bound: more may be at risk
    )


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a status is what it is. ``subject``: the dataset or job the fact is about (upstream,
    for an UPSTREAM_* reason); ``assertion``: the assertion id, if one; ``path``: node ids from
    the subject down to the dataset judged (dataset, job, dataset, ...), for UPSTREAM_* reasons.
    ``message`` says it all in one line; ``check`` (the assertion's name), ``column`` and
    ``detail`` (what happened, the subject not named: "failed at ...", "misses its freshness SLO
    of 24h (...)") are its parts, for a reader that writes its own sentence."""

    kind: ReasonKind
    subject: str
    message: str
    assertion: str | None = None
    path: tuple[str, ...] = ()
    check: str | None = None
    column: str | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Health:
    status: HealthStatus
    reasons: tuple[Reason, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Walks:
    """The bounds of one judgement's upstream walks: each walk's ``depth`` and ``max_nodes``, and
    one deadline for all of them (``until``, on the monotonic clock). A domain's health walks once
    per dataset; with a deadline per walk, a rollup over a mesh ran for as many deadlines as it has
    datasets (issue 74: 36-60 s against a 30 s budget). ``check``, if given, is called before each
    walk and each judged dataset and may raise to stop the judgement (a GraphQL operation's budget
    does, ``graph.serve.budget``); past ``until`` without one, walks come back cut (UPSTREAM_TRUNCATED).
    """

    depth: int = UPSTREAM_DEPTH
    max_nodes: int = UPSTREAM_MAX_NODES
    until: float = math.inf
    check: Callable[[], None] | None = None

    @classmethod
    def of(
        cls,
        depth: int = UPSTREAM_DEPTH,
        max_nodes: int = UPSTREAM_MAX_NODES,
        deadline_seconds: float = lineage.DEFAULT_DEADLINE_SECONDS,
        check: Callable[[], None] | None = None,
    ) -> Walks:
        """Bounds whose deadline is ``deadline_seconds`` from now."""
        return cls(depth, max_nodes, time.monotonic() + deadline_seconds, check)

    def next_walk(self) -> Budget:
        """The next walk's budget: ``depth``, ``max_nodes`` and the time left (:meth:`seconds_left`)."""
        return Budget(self.depth, self.max_nodes, self.seconds_left())

    def seconds_left(self) -> float:
        """The time the next walk may take (after ``check``, which may raise)."""
        if self.check is not None:
            self.check()
        return max(self.until - time.monotonic(), 0.0)


@dataclass(slots=True)
class Own:
    """What a dataset or job says about itself."""

    known: bool = False
    failures: list[Reason] = field(default_factory=list)  # FAILING reasons
    warnings: list[Reason] = field(default_factory=list)


def assertions(reader: GraphReader, subject_ids: Iterable[str]) -> dict[str, list[Node]]:
    """The assertions checking each subject (a dataset under any of its names, with its columns'
    assertions; or a job), by subject id, each list sorted by assertion id."""
    view = view_of(reader)
    subject_ids = list(subject_ids)
    members, keys = AliasResolver(view).keys_into(subject_ids, (EdgeKind.CHECKS,))
    nodes = view.nodes({source for source, _, _ in keys})
    found: dict[str, dict[str, Node]] = {s: {} for s in subject_ids}
    for source, _, target in keys:
        node = nodes.get(source)
        subject = members.get(target, target)
        if node is not None and node.kind is NodeKind.ASSERTION and subject in found:
            found[subject][node.id] = node
    return {s: [by_id[i] for i in sorted(by_id)] for s, by_id in found.items()}


def assertion_history(reader: GraphReader, assertion: str) -> list[Node]:
    """The assertion's results, newest first."""
    return assertion_histories(reader, [assertion])[assertion]


def assertion_histories(reader: GraphReader, assertion_ids: Iterable[str]) -> dict[str, list[Node]]:
    """Each assertion's results, newest first, read for all of them at once."""
    view = view_of(reader)
    found: dict[str, list[Node]] = {a: [] for a in assertion_ids}
    edges = view.edge_keys(set(found), (EdgeKind.OF,), "in")
    nodes = view.nodes({source for source, _, _ in edges})
    for source, _, target in edges:
        if (node := nodes.get(source)) is not None and target in found:
            found[target].append(node)
    return {
        a: sorted(results, key=lambda n: (str(n.props.get("checkedAt") or ""), n.id), reverse=True)
        for a, results in found.items()
    }


def failed(assertion: Node) -> bool:
    """Whether an assertion's latest result (or one result) failed or could not run."""
    return assertion.props.get("status") in _FAILED


def error_level(assertion: Node) -> bool:
    """Whether an assertion (or one of its results) is error-level: one naming no severity is."""
    return assertion.props.get("severity", "error") == "error"


def dataset_slos(reader: GraphReader, dataset_ids: Iterable[str]) -> dict[str, float]:
    """Each dataset's freshness SLO in hours (the tightest of the products exposing it and the
    contracts governing it, under any of its names); datasets without one are left out."""
    view = view_of(reader)
    members, keys = AliasResolver(view).keys_into(
        list(dataset_ids), (EdgeKind.EXPOSES, EdgeKind.GOVERNS)
    )
    promisers = view.nodes({source for source, _, _ in keys})
    slos: dict[str, float] = {}
    for source, _, target in keys:
        hours = promisers[source].props.get("freshnessHours") if source in promisers else None
        if isinstance(hours, (int, float)) and not isinstance(hours, bool):
            dataset = members.get(target, target)
            slos[dataset] = min(float(hours), slos.get(dataset, float(hours)))
    return slos


def own_state(
    reader: GraphReader, datasets: Sequence[Node], jobs: Sequence[str], now: datetime
) -> dict[str, Own]:
    """What each dataset and job says about itself, read for all of them at once."""
    ids = [d.id for d in datasets]
    state = {i: Own() for i in [*ids, *jobs]}
    for subject, checks in assertions(reader, [*ids, *jobs]).items():
        own = state[subject]
        own.known = own.known or bool(checks)
        for check in checks:
            if not failed(check):
                continue
            name = str(check.props.get(PropertyKey.NAME) or check.id)
            column = check.props.get("column")
            where = f"{subject} column {column}" if column else subject
            how = _failed_how(check)
            named = str(column) if column else None
            failing = error_level(check)
            (own.failures if failing else own.warnings).append(
                Reason(
                    ReasonKind.ASSERTION_FAILED if failing else ReasonKind.ASSERTION_WARNING,
                    subject,
                    f"{'' if failing else 'warning: '}assertion {name!r} of {where} {how}",
                    check.id,
                    check=name,
                    column=named,
                    detail=how,
                )
            )
    slos = dataset_slos(reader, ids)
    if slos:
        updates = governance.last_updates(reader, [d for d in datasets if d.id in slos])
        for dataset, hours in slos.items():
            own = state[dataset]
            own.known = True
            last = updates.get(dataset)
            age = None if last is None else (now - stamp_moment(last)).total_seconds() / 3600
            if age is None or age > hours:
                since = "no update on record" if age is None else f"last updated {age:.1f}h ago"
                detail = f"misses its freshness SLO of {hours:g}h ({since})"
                own.failures.append(
                    Reason(ReasonKind.SLO_MISSED, dataset, f"{dataset} {detail}", detail=detail)
                )
    return state


def _failed_how(check: Node) -> str:
    status = check.props.get("status")
    verb = "could not run" if status == "ERROR" else "failed"
    at = check.props.get("checkedAt")
    return f"{verb} at {stamp_time(str(at))}" if at else verb


def dataset_health(
    reader: GraphReader,
    dataset_id: str,
    now: datetime | None = None,
    depth: int = UPSTREAM_DEPTH,
    max_nodes: int = UPSTREAM_MAX_NODES,
    deadline_seconds: float = lineage.DEFAULT_DEADLINE_SECONDS,
    walks: Walks | None = None,
) -> Health:
    """The dataset's health (see the module), with the upstream paths that explain an AT_RISK.
    ``depth``, ``max_nodes`` and ``deadline_seconds`` bound the upstream walk (or ``walks``)."""
    walks = walks or Walks.of(depth, max_nodes, deadline_seconds)
    return datasets_health(reader, [dataset_id], now, walks=walks)[dataset_id]


def datasets_health(
    reader: GraphReader,
    dataset_ids: Sequence[str],
    now: datetime | None = None,
    depth: int = UPSTREAM_DEPTH,
    max_nodes: int = UPSTREAM_MAX_NODES,
    deadline_seconds: float = lineage.DEFAULT_DEADLINE_SECONDS,
    walks: Walks | None = None,
) -> dict[str, Health]:
    """:func:`dataset_health` of several datasets, the facts of their shared upstream read once;
    ``deadline_seconds`` (or ``walks``'s deadline) bounds all their walks together."""
    bounds = walks or Walks.of(depth, max_nodes, deadline_seconds)
    view = view_of(reader)
    now = now or datetime.now(UTC)
    found = {}
    for dataset in dict.fromkeys(dataset_ids):
        if view.nodes([dataset]).get(dataset) is None:
            raise NodeNotFound(f"no node with id {dataset!r}")
        found[dataset] = lineage.dataset_lineage(
            view, dataset, Direction.UPSTREAM, bounds.next_walk()
        )
    kinds = {  # by column: making each walk's nodes as objects took 3 ms a dataset on a mesh
        i: kind
        for walk in found.values()
        for i, kind in zip(walk.answer.node_column("id"), walk.answer.node_column("kind"))
    }
    kinds.update(dict.fromkeys(found, NodeKind.DATASET))
    whole = view.nodes({i for i, kind in kinds.items() if kind is NodeKind.DATASET})
    datasets = [whole[i] for i in sorted(whole)]  # whole: a walk's nodes may be summaries
    jobs = sorted(i for i, kind in kinds.items() if kind is NodeKind.JOB)
    state = own_state(view, datasets, jobs, now)
    judged = {}
    for d, walk in found.items():
        bounds.seconds_left()  # judging a large walk takes time too: the check may stop here
        judged[d] = _judge(d, walk, state)
    return judged


def _judge(dataset: str, walk: lineage.LineageGraph, state: dict[str, Own]) -> Health:
    own = state[dataset]
    reasons = [*own.failures, *own.warnings]
    reached = {*walk.answer.edge_column("source"), *walk.answer.edge_column("target")}
    reached.discard(dataset)
    failing = any(state[s].failures for s in reached if s in state)
    parents = _paths_down(dataset, walk) if failing else {}  # paths only to explain a failure
    upstream: list[Reason] = []
    for subject in sorted(parents):
        if subject == dataset or subject not in state or not state[subject].failures:
            continue
        path = _path(subject, parents)
        for failure in state[subject].failures:
            kind = (
                ReasonKind.UPSTREAM_SLO_MISSED
                if failure.kind is ReasonKind.SLO_MISSED
                else ReasonKind.UPSTREAM_ASSERTION_FAILED
            )
            message = f"upstream {failure.message} (path: {' -> '.join(path)})"
            upstream.append(
                Reason(
                    kind,
                    subject,
                    message,
                    failure.assertion,
                    path,
                    failure.check,
                    failure.column,
                    failure.detail,
                )
            )
    if walk.truncated:
        message = "the upstream lineage is larger than the walk's bound: more may be at risk"
        upstream.append(Reason(ReasonKind.UPSTREAM_TRUNCATED, dataset, message, detail=message))
    reasons += upstream
    if own.failures:
        status = HealthStatus.FAILING
    elif any(r.kind is not ReasonKind.UPSTREAM_TRUNCATED for r in upstream):
        status = HealthStatus.AT_RISK
    elif own.known:
        status = HealthStatus.HEALTHY
    else:
        status = HealthStatus.UNKNOWN
    return Health(status, tuple(reasons))


def _paths_down(start: str, walk: lineage.LineageGraph) -> dict[str, str | None]:
    """Breadth first up the walk's edges from ``start``: each node reached and the node one step
    nearer ``start`` (so a path is shortest, ties broken by id for the same answer everywhere)."""
    feeding: dict[str, list[str]] = {}
    for edge in walk.edges:  # edges follow the data: source feeds target
        feeding.setdefault(edge.target, []).append(edge.source)
    parents: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for source in sorted(feeding.get(node, ())):
            if source not in parents:
                parents[source] = node
                queue.append(source)
    return parents


def _path(subject: str, parents: dict[str, str | None]) -> tuple[str, ...]:
    path = [subject]
    while (step := parents.get(path[-1])) is not None:
        path.append(step)
    return tuple(path)


def worst(healths: Iterable[Health]) -> Health:
    """Several healths as one: the worst status, every reason once (UNKNOWN when none)."""
    order = list(HealthStatus)
    status = HealthStatus.UNKNOWN
    reasons: dict[Reason, None] = {}
    for health in healths:
        if order.index(health.status) < order.index(status):
            status = health.status
        reasons.update(dict.fromkeys(health.reasons))
    return Health(status, tuple(reasons))


def product_health(
    reader: GraphReader,
    product: Node,
    now: datetime | None = None,
    walks: Walks | None = None,
    **bounds: Any,
) -> Health:
    """The worst of the product's exposed datasets, and FAILING when the product misses its SLO.
    ``bounds``: :meth:`Walks.of`'s (or ``walks``), for all the upstream walks together."""
    walks = walks or Walks.of(**bounds)
    now = now or datetime.now(UTC)
    datasets = mesh.exposed_datasets(reader, product)
    combined = worst(datasets_health(reader, [d.id for d in datasets], now, walks=walks).values())
    freshness = governance.product_freshness(reader, product, now)
    if freshness.status != "LATE":
        return combined
    detail = (
        f"misses its freshness SLO of {freshness.slo_hours:g}h "
        f"(stalest: {freshness.stalest_dataset})"
    )
    message = f"product {product.id} {detail}"
    late = Health(
        HealthStatus.FAILING,
        (Reason(ReasonKind.SLO_MISSED, product.id, message, detail=detail),),
    )
    return worst([late, combined])


def domain_health(
    reader: GraphReader,
    domain: Node,
    now: datetime | None = None,
    walks: Walks | None = None,
    **bounds: Any,
) -> Health:
    """The worst of the domain's products (of its datasets when it has no products); ``bounds``
    as :func:`product_health`'s, for all the walks of all its products together."""
    walks = walks or Walks.of(**bounds)
    now = now or datetime.now(UTC)
    products = mesh.domain_products(reader, domain)
    if products:
        return worst(product_health(reader, p, now, walks) for p in products)
    datasets = mesh.domain_datasets(reader, domain)
    return worst(datasets_health(reader, [d.id for d in datasets], now, walks=walks).values())
