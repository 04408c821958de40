"""Batch translation in a worker process, beside the store's apply.

Parsing, validating and translating a 500-event batch costs ~120 µs of CPU per event, applying it
~220 µs; both hold the GIL, so in one process concurrent batches only take turns. A worker
process translates the next batch while this one applies the previous, and the server's share of
a translation shrinks to unpickling the mutations (about a sixth of making them). The worker also
encodes each event as the journal will hold it (``TranslatedEvent.encoded``), so the store does
not (at 100k datasets the server, not the worker, is the bottleneck: 2,565–2,631 → 2,775 events/s).

Mutations cross as plain tuples: pickling a named tuple runs Python code per object (its
``__reduce_ex__`` when dumped, its ``__new__`` when loaded), a plain tuple none. On a 500-event
batch of the 10k mesh that halves the worker's pickling (40 → 22 ms) and makes the server's
unpickling and rebuilding 35 % cheaper (19.5 → 12.6 ms).

The worker runs under the server's GC policy (``graph.heap.tune_gc``): at CPython's default
thresholds its collectors walk the batch in hand over and over, ~10-25 % of its CPU.

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
from typing import Optional

from starlette.concurrency import run_in_threadpool

from graph.api.ingest import IngestConfig, Translated, TranslatedEvent, translate_batch
from graph.heap import tune_gc
from graph.mutations import UpsertEdge, UpsertNode

MIN_WORKER_BYTES = 64 * 1024  # ~20 events of a typical mesh; below it a thread translates


class BatchTranslator:
    """Translates request bodies of ``POST /api/v1/lineage/batch`` in one worker process, started
    on first use (spawned: a fork would share, and then copy, the store's heap)."""

    def __init__(self, config: IngestConfig, min_worker_bytes: int = MIN_WORKER_BYTES) -> None:
        self.config = config
        self.min_worker_bytes = min_worker_bytes
        self._pool: Optional[ProcessPoolExecutor] = None
        self._lock = Lock()

    async def translate(self, body: bytes) -> Translated:
        """Each event's mutations or the reason it is invalid; raises ``RequestRejected`` for the batch."""
        if len(body) < self.min_worker_bytes:
            return await run_in_threadpool(translate_batch, body, self.config)
        pool = self._worker()
        try:
            return _from_wire(await asyncio.wrap_future(pool.submit(_translate_to_wire, body, self.config)))
        except BrokenProcessPool:  # the worker died (killed, out of memory): the next batch gets a new one
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
                self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=tune_gc)
            return self._pool

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is pool:
                self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)


_Wire = list[tuple[list[tuple[object, ...]], bytes] | str]


def _translate_to_wire(body: bytes, config: IngestConfig) -> _Wire:
    """``translate_batch`` in the worker, each mutation sent as a plain tuple of its fields."""
    return [item if isinstance(item, str) else (list(map(tuple, item.mutations)), item.encoded)
            for item in translate_batch(body, config)]


_BY_WIDTH = {len(UpsertNode._fields): UpsertNode, len(UpsertEdge._fields): UpsertEdge}
_as = tuple.__new__  # a named tuple from a tuple of its fields, without its Python-level __new__


def _from_wire(translated: _Wire) -> Translated:
    by_width = _BY_WIDTH
    return [item if isinstance(item, str) else TranslatedEvent([_as(by_width[len(m)], m) for m in item[0]], item[1])
            for item in translated]
