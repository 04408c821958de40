"""A real lineagemesh server process on a free 127.0.0.1 port, for tests that go over HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """``lineagemesh serve`` in a subprocess; ``start``/``stop``/``kill`` as a test needs."""

    def __init__(self, store_args: list[str], log_path: Path, port: int | None = None,
                 env: dict[str, str] | None = None, token: str | None = None) -> None:
        self.store_args = store_args
        self.log_path = log_path
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env or {}  # extra environment of the server process (LINEAGEMESH_TOKENS, ...)
        self.token = token  # the bearer token ``graphql`` sends, if any
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, extra_args: list[str] | None = None, timeout: float = 60) -> "LiveServer":
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "graph", "serve", "--port", str(self.port), *self.store_args, *(extra_args or [])],
            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1", **self.env},
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not answer within {timeout}s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def graphql(self, query: str, **variables: object) -> dict:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = httpx.post(f"{self.url}/graphql", json={"query": query, "variables": variables}, headers=headers, timeout=60)
        response.raise_for_status()
        body = response.json()
        if body.get("errors"):
            raise AssertionError(f"GraphQL errors: {body['errors']}")
        return body["data"]
