"""Many breaking changes are told in a few notices: per dataset, and per writer across datasets.

A writer flapping a schema made one notification per breaking change, and each became a post to
every webhook: 232 changes from one writer in 60 s were 232 posts to each receiver, and ingest's
p50 went from 25 to 104 ms (issue 74). So, per webhook:

* a dataset is told of at most once every ``coalesce_seconds`` (the webhooks file's, 10 by
  default): the breaking changes that arrive meanwhile wait, still pending in the outbox, and
  then go out together, at most :data:`MOST_COALESCED` to a post, oldest first
  (``graph.notify.webhook_payloads.message`` of a group);
* a writer (the principal whose batches made the notifications; the producer when none is
  known) is told of in at most ``posts_per_writer`` posts every ``coalesce_seconds``, however
  many datasets it changed: past the first ones, its due groups are told together in one
  digest (at most :data:`MOST_COALESCED` notifications, each change naming its dataset), and
  what still does not fit waits for the next window, pending in the outbox.

Quality and freshness notifications are told one by one, as they are rarer and already one per
check. The pacing is the server's memory: a restart may tell a dataset or writer once more sooner.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Sequence
from typing import Any

from graph.core.model import Node
from graph.notify.notifications import notify_of

MOST_COALESCED = 100  # notifications one post lists, at most
DEFAULT_COALESCE_SECONDS = 10.0
DEFAULT_POSTS_PER_WRITER = 5  # posts of one writer's breaking changes per window, at most

Due = tuple[Node, dict[str, Any]]  # a notification due now, and its delivery record so far


class Pacer:
    """When each webhook last told of each dataset and each writer; which of the due
    notifications go out now, and grouped how. Shared by every delivery thread."""

    def __init__(
        self, seconds: float, kind: str, posts_per_writer: int = DEFAULT_POSTS_PER_WRITER
    ) -> None:
        self.seconds = seconds
        self.kind = kind  # the notifications coalesced (breaking changes)
        self.posts_per_writer = posts_per_writer
        self._told: dict[tuple[str, str], float] = {}
        self._writer_posts: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def groups(self, hook: str, due: Sequence[Due], now: float) -> tuple[list[list[Due]], float]:
        """The posts to make now for webhook ``hook``, oldest first, each one notification, the
        changes of one dataset or a writer's digest; and the seconds until a held one may go
        (inf: none held). The posts returned count against their writer's allowance at once
        (they may be posted by several threads)."""
        alone: list[list[Due]] = []
        by_writer: dict[str, list[list[Due]]] = {}
        open_groups: dict[str, list[Due]] = {}
        wait = math.inf
        for item in due:
            dataset = self._dataset(item[0])
            if dataset is None:
                alone.append([item])
                continue
            with self._lock:
                told = self._told.get((hook, dataset))
            if told is not None and now < told + self.seconds:
                wait = min(wait, told + self.seconds - now)
                continue
            group = open_groups.get(dataset)
            if group is None or len(group) >= MOST_COALESCED:
                group = open_groups[dataset] = []
                by_writer.setdefault(writer_of(item[0]), []).append(group)
            group.append(item)
        posts = alone
        for writer, groups in by_writer.items():
            fitting, held = self._allowed(hook, writer, groups, now)
            posts.extend(fitting)
            wait = min(wait, held)
        return posts, wait

    def _allowed(
        self, hook: str, writer: str, groups: list[list[Due]], now: float
    ) -> tuple[list[list[Due]], float]:
        """Of a writer's groups, the posts its allowance takes now (the last one a digest of the
        groups past it), and the seconds until it may post again when some wait."""
        with self._lock:
            recent = self._writer_posts.setdefault((hook, writer), deque())
            while recent and recent[0] <= now - self.seconds:
                recent.popleft()
            left = self.posts_per_writer - len(recent)
            if left <= 0:
                return [], recent[0] + self.seconds - now
            posts = groups[: left - 1] if len(groups) > left else list(groups)
            rest = groups[len(posts) :]
            digest: list[Due] = []
            while rest and len(digest) + len(rest[0]) <= MOST_COALESCED:
                digest.extend(rest.pop(0))
            if digest:
                posts.append(digest)
            recent.extend([now] * len(posts))
            held = math.inf if not rest else recent[0] + self.seconds - now
            return posts, max(held, 0.0)

    def told(self, hook: str, group: Sequence[Due], now: float) -> None:
        """``hook`` was posted ``group`` at ``now`` (whatever the answer: a retry waits too)."""
        datasets = {self._dataset(n) for n, _ in group} - {None}
        with self._lock:
            for dataset in datasets:
                assert dataset is not None
                self._told[(hook, dataset)] = now

    def _dataset(self, notification: Node) -> str | None:
        """The dataset whose notifications are paced together; None for one told alone."""
        if notification.props.get("kind") != self.kind:
            return None
        dataset = notification.props.get("datasetId")
        return dataset if isinstance(dataset, str) else None


def writer_of(notification: Node) -> str:
    """Whose notifications are paced together: the principal whose batch made it, else its
    producer (``source``)."""
    p = notification.props
    return str(p.get("writer") or f"source:{p.get('source') or ''}")


IMPACT_KEYS = ("domains", "products", "consumers", "contracts", "datasets")


def merged(body: dict[str, Any], group: Sequence[Node]) -> dict[str, Any]:
    """The message ``body`` of a group's newest notification, listing every change of the group
    (oldest first, each with its dataset and version), naming every notification it tells of,
    and whom all of them concern (their impacts and recipients together)."""
    if len(group) == 1:
        return body
    body["notificationIds"] = [n.id for n in group]
    same = [n for n in group if n.props.get("datasetId") == body["dataset"]["id"]]
    body["dataset"]["previousVersion"] = same[0].props.get("previousVersion")
    body["changes"] = [
        {**change, "dataset": n.props.get("datasetId"), "version": n.props.get("version")}
        for n in group
        for change in n.props.get("changes") or []
    ]
    datasets = {n.props.get("datasetId") for n in group}
    if len(datasets) > 1:
        body["datasets"] = sorted(d for d in datasets if isinstance(d, str))
    impact = body["impact"]
    for key in IMPACT_KEYS:
        found = {x for n in group for x in n.props.get(key) or []}
        if key == "datasets":
            found -= datasets
        impact[key] = sorted(found)
    body["notify"] = sorted({x for n in group for x in notify_of(n.props)})
    return body
