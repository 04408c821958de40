"""``/healthz``: whether the store answers and the disk takes writes, without waiting behind queries.

A health check that shares the queries' worker threads answers only when one is free: under load
(every thread in a large lineage or impact) it waited seconds, and a probe that reads it as "down"
restarts a server that is merely busy. So ``/healthz`` is answered on the event loop, before and
outside admission (``graph.serve.admission``: it holds no query slot) and without the queries'
thread pool:

* the store's ping: at once for a store in this process (``HoldsNativeGraph``: nothing to wait
  for); for a remote one (Neo4j: a round trip) in the check's own threads;
* the disk (``graph.intake.disk_health``): free space and read-only, from ``statvfs`` on every call (a
  full or read-only disk is seen by the very next call); the write-and-sync probe, which costs a
  sync, runs in the check's own threads at most every ``WRITE_EVERY_S`` and each call reports the
  last one's answer. A failed answer is probed again before it is repeated (a disk freed or
  remounted is healthy at the next call), and a probe that has not finished after
  ``WRITE_HUNG_S`` (a hung device) is an answer of its own.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import Future, ThreadPoolExecutor

from graph.intake.disk_health import WriteProbe
from graph.stores import HoldsNativeGraph, Store

WRITE_EVERY_S = 1.0  # how old the last write probe's answer may be before another is started
WRITE_HUNG_S = 10.0  # a write probe running longer says the disk does not take writes


class HealthCheck:
    """The answer of ``/healthz`` for ``store`` and the disk ``probe`` watches."""

    def __init__(self, store: Store, probe: WriteProbe) -> None:
        self.store = store
        self.probe = probe
        self._ping_waits = not isinstance(store, HoldsNativeGraph)
        # Two threads: a ping never queues behind a write probe stuck on a hung disk.
        self._threads = ThreadPoolExecutor(2, thread_name_prefix="lineagemesh-health")
        self._writing: Future[str | None] | None = None

    async def unhealthy(self) -> str | None:
        """Why the server cannot serve now (the store does not answer, the disk takes no
        writes), or None; raises ``StoreUnavailable`` from the store's ping."""
        if self._ping_waits:
            await asyncio.wrap_future(self._threads.submit(self.store.ping))
        else:
            self.store.ping()
        return self.probe.space() or await self._written()

    async def _written(self) -> str | None:
        last = self.probe.last
        if last is None or last.reason is not None:  # none yet, or failing: a fresh answer
            return await asyncio.wrap_future(self._write())
        now = time.monotonic()
        running_since = self.probe.running_since
        if running_since is not None and now - running_since > WRITE_HUNG_S:
            return (
                f"cannot write {', '.join(map(str, self.probe.directories))}: "
                f"a synced write has not finished in {WRITE_HUNG_S:g} s"
            )
        if now - last.at > WRITE_EVERY_S:
            self._write()  # beside this call: its answer is the next calls'
        return last.reason

    def _write(self) -> Future[str | None]:
        """The write probe in flight, or a new one."""
        writing = self._writing
        if writing is None or writing.done():
            writing = self._writing = self._threads.submit(self.probe.write)
        return writing

    def close(self) -> None:
        """Stop the check's threads (a probe in flight finishes on its own)."""
        self._threads.shutdown(wait=False, cancel_futures=True)
