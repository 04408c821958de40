"""The process heap around a big resident graph: the cyclic garbage collector's policy.

CPython's cyclic GC walks every tracked container object on a collection of their generation.
Decided process-wide by whoever owns the process (the CLI, the server, the benchmark), never by
the store:

* :func:`tune_gc` sets the thresholds: a process whose new objects mostly live on (a bulk load, a
  batch translation) collects its young generation rarely (:data:`HOLDING`); a server collects
  every generation regularly (:data:`SERVING`), since every request leaves garbage, some of it in
  reference cycles, and a server may never be quiet;
* :func:`keep_freed_memory` (a process that runs one load and exits: ``lineagemesh ingest
  openlineage`` and its translation workers) keeps the memory a batch frees for the next batch,
  rather than giving it back to the system and faulting it in again;
* :func:`settle_heap` moves everything alive into the permanent generation (``gc.freeze``), so no
  later collection walks it. Frozen objects are never collected, so cyclic garbage they later turn
  into would leak: only single-threaded loads use it, between batches. The server does not:
  the embedded graph lives in native arrays, and a server holding the 10k mesh tracks ~73k
  objects, a full collection ~33 ms on a loaded 2-core VM (measured), which freezing would save
  at the risk of pinning live subscriptions' state for good.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import sys

HOLDING = 1_000_000
"""Young-generation threshold for a process whose new objects mostly live on: a bulk load holding
the graph as it grows, or the HTTP ingest worker translating a batch at a time."""
SERVING = 100_000
"""... for a server (either store): its requests' garbage must be collected, and is."""
REMOTE = SERVING
"""... for a process serving a graph held elsewhere (Neo4j): the driver's sessions leave cyclic
garbage, ~470k objects during an HTTP load of the 10k mesh, that at 1M piles up into single
collections of ~0.5 s."""


def tune_gc(young: int = HOLDING) -> None:
    """GC thresholds for this process; ``young`` is :data:`HOLDING` or :data:`SERVING`.

    A young-generation collection walks every container object allocated since the last one and
    still alive: during ingest that is the batch's new records and whatever it has in flight,
    ~0.35 µs each (measured on the 10k mesh over HTTP: at 700, CPython's default, bulk ingest is
    1.6x slower than at 100k). The older generations are collected every 10 collections of the
    one below (CPython's default), so garbage that survived a young collection is not kept for
    good: a server's full collection walks its ~73k tracked objects, not the native graph.
    """
    gc.set_threshold(young, 10, 10)


def settle_heap() -> None:
    """Collect what is garbage now, then freeze the rest out of every later collection."""
    gc.collect()
    gc.freeze()


@functools.cache
def glibc() -> ctypes.CDLL | None:
    """The GNU C library this process runs on, its symbols as loaded already
    (``ctypes.util.find_library`` would run ``ldconfig``: ~30-70 ms of every process's start); None
    elsewhere (musl's ``mallopt`` does nothing)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.gnu_get_libc_version  # noqa: B018 - glibc's alone
    except (OSError, AttributeError, TypeError):
        return None
    libc.mallopt.restype = ctypes.c_int
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return libc


_LIBC = glibc()
_MALLOC_TRIM = _LIBC.malloc_trim if _LIBC is not None else None
_MALLOPT = _LIBC.mallopt if _LIBC is not None else None
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h

#: What a batch process keeps of what it frees (:func:`keep_freed_memory`): blocks below this
#: size come from the heap, not a mapping of their own (glibc's default starts at 128 KiB and
#: moves with what is freed)...
KEPT_BLOCK_BYTES = 32 * 2**20
#: ... and the heap's free top is given back only past this size (glibc: twice the above).
KEPT_TOP_BYTES = 128 * 2**20


def keep_freed_memory() -> None:
    """Keep freed memory for reuse in a process that runs one load and exits (glibc's
    ``mallopt``; elsewhere nothing). A load frees each batch's buffers (its events' bytes, the
    translation's tables, a plan's arrays: megabytes, some in each thread's arena), and glibc
    gave their pages back to the system and faulted them in again for the next: ~190k page
    faults a re-run of the 20k mesh, half of them that. A server does not call this: its memory
    must return to its baseline after a burst (:func:`release_free_memory`)."""
    if _MALLOPT is not None:
        _MALLOPT(_M_MMAP_THRESHOLD, KEPT_BLOCK_BYTES)
        _MALLOPT(_M_TRIM_THRESHOLD, KEPT_TOP_BYTES)


def release_free_memory() -> None:
    """Give the allocator's free memory back to the system (glibc's ``malloc_trim``; elsewhere
    nothing). After a burst of large buffers (subscription answers of a megabyte, freed when the
    last subscriber leaves) glibc keeps their pages for reuse: the resident size would stay at the
    burst's peak. Measured: RSS 80 MB before 256 subscribers, 102 MB after they left without it."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)
