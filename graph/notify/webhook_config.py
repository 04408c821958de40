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

from graph.core.config_schema import (
    COUNT,
    MAPPING,
    MAPPINGS,
    NUMBER,
    REQUIRED,
    STRING,
    STRINGS,
    ConfigFile,
    Key,
    Kind,
    choice,
    choices,
)
from graph.core.documents import load_located
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


_FILTER_MEANING = {
    "domains": "told only of what concerns one of these domains",
    "products": "told only of what concerns one of these data products",
    "owners": "told only of what concerns datasets one of these owners owns",
    "datasets": "told only of what concerns one of these datasets (ids)",
}

#: The webhooks file's keys (``docs/reference/configuration.md`` is written from them).
WEBHOOKS_FILE = ConfigFile(
    title="Webhooks",
    read_by="`lineagemesh serve --webhooks FILE` (env `LINEAGEMESH_WEBHOOKS`)",
    about="Which receivers are told of breaking changes, failed quality checks and missed "
    "freshness, and how posts are paced and retried. [Notifications](../notifications.md) shows "
    "the messages and their signature.",
    example="""\
webhooks:
  - url: https://hooks.example.com/lineage
    secret_env: LINEAGE_HOOK_SECRET
    format: json
    on: [breaking_change, quality_failed]
    domains: [sales]
retry:
  window_hours: 24
explorer_url: https://lineage.example.com
""",
    keys=(
        Key(
            "webhooks",
            MAPPINGS,
            REQUIRED,
            "the receivers, each told of what it asks for (a notification goes to every "
            "receiver that wants it)",
            keys=(
                Key(
                    "url",
                    STRING,
                    REQUIRED,
                    "where posts go: a public address, unless a `--webhooks-allow-*` flag of "
                    "`serve` opens loopback or private ones",
                ),
                Key(
                    "secret",
                    STRING,
                    "(or `secret_env`)",
                    "the key each post is signed with (HMAC-SHA256); exactly one of `secret` and "
                    "`secret_env` is given",
                ),
                Key("secret_env", STRING, "(or `secret`)", "the environment variable holding it"),
                Key("format", choice(*FORMATS), "json", "the posts' body"),
                Key(
                    "on",
                    choices(*sorted(KINDS)),
                    f"`[{BREAKING_CHANGE}]`",
                    "the notifications this receiver is told of",
                ),
                *(Key(name, STRINGS, "`[]`", _FILTER_MEANING[name]) for name in FILTERS),
                Key(
                    "concurrency",
                    Kind(
                        f"a whole number from 1 to {MOST_CONCURRENCY}",
                        lambda v: COUNT.accepts(v) and v <= MOST_CONCURRENCY,
                    ),
                    "1",
                    "posts in flight to this receiver at once (one dataset's always in order)",
                ),
            ),
        ),
        Key(
            "freshness_check_seconds",
            NUMBER,
            f"{DEFAULT_FRESHNESS_CHECK:g}",
            "how often a server looks for missed freshness SLOs",
        ),
        Key(
            "coalesce_seconds",
            NUMBER,
            f"{DEFAULT_COALESCE_SECONDS:g}",
            "a dataset's breaking changes are told at most this often",
        ),
        Key(
            "posts_per_writer",
            COUNT,
            str(DEFAULT_POSTS_PER_WRITER),
            "a writer's breaking changes: at most this many posts per `coalesce_seconds` and "
            "receiver, the rest in one digest",
        ),
        Key(
            "retry",
            MAPPING,
            "",
            "how a failed post is tried again",
            keys=(
                Key(
                    "window_hours",
                    NUMBER,
                    f"{DEFAULT_WINDOW_HOURS:g}",
                    "how long a delivery is retried before it is kept as failed",
                ),
                Key(
                    "first_delay_seconds",
                    NUMBER,
                    f"{DEFAULT_FIRST_DELAY:g}",
                    "the wait before the first retry, doubled after each failure, at most an hour",
                ),
            ),
        ),
        Key("explorer_url", STRING, "(none)", "where the explorer is, for the links in messages"),
    ),
)


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
    """The webhooks a file declares (``WEBHOOKS_FILE``; YAML, or JSON by its ``.json`` suffix, read
    as every configuration file is: ``graph.core.documents``); raises InvalidWebhooks
    (``FILE:LINE: WHERE: REASON``)."""
    env = os.environ if env is None else env
    raw, located = load_located(path, InvalidWebhooks, "webhooks")
    if isinstance(raw, dict) and isinstance(raw.get("webhooks"), list):
        # YAML 1.1 reads a bare ``on:`` key as true: the key the docs show, taken as written.
        raw["webhooks"] = [
            {("on" if k is True else k): v for k, v in spec.items()}
            if isinstance(spec, dict)
            else spec
            for spec in raw["webhooks"]
        ]
    doc = WEBHOOKS_FILE.check(raw, located)
    hooks = []
    for i, spec in enumerate(doc["webhooks"]):
        at = ("webhooks", i)
        try:
            check_target(spec["url"], allow, resolve=False)
        except TargetRefused as e:
            raise located.error((*at, "url"), str(e)) from None
        if ("secret" in spec) == ("secret_env" in spec):
            raise located.error(at, "give exactly one of secret, secret_env")
        secret = spec.get("secret") or env.get(spec["secret_env"])
        if not secret:
            raise located.error((*at, "secret_env"), f"${spec['secret_env']} is not set")
        hooks.append(
            Webhook(
                spec["url"],
                secret,
                spec.get("format", "json"),
                frozenset(spec.get("on", [BREAKING_CHANGE])),
                **{name: frozenset(spec.get(name, [])) for name in FILTERS},
                concurrency=spec.get("concurrency", 1),
            )
        )
    retry = doc.get("retry", {})
    return WebhookSettings(
        tuple(hooks),
        float(retry.get("window_hours", DEFAULT_WINDOW_HOURS)) * 3600,
        float(retry.get("first_delay_seconds", DEFAULT_FIRST_DELAY)),
        doc.get("explorer_url"),
        allow,
        freshness_check_seconds=float(doc.get("freshness_check_seconds", DEFAULT_FRESHNESS_CHECK)),
        coalesce_seconds=float(doc.get("coalesce_seconds", DEFAULT_COALESCE_SECONDS)),
        posts_per_writer=doc.get("posts_per_writer", DEFAULT_POSTS_PER_WRITER),
    )
