"""How many GraphQL operations run at once: a few per client, a few more in all.

Every operation holds a worker thread until it ends. Without a bound, a client repeating an
expensive query (or giving up on it and sending it again) takes every thread and the server stops
answering anyone, ``/healthz`` included. So an operation is admitted only while its client runs
fewer than ``per_client`` and the server fewer than ``total``; otherwise it is refused at once
with 429 and a reason, never queued. The slot is held until the worker has really finished, not
merely until the client stopped waiting.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class AdmissionLimits:
    per_client: int = 4  # operations one client (principal and address) may run at once
    total: int = 8  # operations the server runs at once


class Overloaded(Exception):
    """Refused: too many operations in flight (429); the message says whose."""


class Admission:
    """Counts the operations in flight, per client and in all."""

    def __init__(self, limits: AdmissionLimits) -> None:
        self.limits = limits
        self._lock = threading.Lock()
        self._running: Counter[str] = Counter()
        self._total = 0

    @contextmanager
    def admit(self, client: str) -> Iterator[None]:
        """Hold a slot for ``client`` for the duration; raises ``Overloaded`` when none is free."""
        with self._lock:
            if self._running[client] >= self.limits.per_client:
                raise Overloaded(f"too many queries in flight from this client (at most {self.limits.per_client} at once, "
                                 "the server's --max-client-queries); retry when one has finished")
            if self._total >= self.limits.total:
                raise Overloaded(f"the server is running its maximum of {self.limits.total} queries "
                                 "(--max-concurrent-queries); retry shortly")
            self._running[client] += 1
            self._total += 1
        try:
            yield
        finally:
            with self._lock:
                self._total -= 1
                self._running[client] -= 1
                if not self._running[client]:
                    del self._running[client]
