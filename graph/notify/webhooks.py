"""Webhooks (breaking changes; quality: ``graph.notify.quality_alerts``): declared in a file, delivered
from a durable outbox, signed, retried.

``lineagemesh serve --webhooks webhooks.yaml`` (or ``LINEAGEMESH_WEBHOOKS``)::

    webhooks:
      - url: https://hooks.example.com/lineage
        secret_env: LINEAGE_HOOK_SECRET   # or secret: ...
        format: json                      # json | cloudevents | slack
        on: [breaking_change]             # and quality_failed, freshness_missed
        domains: [sales]                  # optional filters: domains, products, owners, datasets
    freshness_check_seconds: 60           # how often a server looks for missed freshness SLOs
    coalesce_seconds: 10                  # a dataset's breaking changes told at most this often
    retry:
      window_hours: 24                    # then a delivery is kept as failed
      first_delay_seconds: 1              # doubled after each failure, at most an hour
    explorer_url: https://lineage.example.com   # for the links in messages

The outbox is the graph itself: when ``graph.change.schema_history`` detects breaking changes it adds a
``Notification`` node to the very batch that carries the new schema (one journal batch, one Neo4j
transaction), so nothing acknowledged is without its notification, whatever is killed when.
:class:`Deliverer` runs one thread per webhook (a dead receiver delays only its own messages, never
ingest or another receiver): each finds the notifications of the retry window it has not settled,
posts them, and records the outcome on the notification (``delivery:<webhook key>``). A restart
finds what was pending. A notification whose window ended before any pass delivered it (a server
down longer than the window, a loaded host) is kept as failed by the next pass, with the attempts
it had: none is silently dropped. Every attempt of one message to one webhook carries the same
``X-Lineagemesh-Delivery`` key, so a receiver drops a repeat (a crash between a post and its record
repeats it once). Each post is signed with the time it is sent: ``X-Lineagemesh-Signature:
t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` (:func:`signature`), so a receiver can
refuse a replayed post whose time is outside its tolerance (docs/notifications.md shows how).

Targets are checked before each post: http(s) only, redirects never followed, and addresses that are
not global refused, except the ranges the operator opted into one by one (``RANGES``: loopback,
RFC 1918, link-local; allowing one never allows another); reserved ranges are refused always.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import orjson

from graph.notify import quality_alerts
from graph.notify.coalescing import DEFAULT_COALESCE_SECONDS, Due, Pacer, merged

if TYPE_CHECKING:  # imported by the delivery threads: a CLI reading the schema never posts (~0.3 s)
    from graph.notify.webhook_client import WebhookClient
from graph.change.schema_history import SchemaHistory
from graph.core.documents import load_document
from graph.core.model import Node, NodeKind
from graph.core.mutations import Mutation, UpsertNode, stamp
from graph.notify.notifications import NOTIFICATION_PREFIX, notification_id
from graph.notify.quality_alerts import FRESHNESS_MISSED, QUALITY_FAILED, QualityOutbox
from graph.stores import Store, StoreUnavailable

log = logging.getLogger(__name__)

BREAKING_CHANGE = "breaking_change"
KINDS = frozenset({BREAKING_CHANGE, QUALITY_FAILED, FRESHNESS_MISSED})
FORMATS = ("json", "cloudevents", "slack")
FILTERS = ("domains", "products", "owners", "datasets")
DEFAULT_WINDOW_HOURS = 24.0
DEFAULT_FIRST_DELAY = 1.0
LONGEST_DELAY = 3600.0
DEFAULT_FRESHNESS_CHECK = 60.0  # seconds between two checks of the freshness SLOs
POLL_SECONDS = 5.0  # a webhook's thread looks for notifications it was not told of (other writers)
MOST_SCANNED = 100_000  # notifications webhookFailures reads, at most (a delivery pass reads all)
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


class InvalidWebhooks(ValueError):
    """The webhooks file cannot be used; the message names the file and the reason."""


class TargetRefused(ValueError):
    """A webhook URL this server will not post to."""


@dataclass(frozen=True)
class Webhook:
    url: str
    secret: str = field(repr=False)
    format: str = "json"
    on: frozenset[str] = KINDS
    domains: frozenset[str] = frozenset()
    products: frozenset[str] = frozenset()
    owners: frozenset[str] = frozenset()
    datasets: frozenset[str] = frozenset()

    @property
    def key(self) -> str:
        """What names this webhook in the outbox: its URL and format (not its secret)."""
        return hashlib.sha256(f"{self.format} {self.url}".encode()).hexdigest()[:16]

    def wants(self, notification: Mapping[str, Any]) -> bool:
        """Whether this webhook is told of a notification (every filter given must match)."""
        if notification.get("kind") not in self.on:
            return False
        for name in FILTERS:
            wanted: frozenset[str] = getattr(self, name)
            if wanted and not wanted.intersection(notification.get(name) or []):
                return False
        return True


@dataclass(frozen=True)
class WebhookSettings:
    webhooks: tuple[Webhook, ...]
    window_seconds: float = DEFAULT_WINDOW_HOURS * 3600
    first_delay_seconds: float = DEFAULT_FIRST_DELAY
    explorer_url: str | None = None
    allow: frozenset[str] = frozenset()  # of RANGES: the non-global targets the operator allows
    freshness_check_seconds: float = DEFAULT_FRESHNESS_CHECK
    coalesce_seconds: float = DEFAULT_COALESCE_SECONDS  # graph.notify.coalescing

    def wanted(self, kind: str) -> bool:
        return any(kind in hook.on for hook in self.webhooks)


def load_webhooks(
    path: Path, allow: frozenset[str] = frozenset(), env: Mapping[str, str] | None = None
) -> WebhookSettings:
    """The webhooks a file declares (YAML, or JSON by its ``.json`` suffix, read as every
    configuration file is: ``graph.core.documents``); raises InvalidWebhooks (``FILE: REASON``)."""
    env = os.environ if env is None else env
    doc = load_document(path, InvalidWebhooks, "webhooks")

    def fail(where: str, reason: str) -> InvalidWebhooks:
        return InvalidWebhooks(f"{path}: {where}: {reason}")

    if not isinstance(doc, dict) or not isinstance(doc.get("webhooks"), list):
        raise fail("webhooks", "expected a list of webhooks under `webhooks:`")
    hooks = []
    for i, spec in enumerate(doc["webhooks"]):
        where = f"webhooks[{i}]"
        if not isinstance(spec, dict):
            raise fail(where, "expected a mapping")
        # YAML 1.1 reads a bare ``on:`` key as true: the key the README shows, taken as written.
        spec = {("on" if k is True else k): v for k, v in spec.items()}
        unknown = set(spec) - {"url", "secret", "secret_env", "format", "on", *FILTERS}
        if unknown:
            raise fail(where, f"unknown key {sorted(unknown)[0]!r}")
        url = spec.get("url")
        if not isinstance(url, str):
            raise fail(f"{where}.url", "required, a string")
        try:
            check_target(url, allow, resolve=False)
        except TargetRefused as e:
            raise fail(f"{where}.url", str(e)) from None
        if "secret_env" in spec:
            secret = env.get(str(spec["secret_env"]))
            if not secret:
                raise fail(f"{where}.secret_env", f"${spec['secret_env']} is not set")
        elif isinstance(spec.get("secret"), str) and spec["secret"]:
            secret = spec["secret"]
        else:
            raise fail(where, "a secret is required (`secret_env` or `secret`)")
        form = spec.get("format", "json")
        if form not in FORMATS:
            raise fail(f"{where}.format", f"one of {', '.join(FORMATS)}, not {form!r}")
        on = spec.get("on", [BREAKING_CHANGE])
        if not isinstance(on, list) or not on or not set(on) <= KINDS:
            raise fail(f"{where}.on", f"a list of {', '.join(sorted(KINDS))}")
        filters = {}
        for name in FILTERS:
            values = spec.get(name, [])
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise fail(f"{where}.{name}", "a list of names")
            filters[name] = frozenset(values)
        hooks.append(Webhook(url, secret, form, frozenset(on), **filters))
    retry = doc.get("retry") or {}
    if not isinstance(retry, dict):
        raise fail("retry", "expected a mapping")
    try:
        window = float(retry.get("window_hours", DEFAULT_WINDOW_HOURS)) * 3600
        first_delay = float(retry.get("first_delay_seconds", DEFAULT_FIRST_DELAY))
    except (TypeError, ValueError):
        raise fail("retry", "window_hours and first_delay_seconds are numbers") from None
    if window <= 0 or first_delay <= 0:
        raise fail("retry", "window_hours and first_delay_seconds must be positive")
    explorer = doc.get("explorer_url")
    if explorer is not None and not isinstance(explorer, str):
        raise fail("explorer_url", "a URL")
    seconds = {}
    for name, default in (
        ("freshness_check_seconds", DEFAULT_FRESHNESS_CHECK),
        ("coalesce_seconds", DEFAULT_COALESCE_SECONDS),
    ):
        value = doc.get(name, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise fail(name, "a positive number")
        seconds[name] = float(value)
    return WebhookSettings(tuple(hooks), window, first_delay, explorer, allow, **seconds)


# The non-global ranges a target may be in, each its own opt-in (``--webhooks-allow-<range>``;
# ``--webhooks-allow-private`` is all three): allowing a receiver on this host must not also open
# the cloud metadata address (169.254.169.254) or the office network.
RANGES = ("loopback", "rfc1918", "link-local")
_RFC1918 = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)


def range_of(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Which of ``RANGES`` a non-global address is in: None for a global one, ``"reserved"``
    for one no opt-in allows (shared, benchmark, documentation, multicast, ...)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if address.is_loopback or address.is_unspecified:  # 0.0.0.0 reaches this host too
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if any(address in net for net in _RFC1918):
        return "rfc1918"
    if address.is_global and not address.is_multicast:
        return None
    return "reserved"


def check_target(url: str, allow: Collection[str] = (), resolve: bool = True) -> None:
    """Raise TargetRefused unless ``url`` is http(s) to a host this server may post to: global
    addresses, and those in the ``allow``ed ones of ``RANGES``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused(f"{url!r}: only http and https URLs with a host are allowed")
    host = parts.hostname
    if not resolve:
        try:
            ipaddress.ip_address(host)
        except ValueError:
            if (host == "localhost" or host.endswith(".localhost")) and "loopback" not in allow:
                raise TargetRefused(f"{url!r}: a loopback host{_OPT_IN['loopback']}") from None
            return
    checked_address(host, parts.port or 443, allow, url)


