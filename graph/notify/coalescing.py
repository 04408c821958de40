"""Many breaking changes to one dataset in a short time are told as one notice listing them.

A writer flapping a schema made one notification per breaking change, and each became a post to
every webhook: 232 changes from one writer in 60 s were 232 posts to each receiver, and ingest's
p50 went from 25 to 104 ms (issue 74). So, per webhook, a dataset is told of at most once every
``coalesce_seconds`` (the webhooks file's, 10 by default): the breaking changes that arrive
meanwhile wait, still pending in the outbox, and then go out together, at most
:data:`MOST_COALESCED` to a post, oldest first (``graph.notify.webhooks.message`` of a group).
Quality and freshness notifications are told one by one, as they are rarer and already one per
check. The pacing is the server's memory: a restart may tell a dataset once more sooner.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from typing import Any

from graph.core.model import Node

MOST_COALESCED = 100  # notifications one post lists, at most
DEFAULT_COALESCE_SECONDS = 10.0

Due = tuple[Node, dict[str, Any]]  # a notification due now, and its delivery record so far


class Pacer:
    """When each webhook last told of each dataset; which of the due notifications go out now,
    and grouped how."""

    def __init__(self, seconds: float, kind: str) -> None:
        self.seconds = seconds
        self.kind = kind  # the notifications coalesced (breaking changes)
        self._told: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()  # one thread per webhook shares the pacer

    def groups(self, hook: str, due: Sequence[Due], now: float) -> tuple[list[list[Due]], float]:
        """The posts to make now for webhook ``hook``, oldest first, each one notification or
        the changes of one dataset; and the seconds until a held one may go (inf: none held)."""
        posts: list[list[Due]] = []
        open_groups: dict[str, list[Due]] = {}
        wait = math.inf
        for item in due:
            dataset = self._dataset(item[0])
            if dataset is None:
                posts.append([item])
                continue
            with self._lock:
                told = self._told.get((hook, dataset))
            if told is not None and now < told + self.seconds:
                wait = min(wait, told + self.seconds - now)
                continue
            group = open_groups.get(dataset)
            if group is None or len(group) >= MOST_COALESCED:
                group = open_groups[dataset] = []
                posts.append(group)
            group.append(item)
        return posts, wait

    def told(self, hook: str, group: Sequence[Due], now: float) -> None:
        """``hook`` was posted ``group`` at ``now`` (whatever the answer: a retry waits too)."""
        dataset = self._dataset(group[0][0])
        if dataset is not None:
            with self._lock:
                self._told[(hook, dataset)] = now

    def _dataset(self, notification: Node) -> str | None:
        """The dataset whose notifications are paced together; None for one told alone."""
        if notification.props.get("kind") != self.kind:
            return None
        dataset = notification.props.get("datasetId")
        return dataset if isinstance(dataset, str) else None


def merged(body: dict[str, Any], group: Sequence[Node]) -> dict[str, Any]:
    """The message ``body`` of a group's newest notification, listing every change of the group
    (oldest first, each with its version) and naming every notification it tells of."""
    if len(group) == 1:
        return body
    body["notificationIds"] = [n.id for n in group]
    body["dataset"]["previousVersion"] = group[0].props.get("previousVersion")
    body["changes"] = [
        {**change, "version": n.props.get("version")}
        for n in group
        for change in n.props.get("changes") or []
    ]
    return body
