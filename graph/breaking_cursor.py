"""Where a follower of breaking changes (the ``breakingChange`` subscription) stands: every change
written after it started, told once each, in the order they were detected, whatever time their
events state.

Change ids sort by when their schema was observed (``schema_history.change_node_id``). A late
event, a producer whose clock is behind, or a backfill makes a change older than the newest one,
so a follower of change ids would never hear of it. The webhooks' outbox (``graph.webhooks``)
holds a notification for each version with breaking changes, written in the same batch. Its id
sorts by when they were detected (``createdAt``): a cursor reads that.

A change is stamped detected before it is written: its batch's impact walks
(``notifications.IMPACT_BATCH_SECONDS``) and the write come between. Other servers on one Neo4j
stamp by their own clocks. So each read takes the notifications made from ``LAG_SECONDS`` before
the previous read on, and skips those it has read already; what it has read is forgotten once
older than that. A read holds at most ``MOST_READ`` notifications.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from graph.model import Node
from graph.mutations import stamp
from graph.stores import Store
from graph.webhooks import BREAKING_CHANGE, scan_notifications

log = logging.getLogger(__name__)

LAG_SECONDS = 120.0  # a detection's walks and write, and the clock skew between servers, at most
MOST_READ = 20_000  # notifications one read holds: those of LAG_SECONDS and the time between reads


class BreakingCursor:
    """The breaking changes of ``domain``'s datasets (all: None) a follower was not told of yet."""

    def __init__(
        self, store: Store, domain: str | None, clock: Callable[[], float] = time.time
    ) -> None:
        self.store = store
        self.domain = domain
        self.clock = clock
        self._read: dict[str, str] = {}  # notification id: when it was made
        self._last: float | None = None  # when the previous read began (the clock's seconds)

    def skip_present(self) -> None:
        """Take every change written so far as told: a follower hears what comes after it."""
        self._notifications()

    def fresh(self) -> list[Node]:
        """The changes written since the previous read and not told yet, oldest detected first."""
        made = self._notifications()
        ids = [change for n in made for change in n.props.get("changeIds") or ()]
        if not ids:
            return []
        found = self.store.nodes(ids)
        return [
            found[i]
            for i in ids
            if i in found
            and (self.domain is None or self.domain in (found[i].props.get("domains") or ()))
        ]

    def _notifications(self) -> list[Node]:
        """The breaking-change notifications not read before, oldest made first."""
        now = self.clock()
        oldest = stamp(
            datetime.fromtimestamp((now if self._last is None else self._last) - LAG_SECONDS, UTC)
        )
        self._last = now
        found, complete = scan_notifications(self.store, oldest, MOST_READ)
        if not complete:
            log.warning(
                "breaking changes: more than %d notifications since %s; older ones are not pushed",
                MOST_READ,
                oldest,
            )
        self._read = {n: at for n, at in self._read.items() if at >= oldest}
        unread = [
            n
            for n in reversed(found)
            if n.props.get("kind") == BREAKING_CHANGE and n.id not in self._read
        ]
        for n in unread:
            self._read[n.id] = n.props.get("createdAt") or ""
        return unread
