"""Issue 74, finding 7, on a real server: over a websocket, ``webhookFailures`` (admin only)
checked the upgrade request's Authorization header, not the ``connection_init`` identity every
other operation there acts with: the documented admin init was refused, and a reader's init with
an admin header on the upgrade got admin data. Now the init's identity decides for every
operation."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from live_server import LiveServer
from test_subscriptions import Connection
from test_webhooks import SECRET, hooks_file
from webhook_receiver import Receiver

READER, ADMIN = "reader-token-0123456789", "admin-token-0123456789"
FAILURES = "{ webhookFailures }"


async def _ask(server: LiveServer, init: str, upgrade: str | None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {upgrade}"} if upgrade else None
    connection = await Connection.open(
        server, {"Authorization": f"Bearer {init}"}, additional_headers=headers
    )
    try:
        await connection.acknowledged()
        await connection.subscribe("1", FAILURES)
        return (await connection.receive())["payload"]
    finally:
        await connection.close()


def test_webhook_failures_over_a_websocket_answer_the_init_identity(tmp_path: Path) -> None:
    receiver = Receiver()
    tokens = json.dumps(
        {
            "tokens": [
                {"principal": "reader", "token": READER, "roles": ["reader"]},
                {"principal": "admin", "token": ADMIN, "roles": ["admin"]},
            ]
        }
    )
    server = LiveServer(
        ["--data-dir", str(tmp_path / "store")],
        tmp_path / "server.log",
        env={"HOOK_SECRET": SECRET, "LINEAGEMESH_TOKENS": tokens},
    ).start(
        [
            "--webhooks",
            str(hooks_file(tmp_path, {"url": receiver.url})),
            "--webhooks-allow-loopback",
        ]
    )
    try:
        admin = asyncio.run(_ask(server, ADMIN, None))  # the documented admin path
        assert admin == {"data": {"webhookFailures": []}}, admin
        reader = asyncio.run(_ask(server, READER, ADMIN))  # an admin header on the upgrade
        assert reader["data"] is None, reader
        assert "may not administer" in reader["errors"][0]["message"], reader
    finally:
        server.stop()
        receiver.close()
