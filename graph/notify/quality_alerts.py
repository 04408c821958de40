"""Quality webhooks: a failing check and a missed freshness SLO, told through the webhooks' outbox.

Two kinds of notification join ``breaking_change`` in the outbox (``graph.notify.webhooks``), with the
same filters, formats, signatures, retries and idempotency keys:

* ``quality_failed``: an error-level assertion (``ingest.assertions``: none named is an error)
  whose new result failed or could not run. Its notification is made in the very batch that
  records the result (:class:`QualityOutbox`, called by ``graph.change.schema_history`` for a batch that
  carries assertion results), so a crash loses none; one per result: a result already in the
  graph (the same event sent again) makes none.
* ``freshness_missed``: a dataset older than its freshness SLO (the tightest of the products
  exposing it and the contracts governing it, as ``graph.read.health`` judges). Nothing arrives when
  data is late, so a server with webhooks checks periodically (:func:`missed_freshness`, run by
  the deliverer). One notification per missed window: per dataset and last update, found again in
  the outbox before another is written, so a restart repeats none; the next miss after a new
  update is a new window. (Two servers on one Neo4j may both tell a miss they find together.)

Both are told to whom the impact walk from the dataset finds downstream (``graph.read.impact``, as for a
semantic change): owners, consumers, products, domains and datasets, which the filters match. For
a failed check the walk is the deliverer's, before its first delivery (:func:`with_recipients`),
so ingest never waits for it. The notices the deliverer scans, and the datasets one freshness
check finds late, walk together, as a batch's breaking changes do
(``graph.notify.notifications.BatchWalks``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from graph.core.model import EdgeKind, Node, NodeKind, PropertyKey
from graph.core.mutations import Mutation, UpsertNode, stamp, stamp_moment, stamp_time
from graph.notify.notifications import (
    IMPACT_BATCH_SECONDS,
    MOST_DATASETS_TOLD,
    NOTIFICATION_PREFIX,
    BatchWalks,
    bounded_impact,
    notification_id,
    reached_datasets,
    recipients,
)
from graph.read import governance, health, impact
from graph.stores import Store

QUALITY_FAILED = "quality_failed"
FRESHNESS_MISSED = "freshness_missed"
#: Bytes every encoded batch carrying an assertion result holds (a property name of
#: ``ingest.assertions``): a batch without them is not decoded for this.
ASSERTION_MARKER = b"lastResult"
FAILED_MARKERS = (b"FAIL", b"ERROR")
MOST_PROMISERS = 100_000  # products and contracts one freshness check reads, at most
NEEDS_RECIPIENTS = "needsRecipients"
MOST_TOLD = 100_000  # notifications a freshness check reads back to find what it told


def downstream(
    store: Store, dataset: str, walks: BatchWalks, until: float | None = None
) -> dict[str, Any]:
    """Whom a problem with ``dataset`` concerns: its own domains and owners, and what the impact
    walk (bounded; none once the monotonic ``until`` passed) finds downstream. ``walks``: the
    walks of the problems found together (``BatchWalks``: one view, read ahead as one)."""
    domains = walks.domains[dataset]
    owned = store.edges([dataset], [EdgeKind.OWNED_BY], "out")
    owners = {
        n.props.get(PropertyKey.NAME) or n.id
        for n in store.nodes({e.target for e in owned}).values()
    }
    report = bounded_impact(walks.view, dataset, impact.ChangeKind.SEMANTIC, until)
    if report is None:
        return {"domains": sorted(domains), "owners": sorted(owners), "datasets": [dataset]}
    return {
        **recipients(report, domains, owners),
        "datasets": sorted({dataset, *reached_datasets(report)})[:MOST_DATASETS_TOLD],
        "impactTruncated": report.truncated,
    }


def _dataset_names(store: Store, dataset: str) -> dict[str, str]:
    node = store.nodes([dataset]).get(dataset)
    props = node.props if node is not None else {}
    namespace, _, name = dataset.split(":", 1)[1].rpartition(":")
    return {
        "datasetId": dataset,
        "namespace": str(props.get(PropertyKey.NAMESPACE) or namespace),
        "name": str(props.get(PropertyKey.NAME) or name),
    }


class QualityOutbox:
    """Makes the ``quality_failed`` notifications of a batch, to be applied with it."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def wants(self, payload: bytes) -> bool:
        """Whether an encoded batch may carry a failed assertion result (a byte scan)."""
        return ASSERTION_MARKER in payload and any(m in payload for m in FAILED_MARKERS)

    def entries(self, mutations: Sequence[Mutation], detected: str) -> list[Mutation]:
        """One notification per new failed error-level result of a dataset's (or column's)
        assertion in ``mutations``; one per run, though it reports the check more than once."""
        failing: dict[str, UpsertNode] = {}
        for m in mutations:
            if isinstance(m, UpsertNode) and m.kind is NodeKind.ASSERTION and _alarming(m.props):
                failing[str(m.props["lastResult"])] = m
        if not failing:
            return []
        known = self.store.nodes(set(failing))  # results already recorded: told already
        # a run reporting its check on START and again on COMPLETE is one failure, told once
        before = self.store.nodes({m.id for m in failing.values()})
        told = {(n.id, n.props.get("run")) for n in before.values() if _alarming(n.props)}
        made: list[Mutation] = []
        for result, m in sorted(failing.items(), key=lambda item: (item[1].at, item[0])):
            run = m.props.get("run")
            if result in known or (run is not None and (m.id, run) in told):
                continue
            if run is not None:
                told.add((m.id, run))
            p = m.props
            dataset = str(p["dataset"])
            props = {
                "kind": QUALITY_FAILED,
                "createdAt": detected,
                "at": m.at,
                **_dataset_names(self.store, dataset),
                "source": p.get("source"),
                "origin": p.get("run"),
                "assertions": [_assertion_summary(m.id, p, result)],
                NEEDS_RECIPIENTS: True,  # found by the deliverer, off the ingest path
            }
            made.append(
                UpsertNode(
                    notification_id(detected, QUALITY_FAILED, result),
                    NodeKind.NOTIFICATION,
                    m.at,
                    props,
                )
            )
        return made


