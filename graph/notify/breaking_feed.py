"""The breaking changes a server's ``breakingChange`` subscriptions push: every change written after
a subscription started, once, in the order the server heard of them, whatever time their events
state.

Change ids sort by when their schema was observed (``schema_history.change_node_id``). A late
event, a producer whose clock is behind, or a backfill makes a change older than the newest one,
so a follower of change ids would never hear of it. So the feed holds the changes in the order it
heard of them, numbered, in a ring its subscriptions read from their own numbers:

- those this server detects, as its schema history writes them (``SchemaHistory.listeners``);
- those other servers on one Neo4j wrote, read from the webhooks' outbox (``graph.notify.webhooks``): it
  holds a notification for each version with breaking changes, written in the same batch, and its
  id sorts by when they were detected (``createdAt``). A change is stamped detected before it is
  written (the batch's impact walks, ``notifications.IMPACT_BATCH_SECONDS``, and the write come
  between), and other servers stamp by their own clocks, so each read of the outbox takes the
  notifications made from ``LAG_SECONDS`` before the previous read on. A change heard already is
  skipped; what was heard is forgotten once older than twice that.

One read of the outbox serves every subscription: the server's, at most one every
``POLL_SECONDS`` (a subscription starting reads it too, unless read within ``START_SECONDS``, so
that what other servers wrote before it started is behind it). A read more than ``LAG_SECONDS``
after the one before (no subscription read meanwhile) starts afresh: it takes note of what is
there. The ring holds ``RING`` changes: a subscription further behind is told how many it missed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from itertools import islice

from graph.core.model import Node
from graph.notify.outbox import scan_notifications, window_start
from graph.notify.webhook_config import BREAKING_CHANGE
from graph.read.change_feed import POLL_SECONDS, ChangeFeed
from graph.stores import Store

log = logging.getLogger(__name__)

LAG_SECONDS = 120.0  # a detection's walks and write, and the clock skew between servers, at most
START_SECONDS = 1.0  # a subscription starting reads the outbox unless it was read this recently
MOST_READ = 20_000  # notifications one read of the outbox holds
RING = 4096  # changes held for subscriptions to read


class FellBehind(Exception):
    """A subscription read past the ring: ``missed`` changes were dropped before it read them."""

    def __init__(self, missed: int) -> None:
        super().__init__(f"{missed} breaking changes were not pushed: the subscription fell behind")
        self.missed = missed


class BreakingFeed:
    """The breaking changes heard since this server began to listen, numbered in the order heard."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock
        self.woken = ChangeFeed()  # moves whenever a change is added
        self._lock = threading.Lock()  # the ring, the numbers and what was heard
        self._reading = threading.Lock()  # one read of the outbox at a time
        self._ring: deque[Node] = deque(maxlen=RING)
        self._end = 0  # the number after the newest change held
        self._heard: OrderedDict[str, str] = OrderedDict()  # change id: when it was detected
        self._read_at: float | None = None  # when the previous read of the outbox began

    def detected(self, changes: Sequence[Node]) -> None:
        """Changes this server's schema history wrote (any thread)."""
        with self._lock:
            self._add(changes)
            self._forget(window_start(2 * LAG_SECONDS, self.clock()))
        self.woken.notify()

    def end(self) -> int:
        """The number the next change heard will take: a subscription starting now reads from it."""
        self.read_outbox(START_SECONDS)  # other servers' changes written until now are behind it
        with self._lock:
            return self._end

    def after(self, number: int) -> tuple[list[Node], int]:
        """The changes from ``number`` on, and the number to read from next; raises
        :class:`FellBehind` when some of them left the ring."""
        with self._lock:
            first = self._end - len(self._ring)
            if number < first:
                raise FellBehind(first - number)
            return list(islice(self._ring, number - first, None)), self._end

    def read_outbox(self, unless_within: float = POLL_SECONDS) -> None:
        """Read the changes other servers wrote, unless a read began ``unless_within`` seconds ago.
        The first read only takes note of what is there: it was written before anyone listened."""
        with self._reading:
            now = self.clock()
            if self._read_at is not None and now - self._read_at < unless_within:
                return
            last, self._read_at = self._read_at, now
            afresh = last is None or now - last > LAG_SECONDS
            oldest = window_start(LAG_SECONDS, now if last is None or afresh else last)
            found, complete = scan_notifications(self.store, oldest, MOST_READ)
            if not complete:
                log.warning(
                    "breaking changes: more than %d notifications since %s; older ones are not pushed",
                    MOST_READ,
                    oldest,
                )
            with self._lock:
                unheard = [
                    (change, n.props.get("createdAt") or "")
                    for n in reversed(found)
                    if n.props.get("kind") == BREAKING_CHANGE
                    for change in n.props.get("changeIds") or ()
                    if change not in self._heard
                ]
                if afresh:
                    self._heard.update(unheard)
                    return
            changes = self.store.nodes([change for change, _ in unheard]) if unheard else {}
            with self._lock:
                self._add([changes[c] for c, _ in unheard if c in changes])
                self._forget(window_start(2 * LAG_SECONDS, now))
        if changes:
            self.woken.notify()

    def _add(self, changes: Sequence[Node]) -> None:
        for change in changes:
            if change.id not in self._heard:
                self._heard[change.id] = change.props.get("detectedAt") or ""
                self._ring.append(change)
                self._end += 1

    def _forget(self, before: str) -> None:
        """Forget the changes heard that were detected before ``before`` (oldest heard first)."""
        while self._heard:
            change, at = next(iter(self._heard.items()))
            if at >= before:
                return
            del self._heard[change]
