"""Webhooks (breaking changes; quality: ``graph.notify.quality_alerts``): declared in a file
(``graph.notify.webhook_config``), delivered from a durable outbox (``graph.notify.outbox``),
signed (``graph.notify.webhook_payloads``), retried; this module is the deliverer.

:class:`Deliverer` runs one thread per webhook (a dead receiver delays only its own messages, never
ingest or another receiver): each finds the notifications of the retry window it has not settled,
posts them, and records the outcome on the notification (``delivery:<webhook key>``). A restart
finds what was pending. A notification whose window ended before any pass delivered it (a server
down longer than the window, a loaded host) is kept as failed by the next pass, with the attempts
it had: none is silently dropped. Every attempt of one message to one webhook carries the same
``X-Lineagemesh-Delivery`` key, so a receiver drops a repeat (a crash between a post and its record
repeats it once). Each post is signed with the time it is sent: ``X-Lineagemesh-Signature:
t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">``, so a receiver can refuse a replayed post
whose time is outside its tolerance (docs/notifications.md shows how).

Targets are checked before each post (``graph.notify.webhook_targets``): http(s) only, redirects
never followed, non-global addresses refused unless the operator opted into their range.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from graph.notify import quality_alerts
from graph.notify.coalescing import Due, Pacer

if TYPE_CHECKING:  # imported by the delivery threads: a CLI reading the schema never posts (~0.3 s)
    from graph.notify.webhook_client import WebhookClient
from graph.core.model import Node, NodeKind
from graph.core.mutations import UpsertNode, stamp
from graph.notify.outbox import scan_notifications, window_start
from graph.notify.quality_alerts import FRESHNESS_MISSED
from graph.notify.webhook_config import BREAKING_CHANGE, Webhook, WebhookSettings
from graph.notify.webhook_payloads import CONTENT_TYPES, body_of, delivery_key, signature
from graph.notify.webhook_targets import TargetRefused, check_target
from graph.stores import Store, StoreUnavailable

log = logging.getLogger(__name__)

LONGEST_DELAY = 3600.0
POLL_SECONDS = 5.0  # a webhook's thread looks for notifications it was not told of (other writers)
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


@dataclass
class DeliveryStats:
    """What the deliverer did (``/metrics``)."""

    delivered: int = 0
    failed_attempts: int = 0
    failed: int = 0
    pending: dict[str, int] = field(default_factory=dict)  # by webhook key
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, name: str) -> None:
        with self.lock:
            setattr(self, name, getattr(self, name) + 1)


def unsettled(notification: Node, hook: Webhook) -> bool:
    """Whether ``hook`` is told of ``notification`` and has neither delivered nor given it up."""
    if not hook.wants(notification.props):
        return False
    state = notification.props.get(f"delivery:{hook.key}") or {}
    return state.get("state") not in (DELIVERED, FAILED)


def expired_record(notification: Node, hook: Webhook) -> dict[str, Any]:
    """The delivery record of a notification whose retry window ended before it was delivered,
    whether or not a pass reached it in time (a server down longer than the window, a loaded
    host): kept as failed, with the attempts it had."""
    state = notification.props.get(f"delivery:{hook.key}") or {}
    attempts = int(state.get("attempts", 0))
    return {
        "state": FAILED,
        "attempts": attempts,
        "lastError": state.get("lastError")
        or f"not delivered within the retry window ({attempts} attempts)",
        "url": hook.url,
    }


class Deliverer:
    """Delivers the outbox to the webhooks of ``settings``, one thread per webhook."""

    def __init__(
        self,
        store: Store,
        settings: WebhookSettings,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.settings = settings
        self.stats = DeliveryStats()
        self._clock = clock
        self._stop = threading.Event()
        self._wakes = [threading.Event() for _ in settings.webhooks]
        self._threads: list[threading.Thread] = []
        # By webhook key: the window start of the last pass that settled every notification made
        # before it, so a pass reads the notifications older than its window once, not each time.
        self._settled_before: dict[str, str] = {}
        self._pacer = Pacer(settings.coalesce_seconds, BREAKING_CHANGE, settings.posts_per_writer)

    def start(self) -> None:
        for i, hook in enumerate(self.settings.webhooks):
            thread = threading.Thread(
                target=self._run,
                args=(hook, self._wakes[i]),
                name=f"lineagemesh-webhook-{i}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        if self.settings.wanted(FRESHNESS_MISSED):
            thread = threading.Thread(
                target=self._check_freshness, name="lineagemesh-freshness", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def _check_freshness(self) -> None:
        """Every ``freshness_check_seconds``: notifications of the SLOs missed since the last."""
        while not self._stop.is_set():
            try:
                if quality_alerts.check_freshness(self.store, _at(self._clock())):
                    self.wake()
            except StoreUnavailable as e:
                log.warning("freshness check: store unavailable: %s", e)
            except Exception:
                log.exception("freshness check failed")
            self._stop.wait(self.settings.freshness_check_seconds)

    def wake(self, _changes: Sequence[Node] = ()) -> None:
        """New notifications were written (a ``SchemaHistory`` listener)."""
        for wake in self._wakes:
            wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self.wake()
        for thread in self._threads:
            thread.join(timeout)

    def _run(self, hook: Webhook, wake: threading.Event) -> None:
        from graph.notify.webhook_client import WebhookClient

        with (
            WebhookClient(self.settings.allow, hook.concurrency) as client,
            ThreadPoolExecutor(hook.concurrency, f"lineagemesh-webhook-{hook.key}") as posting,
        ):
            while not self._stop.is_set():
                wake.clear()
                try:
                    wait = self.deliver_due(hook, client, posting)
                except StoreUnavailable as e:
                    log.warning("webhook %s: outbox unavailable: %s", hook.url, e)
                    wait = POLL_SECONDS
                except Exception:
                    log.exception("webhook %s: delivery pass failed", hook.url)
                    wait = POLL_SECONDS
                wake.wait(min(wait, POLL_SECONDS))

    def deliver_due(
        self, hook: Webhook, client: WebhookClient, posting: Executor | None = None
    ) -> float:
        """Post every notification due for ``hook``, oldest first; returns the seconds until the
        next one falls due (POLL_SECONDS when none waits). Every notification of the retry window
        is read, however many (a pass read at most 100k, and older ones of the window were never
        delivered nor kept as failed); the pending gauge counts them all before the first post
        and drops as each settles, so a slow receiver's pass shows what waits (issue 74: it
        showed 5 of 242). With ``posting`` (``hook.concurrency`` threads), the posts of different
        datasets are made at once, each dataset's in order."""
        now = self._clock()
        due_in = POLL_SECONDS
        start = window_start(self.settings.window_seconds, now)
        scanned, complete = scan_notifications(
            self.store, self._settled_before.get(hook.key, ""), None
        )
        at = stamp(_at(now))
        scanned = quality_alerts.with_recipients(self.store, scanned, at)
        expired = [n for n in scanned if n.props.get("createdAt", "") < start]
        self._settle_expired(hook, [n for n in expired if unsettled(n, hook)], now)
        if complete:  # every notification before the window is settled for this hook now
            self._settled_before[hook.key] = start
        waiting = [
            n for n in reversed(scanned[: len(scanned) - len(expired)]) if unsettled(n, hook)
        ]
        self._set_pending(hook, len(waiting))
        due: list[Due] = []
        for notification in waiting:
            state = notification.props.get(f"delivery:{hook.key}") or {}
            next_at = float(state.get("nextAttemptAt", 0))
            if next_at > now:
                due_in = min(due_in, next_at - now)
            else:
                due.append((notification, state))
        posts, held = self._pacer.groups(hook.key, due, now)
        chains: dict[str, list[list[Due]]] = {}
        for group in posts:
            first = group[0][0]
            chains.setdefault(str(first.props.get("datasetId") or first.id), []).append(group)

        def post(chain: list[list[Due]]) -> float:
            """A dataset's posts in order; the seconds until a failed one is retried."""
            retry = math.inf
            for group in chain:
                if self._stop.is_set():
                    break
                settled = self._attempt(hook, client, group, now)
                self._pacer.told(hook.key, group, now)
                self._settled(hook, settled)
                if settled < len(group):
                    attempts = max(int(state.get("attempts", 0)) for _, state in group)
                    retry = min(retry, self._delay(attempts + 1))
            return retry

        if posting is None or len(chains) < 2:
            retries = [post(chain) for chain in chains.values()]
        else:
            retries = list(posting.map(post, chains.values()))
        return max(min([due_in, held, *retries]), 0.0)

    def _set_pending(self, hook: Webhook, pending: int) -> None:
        with self.stats.lock:
            self.stats.pending[hook.key] = pending

    def _settled(self, hook: Webhook, settled: int) -> None:
        """``settled`` notifications of ``hook``'s pass no longer wait (posts run in threads)."""
        with self.stats.lock:
            self.stats.pending[hook.key] -= settled

    def _settle_expired(self, hook: Webhook, expired: list[Node], now: float) -> None:
        """Keep as failed, in one write, the notifications whose window ended undelivered."""
        if not expired:
            return
        at = stamp(_at(max(now, self._clock())))
        self.store.apply(
            [
                UpsertNode(n.id, NodeKind.NOTIFICATION, at, {f"delivery:{hook.key}": record})
                for n in expired
                for record in [expired_record(n, hook)]
            ]
        )
        for n in expired:
            self.stats.add("failed")
            log.warning("webhook %s: %s failed for good: its retry window ended", hook.url, n.id)

    def _delay(self, attempts: int) -> float:
        return min(self.settings.first_delay_seconds * 2 ** (attempts - 1), LONGEST_DELAY)

    def _attempt(
        self, hook: Webhook, client: WebhookClient, group: Sequence[Due], now: float
    ) -> int:
        """One post of a notification or a dataset's group; the outcome recorded on each of
        them. Returns how many are settled (delivered, or failed for good)."""
        import httpx

        notifications = [n for n, _ in group]
        key = delivery_key(notifications, hook)
        body = body_of(hook, notifications, key, self.settings.explorer_url)
        error = None
        try:
            check_target(hook.url, self.settings.allow)
            status = client.post(  # bounded: graph.notify.webhook_client
                hook.url,
                body,
                headers={
                    "Content-Type": CONTENT_TYPES[hook.format],
                    "X-Lineagemesh-Delivery": key,
                    "X-Lineagemesh-Event": str(notifications[-1].props.get("kind")),
                    "X-Lineagemesh-Signature": signature(hook.secret, body, int(time.time())),
                    "User-Agent": "lineagemesh-webhooks",
                },
            )
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except (httpx.HTTPError, TargetRefused) as e:
            error = f"{type(e).__name__}: {e}"[:500]
        records = [self._record(hook, n, state, error, now) for n, state in group]
        at = stamp(_at(max(now, self._clock())))
        self.store.apply(
            [
                UpsertNode(n.id, NodeKind.NOTIFICATION, at, {f"delivery:{hook.key}": record})
                for (n, _), record in zip(group, records, strict=True)
            ]
        )
        return sum(record["state"] != PENDING for record in records)

    def _record(
        self,
        hook: Webhook,
        notification: Node,
        state: Mapping[str, Any],
        error: str | None,
        now: float,
    ) -> dict[str, Any]:
        """A notification's delivery record after an attempt that ended in ``error`` (None: 2xx)."""
        attempts = int(state.get("attempts", 0)) + 1
        created = _seconds(notification.props.get("createdAt"))
        if error is None:
            self.stats.add("delivered")
            return {
                "state": DELIVERED,
                "attempts": attempts,
                "deliveredAt": stamp(_at(now)),
                "url": hook.url,
                "lastError": state.get("lastError"),  # kept: the failures before are history too
            }
        self.stats.add("failed_attempts")
        if (
            created is not None
            and now + self._delay(attempts) > created + self.settings.window_seconds
        ):
            self.stats.add("failed")
            log.warning("webhook %s: %s failed for good: %s", hook.url, notification.id, error)
            return {"state": FAILED, "attempts": attempts, "lastError": error, "url": hook.url}
        return {
            "state": PENDING,
            "attempts": attempts,
            "lastError": error,
            "nextAttemptAt": now + self._delay(attempts),
            "url": hook.url,
        }


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _seconds(at: str | None) -> float | None:
    if not at:
        return None
    try:
        return datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
