"""What every notification in the webhooks' outbox shares, whatever told of it: its id, and whom
it concerns.

The outbox holds ``breaking_change`` notifications (``graph.notify.webhooks``, with the schema changes of
``graph.change.schema_history``) and ``quality_failed``/``freshness_missed`` ones
(``graph.notify.quality_alerts``). Each id sorts by when the notification was made (the deliverer reads
its retry window as a range of ids), then names its kind and what it is about. Whom it concerns
is what the impact walk (``graph.read.impact``) finds downstream of the dataset or column: owners,
consumers, products, domains, contracts and datasets, which the webhooks' filters match. The walk
runs at ingest (a schema change is recorded with its impact) or by the deliverer, so it is bounded
by nodes, by time per walk and, for the walks of one batch, by a shared deadline.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Mapping
from typing import Any

from graph import _native
from graph.core.errors import QueryError
from graph.core.model import ID_PREFIX, EdgeKind, NodeKind, kind_prefix
from graph.core.mutations import newest_first
from graph.read import impact
from graph.read.view import GraphView
from graph.stores import Store
from graph.stores.requests import WalkPlan

log = logging.getLogger(__name__)

NOTIFICATION_PREFIX = ID_PREFIX[NodeKind.NOTIFICATION]  # every outbox entry's id, whatever its kind
IMPACT_MAX_NODES = 20_000  # the impact of one change or problem, computed at ingest: bounded walk
IMPACT_DEADLINE_SECONDS = 2.0
IMPACT_BATCH_SECONDS = 10.0  # all the walks of one batch (it holds the history lock meanwhile)
MOST_DATASETS_TOLD = 100  # reached datasets a notification names


def notification_id(created: str, kind: str, key: str) -> str:
    """The id of the ``kind`` notification about ``key`` made at ``created``: newest first."""
    return _native.node_id(NOTIFICATION_PREFIX, newest_first(created), kind, key)


def domains_of(store: Store, datasets: Collection[str]) -> dict[str, set[str]]:
    """The names of the domains each of ``datasets`` belongs to (a domain's id is
    ``domain:<name>``), in one read."""
    found: dict[str, set[str]] = {dataset: set() for dataset in datasets}
    for e in store.edges(found, [EdgeKind.BELONGS_TO], "out"):
        found[e.source].add(e.target.split(":", 1)[1])
    return found


def bounded_impact(
    reader: GraphView | Store, start: str, kind: impact.ChangeKind, until: float | None = None
) -> impact.ImpactReport | None:
    """The impact of a ``kind`` change to ``start``, within the bounds above; None (logged) when
    the monotonic ``until`` passed already or there is no such node. ``reader``: a store, or
    the view the walks of one batch share (:class:`BatchWalks`)."""
    left = IMPACT_DEADLINE_SECONDS if until is None else until - time.monotonic()
    if left <= 0:  # the batch's walks took their time: the rest are kept without impact
        log.warning(
            "impact of %s on %s not computed: the batch's budget is spent", kind.value, start
        )
        return None
    try:
        return impact.impact(
            reader,
            start,
            kind,
            max_nodes=IMPACT_MAX_NODES,
            deadline_seconds=min(IMPACT_DEADLINE_SECONDS, left),
        )
    except QueryError as e:
        log.warning("impact of %s on %s not computed: %s", kind.value, start, e)
        return None


class BatchWalks:
    """What the impact walks of one batch's changes read, shared: they are made before the batch
    is written, so they all see one graph. Each change's own domains and whether the column it
    changed is a node are read for all of them at once, and the walks read through one view, so
    what one walk read (an overlapping reach, products, their consumers, owners) the next does
    not read again. The view reads summaries, as the API's does (the walks' answers are the same;
    a remote store then reads a walk's levels ahead, ``graph.stores.neo4j.walk_ahead``), and
    over a remote store what all the walks will read is read first as one walk from all their
    starts (``View.read_impacts_ahead``): a level of every walk in one round trip, where each
    walk read its own. ``starts``: each change's (dataset, changed column or None); ``until``:
    the monotonic time the batch's walks must end by."""

    def __init__(
        self,
        store: Store,
        starts: Collection[tuple[str, str | None]],
        until: float | None = None,
    ) -> None:
        self.domains = domains_of(store, {dataset for dataset, _ in starts})
        columns = {column for _, column in starts if column}
        self.columns = set(store.nodes(columns)) if columns else set()
        self.view = GraphView(store, summaries=True)
        walked = [(dataset, self.start(dataset, column)) for dataset, column in starts]
        self.view.expect_starts(
            [start for _, start in walked],
            [dataset for dataset, start in walked if start != dataset],
        )
        if len(walked) > 1:
            self._read_ahead([start for _, start in walked], until)

    def _read_ahead(self, starts: list[str], until: float | None) -> None:
        """What the walks from ``starts`` will read, read as one walk from them all, within a
        walk's bounds (``bounded_impact``)."""
        left = IMPACT_DEADLINE_SECONDS if until is None else until - time.monotonic()
        if left <= 0:
            return
        plan = WalkPlan(None, downstream=True, looks_around=True)  # (as graph.read.impact's)
        try:
            self.view.native.read_impacts_ahead(
                starts, IMPACT_MAX_NODES, min(IMPACT_DEADLINE_SECONDS, left), plan
            )
        except QueryError as e:  # each walk then reads its own, as it would have
            log.warning("the impact walks of a batch not read ahead: %s", e)

    def start(self, dataset: str, column: str | None) -> str:
        """Where a change's walk starts: the column it changed, when that is a node."""
        return column if column and column in self.columns else dataset


def reached_datasets(report: impact.ImpactReport) -> list[str]:
    """The datasets the walk reached, by the id each was reached as (its path's last: read
    alone, not with the path to it)."""
    prefix = kind_prefix(NodeKind.DATASET)
    return sorted({i for i in report.answer.affected_column("id") if i.startswith(prefix)})


def recipients(
    report: impact.ImpactReport, domains: Collection[str], owners: Collection[str] = ()
) -> dict[str, Any]:
    """Whom an impact concerns, as a notification's properties: the walk's domains (with
    ``domains``), products, owners (with ``owners``), consumers and contracts, and whom to
    ``notify``: the owners and the consumers a contract declares (teams), never a job seen
    reading a product (a consumer too, by its job's name: its owners are told where the walk
    reaches it)."""
    named = sorted({*owners, *(o.get("name") or o.id for o in report.owners)})
    declared = {c.node.get("name") or c.node.id for c in report.consumers if c.declared}
    return {
        "domains": sorted({*domains, *(d.get("name") or d.id for d in report.domains)}),
        "products": [p.id for p in report.products],
        "owners": named,
        "consumers": sorted({c.node.get("name") or c.node.id for c in report.consumers}),
        "contracts": [c.id for c in report.contracts],
        "notify": sorted({*named, *declared}),
    }


def notify_of(props: Mapping[str, Any]) -> list[str]:
    """Whom a notification (or a schema change made with one) says to notify: its ``notify``;
    for one made before it had that, its owners (its consumers may name jobs)."""
    found = props.get("notify")
    return list(found) if isinstance(found, list) else list(props.get("owners") or [])
