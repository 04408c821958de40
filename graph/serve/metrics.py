"""``GET /metrics``: Prometheus metrics of one server (prometheus_client, a registry per app).

| metric | what |
|---|---|
| ``lineagemesh_ingest_events_accepted_total`` | OpenLineage events applied |
| ``lineagemesh_ingest_events_rejected_total{reason}`` | events refused: invalid, unauthenticated, forbidden, too_large, unsupported_encoding, over_quota (`--principal-quota`), unavailable (a request refused before its events were read counts as one) |
| ``lineagemesh_ingest_elements_written_total`` | nodes and edges ingest changed in the store (what the merge rule let through: a re-sent event writes none) |
| ``lineagemesh_ingest_not_applied_total{what}`` | parts of accepted events not applied as sent: ``observation`` (a dataset of a domain the writer may not write, described on an input: kept as its ``observedBy`` facet), ``alias`` (an alias joining such a dataset, left out) |
| ``lineagemesh_ingest_lenient_total{reason}`` | events applied only after relaxing what Marquez accepts too (``ingest.lenient``: run_id_not_uuid, parent_run_id_not_uuid) |
| ``lineagemesh_ingest_duration_seconds{endpoint}`` | ingest request latency, ``single`` or ``batch`` |
| ``lineagemesh_graphql_duration_seconds`` | GraphQL operation latency (parse, validation, execution) |
| ``lineagemesh_graphql_stopped_total{code}`` | GraphQL operations stopped by their budget (``graph.serve.budget``), by error code |
| ``lineagemesh_http_requests_total{route,status}`` | requests answered |
| ``lineagemesh_http_requests_in_flight`` | requests being answered now |
| ``lineagemesh_graph_nodes{kind}``, ``lineagemesh_graph_edges{kind}`` | graph size (``store.counts()``, cached ``GRAPH_SIZE_TTL`` seconds) |
| ``lineagemesh_store_up`` | 1 when the store answered the last graph-size count |
| ``lineagemesh_connections_open``, ``lineagemesh_websockets_open``, ``lineagemesh_connections_limit{scope}``, ``lineagemesh_connections_refused_total{reason}`` | connections held now and their caps, refused ones by cap (``graph.serve.connection_caps``) |
| ``lineagemesh_subscriptions_open``, ``lineagemesh_subscription_answers_building``, ``lineagemesh_subscription_answers_shared_total``, ``lineagemesh_websockets_idle_closed_total`` | the websocket side (``graph.serve.websocket``) |
| ``lineagemesh_store_transient_retries_total{transaction}`` | Neo4j only: ``read`` or ``write`` transactions run again after a transient failure (a deadlock with another server's writer, a read racing a write) |
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Scope

from graph.core.model import EdgeKind, NodeKind
from graph.serve.budget import STOP_CODES
from graph.serve.ingest import REASONS, IngestOutcome
from graph.serve.observe import RequestObserver
from graph.stores import Store, StoreUnavailable
from ingest.lenient import REASONS as LENIENT_REASONS

GRAPH_SIZE_TTL = 10.0  # seconds; counting a large embedded graph walks all of it
ROUTES = frozenset(
    {"/", "/api/v1/lineage", "/api/v1/lineage/batch", "/healthz", "/graphql", "/metrics"}
)
_LATENCY_BUCKETS = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    60.0,
)


class Metrics:
    """The metrics of one app; the app and its middleware record into it."""

    def __init__(self, store: Store, graph_size_ttl: float = GRAPH_SIZE_TTL) -> None:
        disable_created_metrics()  # process-wide: the *_created series would double every series for nothing
        self.registry = CollectorRegistry()
        r = self.registry
        self.accepted = Counter(
            "lineagemesh_ingest_events_accepted", "OpenLineage events applied.", registry=r
        )
        self.namespace_index_builds = Counter(
            "lineagemesh_namespace_index_builds",
            "Scans building the namespace index (graph.read.namespaces), at most one at a time.",
            registry=r,
        )
        self.rejected = Counter(
            "lineagemesh_ingest_events_rejected",
            "OpenLineage events refused, by reason class.",
            ["reason"],
            registry=r,
        )
        for reason in REASONS.values():
            self.rejected.labels(reason)
        self.written = Counter(
            "lineagemesh_ingest_elements_written",
            "Nodes and edges ingest changed in the store.",
            registry=r,
        )
        self.not_applied = Counter(
            "lineagemesh_ingest_not_applied",
            "Parts of accepted events not applied as sent, by what.",
            ["what"],
            registry=r,
        )
        for what in ("observation", "alias"):
            self.not_applied.labels(what)
        self.lenient = Counter(
            "lineagemesh_ingest_lenient",
            "OpenLineage events applied after relaxing the spec as Marquez "
            "does, by what was relaxed.",
            ["reason"],
            registry=r,
        )
        for reason in LENIENT_REASONS:
            self.lenient.labels(reason)
        self.ingest_seconds = Histogram(
            "lineagemesh_ingest_duration_seconds",
            "Ingest request latency.",
            ["endpoint"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.graphql_seconds = Histogram(
            "lineagemesh_graphql_duration_seconds",
            "GraphQL operation latency: parse, validation and execution.",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.graphql_stopped = Counter(
            "lineagemesh_graphql_stopped",
            "GraphQL operations stopped by their budget, by error code.",
            ["code"],
            registry=r,
        )
        for code in STOP_CODES:
            self.graphql_stopped.labels(code)
        self.requests = Counter(
            "lineagemesh_http_requests",
            "HTTP requests answered, by route and status.",
            ["route", "status"],
            registry=r,
        )
        self.in_flight = Gauge(
            "lineagemesh_http_requests_in_flight", "HTTP requests being answered.", registry=r
        )
        r.register(_GraphSize(store, graph_size_ttl))
        retries = getattr(store, "retries", None)
        if retries is not None:
            r.register(_Retries(retries.counts))

    def record_ingest(self, endpoint: str, outcome: IngestOutcome, seconds: float) -> None:
        self.ingest_seconds.labels(endpoint).observe(seconds)
        if outcome.accepted:
            self.accepted.inc(outcome.accepted)
        for reason, count in outcome.rejected.items():
            self.rejected.labels(reason).inc(count)
        for what, count in outcome.not_applied.items():
            if count:
                self.not_applied.labels(what).inc(count)
        for reason, count in outcome.lenient.items():
            self.lenient.labels(reason).inc(count)

    async def endpoint(self, request: Request) -> Response:
        """The exposition, in the format the scraper asks for (Prometheus text or OpenMetrics)."""
        encoder, content_type = choose_encoder(request.headers.get("accept", ""))
        body = await run_in_threadpool(encoder, self.registry)  # counting may ask the store
        return Response(body, headers={"Content-Type": content_type})


class _GraphSize(Collector):
    """Node and edge counts per kind, from ``store.counts()``, recounted at most every ``ttl`` seconds."""

    def __init__(self, store: Store, ttl: float) -> None:
        self.store = store
        self.ttl = ttl
        self._lock = threading.Lock()
        self._at = float("-inf")
        self._counts: dict[str, int] | None = None

    def _current(self) -> dict[str, int] | None:
        with self._lock:
            if time.monotonic() - self._at >= self.ttl:
                try:
                    self._counts = self.store.counts()
                except StoreUnavailable:
                    self._counts = None
                self._at = time.monotonic()
            return self._counts

    def collect(self) -> Iterator[Metric]:
        counts = self._current()
        yield GaugeMetricFamily(
            "lineagemesh_store_up",
            "1 when the store answered the last graph-size count.",
            value=0 if counts is None else 1,
        )
        if counts is None:
            return
        for name, kinds, what in (
            ("lineagemesh_graph_nodes", NodeKind, "Nodes"),
            ("lineagemesh_graph_edges", EdgeKind, "Edges"),
        ):
            family = GaugeMetricFamily(name, f"{what} in the graph, by kind.", labels=["kind"])
            for kind in kinds:
                family.add_metric([kind.value], counts.get(kind.value, 0))
            yield family


class _Retries(Collector):
    """A remote store's retried transactions, by kind (``Neo4jStore.retries``)."""

    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = counts

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(
            "lineagemesh_store_transient_retries",
            "Store transactions run again after a "
            "transient failure (a deadlock, a read racing a write), by transaction.",
            labels=["transaction"],
        )
        for what, count in sorted(self.counts.items()):
            family.add_metric([what], count)
        yield family


class MetricsMiddleware(RequestObserver):
    """Counts requests in flight and answered (by route: known paths, else ``other``)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        super().__init__(app)
        self.metrics = metrics

    def started(self, scope: Scope) -> None:
        self.metrics.in_flight.inc()

    def finished(self, scope: Scope, status: int, token: None) -> None:
        self.metrics.in_flight.dec()
        route = scope["path"] if scope["path"] in ROUTES else "other"
        self.metrics.requests.labels(route, str(status)).inc()
