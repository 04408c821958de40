"""Tells waiting readers that the graph changed, so live views (GraphQL subscriptions) update.

Writes are applied in worker threads (ingest, the Kafka consumer); readers wait on an event loop.
The feed is a generation counter: every apply that changed something bumps it (from any thread),
and a reader waits until the generation moves past the one it last saw, or a timeout passes
(for changes this process cannot hear: another lineagemesh server writing to the same Neo4j).
A reader that was busy while several writes landed sees them as one change: nothing queues up.
"""

from __future__ import annotations

import asyncio
import threading

#: How long a reader waits without a change heard before it looks anyway: what another server on
#: one Neo4j wrote reaches no feed of this process (subscriptions, ``graph.notify.breaking_feed``).
POLL_SECONDS = 15.0


class ChangeFeed:
    """A generation counter writers bump and readers on event loops wait on."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation = 0
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = set()

    @property
    def generation(self) -> int:
        return self._generation

    def notify(self) -> None:
        """The graph changed (call from any thread, after the change is applied)."""
        with self._lock:
            self._generation += 1
            waiters, self._waiters = self._waiters, set()
        for loop, future in waiters:
            if not loop.is_closed():
                loop.call_soon_threadsafe(_wake, future)

    async def wait(self, seen: int, timeout: float) -> int:
        """Until the generation differs from ``seen`` or ``timeout`` seconds passed; the generation then."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        waiter = (loop, future)
        with self._lock:
            if self._generation != seen:
                return self._generation
            self._waiters.add(waiter)
        try:
            await asyncio.wait_for(future, timeout)
        except TimeoutError:
            pass
        finally:
            with self._lock:
                self._waiters.discard(waiter)
        return self._generation


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