def with_recipients(store: Store, notifications: Sequence[Node], at: str) -> list[Node]:
    """The notifications with whom each concerns (``downstream``), found and recorded now for
    those written without them: a failed check's notice is written in the ingest batch, and the
    impact walk is not an ingest cost (a webhook's filters read it before the first delivery).
    Their walks are one batch (``BatchWalks``), each within its own bounds, and what they found
    is one write."""
    needing = {
        n.id: str(n.props["datasetId"]) for n in notifications if n.props.get(NEEDS_RECIPIENTS)
    }
    if not needing:
        return list(notifications)
    datasets = list(dict.fromkeys(needing.values()))
    walks = BatchWalks(store, [(dataset, None) for dataset in datasets])
    found = {
        dataset: {**downstream(store, dataset, walks), NEEDS_RECIPIENTS: False}
        for dataset in datasets
    }
    store.apply(
        [
            UpsertNode(notice, NodeKind.NOTIFICATION, at, found[dataset])
            for notice, dataset in needing.items()
        ]
    )
    return [
        Node(n.id, n.kind, {**n.props, **found[needing[n.id]]}) if n.id in needing else n
        for n in notifications
    ]


def _alarming(props: Mapping[str, Any]) -> bool:
    return (
        props.get("status") in ("FAIL", "ERROR")
        and props.get("severity", "error") == "error"
        and bool(props.get("dataset"))
        and bool(props.get("lastResult"))
    )


def _assertion_summary(assertion: str, p: Mapping[str, Any], result: str) -> dict[str, Any]:
    keys = ("name", "assertionType", "column", "status", "severity", "expected", "actual")
    return {
        "id": assertion,
        "result": result,
        **{k: p.get(k) for k in keys},
        "message": p.get("message"),
        "checkedAt": stamp_time(str(p.get("checkedAt") or "")) or None,
    }