def checked_address(host: str, port: int, allow: Collection[str], url: str = "") -> str:
    """The address to connect to for ``host``: resolved once, every address it resolves to
    checked as :func:`check_target` says (TargetRefused otherwise). The webhook client connects
    to this very address (``graph.notify.webhook_client``), so no second lookup can rebind the
    name to an address the check would refuse."""
    url = url or f"{host}:{port}"
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
        except OSError as e:
            raise TargetRefused(f"{url!r}: {host} does not resolve: {e}") from None
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    for address in addresses:
        kind = range_of(address)
        if kind is not None and kind not in allow:
            raise TargetRefused(f"{url!r}: {address} is a {kind} address{_OPT_IN.get(kind, '')}")
    return str(addresses[0])


_OPT_IN = {
    kind: f" (--webhooks-allow-{kind} or --webhooks-allow-private allows it)" for kind in RANGES
}


# -- the outbox ---------------------------------------------------------------------------------


def outbox_entries(version: Node, changes: list[Node], at: str, created: str) -> list[Mutation]:
    """The notification of a version's breaking changes, as made in the batch that brings it
    (``created``: when they were detected)."""
    v = version.props
    facts = [c.props for c in changes]

    def union(key: str) -> list[str]:
        return sorted({x for p in facts for x in p.get(key) or []})

    props: dict[str, Any] = {
        "kind": BREAKING_CHANGE,
        "createdAt": created,
        "at": at,
        "datasetId": v["datasetId"],
        "namespace": v["namespace"],
        "name": v["name"],
        "version": v["version"],
        "versionId": version.id,
        "previousVersion": v.get("previousVersion"),
        "source": v.get("source"),
        "origin": v.get("origin"),
        "changeIds": [c.id for c in changes],
        "changes": [
            {
                k: p.get(k)
                for k in ("kind", "column", "old", "new", "severity", "reason", "description")
            }
            | {
                "affected": p.get("affected", 0),
                "affectedBreaking": p.get("affectedBreaking", 0),
                "affectedDatasets": p.get("affectedDatasets") or [],
            }
            for p in facts
        ],
        "domains": union("domains"),
        "products": union("products"),
        "owners": union("owners"),
        "consumers": union("consumers"),
        "contracts": union("contracts"),
        "datasets": sorted({v["datasetId"], *union("affectedDatasets")}),
    }
    # Its id sorts by when it was made (not when the schema was observed): the deliverer reads the
    # retry window as a range of ids.
    made = notification_id(created, BREAKING_CHANGE, v["version"])
    return [UpsertNode(made, NodeKind.NOTIFICATION, at, props)]


