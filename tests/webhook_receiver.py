"""A local recording HTTP server standing in for a webhook receiver (the one allowed stand-in):
it records every post, can fail the first ones, or hold them unanswered."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

DOCS = Path(__file__).resolve().parent.parent / "docs" / "notifications.md"


def documented_verify() -> Callable[..., bool]:
    """``verify`` as docs/notifications.md gives it to receivers (its "Verifying a post" example,
    run as written): the tests check posts the way a receiver would."""
    section = DOCS.read_text().split("### Verifying a post", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    scope: dict[str, Any] = {}
    exec(compile(code, str(DOCS), "exec"), scope)
    verify: Callable[..., bool] = scope["verify"]
    return verify


verify = documented_verify()


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    def signed_with(self, secret: str, now: float | None = None) -> bool:
        """The documented receiver's check (``now``: the receiver's clock, this moment's if None)."""
        return verify(
            secret.encode(), self.headers.get("x-lineagemesh-signature", ""), self.body, now
        )


class Receiver:
    """``fail_first``: answer 500 to that many posts; ``hold``: leave posts unanswered until
    ``release`` (the post is recorded in ``held`` first)."""

    def __init__(self, fail_first: int = 0, hold: bool = False) -> None:
        self.posts: list[Received] = []  # answered 2xx
        self.attempts: list[Received] = []  # every post
        self.fail_first = fail_first
        self.hold = hold
        self.held = threading.Event()
        self._release = threading.Event()
        self._changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                got = Received(
                    {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length)
                )
                with receiver._changed:
                    receiver.attempts.append(got)
                    failing = len(receiver.attempts) <= receiver.fail_first
                if receiver.hold:
                    receiver.held.set()
                    receiver._release.wait(60)
                    return  # no answer: the connection is dropped when the server stops
                with receiver._changed:  # counted before the answer: the sender may look at once
                    if not failing:
                        receiver.posts.append(got)
                    receiver._changed.notify_all()
                self.send_response(500 if failing else 200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def wait_for(self, posts: int, timeout: float = 60) -> list[Received]:
        """Until ``posts`` posts were answered 2xx (an AssertionError after ``timeout``)."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.posts) >= posts, timeout):
                raise AssertionError(f"{len(self.posts)} of {posts} posts arrived in {timeout} s")
            return list(self.posts)

    def release(self) -> None:
        self._release.set()

    def close(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()


def deliveries(server_url: str, outcome: str) -> float:
    """The webhook deliveries a lineagemesh server's /metrics counts with ``outcome`` (delivered,
    failed, …): 0 while it counts none."""
    metrics = httpx.get(f"{server_url}/metrics", timeout=30).text
    line = re.search(
        rf'^lineagemesh_webhook_deliveries_total\{{outcome="{outcome}"\}} (\S+)$', metrics, re.M
    )
    return float(line.group(1)) if line else 0.0
