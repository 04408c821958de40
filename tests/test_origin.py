"""What a web page in the developer's browser can make it send is refused, over real HTTP: a
cross-site POST (``text/plain``, a typeless body, or any request with a foreign ``Origin``), and in
local mode any request naming a Host that is not loopback (DNS rebinding). Real clients, which
send ``application/json`` and no ``Origin``, are not affected."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from live_server import LiveServer
from openlineage.client.transport.http import HttpCompression, HttpConfig, HttpTransport

STATS = "{ stats { kind count } }"
TOKEN = "admin-token-0123456789abcdef"


@pytest.fixture
def local(tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(["--data-dir", str(tmp_path / "store")], tmp_path / "server.log").start(
        ["--allowed-host", "dev.box"]
    )
    try:
        yield server
    finally:
        server.stop()


def _stats(server: LiveServer) -> list[dict]:
    return server.graphql(STATS)["stats"]


def test_cross_site_writes_are_refused_and_change_nothing(
    local: LiveServer, food_delivery_events: list[dict]
) -> None:
    event = json.dumps(food_delivery_events[0])
    url = f"{local.url}/api/v1/lineage"
    evil = {"Origin": "https://evil.example"}
    simple = httpx.post(
        url, content=event, headers={**evil, "Content-Type": "text/plain"}
    )  # what a page's fetch() sends
    assert simple.status_code == 403 and "evil.example" in simple.json()["error"]
    assert (
        httpx.post(
            url, content=event, headers={**evil, "Content-Type": "application/json"}
        ).status_code
        == 403
    )
    assert (
        httpx.post(
            url, content=event, headers={"Origin": "null", "Content-Type": "application/json"}
        ).status_code
        == 403
    )
    for media_type in (
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        None,
    ):
        headers = {"Content-Type": media_type} if media_type else {}
        refused = httpx.post(url, content=event, headers=headers)
        assert refused.status_code == 415, media_type
        assert "application/json" in refused.json()["error"]
    batch = httpx.post(f"{url}/batch", content=f"[{event}]", headers={"Content-Type": "text/plain"})
    assert batch.status_code == 415
    graphql = httpx.post(f"{local.url}/graphql", json={"query": STATS}, headers=evil)
    assert graphql.status_code == 403
    assert _stats(local) == []

    same_origin = httpx.post(
        url,
        content=event,
        headers={"Origin": local.url, "Content-Type": "application/json; charset=utf-8"},
    )
    assert same_origin.status_code == 201
    assert _stats(local) != []


def test_the_openlineage_client_still_writes(
    local: LiveServer, food_delivery_events: list[dict]
) -> None:
    plain = HttpTransport(HttpConfig(url=local.url, timeout=30))
    gzipped = HttpTransport(HttpConfig(url=local.url, timeout=30, compression=HttpCompression.GZIP))
    assert plain.emit(food_delivery_events[0]).status_code == 201  # type: ignore[arg-type]  # a raw event dict, sent as it is
    assert gzipped.emit(food_delivery_events[1]).status_code == 201  # type: ignore[arg-type]  # a raw event dict, sent as it is


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:5000", "127.0.0.1.evil.example", "10.0.0.8"]
)
def test_local_mode_refuses_rebound_host_names(local: LiveServer, host: str) -> None:
    for request in (
        lambda h: httpx.get(f"{local.url}/graphql", params={"query": STATS}, headers=h),
        lambda h: httpx.post(f"{local.url}/graphql", json={"query": STATS}, headers=h),
        lambda h: httpx.get(f"{local.url}/healthz", headers=h),
    ):
        refused = request({"Host": host})
        assert refused.status_code == 403, host
        assert "--allowed-host" in refused.json()["error"]


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "LOCALHOST:{port}",
        "app.localhost:{port}",
        "[::1]:{port}",
        "127.0.0.2:{port}",
        "dev.box:{port}",
    ],
)
def test_local_mode_serves_loopback_and_allowed_names(local: LiveServer, host: str) -> None:
    response = httpx.get(
        f"{local.url}/graphql",
        params={"query": STATS},
        headers={"Host": host.format(port=local.port)},
    )
    assert response.status_code == 200, response.text


def test_with_tokens_any_host_and_origin_is_served(
    tmp_path: Path, food_delivery_events: list[dict]
) -> None:
    """A page has no token to send, and a proxy in front may rewrite Host: neither is checked."""
    tokens = json.dumps({"tokens": [{"principal": "ops", "token": TOKEN, "roles": ["admin"]}]})
    server = LiveServer(
        ["--data-dir", str(tmp_path / "store")],
        tmp_path / "server.log",
        env={"LINEAGEMESH_TOKENS": tokens},
        token=TOKEN,
    ).start()
    try:
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        proxied = {**bearer, "Host": "lineagemesh:5000", "Origin": "https://lineage.example"}
        assert (
            httpx.post(f"{server.url}/graphql", json={"query": STATS}, headers=proxied).status_code
            == 200
        )
        assert (
            httpx.post(
                f"{server.url}/api/v1/lineage", json=food_delivery_events[0], headers=proxied
            ).status_code
            == 201
        )
        assert (
            httpx.post(
                f"{server.url}/api/v1/lineage",
                json=food_delivery_events[1],
                headers={"Origin": "https://evil.example"},
            ).status_code
            == 401
        )
    finally:
        server.stop()


def test_without_tokens_on_any_interface_cross_origin_writes_are_refused(
    tmp_path: Path, food_delivery_events: list[dict]
) -> None:
    server = LiveServer(["--data-dir", str(tmp_path / "store")], tmp_path / "server.log").start(
        ["--insecure-no-auth"]
    )
    try:
        url = f"{server.url}/api/v1/lineage"
        assert (
            httpx.post(
                url, json=food_delivery_events[0], headers={"Origin": "https://evil.example"}
            ).status_code
            == 403
        )
        assert (
            httpx.post(
                url, json=food_delivery_events[0], headers={"Host": "lineagemesh:5000"}
            ).status_code
            == 201
        )
    finally:
        server.stop()
