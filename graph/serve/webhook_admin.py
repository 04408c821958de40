"""The webhooks' outbox as the server shows it: ``/metrics`` series and the GraphQL admin field.

| metric | what |
|---|---|
| ``lineagemesh_webhook_deliveries_total{outcome}`` | posts to webhooks: ``delivered``, ``failed_attempt`` (to be retried), ``failed`` (kept as failed: the retry window ended) |
| ``lineagemesh_webhook_pending{webhook}`` | notifications a webhook has not settled yet, by webhook key |
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from graph.core.auth import AuthConfig, AuthError, Role
from graph.core.errors import QueryError
from graph.notify.outbox import failed_deliveries
from graph.notify.webhooks import Deliverer
from graph.serve.websocket import AUTHORIZATION_KEY

WEBHOOKS_KEY = "webhooks"  # the GraphQL context's (auth, settings or None)


class DeliveryCollector(Collector):
    """Reads the deliverer's counts at each scrape."""

    def __init__(self, deliverer: Deliverer) -> None:
        self.deliverer = deliverer

    def collect(self) -> Iterator[Metric]:
        stats = self.deliverer.stats
        deliveries = CounterMetricFamily(
            "lineagemesh_webhook_deliveries", "Posts to webhooks, by outcome.", labels=["outcome"]
        )
        with stats.lock:
            deliveries.add_metric(["delivered"], stats.delivered)
            deliveries.add_metric(["failed_attempt"], stats.failed_attempts)
            deliveries.add_metric(["failed"], stats.failed)
            pending = dict(stats.pending)
        yield deliveries
        gauge = GaugeMetricFamily(
            "lineagemesh_webhook_pending",
            "Notifications a webhook has not settled yet.",
            labels=["webhook"],
        )
        for key, count in sorted(pending.items()):
            gauge.add_metric([key], count)
        yield gauge


def admin_failed_deliveries(context: dict[str, Any], first: int) -> list[dict[str, Any]]:
    """The failed (and still failing) deliveries, for an admin only: they name the receivers."""
    auth, _settings = context.get(WEBHOOKS_KEY) or (None, None)
    request = context.get("request")
    if isinstance(auth, AuthConfig) and request is not None:
        client = getattr(request, "client", None)
        # over a websocket, the identity connection_init gave (as every other operation there
        # acts with), not the upgrade request's header (issue 74: a reader's init with an admin
        # header on the upgrade got admin data, and the documented admin init was refused)
        authorization = (
            context[AUTHORIZATION_KEY]
            if AUTHORIZATION_KEY in context
            else getattr(request, "headers", {}).get("authorization")
        )
        try:
            auth.authorize(authorization, client.host if client else None, Role.ADMIN)
        except AuthError as e:
            raise QueryError(f"webhookFailures: {e.error}") from None
    store = context["store"].store
    return failed_deliveries(store, first)
