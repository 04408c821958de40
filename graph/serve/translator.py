"""Batch translation in a worker process, beside the store's apply.

Parsing, validating and translating a batch holds the GIL, as applying it does, so in one process
concurrent batches only take turns. A worker process translates the next batch while this one
applies the previous. What crosses back is each event's mutations in the wire form, one bytes
object an event (``TranslatedEvent``): nothing to rebuild here, and the store journals them as
they are.

The worker runs under the server's GC policy (``graph.core.heap.tune_gc``).

Translation is a pure function of the body and the configuration, so where it runs changes
nothing of the answer; the store is applied here, after translation, as before: a 2xx still
means durable, and a rejected event still changes nothing. Small bodies stay in a thread (the
hop costs more than it saves), and a worker that dies is replaced while its batch is translated
here.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from threading import Lock

from starlette.concurrency import run_in_threadpool

from graph.core.heap import tune_gc
from graph.serve.ingest import IngestConfig, Translated, translate_batch

MIN_WORKER_BYTES = 64 * 1024  # ~20 events of a typical mesh; below it a thread translates


class BatchTranslator:
    """Translates request bodies of ``POST /api/v1/lineage/batch`` in one worker process, started
    on first use (spawned: a fork would share, and then copy, the store's heap)."""

    def __init__(self, config: IngestConfig, min_worker_bytes: int = MIN_WORKER_BYTES) -> None:
        self.config = config
        self.min_worker_bytes = min_worker_bytes
        self._pool: ProcessPoolExecutor | None = None
        self._lock = Lock()

    async def translate(self, body: bytes) -> Translated:
        """Each event's mutations or the reason it is invalid; raises ``RequestRejected`` for the batch."""
        if len(body) < self.min_worker_bytes:
            return await run_in_threadpool(translate_batch, body, self.config)
        pool = self._worker()
        try:
            return await asyncio.wrap_future(pool.submit(translate_batch, body, self.config))
        except (
            BrokenProcessPool
        ):  # the worker died (killed, out of memory): the next batch gets a new one
            self._discard(pool)
            return await run_in_threadpool(translate_batch, body, self.config)

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _worker(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=tune_gc,
                )
            return self._pool

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is pool:
                self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)
