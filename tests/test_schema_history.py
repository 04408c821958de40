"""Schema history and breaking-change detection (graph.change.schema_history), on both stores: what a
producer's events make of a dataset's versions, what the Marquez versions routes answer to Marquez's
own client, and the changes with the impact they had when they landed."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import corpus
from marquez_client import MarquezClient
from marquez_client.errors import APIError
from schema_events import (
    CUSTOMERS,
    MART,
    NS,
    V1,
    V2_NO_EMAIL,
    consumer_event,
    producer_event,
)
from test_http_api import post_with_client

from graph.change import schema_history
from graph.core.model import NodeKind, dataset_id
from graph.intake.ingest_service import IngestService, translate_events
from graph.notify import notifications
from graph.stores import Store, open_store


def ingest(service: IngestService, *events: dict[str, Any]) -> None:
    for event in events:
        translation = translate_events([event], keep_raw=False)
        assert not translation.refused, translation.refused
        service.commit(translation.payload, None)


def history_of(store: Store) -> dict[str, Any]:
    """Everything schema history holds, as one comparable value (no detection times, which
    version ids hold too)."""
    versions = schema_history.versions(store, dataset_id(NS, CUSTOMERS), 100)
    changes = schema_history.schema_changes(store, 100)
    return {
        "versions": [
            (v.props["version"], v.props["createdAt"], v.props["fields"], v.props["changes"])
            for v in versions
        ],
        "changes": [
            {k: v for k, v in c.props.items() if k not in ("detectedAt", "versionId")}
            | {"id": c.id}
            for c in changes
        ],
    }


def test_versions_and_breaking_changes(store: Store) -> None:
    service = IngestService(store)
    ingest(
        service,
        producer_event("2026-03-01T10:00:00Z", V1),
        consumer_event("2026-03-01T11:00:00Z"),
        producer_event("2026-03-02T10:00:00Z", V1),  # a re-run, same schema: no version
        producer_event("2026-03-02T10:00:00Z", V1),  # and the same event again
    )
    customers = dataset_id(NS, CUSTOMERS)
    first = schema_history.versions(store, customers, 10)
    assert [v.props["fields"] for v in first] == [
        [{"name": n, "type": t, "ordinal": i} for i, (n, t) in enumerate(V1, start=1)]
    ]
    assert first[0].props["source"] == "openlineage"
    assert first[0].props["origin"].startswith("run:")
    assert first[0].props.get("previousVersion") is None
    assert schema_history.schema_changes(store, 10) == []

    ingest(service, producer_event("2026-03-03T10:00:00Z", V2_NO_EMAIL))
    ingest(service, producer_event("2026-03-01T09:00:00Z", V2_NO_EMAIL))  # older than the newest
    newest, oldest = schema_history.versions(store, customers, 10)
    assert oldest.id == first[0].id
    assert newest.props["previousVersion"] == oldest.props["version"]
    assert newest.props["createdAt"] == "2026-03-03T10:00:00.000000Z"
    assert [c["description"] for c in newest.props["changes"]] == ["drop email"]
    assert schema_history.count_versions(store, customers) == 2

    (change,) = schema_history.schema_changes(store, 10)
    p = change.props
    assert (p["kind"], p["column"], p["severity"]) == ("COLUMN_REMOVED", "email", "BREAKING")
    assert p["columnId"] == f"datasetField:{NS}:{CUSTOMERS}:email"
    assert p["impactComputed"] and p["affectedBreaking"] >= 1
    assert dataset_id(NS, MART) in p["affectedDatasets"]
    assert "team:crm" in p["owners"] and "team:marketing" in p["owners"]
    # filters: by dataset, by column, by time
    assert schema_history.schema_changes(store, 10, node_id=customers) == [change]
    assert schema_history.schema_changes(store, 10, node_id=p["columnId"]) == [change]
    assert schema_history.schema_changes(store, 10, node_id=dataset_id(NS, MART)) == []
    assert schema_history.schema_changes(store, 10, since="2026-03-03T10:00:00.000000Z") == [change]
    assert schema_history.schema_changes(store, 10, since="2026-03-03T10:00:00.000001Z") == []


def test_both_stores_give_the_same_versions_and_changes(
    neo4j_server, tmp_path, monkeypatch
) -> None:
    from conftest import _wipe_neo4j

    # the stores must agree on the impact too: a cold Neo4j on a loaded host planning its first
    # walk statements can take longer than the 2 s a change's impact gets in production
    monkeypatch.setattr(notifications, "IMPACT_DEADLINE_SECONDS", 60.0)
    _wipe_neo4j(neo4j_server.uri)
    events = [
        producer_event("2026-03-01T10:00:00Z", V1),
        consumer_event("2026-03-01T11:00:00Z"),
        producer_event("2026-03-02T10:00:00Z", V1),
        producer_event("2026-03-03T10:00:00Z", V2_NO_EMAIL),
        producer_event("2026-03-04T10:00:00Z", [("id", "varchar"), ("country", "varchar")]),
    ]
    histories = []
    for store in (open_store(data_dir=str(tmp_path / "embedded")), open_store(neo4j_server.uri)):
        with store:
            ingest(IngestService(store), *events)
            histories.append(history_of(store))
    assert len(histories[0]["versions"]) == 3 and len(histories[0]["changes"]) == 2
    assert histories[0] == histories[1]


def test_marquez_python_reads_dataset_versions(live_server) -> None:
    post_with_client(
        live_server.url,
        [
            producer_event("2026-03-01T10:00:00Z", V1),
            consumer_event("2026-03-01T11:00:00Z"),
            producer_event("2026-03-02T10:00:00Z", V1),
            producer_event("2026-03-03T10:00:00Z", V2_NO_EMAIL),
        ],
    )
    client = MarquezClient(url=live_server.url)
    listed = client.list_dataset_versions(NS, CUSTOMERS, limit=10)
    assert listed["totalCount"] == 2
    newest, oldest = listed["versions"]
    assert [f["name"] for f in newest["fields"]] == ["id", "country"]
    assert [f["name"] for f in oldest["fields"]] == ["id", "email", "country"]
    assert newest["id"] == {"namespace": NS, "name": CUSTOMERS, "version": newest["version"]}
    assert newest["createdAt"] > oldest["createdAt"]
    assert newest["type"] == "DB_TABLE" and newest["physicalName"] == CUSTOMERS

    page = client.list_dataset_versions(NS, CUSTOMERS, limit=1, offset=1)
    assert page["totalCount"] == 2 and [v["version"] for v in page["versions"]] == [
        oldest["version"]
    ]

    assert client.get_dataset_version(NS, CUSTOMERS, oldest["version"]) == oldest
    with pytest.raises(APIError):
        client.get_dataset_version(NS, CUSTOMERS, "00000000-0000-0000-0000-000000000000")
    with pytest.raises(APIError):
        client.list_dataset_versions(NS, "no.such.dataset")
    assert client.list_dataset_versions(NS, MART)["totalCount"] == 1

    data = live_server.graphql(
        """query($ns: String!, $name: String!) { dataset(namespace: $ns, name: $name) {
            versions(first: 1) { edges { node { version createdAt source fields { name type }
              changes { kind column severity } } } pageInfo { hasNextPage endCursor } } } }""",
        ns=NS,
        name=CUSTOMERS,
    )
    versions = data["dataset"]["versions"]
    (edge,) = versions["edges"]
    assert edge["node"]["version"] == newest["version"]
    assert edge["node"]["changes"] == [
        {"kind": "COLUMN_REMOVED", "column": "email", "severity": "BREAKING"}
    ]
    assert versions["pageInfo"]["hasNextPage"]
    rest = live_server.graphql(
        """query($ns: String!, $name: String!, $after: String) { dataset(namespace: $ns, name: $name) {
            versions(first: 5, after: $after) { edges { node { version } } pageInfo { hasNextPage } } } }""",
        ns=NS,
        name=CUSTOMERS,
        after=versions["pageInfo"]["endCursor"],
    )["dataset"]["versions"]
    assert [e["node"]["version"] for e in rest["edges"]] == [oldest["version"]]
    assert not rest["pageInfo"]["hasNextPage"]

    changes = live_server.graphql(
        """query($id: String) { schemaChanges(nodeId: $id, first: 10) { edges { node {
            datasetId kind column severity owners consumers affectedDatasets } } } }""",
        id=dataset_id(NS, CUSTOMERS),
    )["schemaChanges"]["edges"]
    assert [(c["node"]["kind"], c["node"]["column"]) for c in changes] == [
        ("COLUMN_REMOVED", "email")
    ]
    assert "team:crm" in changes[0]["node"]["owners"]


def test_versions_are_kept_through_a_restart_and_a_reindex(open_test_store) -> None:
    store = open_test_store()
    ingest(IngestService(store), producer_event("2026-03-01T10:00:00Z", V1))
    ingest(IngestService(store), producer_event("2026-03-03T10:00:00Z", V2_NO_EMAIL))
    before = history_of(store)
    store.close()
    again = open_test_store()
    assert history_of(again) == before
    assert again.counts().get(NodeKind.DATASET_VERSION.value) == 2


PROBES = "sales.probe_"  # datasets whose breaking changes tell that a subscription is live


async def probed_live(connection: Any, op: str, url: str) -> None:
    """Breaking changes on probe datasets until ``op`` pushes one. A ``breakingChange``
    subscription reports the changes written once the server has started it, which
    graphql-transport-ws does not acknowledge: a change posted right after the subscribe message
    can come before, and is then rightly never pushed."""
    import asyncio

    for attempt in range(30):
        name = f"{PROBES}{attempt}"
        hour = f"2026-02-01T{attempt:02d}"
        for when, fields in ((f"{hour}:00:00Z", V1), (f"{hour}:30:00Z", V2_NO_EMAIL)):
            await asyncio.to_thread(post_with_client, url, [producer_event(when, fields, name)])
        try:
            message = await connection.receive(timeout=2)
        except TimeoutError:
            continue
        assert message["id"] == op, message
        assert message["payload"]["data"]["breakingChange"]["datasetId"].startswith(
            dataset_id(NS, PROBES)
        ), message
        return
    raise AssertionError(f"subscription {op} pushed none of 30 breaking changes")


async def unprobed(connection: Any, seconds: float = 30) -> dict[str, Any]:
    """The next message that is not a probe's (a probe's push may come after the one awaited)."""
    while True:
        message = await connection.receive(timeout=seconds)
        change = (message.get("payload") or {}).get("data", {}).get("breakingChange") or {}
        if not str(change.get("datasetId", "")).startswith(dataset_id(NS, PROBES)):
            return message


def test_breaking_changes_are_pushed_to_subscribers(live_server) -> None:
    import asyncio

    from test_subscriptions import Connection

    post_with_client(live_server.url, [producer_event("2026-03-01T10:00:00Z", V1)])
    query = """subscription($domain: String) { breakingChange(domain: $domain) {
        datasetId kind column severity } }"""

    async def scenario() -> None:
        connection = await Connection.open(live_server)
        await connection.acknowledged()
        await connection.subscribe("other", query, domain="finance")
        await connection.subscribe("all", query)
        await probed_live(connection, "all", live_server.url)
        await asyncio.to_thread(
            post_with_client, live_server.url, [producer_event("2026-03-02T10:00:00Z", V1)]
        )  # unchanged: nothing to push
        await asyncio.to_thread(
            post_with_client, live_server.url, [producer_event("2026-03-03T10:00:00Z", V2_NO_EMAIL)]
        )
        message = await unprobed(connection)
        assert message["id"] == "all", message
        assert message["payload"]["data"]["breakingChange"] == {
            "datasetId": dataset_id(NS, CUSTOMERS),
            "kind": "COLUMN_REMOVED",
            "column": "email",
            "severity": "BREAKING",
        }
        with pytest.raises(TimeoutError):  # nothing of finance's datasets was pushed
            await unprobed(connection, 2.0)
        await connection.close()

    asyncio.run(scenario())


def test_a_contract_tightening_its_freshness_slo_is_a_breaking_change(store: Store) -> None:
    from ingest.contracts import translate_contract

    path = corpus("data-contracts", "odcs", "full-example.odcs.yaml")
    text = path.read_text()
    service = IngestService(store)
    service.apply_mutations(translate_contract(text, str(path)), 1)
    again = text.replace("value: 4\n    unit: d", "value: 1\n    unit: d", 1)  # 96 h -> 24 h
    assert again != text
    service.apply_mutations(translate_contract(again, "tightened.yaml"), 1)
    changes = schema_history.schema_changes(store, 10)
    assert len(changes) == 2  # one per table the contract governs
    p = changes[0].props
    assert (p["kind"], p["old"], p["new"], p["severity"]) == (
        "FRESHNESS_TIGHTENED",
        "96h",
        "24h",
        "BREAKING",
    )
    (newest, oldest) = schema_history.versions(store, p["datasetId"], 10)
    assert (newest.props["source"], newest.props["freshnessHours"]) == ("contract", 24.0)
    assert oldest.props["freshnessHours"] == 96.0
    service.apply_mutations(translate_contract(again, "tightened.yaml"), 1)  # the same: nothing
    assert len(schema_history.versions(store, p["datasetId"], 10)) == 2


def test_a_contracts_version_is_shown_created_at_the_time_of_its_stamp() -> None:
    """A contract's stamp orders by version after its time (...Z#v...); GraphQL shows the time."""
    from graph.core.model import Node
    from graph.serve.schema_history_types import DatasetVersion

    node = Node(
        "datasetVersion:x",
        NodeKind.DATASET_VERSION,
        {"version": "v1", "createdAt": "2026-01-05T06:00:00.000000Z#v12.10.10.10~", "fields": []},
    )
    assert DatasetVersion.of(node).created_at == "2026-01-05T06:00:00.000000Z"
