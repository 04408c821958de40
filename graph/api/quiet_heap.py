"""Settle the heap (``graph.heap.settle_heap``) once the server is quiet after writes.

Ingest grows the graph; the objects it adds stay in the collected generations, so sooner or later
a full collection walks them all, a pause of seconds on a big graph charged to some query. Freezing
them is only safe with nothing in flight (frozen objects that later become cyclic garbage are never
collected), so this middleware waits for a quiet moment: no request in flight for
``quiet_seconds`` after a write. It runs on the event loop thread, like every request's start and
end, so while it settles no request can begin; a server that is never quiet simply never settles
and keeps the GC's normal behaviour.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Scope

from graph.api.observe import RequestObserver
from graph.heap import settle_heap

WRITE_PATHS = ("/api/v1/lineage",)  # the routes that grow the graph


class SettleWhenQuiet(RequestObserver):
    """Counts requests in flight and settles the heap when they stay at zero after a write."""

    def __init__(self, app: ASGIApp, quiet_seconds: float = 1.0) -> None:
        super().__init__(app)
        self.quiet_seconds = quiet_seconds
        self.in_flight = 0
        self.grown = False  # a write finished since the last settle
        self._timer: asyncio.TimerHandle | None = None

    def started(self, scope: Scope) -> None:
        self.in_flight += 1
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def finished(self, scope: Scope, status: int, token: None) -> None:
        self.in_flight -= 1
        if scope["method"] == "POST" and scope["path"].startswith(WRITE_PATHS):
            self.grown = True
        if self.in_flight == 0 and self.grown:
            self._timer = asyncio.get_running_loop().call_later(self.quiet_seconds, self._settle)

    def _settle(self) -> None:
        self._timer = None
        if self.in_flight == 0 and self.grown:
            self.grown = False
            settle_heap()
