"""Quality webhooks (graph.notify.quality_alerts through graph.notify.webhooks' outbox) with a real recording
receiver: a failing error-level check, from events the real OpenLineage client builds, is told
once to the owners downstream; a missed freshness SLO (real datacontract.com contracts) once per
missed window; on both stores, and end to end through a server."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from live_server import LiveServer
from openlineage.client.event_v2 import InputDataset, OutputDataset
from schema_events import V1, V2_NO_EMAIL, producer_event
from test_http_api import post_with_client
from test_quality_health import (
    NS,
    ORDERS,
    ORDERS_CONTRACT,
    REPORT,
    REPORT_CONTRACT,
    checked_orders,
    event,
    not_null,
)
from webhook_receiver import Receiver, deliveries

from graph.core.model import Node, NodeKind
from graph.core.mutations import UpsertNode
from graph.intake.ingest_service import IngestService, translate_events
from graph.notify import quality_alerts
from graph.notify.notifications import BatchWalks, notification_id
from graph.notify.quality_alerts import (
    FRESHNESS_MISSED,
    QUALITY_FAILED,
    check_freshness,
    missed_freshness,
)
from graph.notify.webhook_client import WebhookClient
from graph.notify.webhook_config import (
    BREAKING_CHANGE,
    InvalidWebhooks,
    Webhook,
    WebhookSettings,
    load_webhooks,
)
from graph.notify.webhook_targets import RANGES
from graph.notify.webhooks import Deliverer
from graph.stores import Store, open_store
from ingest.contracts import translate_contract

SECRET = "quality-secret"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def pipeline_events() -> list[dict[str, Any]]:
    """load_orders writes orders at 06:00, build_report reads them into the report at 07:00."""
    orders = OutputDataset(namespace=NS, name="sales.public.orders")
    source = InputDataset(namespace=NS, name="sales.public.orders")
    report = OutputDataset(namespace=NS, name="mkt.public.report")
    return [
        event("load_orders", "2026-01-05T06:00:00Z", outputs=[orders]),
        event("build_report", "2026-01-05T07:00:00Z", [source], [report]),
    ]


def with_pipeline(store: Store) -> IngestService:
    service = IngestService(store)
    service.apply_mutations(translate_contract(REPORT_CONTRACT, "report.yaml"), 1)
    service.apply_mutations(translate_contract(ORDERS_CONTRACT, "orders.yaml"), 1)
    service.commit(translate_events(pipeline_events(), keep_raw=False).payload, None)
    return service


def failing_check(at: str, severity: str | None = None, success: bool = False) -> dict[str, Any]:
    return event("check_orders", at, [checked_orders(not_null(success, severity))])


def notifications(store: Store, kind: str) -> list[dict[str, Any]]:
    nodes = store.nodes_of_kind(NodeKind.NOTIFICATION, 1000)
    return [n.props for n in reversed(nodes) if n.props["kind"] == kind]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_quality_and_freshness_notifications_once_each_on_each_store(
    open_test_store: Callable[[], Store], receiver: Receiver
) -> None:
    store = open_test_store()
    service = with_pipeline(store)

    def ingest(*events: dict[str, Any]) -> None:
        service.commit(translate_events(list(events), keep_raw=False).payload, None)

    failing = failing_check("2026-01-05T07:30:00Z")
    ingest({**failing, "eventType": "START", "eventTime": "2026-01-05T07:25:00Z"})
    ingest(failing)  # the run completes reporting the same failure: one failure, told once
    ingest(failing)  # the same event again: its result is told already
    ingest(failing_check("2026-01-05T07:40:00Z", severity="warning"))  # a warning: not told
    ingest(failing_check("2026-01-05T07:50:00Z", success=True))  # it passes: nothing to tell
    [told] = notifications(store, QUALITY_FAILED)
    assert told["datasetId"] == ORDERS
    [checked] = told["assertions"]
    assert (checked["name"], checked["column"], checked["status"], checked["actual"]) == (
        "not_null_driver_id",
        "driver_id",
        "FAIL",
        "3",
    )
    assert told["needsRecipients"]  # whom it concerns is the deliverer's walk, not ingest's
    ingest(failing_check("2026-01-05T08:10:00Z"))  # fails again: a new result, told
    assert len(notifications(store, QUALITY_FAILED)) == 2

    # Freshness: the orders promise 2h (due 08:00), the report 24h (due 07:00 the next day).
    assert check_freshness(store, at("2026-01-05T07:59:00")) == 0
    assert check_freshness(store, at("2026-01-05T09:00:00")) == 1  # the orders are late
    assert check_freshness(store, at("2026-01-05T09:30:00")) == 0  # the same window: once
    assert check_freshness(store, at("2026-01-06T08:00:00")) == 1  # the report is late too
    orders = OutputDataset(namespace=NS, name="sales.public.orders")
    ingest(event("load_orders", "2026-01-06T09:00:00Z", outputs=[orders]))
    assert check_freshness(store, at("2026-01-06T10:00:00")) == 0  # updated: on time again
    assert check_freshness(store, at("2026-01-06T12:00:00")) == 1  # a new window missed
    late = [
        (n["datasetId"], n["freshness"]["lastUpdate"])
        for n in notifications(store, FRESHNESS_MISSED)
    ]
    assert late == [
        (ORDERS, "2026-01-05T06:00:00.000000Z"),
        (REPORT, "2026-01-05T07:00:00.000000Z"),
        (ORDERS, "2026-01-06T09:00:00.000000Z"),
    ]

    # Delivered from the outbox like a breaking change: each once, signed, with its own key.
    hook = Webhook(receiver.url, SECRET, on=frozenset({QUALITY_FAILED, FRESHNESS_MISSED}))
    mkt_only = Webhook(
        receiver.url + "?mkt",
        SECRET,
        "slack",
        frozenset({FRESHNESS_MISSED}),
        domains=frozenset({"mkt"}),
    )
    settings = WebhookSettings(
        (hook, mkt_only), window_seconds=400 * 86400, allow=frozenset(RANGES)
    )
    deliverer = Deliverer(store, settings, clock=time.time)
    with WebhookClient() as client:
        for h in (hook, mkt_only):
            deliverer.deliver_due(h, client)
            deliverer.deliver_due(h, client)  # delivered: nothing posted again
    posts = receiver.wait_for(5 + 3)
    assert all(p.signed_with(SECRET) for p in posts)
    assert len({p.headers["x-lineagemesh-delivery"] for p in posts}) == len(posts) == 8
    plain = [p.json for p in posts if "type" in p.json]
    assert sorted(p["type"] for p in plain) == [FRESHNESS_MISSED] * 3 + [QUALITY_FAILED] * 2
    quality = next(p for p in plain if p["type"] == QUALITY_FAILED)
    assert quality["dataset"]["id"] == ORDERS and quality["assertions"][0]["status"] == "FAIL"
    assert REPORT in quality["impact"]["datasets"] and quality["notify"]
    told = notifications(store, QUALITY_FAILED)[0]  # its recipients recorded on it
    assert not told["needsRecipients"] and {"sales", "mkt"} <= set(told["domains"])
    assert REPORT in told["datasets"] and told["owners"]  # the report downstream is mkt's
    slack = [p.json for p in posts if "blocks" in p.json]
    assert len(slack) == 3 and all("Freshness SLO missed" in s["text"] for s in slack)


def test_a_checks_late_datasets_are_told_what_their_own_walks_find(
    open_test_store: Callable[[], Store],
) -> None:
    """The datasets one freshness check finds late walk their impacts together, through one view
    read ahead as one walk on Neo4j (``BatchWalks``): each miss is told to whom a walk of its own
    finds."""
    store = open_test_store()
    with_pipeline(store)
    now = at("2026-01-06T08:00:00")  # the orders (due the day before) and the report are late
    told = [m.props for m in missed_freshness(store, now) if isinstance(m, UpsertNode)]
    by_dataset = {t["datasetId"]: t for t in told}
    assert sorted(by_dataset) == sorted([ORDERS, REPORT]) == sorted(t["datasetId"] for t in told)
    for dataset, miss in by_dataset.items():  # each as a walk of its own, through a view of its own
        alone = quality_alerts.downstream(store, dataset, BatchWalks(store, [(dataset, None)]))
        assert {key: miss[key] for key in alone} == alone
    orders = by_dataset[ORDERS]
    assert REPORT in orders["datasets"] and {"sales", "mkt"} <= set(orders["domains"])
    assert orders["owners"]


def test_the_recipients_of_notices_found_together_are_those_found_alone(
    open_test_store: Callable[[], Store],
) -> None:
    """The deliverer finds whom the notices written without recipients concern all at once
    (``with_recipients``: one batch of walks, one write): each as a walk of its own finds it."""
    store = open_test_store()
    with_pipeline(store)
    detected = "2026-01-05T08:00:00.000000Z"
    notices = [
        Node(
            notification_id(detected, QUALITY_FAILED, f"result-{i}"),
            NodeKind.NOTIFICATION,
            {"kind": QUALITY_FAILED, "datasetId": dataset, "needsRecipients": True},
        )
        for i, dataset in enumerate([ORDERS, REPORT, ORDERS])
    ]
    told = Node(notices[0].id + "-told", NodeKind.NOTIFICATION, {"kind": QUALITY_FAILED})
    together = quality_alerts.with_recipients(store, [*notices, told], detected)
    alone = [quality_alerts.with_recipients(store, [n], detected)[0] for n in notices]
    assert [n.props for n in together] == [n.props for n in alone] + [told.props]
    assert not any(n.props["needsRecipients"] for n in together[:3])
    assert REPORT in together[0].props["datasets"] and together[0].props["owners"]
    stored = store.nodes([n.id for n in notices])
    assert [stored[n.id].props["datasets"] for n in notices] == [
        n.props["datasets"] for n in together[:3]
    ]


def test_settings_take_the_quality_kinds(tmp_path: Path) -> None:
    path = tmp_path / "hooks.yaml"
    path.write_text(
        "webhooks:\n  - {url: 'http://127.0.0.1:9/h', secret: s, on: [quality_failed, "
        "freshness_missed]}\nfreshness_check_seconds: 30\n"
    )
    settings = load_webhooks(path, allow=frozenset(RANGES))
    assert settings.webhooks[0].on == {QUALITY_FAILED, FRESHNESS_MISSED}
    assert settings.freshness_check_seconds == 30 and settings.wanted(FRESHNESS_MISSED)
    path.write_text("webhooks:\n  - {url: 'http://127.0.0.1:9/h', secret: s, on: [quality]}\n")
    with pytest.raises(
        InvalidWebhooks, match=r"webhooks\[0\]\.on: expected a list of breaking_change"
    ):
        load_webhooks(path, allow=frozenset(RANGES))


def test_a_server_tells_a_failing_check_and_missed_slos(tmp_path: Path, receiver: Receiver) -> None:
    store = open_store(data_dir=str(tmp_path / "store"))
    try:
        with_pipeline(store)  # in January: both SLOs long missed
    finally:
        store.close()
    import yaml

    hooks = tmp_path / "webhooks.yaml"
    hooks.write_text(
        yaml.safe_dump(
            {
                "webhooks": [
                    {
                        "url": receiver.url + "?q",
                        "secret_env": "HOOK_SECRET",
                        "on": [QUALITY_FAILED],
                    },
                    {
                        "url": receiver.url + "?f",
                        "secret_env": "HOOK_SECRET",
                        "format": "cloudevents",
                        "on": [FRESHNESS_MISSED],
                    },
                ],
                "freshness_check_seconds": 0.2,
            }
        )
    )
    server = LiveServer(
        ["--data-dir", str(tmp_path / "store")],
        tmp_path / "server.log",
        env={"HOOK_SECRET": SECRET},
    ).start(["--webhooks", str(hooks), "--webhooks-allow-private"])
    try:
        late = receiver.wait_for(2)  # the two missed SLOs, found by the server's check
        assert sorted(p.json["subject"] for p in late) == sorted([ORDERS, REPORT])
        assert {p.json["type"] for p in late} == {"io.lineagemesh.freshness_missed"}
        failing = failing_check("2026-01-05T07:30:00Z")
        post_with_client(server.url, [failing])
        posts = receiver.wait_for(3)
        [quality] = [p for p in posts if p.json.get("type") == QUALITY_FAILED]
        assert (
            quality.signed_with(SECRET) and quality.headers["x-lineagemesh-event"] == QUALITY_FAILED
        )
        assert quality.json["dataset"]["id"] == ORDERS
        post_with_client(server.url, [failing])  # the same event again: told once
        assert deliveries(server.url, "delivered") == 3
    finally:
        server.stop()
    assert len(receiver.attempts) == 3


def test_every_notification_id_has_one_form_whatever_told_of_it(tmp_path: Path) -> None:
    """A breaking change's notification and a failed check's are addressed alike: newest first by
    when they were made, then their kind, then what they are about (``graph.notify.notifications``)."""
    store = open_store(data_dir=str(tmp_path / "data"))
    service = with_pipeline(store)
    for event_ in (
        producer_event("2026-03-01T10:00:00Z", V1),
        producer_event("2026-03-02T10:00:00Z", V2_NO_EMAIL),  # drops a column: breaking
        failing_check("2026-03-02T11:00:00Z"),
    ):
        service.commit(translate_events([event_], keep_raw=False).payload, None)
    told = store.nodes_of_kind(NodeKind.NOTIFICATION, 100)
    assert sorted(n.props["kind"] for n in told) == [BREAKING_CHANGE, QUALITY_FAILED]
    for notification in told:
        kind = notification.props["kind"]
        made = notification_id(str(notification.props["createdAt"]), kind, "")
        assert notification.id.startswith(made) and len(notification.id) > len(made)
    store.close()
