"""Running the app under uvicorn so that a stop signal ends in a clean close of the store.

uvicorn shuts down gracefully on SIGTERM or SIGINT and then raises the signal again, so a process
whose default handler is still in place dies right there (exit 143) and never reaches the code
that closes the store: no snapshot, no WAL checkpoint. ``serve_until_stopped`` keeps the graceful
shutdown and returns instead, so the caller's ``with store:`` closes it and the process exits 0.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any

import uvicorn

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _ReturningServer(uvicorn.Server):
    """A uvicorn server that, once stopped by a signal, returns rather than re-raising it."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if (
            threading.current_thread() is not threading.main_thread()
        ):  # only the main thread may take signals
            yield
            return
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in STOP_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def serve_until_stopped(app: Any, **config: Any) -> None:
    """Serve ``app`` (``config`` as ``uvicorn.run`` takes it) until SIGTERM or SIGINT, then return."""
    _ReturningServer(uvicorn.Config(app, **config)).run()
