"""A real lineagemesh server process on a free 127.0.0.1 port, for tests that go over HTTP."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from devservers.lineagemesh import LineagemeshServer, free_port

__all__ = ["LiveServer", "free_port"]


class LiveServer(LineagemeshServer):
    """The shared launcher, plus a GraphQL helper that sends the test's bearer token."""

    def __init__(
        self,
        store_args: list[str],
        log_path: Path,
        port: int | None = None,
        env: dict[str, str] | None = None,
        token: str | None = None,
    ) -> None:
        super().__init__(store_args, log_path, port, env)
        self.token = token  # the bearer token ``graphql`` sends, if any

    def start(self, extra_args: list[str] | None = None, timeout: float = 60) -> LiveServer:
        super().start(extra_args, timeout)
        return self

    def graphql(self, query: str, **variables: object) -> dict:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = httpx.post(
            f"{self.url}/graphql",
            json={"query": query, "variables": variables},
            headers=headers,
            timeout=60,
        )
        response.raise_for_status()
        body = response.json()
        if body.get("errors"):
            raise AssertionError(f"GraphQL errors: {body['errors']}")
        return body["data"]