def connect_outbox(history: SchemaHistory) -> None:
    """Make ``history`` write a notification with every version that has breaking changes, and
    with every new failed error-level check (``graph.notify.quality_alerts``)."""
    history.outbox = outbox_entries
    history.quality = QualityOutbox(history.store)


def delivery_key(group: Sequence[Node], hook: Webhook) -> str:
    """The idempotency key of one message (of one notification, or a group's) to one webhook:
    the same on every attempt and restart."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{' '.join(n.id for n in group)} {hook.key}"))


# -- payloads -----------------------------------------------------------------------------------


def message(notification: Node, key: str, explorer_url: str | None) -> dict[str, Any]:
    """The documented JSON payload (docs/notifications.md, docs/quality.md "Quality webhooks")."""
    p = notification.props
    kind = p["kind"]
    base = (explorer_url or "").rstrip("/")
    dataset = p["datasetId"]
    described: dict[str, Any] = {"id": dataset, "namespace": p["namespace"], "name": p["name"]}
    if kind == BREAKING_CHANGE:
        described |= {"version": p["version"], "previousVersion": p.get("previousVersion")}
    described |= {"observedAt": p["at"], "source": p.get("source"), "origin": p.get("origin")}
    body: dict[str, Any] = {
        "type": kind,
        "deliveryId": key,
        "notificationId": notification.id,
        "detectedAt": p.get("createdAt"),
        "dataset": described,
    }
    if kind == BREAKING_CHANGE:
        body["changes"] = p.get("changes") or []
    elif kind == QUALITY_FAILED:
        body["assertions"] = p.get("assertions") or []
    else:
        body["freshness"] = p.get("freshness") or {}
    body["impact"] = {
        "domains": p.get("domains") or [],
        "products": p.get("products") or [],
        "consumers": p.get("consumers") or [],
        "contracts": p.get("contracts") or [],
        "datasets": [d for d in p.get("datasets") or [] if d != dataset],
    }
    body["notify"] = sorted({*(p.get("owners") or []), *(p.get("consumers") or [])})
    links = {"explorer": f"{base}/#node={quote(dataset, safe='')}"}
    if kind == BREAKING_CHANGE:
        links["versions"] = (
            f"{base}/api/v1/namespaces/{quote(p['namespace'], safe='')}/datasets/"
            f"{quote(p['name'], safe='')}/versions"
        )
    body["links"] = links
    return body


def body_of(hook: Webhook, group: Sequence[Node], key: str, explorer_url: str | None) -> bytes:
    """The message of a notification, or of a dataset's group (``graph.notify.coalescing``), in
    the webhook's format."""
    payload = merged(message(group[-1], key, explorer_url), group)
    if hook.format == "cloudevents":
        return orjson.dumps(
            {
                "specversion": "1.0",
                "type": f"io.lineagemesh.{payload['type']}",
                "source": explorer_url or "lineagemesh",
                "id": key,
                "time": _iso(payload["detectedAt"]),
                "subject": payload["dataset"]["id"],
                "datacontenttype": "application/json",
                "data": payload,
            }
        )
    if hook.format == "slack":
        return orjson.dumps(_slack(payload))
    return orjson.dumps(payload)


