"""The HTTP client webhooks post with: a whole-request deadline, and answers read only in part.

A receiver is outside the operator's control (issue 74): one answering 200 with a 1 GiB body
added ~1 GB to the server per delivery, as the body was read whole; one sending a header byte
every 5 s held a post for 15 minutes, as httpx's timeout bounds each read, not the request. So:

* every read and write of a post is bounded by what is left of ``POST_DEADLINE`` seconds from
  its start (a network backend under httpcore that shortens each operation's timeout and ends
  the request with a ``ReadTimeout`` once the deadline has passed), besides ``POST_TIMEOUT`` per
  operation;
* the answer's status is what counts; of its body at most ``RESPONSE_LIMIT`` bytes are read and
  discarded, then the connection is closed;
* given the ranges the operator allows, a connection goes to the address its host resolved to
  when it was checked (``graph.notify.webhook_targets.checked_address``), not to a second lookup's, which
  a rebinding name could point at the metadata address between the check and the connect.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Collection, Iterable, Mapping
from typing import Any

import httpcore
import httpx

POST_TIMEOUT = 10.0  # seconds one read, write or connect may take
POST_DEADLINE = 30.0  # seconds a whole post may take, answer included
RESPONSE_LIMIT = 64 * 1024  # bytes of an answer's body read (and discarded) at most


class _Deadline(threading.local):
    at: float | None = None  # monotonic time the current post of this thread must end by


class _Bounded(httpcore.NetworkStream):
    """A connection whose every operation ends by the thread's deadline."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def _timeout(self, timeout: float | None, exception: type[Exception]) -> float | None:
        at = self._deadline.at
        if at is None:
            return timeout
        left = at - time.monotonic()
        if left <= 0:
            raise exception(f"the post took longer than its {POST_DEADLINE:g} s deadline")
        return left if timeout is None else min(timeout, left)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._timeout(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._timeout(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(
            ssl_context, server_hostname, self._timeout(timeout, httpcore.ConnectTimeout)
        )
        return _Bounded(inner, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _BoundedBackend(httpcore.NetworkBackend):
    def __init__(self, deadline: _Deadline, allow: Collection[str] | None) -> None:
        self._inner = httpcore.SyncBackend()
        self._deadline = deadline
        self._allow = allow  # None: connect where the name resolves (the caller checked nothing)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        at = self._deadline.at
        if at is not None:
            left = at - time.monotonic()
            if left <= 0:
                raise httpcore.ConnectTimeout("the post's deadline passed before it connected")
            timeout = left if timeout is None else min(timeout, left)
        if self._allow is not None:
            from graph.notify.webhook_targets import checked_address

            host = checked_address(host, port, self._allow)  # TLS still names the URL's host
        stream = self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return _Bounded(stream, self._deadline)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _Transport(httpx.HTTPTransport):
    """httpx's own transport (its error mapping included), over the bounded backend."""

    def __init__(
        self, deadline: _Deadline, allow: Collection[str] | None, connections: int
    ) -> None:
        super().__init__()
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=max(4, connections),
            max_keepalive_connections=max(2, connections),
            keepalive_expiry=5.0,
            network_backend=_BoundedBackend(deadline, allow),
        )


class WebhookClient:
    """Posts to receivers, each post bounded as this module says; one per webhook.
    ``allow``: the non-global ranges the operator allows, each connection's address checked and
    pinned (None: not checked here). ``connections``: posts made at once from as many threads
    (each post's deadline is its thread's)."""

    def __init__(self, allow: Collection[str] | None = None, connections: int = 1) -> None:
        self._deadline = _Deadline()
        self._client = httpx.Client(
            transport=_Transport(self._deadline, allow, connections),
            timeout=POST_TIMEOUT,
            follow_redirects=False,
        )

    def post(self, url: str, content: bytes, headers: Mapping[str, str]) -> int:
        """The status of the answer to a POST of ``content``; raises httpx.HTTPError (a
        ``ReadTimeout`` when the deadline passed)."""
        self._deadline.at = time.monotonic() + POST_DEADLINE
        try:
            with self._client.stream("POST", url, content=content, headers=dict(headers)) as answer:
                read = 0
                for chunk in answer.iter_raw():
                    read += len(chunk)
                    if read >= RESPONSE_LIMIT:
                        break  # the rest is not read: the connection is closed, not reused
                return answer.status_code
        finally:
            self._deadline.at = None

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> WebhookClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
