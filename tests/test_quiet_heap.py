"""The server settles its heap (gc.freeze) only once it is quiet after ingest, never mid-request."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from starlette.types import Receive, Scope, Send

from graph.api import quiet_heap
from graph.api.app import create_app
from graph.api.auth import AuthConfig
from graph.api.quiet_heap import SettleWhenQuiet
from graph.heap import settle_heap
from graph.stores.embedded import EmbeddedStore
from ingest.demo import food_delivery_events


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def _wait_for_freeze(seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if gc.get_freeze_count():
            return True
        time.sleep(0.02)
    return False


def test_ingest_then_quiet_settles_and_reads_alone_do_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settles: list[int] = []

    def counted() -> None:
        settle_heap()
        settles.append(gc.get_freeze_count())

    monkeypatch.setattr(quiet_heap, "settle_heap", counted)
    with EmbeddedStore(tmp_path) as store:
        app = create_app(store, auth=AuthConfig(insecure=True), settle_after_seconds=0.05)
        with TestClient(app) as client:
            assert client.post("/graphql", json={"query": "{ __typename }"}).status_code == 200
            assert not _wait_for_freeze(0.3) and not settles, "a read must not settle the heap"
            assert client.post("/api/v1/lineage", json=food_delivery_events()[0]).status_code == 201
            assert _wait_for_freeze(5.0), "the heap was not settled after ingest and a quiet moment"
            response = client.post("/graphql", json={"query": "{ domains { name } }"})
            assert response.status_code == 200 and "errors" not in response.json()
            time.sleep(0.3)
    assert (
        len(settles) == 1 and settles[0] > 0
    )  # once, with the graph frozen; the read after it did not settle again


def test_no_settle_while_a_request_is_in_flight() -> None:
    async def scenario() -> list[int]:
        release = asyncio.Event()

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["path"] == "/slow":
                await release.wait()

        middleware = SettleWhenQuiet(app, quiet_seconds=0.01)
        unused: Any = None  # receive and send: the app reads no body and sends nothing
        slow = asyncio.create_task(
            middleware({"type": "http", "method": "GET", "path": "/slow"}, unused, unused)
        )
        await asyncio.sleep(0)
        await middleware(
            {"type": "http", "method": "POST", "path": "/api/v1/lineage"}, unused, unused
        )
        await asyncio.sleep(0.1)
        seen = [
            gc.get_freeze_count()
        ]  # the write finished, but the slow request is still in flight
        release.set()
        await slow
        await asyncio.sleep(0.1)
        seen.append(gc.get_freeze_count())
        return seen

    during, after = asyncio.run(scenario())
    assert during == 0 and after > 0