def _iso(at: str | None) -> str:
    return at or datetime.now(UTC).isoformat()


def _slack(payload: dict[str, Any]) -> dict[str, Any]:
    dataset = payload["dataset"]
    where = f"{dataset['namespace']}/{dataset['name']}"
    if payload["type"] == QUALITY_FAILED:
        title = f"Quality check failed: {where}"
        lines = "\n".join(
            f"• *{a['status']}* {a['name']}"
            + (f" on {a['column']}" if a.get("column") else "")
            + (f": expected {a['expected']}, got {a['actual']}" if a.get("actual") else "")
            for a in payload["assertions"]
        )
    elif payload["type"] == FRESHNESS_MISSED:
        title = f"Freshness SLO missed: {where}"
        f = payload["freshness"]
        lines = f"• SLO {f.get('sloHours')}h, last updated {f.get('lastUpdate') or 'never'}"
    else:
        title = f"Breaking schema change: {where}"
        lines = "\n".join(f"• *{c['severity']}* {c['description']}" for c in payload["changes"])
    notify = ", ".join(payload["notify"]) or "nobody known"
    impact = payload["impact"]
    return {
        "text": title,
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": lines[:3000] or "(none)"}},
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": f"*Notify*\n{notify}"[:2000]},
                    {
                        "type": "mrkdwn",
                        "text": f"*Downstream*\n{len(impact['datasets'])} datasets, "
                        f"{len(impact['products'])} products",
                    },
                ],
            },
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f"<{payload['links']['explorer']}|Open in lineagemesh>"
                        + (f" · version {dataset['version']}" if "version" in dataset else ""),
                    }
                ],
            },
        ],
    }


