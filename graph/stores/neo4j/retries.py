"""Which driver errors mean the database is unavailable, and the retries of a read the server
failed with a transient error (counted for ``/metrics``)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

from neo4j import exceptions as neo4j_errors

log = logging.getLogger("graph.stores.neo4j")  # one logger for the whole store


#: Driver errors that mean "the database cannot be reached or cannot serve right now".
#: IncompleteCommit is a ServiceUnavailable: the outcome of the commit is unknown, and a retry
#: of the same batch is safe because applying a batch twice changes nothing.
_UNAVAILABLE = (
    neo4j_errors.ServiceUnavailable,
    neo4j_errors.SessionExpired,
    neo4j_errors.TransientError,  # after the driver's own retries: DatabaseUnavailable, deadlocks...
    neo4j_errors.ConnectionPoolError,
    ConnectionError,
    TimeoutError,
)


#: Pauses (seconds) before each new attempt at a read the server failed with a retryable
#: transient error. Such errors come from racing a concurrent write and clear at once; a
#: database that stays unable to serve is reported after about half a second.
_READ_RETRY_PAUSES = (0.0, 0.02, 0.1, 0.4)

_Result = TypeVar("_Result")


def _retrying_transient(
    attempt: Callable[[], _Result],
    pauses: Sequence[float] = _READ_RETRY_PAUSES,
    retried: Callable[[], None] | None = None,
) -> _Result:
    """``attempt()``, again after each pause while the server says the failure is transient and
    retrying may succeed (``retried()`` told each time); the last such error propagates."""
    for pause in pauses:
        try:
            return attempt()
        except neo4j_errors.TransientError as exc:
            if not exc.is_retryable():
                raise
            log.debug("retrying a read after %s: %s", exc.code, exc.message)
        if retried is not None:
            retried()
        time.sleep(pause)
    return attempt()


class Retries:
    """How many times this process ran a read or a write transaction again after a transient
    failure (a deadlock with another writer, a read racing a write): what several servers on one
    database cost each other, for ``/metrics``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts = {"read": 0, "write": 0}

    def add(self, what: str, times: int = 1) -> None:
        with self._lock:
            self.counts[what] += times
