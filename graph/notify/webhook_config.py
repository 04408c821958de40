"""The webhooks file: which receivers are told of what, and how deliveries are paced and retried.

``lineagemesh serve --webhooks webhooks.yaml`` (or ``LINEAGEMESH_WEBHOOKS``)::

    webhooks:
      - url: https://hooks.example.com/lineage
        secret_env: LINEAGE_HOOK_SECRET   # or secret: ...
        format: json                      # json | cloudevents | slack
        on: [breaking_change]             # and quality_failed, freshness_missed
        domains: [sales]                  # optional filters: domains, products, owners, datasets
        concurrency: 1                    # posts in flight to this receiver at once (1 to 8)
    freshness_check_seconds: 60           # how often a server looks for missed freshness SLOs
    coalesce_seconds: 10                  # a dataset's breaking changes told at most this often
    posts_per_writer: 5                   # a writer's breaking changes: at most this many posts
                                          # per coalesce_seconds, the rest in one digest
    retry:
      window_hours: 24                    # then a delivery is kept as failed
      first_delay_seconds: 1              # doubled after each failure, at most an hour
    explorer_url: https://lineage.example.com   # for the links in messages
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.core.documents import load_document
from graph.notify.coalescing import DEFAULT_COALESCE_SECONDS, DEFAULT_POSTS_PER_WRITER
from graph.notify.quality_alerts import FRESHNESS_MISSED, QUALITY_FAILED
from graph.notify.webhook_targets import TargetRefused, check_target

BREAKING_CHANGE = "breaking_change"
KINDS = frozenset({BREAKING_CHANGE, QUALITY_FAILED, FRESHNESS_MISSED})
FORMATS = ("json", "cloudevents", "slack")
FILTERS = ("domains", "products", "owners", "datasets")
DEFAULT_WINDOW_HOURS = 24.0
DEFAULT_FIRST_DELAY = 1.0
DEFAULT_FRESHNESS_CHECK = 60.0  # seconds between two checks of the freshness SLOs
MOST_CONCURRENCY = 8  # posts in flight to one webhook at once, at most (each a thread)


class InvalidWebhooks(ValueError):
    """The webhooks file cannot be used; the message names the file and the reason."""


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
    concurrency: int = 1  # posts in flight at once (different datasets; one dataset's in order)

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
    posts_per_writer: int = DEFAULT_POSTS_PER_WRITER  # per coalesce_seconds, per webhook

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
        unknown = set(spec) - {
            "url",
            "secret",
            "secret_env",
            "format",
            "on",
            "concurrency",
            *FILTERS,
        }
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
        concurrency = spec.get("concurrency", 1)
        if not _count(concurrency) or concurrency > MOST_CONCURRENCY:
            raise fail(f"{where}.concurrency", f"a whole number from 1 to {MOST_CONCURRENCY}")
        hooks.append(Webhook(url, secret, form, frozenset(on), **filters, concurrency=concurrency))
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
    posts = doc.get("posts_per_writer", DEFAULT_POSTS_PER_WRITER)
    if not _count(posts):
        raise fail("posts_per_writer", "a positive whole number")
    return WebhookSettings(
        tuple(hooks), window, first_delay, explorer, allow, **seconds, posts_per_writer=posts
    )


def _count(value: object) -> bool:
    """Whether ``value`` is a positive whole number (not a boolean)."""
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