# -- freshness ------------------------------------------------------------------------------------


def slo_datasets(store: Store) -> dict[str, float]:
    """Every dataset with a freshness SLO, and its SLO in hours (``graph.read.health``'s rule)."""
    candidates: set[str] = set()
    for kind, edge in (
        (NodeKind.DATA_PRODUCT, EdgeKind.EXPOSES),
        (NodeKind.CONTRACT, EdgeKind.GOVERNS),
    ):
        after: str | None = None
        read = 0
        while read < MOST_PROMISERS:
            page = store.nodes_of_kind(kind, 1000, after)
            read += len(page)
            promising = [n.id for n in page if n.props.get("freshnessHours") is not None]
            candidates.update(e.target for e in store.edges(promising, [edge], "out"))
            if len(page) < 1000:
                break
            after = page[-1].id
    return health.dataset_slos(store, sorted(candidates)) if candidates else {}


def missed_freshness(store: Store, now: datetime) -> list[Mutation]:
    """The ``freshness_missed`` notifications a check at ``now`` makes: one per dataset late for
    its SLO whose miss since its last update was not told yet."""
    slos = slo_datasets(store)
    if not slos:
        return []
    datasets = store.nodes(set(slos))
    updates = governance.last_updates(store, [datasets[d] for d in sorted(datasets)])
    late: dict[str, tuple[float, str | None, str | None]] = {}
    for dataset, hours in sorted(slos.items()):
        if dataset not in datasets:
            continue
        last = updates.get(dataset)
        if last is None:
            late[dataset] = (hours, None, None)
            continue
        deadline = stamp_moment(last) + timedelta(hours=hours)
        if deadline < now:
            late[dataset] = (hours, stamp_time(last), stamp(deadline))
    if not late:
        return []
    told = _told_windows(store)
    detected = stamp(now)
    made: list[Mutation] = []
    until = time.monotonic() + IMPACT_BATCH_SECONDS
    untold = {
        dataset: miss for dataset, miss in late.items() if (dataset, miss[1] or "") not in told
    }
    if not untold:
        return []
    walks = BatchWalks(store, [(dataset, None) for dataset in untold], until)
    for dataset, (hours, last, due) in untold.items():
        props = {
            "kind": FRESHNESS_MISSED,
            "createdAt": detected,
            "at": detected,
            **_dataset_names(store, dataset),
            "source": "freshness",
            "freshness": {"sloHours": hours, "lastUpdate": last, "due": due},
            "window": last or "",
            **downstream(store, dataset, walks, until),
        }
        key = f"{dataset} {last or ''}"
        made.append(
            UpsertNode(
                notification_id(detected, FRESHNESS_MISSED, key),
                NodeKind.NOTIFICATION,
                detected,
                props,
            )
        )
    return made


def _told_windows(store: Store) -> set[tuple[str, str]]:
    """The (dataset, last update) of every freshness miss in the outbox (its newest entries)."""
    told: set[tuple[str, str]] = set()
    after = f"{NOTIFICATION_PREFIX}:"
    read = 0
    while read < MOST_TOLD:
        page = store.nodes_of_kind(NodeKind.NOTIFICATION, 1000, after)
        read += len(page)
        for node in page:
            if node.props.get("kind") == FRESHNESS_MISSED:
                told.add((str(node.props.get("datasetId")), str(node.props.get("window") or "")))
        if len(page) < 1000:
            break
        after = page[-1].id
    return told


def check_freshness(store: Store, now: datetime | None = None) -> int:
    """Write the notifications of a freshness check (one write); returns how many."""
    made = missed_freshness(store, now or datetime.now(UTC))
    if made:
        store.apply(made)
    return len(made)


def is_quality(notification: Node) -> bool:
    return notification.props.get("kind") in (QUALITY_FAILED, FRESHNESS_MISSED)
