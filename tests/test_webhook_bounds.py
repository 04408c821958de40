"""Issue 74, findings 3 and 5, with real local receivers (raw sockets, as a hostile receiver
behaves): an answer of 1 GiB is read only up to ``RESPONSE_LIMIT`` and the connection dropped,
and a receiver trickling a header byte every second is abandoned at the post's deadline, though
no single read ever waits ``POST_TIMEOUT`` (``graph.notify.webhook_client``)."""

from __future__ import annotations

import resource
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from test_webhooks import EVENTS, SECRET

from graph.intake.ingest_service import IngestService, translate_events
from graph.notify import webhook_client
from graph.notify.webhook_client import WebhookClient
from graph.notify.webhook_config import Webhook, WebhookSettings
from graph.notify.webhook_targets import RANGES
from graph.notify.webhooks import Deliverer
from graph.stores import open_store

GIB = 2**30


class RawReceiver:
    """A TCP server that reads a request's head and body, then answers with ``answer(conn)``;
    ``sent`` counts the bytes the answer got out before the client went away."""

    def __init__(self, answer: Callable[[socket.socket], int]) -> None:
        self.answer = answer
        self.sent = 0
        self.done = threading.Event()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}/hook"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        conn, _ = self._server.accept()
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            head, _, body = data.partition(b"\r\n\r\n")
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            while len(body) < length:
                body += conn.recv(65536)
            try:
                self.sent = self.answer(conn)
            finally:
                self.done.set()

    def close(self) -> None:
        self._server.close()


def huge(conn: socket.socket) -> int:
    """200 with a 1 GiB body of zeros, sent as fast as the client takes it."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % GIB)
    chunk, sent = bytes(2**20), 0
    try:
        while sent < GIB:
            conn.sendall(chunk)
            sent += len(chunk)
    except OSError:
        pass
    return sent


def trickle(conn: socket.socket) -> int:
    """A status line byte by byte, one a second, for up to a minute."""
    sent = 0
    try:
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"x" * 60:
            conn.sendall(bytes([byte]))
            sent += 1
            time.sleep(1.0)
    except OSError:
        pass
    return sent


def one_pass(tmp_path: Path, receiver: RawReceiver) -> tuple[Deliverer, float]:
    """One delivery pass of the breaking change EVENTS make, to ``receiver``; how long it took."""
    with open_store(data_dir=str(tmp_path / "store")) as store:
        IngestService(store).commit(translate_events(EVENTS, keep_raw=False).payload, None)
        hook = Webhook(receiver.url, SECRET)
        deliverer = Deliverer(store, WebhookSettings((hook,), allow=frozenset(RANGES)))
        started = time.monotonic()
        with WebhookClient() as client:
            deliverer.deliver_due(hook, client)
        return deliverer, time.monotonic() - started


def test_a_1_gib_answer_is_read_only_up_to_the_limit(tmp_path) -> None:
    receiver = RawReceiver(huge)
    try:
        peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB
        deliverer, _ = one_pass(tmp_path, receiver)
        assert receiver.done.wait(30)
        peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    finally:
        receiver.close()
    assert deliverer.stats.delivered == 1  # its status said 200: delivered
    assert receiver.sent < 64 * 2**20, receiver.sent  # the client went away: not 1 GiB
    assert (peak_after - peak_before) * 1024 < 100 * 2**20  # no body kept in memory


def test_a_receiver_trickling_its_answer_is_abandoned_at_the_deadline(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webhook_client, "POST_DEADLINE", 3.0)
    receiver = RawReceiver(trickle)
    try:
        deliverer, took = one_pass(tmp_path, receiver)
    finally:
        receiver.close()
    assert deliverer.stats.delivered == 0 and deliverer.stats.failed_attempts == 1
    assert 3.0 <= took < 6.0, took  # each byte came within the 10 s read timeout


def test_a_connection_goes_to_the_address_its_check_allowed(tmp_path) -> None:
    """Finding 8: the target was checked, then resolved again by the HTTP client (a rebinding
    window). The client given the allowed ranges checks the address it connects to: a name
    resolving to loopback is refused at the connect without the opt-in, and posted to with it."""
    from webhook_receiver import Receiver

    from graph.notify.webhook_targets import TargetRefused

    receiver = Receiver()
    url = receiver.url.replace("127.0.0.1", "localhost")
    try:
        with WebhookClient(frozenset({"rfc1918"})) as client, pytest.raises(TargetRefused):
            client.post(url, b"{}", {"Content-Type": "application/json"})
        assert not receiver.attempts
        with WebhookClient(frozenset({"loopback"})) as client:
            assert client.post(url, b"{}", {"Content-Type": "application/json"}) == 200
        assert len(receiver.posts) == 1
    finally:
        receiver.close()