def signature(secret: str, body: bytes, at: int) -> str:
    """``t=<at>,v1=<hex HMAC-SHA256 of "<at>.<body>">``: the time is signed with the body, so a
    receiver refuses a replay outside its tolerance (as Stripe's and GitHub-style schemes do)."""
    mac = hmac.new(secret.encode(), str(at).encode() + b"." + body, hashlib.sha256)
    return f"t={at},v1={mac.hexdigest()}"


CONTENT_TYPES = {
    "json": "application/json",
    "cloudevents": "application/cloudevents+json",
    "slack": "application/json",
}


# -- delivery -----------------------------------------------------------------------------------


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


def scan_notifications(
    store: Store, oldest: str = "", most: int | None = MOST_SCANNED
) -> tuple[list[Node], bool]:
    """The notifications made at ``oldest`` or later, newest first (ids sort so), at most
    ``most`` (None: all of them); and whether the scan reached ``oldest`` (False when ``most``
    cut it short)."""
    found: list[Node] = []
    after = f"{NOTIFICATION_PREFIX}:"
    while most is None or len(found) < most:
        size = 1000 if most is None else min(1000, most - len(found))
        page = store.nodes_of_kind(NodeKind.NOTIFICATION, size, after)
        for node in page:
            if node.props.get("createdAt", "") < oldest:
                return found, True
            found.append(node)
        if len(page) < size:
            return found, True
        after = page[-1].id
    return found, False


def window_start(window_seconds: float, now: float) -> str:
    """The stamp of the oldest notification still within the retry window at ``now``."""
    return stamp(datetime.fromtimestamp(now - window_seconds, UTC))


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
        self._pacer = Pacer(settings.coalesce_seconds, BREAKING_CHANGE)

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

        with WebhookClient(self.settings.allow) as client:
            while not self._stop.is_set():
                wake.clear()
                try:
                    wait = self.deliver_due(hook, client)
                except StoreUnavailable as e:
                    log.warning("webhook %s: outbox unavailable: %s", hook.url, e)
                    wait = POLL_SECONDS
                except Exception:
                    log.exception("webhook %s: delivery pass failed", hook.url)
                    wait = POLL_SECONDS
                wake.wait(min(wait, POLL_SECONDS))

    def deliver_due(self, hook: Webhook, client: WebhookClient) -> float:
        """Post every notification due for ``hook``, oldest first; returns the seconds until the
        next one falls due (POLL_SECONDS when none waits). Every notification of the retry window
        is read, however many (a pass read at most 100k, and older ones of the window were never
        delivered nor kept as failed); the pending gauge counts them all before the first post
        and drops as each settles, so a slow receiver's pass shows what waits (issue 74: it
        showed 5 of 242)."""
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
        pending = len(waiting)
        self._set_pending(hook, pending)
        due: list[Due] = []
        for notification in waiting:
            state = notification.props.get(f"delivery:{hook.key}") or {}
            next_at = float(state.get("nextAttemptAt", 0))
            if next_at > now:
                due_in = min(due_in, next_at - now)
            else:
                due.append((notification, state))
        posts, held = self._pacer.groups(hook.key, due, now)
        due_in = min(due_in, held)
        for group in posts:
            if self._stop.is_set():
                break
            settled = self._attempt(hook, client, group, now)
            self._pacer.told(hook.key, group, now)
            pending -= settled
            self._set_pending(hook, pending)
            if settled < len(group):
                attempts = max(int(state.get("attempts", 0)) for _, state in group)
                due_in = min(due_in, self._delay(attempts + 1))
        return max(due_in, 0.0)

    def _set_pending(self, hook: Webhook, pending: int) -> None:
        with self.stats.lock:
            self.stats.pending[hook.key] = pending

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


def failed_deliveries(store: Store, first: int) -> list[dict[str, Any]]:
    """The deliveries kept as failed (or still failing), newest first: of any age, as one kept
    failed only after a long outage is older than its window (the newest ``MOST_SCANNED``
    notifications are read)."""
    found = []
    for node in scan_notifications(store)[0]:
        for key, value in node.props.items():
            if key.startswith("delivery:") and isinstance(value, dict) and value.get("lastError"):
                found.append(
                    {
                        "notificationId": node.id,
                        "datasetId": node.props.get("datasetId"),
                        "webhook": value.get("url"),
                        "state": value.get("state"),
                        "attempts": value.get("attempts"),
                        "lastError": value.get("lastError"),
                    }
                )
                if len(found) >= first:
                    return found
    return found
