"""What a webhook is posted: the documented JSON message of a notification (or of a dataset's
coalesced group), in the webhook's format (json, CloudEvents, Slack), its idempotency key and its
signature.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import orjson

from graph.core.model import Node
from graph.notify.coalescing import merged
from graph.notify.notifications import notify_of
from graph.notify.quality_alerts import FRESHNESS_MISSED, QUALITY_FAILED
from graph.notify.webhook_config import BREAKING_CHANGE, Webhook


def delivery_key(group: Sequence[Node], hook: Webhook) -> str:
    """The idempotency key of one message (of one notification, or a group's) to one webhook:
    the same on every attempt and restart."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{' '.join(n.id for n in group)} {hook.key}"))


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
    body["notify"] = sorted(set(notify_of(p)))
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
