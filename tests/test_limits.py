"""Request limits over real HTTP: each answered with a clear 4xx, traversals with ``truncated``."""

from __future__ import annotations

import json
from collections.abc import Iterator

import food_delivery as fd
import httpx
import pytest
from live_server import LiveServer

LIMITS = [
    "--max-batch-events",
    "3",
    "--max-query-depth",
    "6",
    "--max-query-aliases",
    "2",
    "--max-query-tokens",
    "300",
    "--max-query-bytes",
    "4000",
    "--max-traversal-depth",
    "1",
]
LINEAGE = (
    'query($depth: Int) { lineage(nodeId: "%s", direction: UPSTREAM, depth: $depth) { nodes { id } truncated } }'
    % fd.ds("delivery_7_days")
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, food_delivery_events) -> Iterator[LiveServer]:
    """One embedded-store server with small limits, holding the food_delivery seed."""
    tmp = tmp_path_factory.mktemp("limits")
    server = LiveServer(["--data-dir", str(tmp / "store")], tmp / "server.log").start(LIMITS)
    try:
        with httpx.Client(base_url=server.url) as client:
            for event in food_delivery_events:
                assert client.post("/api/v1/lineage", json=event).status_code == 201
        yield server
    finally:
        server.stop()


def ask(server: LiveServer, query: str, **variables: object) -> httpx.Response:
    return httpx.post(
        f"{server.url}/graphql", json={"query": query, "variables": variables}, timeout=30
    )


def test_batch_over_the_limit_is_413_and_changes_nothing(
    server: LiveServer, food_delivery_events
) -> None:
    before = server.graphql("{ stats { kind count } }")
    response = httpx.post(f"{server.url}/api/v1/lineage/batch", json=food_delivery_events[:4])
    assert response.status_code == 413 and response.json() == {
        "error": "batch of 4 events is over the limit of 3"
    }
    assert server.graphql("{ stats { kind count } }") == before
    assert (
        httpx.post(f"{server.url}/api/v1/lineage/batch", json=food_delivery_events[:3]).json()[
            "accepted"
        ]
        == 3
    )


def test_deep_queries_are_400(server: LiveServer) -> None:
    nested = "id"
    for _ in range(4):
        nested = f"writtenBy {{ inputs {{ {nested} }} }}"
    response = ask(
        server,
        '{ dataset(namespace: "%s", name: "public.delivery_7_days") { %s } }' % (fd.NS, nested),
    )
    assert response.status_code == 400
    assert (
        response.json()["errors"][0]["message"]
        == "'anonymous' exceeds maximum operation depth of 6"
    )
    introspection = ask(
        server,
        "{ __schema { types { name fields { name type { name ofType { name ofType { name ofType { name } } } } } } } }",
    )
    assert introspection.status_code == 200 and introspection.json()["data"]["__schema"]["types"]


def test_aliases_tokens_and_size_are_bounded(server: LiveServer) -> None:
    aliased = ask(
        server, '{ a: node(id: "x") { id } b: node(id: "y") { id } c: node(id: "z") { id } }'
    )
    assert (
        aliased.status_code == 400
        and aliased.json()["errors"][0]["message"] == "3 aliases found. Allowed: 2"
    )
    long = ask(server, "{ " + " ".join(["stats { kind count }"] * 60) + " }")
    assert long.status_code == 400 and "more than 300 tokens" in long.json()["errors"][0]["message"]
    huge = httpx.post(
        f"{server.url}/graphql",
        content=json.dumps({"query": "{ stats { kind } }", "pad": "x" * 5000}),
        headers={"content-type": "application/json"},
    )
    assert huge.status_code == 413 and huge.json() == {"error": "request body over 4000 bytes"}
    fine = ask(server, '{ a: node(id: "%s") { id } b: stats { kind } }' % fd.ds("orders"))
    assert fine.status_code == 200 and fine.json()["data"]["a"] == {"id": fd.ds("orders")}


def test_traversals_are_capped_and_say_truncated(server: LiveServer) -> None:
    one_hop = ask(server, LINEAGE, depth=1).json()["data"]["lineage"]
    asked_ten = ask(server, LINEAGE, depth=10).json()["data"]["lineage"]
    assert asked_ten == one_hop and asked_ten["truncated"] is True
    assert {n["id"] for n in one_hop["nodes"]} < fd.DELIVERY_7_DAYS_UPSTREAM_NODES
    impact = ask(
        server,
        'query { impact(nodeId: "%s") { affected { id distance } truncated } }'
        % fd.ds("customers"),
    ).json()
    report = impact["data"]["impact"]
    assert report["truncated"] is True and max(a["distance"] for a in report["affected"]) == 1


def test_node_budget_makes_a_partial_answer(tmp_path, food_delivery_events) -> None:
    server = LiveServer(["--data-dir", str(tmp_path / "store")], tmp_path / "server.log").start(
        ["--max-traversal-nodes", "4"]
    )
    try:
        assert (
            httpx.post(f"{server.url}/api/v1/lineage/batch", json=food_delivery_events).json()[
                "accepted"
            ]
            == 26
        )
        lineage = server.graphql(LINEAGE, depth=20)["lineage"]
        assert len(lineage["nodes"]) == 4 and lineage["truncated"] is True
        impact = server.graphql(
            '{ impact(nodeId: "%s") { truncated affected { id } } }' % fd.ds("orders")
        )["impact"]
        assert impact["truncated"] is True and len(impact["affected"]) <= 4
    finally:
        server.stop()
